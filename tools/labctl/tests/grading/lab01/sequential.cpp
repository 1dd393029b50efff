// Grading fixture — SEQUENTIALISED: the right answer, race-free and without globals, but
// all the work is one task. It earns everything but the `parallel` criterion.
#include "lost_update.hpp"

#include <algorithm>

namespace lab01 {
namespace {
// Status class (status / 100) to counter: 0 and anything above 5 count as malformed.
constexpr long StatusCounts::*kClass[] = {&StatusCounts::malformed, &StatusCounts::informational,
                                          &StatusCounts::success, &StatusCounts::redirect,
                                          &StatusCounts::client_error, &StatusCounts::server_error};
StatusCounts count_all(std::vector<std::string> lines) {
  StatusCounts counts;
  for (const auto& line : lines) {
    ++(counts.*kClass[std::clamp(status_of(line) / 100, 0, 6) % 6]);
  }
  return counts;
}
}  // namespace

StatusCounts count_status_classes(const std::vector<std::string>& log_lines, labkit::Executor& executor) {
  return executor.submit(count_all, log_lines).get();
}
}  // namespace lab01
