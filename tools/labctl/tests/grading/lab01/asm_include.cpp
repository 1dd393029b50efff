// Grading fixture — HOSTILE (class 3): the assembler's own .include, in top-level asm,
// reads a file of the instructor's (its lines end up in the assembler's error messages,
// and so in the report). The include policy only looked for the directive that includes a
// file's bytes.
// Stopped by the source check (grade/source_check.cpp): no inline assembly in a lab file;
// the compiler also runs with -fno-gnu-inline-asm. Must score 0.
#include "lost_update.hpp"

#include <algorithm>

asm(".include \"/tmp/racelab-grade-test-secret/answer.txt\"");
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
