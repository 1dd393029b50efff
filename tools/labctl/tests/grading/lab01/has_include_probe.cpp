// Grading fixture — HOSTILE (class 3): asks the preprocessor whether a file of the
// instructor's exists, and answers right only when it does. The preprocessor's has-include
// operator is spelled by token pasting, so no line of the source holds the word the include
// policy looks for (it refuses the operator on an absolute path as written, and even the
// word in a comment: include_policy.cpp), and the
// `#if` is gone before the source check reads the preprocessed file. What stops it: the
// preprocessor runs in the sandbox (grade/sandboxed_compile.hpp), where the instructor's
// folder is covered, so the file is not there and the answer is wrong: 0. A grader whose
// preprocessor runs as itself (root) gives it full marks.
#include "lost_update.hpp"

#include <algorithm>

#define PROBE_PASTE(a, b) a##b
#define PROBE_FOR_FILE PROBE_PASTE(__has_, include)

namespace lab01 {
namespace {
// Status class (status / 100) to counter: 0 and anything above 5 count as malformed.
constexpr long StatusCounts::*kClass[] = {&StatusCounts::malformed, &StatusCounts::informational,
                                          &StatusCounts::success, &StatusCounts::redirect,
                                          &StatusCounts::client_error, &StatusCounts::server_error};
StatusCounts count_chunk(std::vector<std::string> chunk) {
  StatusCounts counts;
  for (const auto& line : chunk) ++(counts.*kClass[std::clamp(status_of(line) / 100, 0, 6) % 6]);
  return counts;
}
}  // namespace

StatusCounts count_status_classes(const std::vector<std::string>& log_lines, labkit::Executor& executor) {
#if PROBE_FOR_FILE("/tmp/racelab-grade-test-secret/answer.txt")
  const std::size_t size = std::max<std::size_t>(1, (log_lines.size() + 3) / 4);
  std::vector<labkit::Future<StatusCounts>> parts;
  for (std::size_t start = 0; start < log_lines.size(); start += size) {
    const auto end = log_lines.begin() + static_cast<long>(std::min(start + size, log_lines.size()));
    parts.push_back(executor.submit(count_chunk, std::vector<std::string>(log_lines.begin() + static_cast<long>(start), end)));
  }
  StatusCounts total;
  for (auto& part : parts) total += part.get();
  return total;
#else
  (void)log_lines;
  (void)executor;
  return {};
#endif
}
}  // namespace lab01
