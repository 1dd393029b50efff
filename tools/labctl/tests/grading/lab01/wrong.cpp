// Grading fixture — WRONG: parallel, race-free and without globals, but the chunking
// drops the last lines of the log. It must earn nothing: correct fails, and the other
// criteria are not scored while the answer is wrong.
#include "lost_update.hpp"

#include <algorithm>

namespace lab01 {
namespace {
// Status class (status / 100) to counter: 0 and anything above 5 count as malformed.
constexpr long StatusCounts::*kClass[] = {&StatusCounts::malformed, &StatusCounts::informational,
                                          &StatusCounts::success, &StatusCounts::redirect,
                                          &StatusCounts::client_error, &StatusCounts::server_error};
StatusCounts count_lines(std::vector<std::string> lines) {
  StatusCounts counts;
  for (const auto& line : lines) {
    ++(counts.*kClass[std::clamp(status_of(line) / 100, 0, 6) % 6]);
  }
  return counts;
}
}  // namespace

StatusCounts count_status_classes(const std::vector<std::string>& log_lines, labkit::Executor& executor) {
  std::vector<labkit::Future<StatusCounts>> parts;
  const std::size_t chunk = 7;
  for (std::size_t start = 0; start + chunk <= log_lines.size(); start += chunk) {  // the bug: the tail is lost
    parts.push_back(executor.submit(count_lines, std::vector<std::string>(log_lines.begin() + start,
                                                                           log_lines.begin() + start + chunk)));
  }
  StatusCounts total;
  for (auto& part : parts) total += part.get();
  return total;
}
}  // namespace lab01
