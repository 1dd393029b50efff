// Grading fixture — a correct fix that keeps one plain mutable global (it counts the calls)
// in the global namespace, where C++ does not mangle a variable's name. Not an attack: an
// honest mistake, which costs the no_globals criterion and nothing more (9/10). The object
// check counts its 8 bytes in .bss whatever the program's own NoGlobals test says, and does
// not take the unmangled name for an extern "C" definition.
#include "lost_update.hpp"

#include <algorithm>

long calls_seen = 0;

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
  ++calls_seen;
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
