// Grading fixture — HOSTILE: gives the right answer only if it can read a file outside
// its staging folder (the test puts one among the instructor's hidden tests). The
// sandbox hides that folder, so the answer is wrong and it earns nothing; a grader that
// let it read the file would give it full marks.
// Now stopped before it runs: file streams are not allowed imports
// (grade/allowed_imports.txt).
#include "lost_update.hpp"

#include <algorithm>

#include <fstream>

namespace lab01 {
namespace {
// Status class (status / 100) to counter: 0 and anything above 5 count as malformed.
constexpr long StatusCounts::*kClass[] = {&StatusCounts::malformed, &StatusCounts::informational,
                                          &StatusCounts::success, &StatusCounts::redirect,
                                          &StatusCounts::client_error, &StatusCounts::server_error};
bool can_read_the_secret() {
  std::ifstream secret("/tmp/racelab-grade-test-secret/answer.txt");
  std::string word;
  return secret >> word && word == "open-sesame";
}
StatusCounts count_one(std::string line) {
  StatusCounts counts;
  ++(counts.*kClass[std::clamp(status_of(line) / 100, 0, 6) % 6]);
  return counts;
}
}  // namespace

StatusCounts count_status_classes(const std::vector<std::string>& log_lines, labkit::Executor& executor) {
  if (!can_read_the_secret()) return {};
  std::vector<labkit::Future<StatusCounts>> parts;
  for (const auto& line : log_lines) parts.push_back(executor.submit(count_one, line));
  StatusCounts total;
  for (auto& part : parts) total += part.get();
  return total;
}
}  // namespace lab01
