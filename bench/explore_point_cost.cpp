// What one scheduling point of the explorer costs (docs/performance.md, issue 7): THREADS
// threads each lock and unlock one shared mutex PAIRS times, doing nothing else. Run plain
// and under the explorer's preload library (tools/bench-explore does both): the difference
// divided by the number of points (2 per pair per thread) is the price of a point. Prints
// the seconds the loop took, as measured inside the program (process start-up excluded).
//
//   explore_point_cost [PAIRS] [THREADS]      (default 100000 2)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

int main(int argc, char** argv) {
  const long pairs = argc > 1 ? std::atol(argv[1]) : 100000;
  const int threads = argc > 2 ? std::atoi(argv[2]) : 2;
  if (pairs < 1 || threads < 1) {
    std::fprintf(stderr, "usage: explore_point_cost [PAIRS >= 1] [THREADS >= 1]\n");
    return 2;
  }
  std::mutex mutex;
  long total = 0;
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (long i = 0; i < pairs; ++i) {
        std::lock_guard<std::mutex> lock(mutex);
        ++total;
      }
    });
  }
  for (auto& worker : workers) worker.join();
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  std::printf("%.6f\n", took.count());
  return total == pairs * threads ? 0 : 1;
}
