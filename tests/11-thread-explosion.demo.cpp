// Lab 11 demo: what one thread per connection costs, measured. Built against both
// sides (lab11_starter_demo, lab11_solution_demo); meant for the release preset:
//
//   cmake --preset release -B build/release
//   cmake --build build/release --target lab11_starter_demo lab11_solution_demo
//   build/release/tests/lab11_starter_demo  [--measure] [connections] [max_workers] [wait_ms]
//   build/release/tests/lab11_solution_demo [--measure] [connections] [max_workers] [wait_ms]
//
// It serves `connections` simulated connections (default 5000) with lab11::serve on a
// ThreadPoolExecutor(max_workers) (default 0: one worker per core), each handler
// rendering its page and then waiting `wait_ms` milliseconds (default 0) for a slow
// client, while a sampler reads the thread count from /proc/self/status every
// millisecond.
//
// By default it prints ONE line, for `tools/lab race 11`: how many responses equal a
// plain loop's, and the most threads the process had at once (without the sampler), e.g.
//   "5000/5000 responses right, peak 3 threads"     (solution: main + 2 workers)
//   "5000/5000 responses right, peak 91 threads"    (starter: varies from run to run)
// Both sides answer right; only the thread count differs, and for the starter it depends
// on how the scheduler interleaves the 5000 short-lived threads.
//
// With --measure it prints the measurements instead: the most threads the process had
// at once, the most handlers running at once, the peak resident memory, the context
// switches, and the wall-clock time.
#include "server.hpp"

#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace {

// A number from /proc/self/status, e.g. field "Threads:" or "VmHWM:" (in kB).
long status_field(const std::string& field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field, 0) == 0) return std::stol(line.substr(field.size()));
  }
  return -1;
}

void raise_to(std::atomic<long>& most, long value) {
  long seen = most.load();
  while (value > seen && !most.compare_exchange_weak(seen, value)) {
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  const bool measure = !args.empty() && args[0] == "--measure";
  if (measure) args.erase(args.begin());
  const std::size_t connection_count = args.size() > 0 ? std::stoul(args[0]) : 5000;
  const std::size_t max_workers = args.size() > 1 ? std::stoul(args[1]) : 0;
  const long wait_ms = args.size() > 2 ? std::stol(args[2]) : 0;

  std::vector<lab11::Connection> connections;
  for (std::size_t i = 0; i < connection_count; ++i)
    connections.push_back({static_cast<int>(i), "GET /articles/" + std::to_string(i) + " HTTP/1.1"});

  std::atomic<long> running{0};
  std::atomic<long> most_running{0};
  const lab11::Handler handler = [&](const lab11::Connection& connection) {
    raise_to(most_running, running.fetch_add(1) + 1);
    lab11::Response response = lab11::handle_request(connection);
    if (wait_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms));
    running.fetch_sub(1);
    return response;
  };

  // The sampler: one extra thread, which the figures below leave out.
  std::atomic<bool> sampling{true};
  std::atomic<long> most_threads{0};
  std::thread sampler([&] {
    while (sampling.load()) {
      raise_to(most_threads, status_field("Threads:"));
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });

  labkit::ThreadPoolExecutor executor(max_workers);
  const long threads_before = status_field("Threads:") - 1;  // without the sampler
  const long rss_before_kb = status_field("VmRSS:");
  rusage usage_before{};
  getrusage(RUSAGE_SELF, &usage_before);
  const auto start = std::chrono::steady_clock::now();

  const std::vector<lab11::Response> responses = lab11::serve(connections, handler, executor);

  const auto elapsed = std::chrono::steady_clock::now() - start;
  rusage usage_after{};
  getrusage(RUSAGE_SELF, &usage_after);
  sampling.store(false);
  sampler.join();

  if (!measure) {
    std::size_t right = 0;
    for (std::size_t i = 0; i < connections.size() && i < responses.size(); ++i)
      right += responses[i] == lab11::handle_request(connections[i]) ? 1 : 0;
    std::printf("%zu/%zu responses right, peak %ld threads\n", right, connection_count, most_threads.load() - 1);
    return 0;
  }

  const long switches = (usage_after.ru_nvcsw - usage_before.ru_nvcsw) + (usage_after.ru_nivcsw - usage_before.ru_nivcsw);
  std::printf("%zu connections, max_workers %zu, %ld ms wait per connection: %zu responses\n", connection_count,
              executor.max_workers(), wait_ms, responses.size());
  std::printf("  threads at once (process)  %ld (%ld before serve)\n", most_threads.load() - 1, threads_before);
  std::printf("  handlers at once           %ld\n", most_running.load());
  std::printf("  peak resident memory       %.1f MiB (%.1f MiB before serve)\n", status_field("VmHWM:") / 1024.0,
              rss_before_kb / 1024.0);
  std::printf("  context switches           %ld\n", switches);
  std::printf("  time                       %.1f ms\n",
              std::chrono::duration<double, std::milli>(elapsed).count());
  return responses.size() == connection_count ? 0 : 1;
}
