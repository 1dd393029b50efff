// Grading fixture — HOSTILE (class 4): a correct fix that keeps one mutable global in
// namespace std, which the old no-globals check took for the standard library's own.
// Stopped by the source check (grade/source_check.cpp): a lab file may not open namespace
// std; the object check would also refuse the strong definition in std:: and count its
// bytes. Must score 0.
#include "lost_update.hpp"

#include <algorithm>

namespace std {
long lab01_calls_seen;
}  // namespace std
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
  ++std::lab01_calls_seen;
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
