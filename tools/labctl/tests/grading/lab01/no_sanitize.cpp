// Grading fixture — HOSTILE (class 5): a right answer plus a racy shared counter, updated
// by every task in a function ThreadSanitizer is told not to instrument, so the race is
// never reported.
// Stopped by the source check (grade/source_check.cpp): no __attribute__ in a lab file
// (no_sanitize, [[clang::no_sanitize]] and the like). Must score 0.
#include "lost_update.hpp"

#include <algorithm>

namespace {
long lines_seen = 0;
__attribute__((no_sanitize("thread"))) void note(std::size_t lines) { lines_seen += static_cast<long>(lines); }
}  // namespace
namespace lab01 {
namespace {
StatusCounts count_chunk(const std::vector<std::string>& chunk) {
  note(chunk.size());
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

StatusCounts count_status_classes(const std::vector<std::string>& log_lines, labkit::Executor& executor) {

  const std::size_t chunk_size = log_lines.size() / 8 + 1;
  std::vector<std::vector<std::string>> chunks;
  for (std::size_t start = 0; start < log_lines.size(); start += chunk_size) {
    const std::size_t end = std::min(log_lines.size(), start + chunk_size);
    chunks.emplace_back(log_lines.begin() + static_cast<std::ptrdiff_t>(start),
                        log_lines.begin() + static_cast<std::ptrdiff_t>(end));
  }
  StatusCounts total;
  for (const StatusCounts& partial : executor.map(count_chunk, chunks)) total += partial;
  return total;
}
}  // namespace lab01
