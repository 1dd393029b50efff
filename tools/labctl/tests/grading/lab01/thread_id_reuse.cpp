// Grading fixture — CHEAT (helper-15, 2026-12-03): serial work submitted from two short-lived
// helper threads, one after the other; glibc gave the second the first's std::thread::id, so
// ExposureExecutor::tasks_at_once(), keyed by it, counted both as one thread's two tasks and
// Parallel passed: 10/10 three times (9 deserved). It now keys each thread by a number it
// draws once (testing.cpp's this_thread_serial): 9/10.
// Serial work in two tasks: the second is submitted only after the first has finished.
// Each is submitted from a short-lived thread of our own that does not wait; the
// calling thread waits. The two helper threads run one after the other.
#include "lost_update.hpp"

#include <optional>
#include <thread>

namespace lab01 {

namespace {

StatusCounts count_chunk(std::vector<std::string> chunk) {
  StatusCounts counts;
  for (const auto& line : chunk) {
    switch (status_of(line) / 100) {
      case 1: ++counts.informational; break;
      case 2: ++counts.success; break;
      case 3: ++counts.redirect; break;
      case 4: ++counts.client_error; break;
      case 5: ++counts.server_error; break;
      default: ++counts.malformed; break;
    }
  }
  return counts;
}

}  // namespace

StatusCounts count_status_classes(const std::vector<std::string>& log_lines,
                                  labkit::Executor& executor) {
  const std::size_t half = log_lines.size() / 2;
  std::vector<std::string> first(log_lines.begin(), log_lines.begin() + static_cast<std::ptrdiff_t>(half));
  std::vector<std::string> second(log_lines.begin() + static_cast<std::ptrdiff_t>(half), log_lines.end());
  StatusCounts total;
  for (auto* part : {&first, &second}) {
    std::optional<labkit::Future<StatusCounts>> future;
    std::thread submitter([&] { future.emplace(executor.submit(count_chunk, std::move(*part))); });
    submitter.join();
    total += future->get();  // this task finishes before the next one is submitted
  }
  return total;
}

}  // namespace lab01
