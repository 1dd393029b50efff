// Grading fixture — HOSTILE: the right answer, plus state kept in errno, the C library's
// thread-local slot (a worker thread's tasks all see it). errno is a macro for
// `*__errno_location()`: the source check refuses names reserved for the compiler and the
// library, typed or brought by a macro. Expected: 0, refused, naming __errno_location.
#include "lost_update.hpp"

#include <algorithm>
#include <cerrno>

namespace lab01 {

namespace {

// One task: everything it reads came in as its argument; everything it produces
// goes out as its return value.
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

StatusCounts count_status_classes(const std::vector<std::string>& log_lines,
                                  labkit::Executor& executor) {
  // A few chunks per worker keeps every worker busy without drowning in tiny tasks.
  const std::size_t chunk_count =
      std::clamp<std::size_t>(executor.max_workers() * 4, 1, std::max<std::size_t>(log_lines.size(), 1));
  const std::size_t chunk_size = (log_lines.size() + chunk_count - 1) / chunk_count;

  std::vector<std::vector<std::string>> chunks;
  for (std::size_t start = 0; start < log_lines.size(); start += chunk_size) {
    const std::size_t end = std::min(log_lines.size(), start + chunk_size);
    chunks.emplace_back(log_lines.begin() + static_cast<std::ptrdiff_t>(start),
                        log_lines.begin() + static_cast<std::ptrdiff_t>(end));
  }

  StatusCounts total;
  errno = errno + 1;  // a counter nobody declared
  for (const StatusCounts& partial : executor.map(count_chunk, chunks)) total += partial;
  return total;
}

}  // namespace lab01
