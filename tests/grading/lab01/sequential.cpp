// Grading fixture — SEQUENTIALISED: the right answer, race-free and without globals, but
// all the work is one task. It earns everything but the `parallel` criterion.
#include "lost_update.hpp"

namespace lab01 {
namespace {
StatusCounts count_all(std::vector<std::string> lines) {
  StatusCounts counts;
  for (const auto& line : lines) {
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

StatusCounts count_status_classes(const std::vector<std::string>& log_lines, labkit::Executor& executor) {
  return executor.submit(count_all, log_lines).get();
}
}  // namespace lab01
