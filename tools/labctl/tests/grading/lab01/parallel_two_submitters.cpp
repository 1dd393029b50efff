// Grading fixture — NONDETERMINISTIC VERDICT (helper-14, 2026-12-03): honest and race-free,
// two halves counted at the same time, each submitted and waited for on its own thread (the
// caller's and one helper thread). Scored 10/10 in 1 grading of 6 and 9/10 in the others:
// whether both tasks went through one ExposureExecutor gate depended on which thread waited
// first. tasks_at_once() now counts per submitting thread (labkit/testing.hpp): 1 task per
// thread before it waits, so Parallel fails in every grading: 9/10, every time.
#include "lost_update.hpp"

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
  const std::size_t half = log_lines.size() / 4;  // the caller counts a quarter, the helper the rest
  StatusCounts second_counts;
  std::thread helper([&executor, &log_lines, half, &second_counts] {
    std::vector<std::string> second(log_lines.begin() + static_cast<std::ptrdiff_t>(half), log_lines.end());
    auto future = executor.submit(count_chunk, std::move(second));
    second_counts = future.get();
  });
  std::vector<std::string> first(log_lines.begin(), log_lines.begin() + static_cast<std::ptrdiff_t>(half));
  auto future = executor.submit(count_chunk, std::move(first));
  StatusCounts total = future.get();
  helper.join();
  total += second_counts;
  return total;
}

}  // namespace lab01
