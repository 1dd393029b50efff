// Grading fixture — HOSTILE (class 4): a correct fix that keeps one mutable global (it
// counts the calls), named like a sanitizer's symbol, which the old no-globals check skipped
// by prefix.
// Stopped by the source check (a reserved name, grade/source_check.cpp) and again by the
// object check (grade/object_check.cpp): a lab file may not define a name
// the sanitizers reserve (__tsan_*, ...); had it another name, its 8 bytes in .bss would
// fail no_globals whatever the name. Must score 0.
#include "lost_update.hpp"

#include <algorithm>

long __tsan_calls_seen;
namespace lab01 {
namespace {
StatusCounts count_chunk(const std::vector<std::string>& chunk) {
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
  ++__tsan_calls_seen;
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
