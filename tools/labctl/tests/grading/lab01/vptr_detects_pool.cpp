// Grading fixture — KNOWN OPEN (helper-15, 2026-12-03; not in tools_grading's lists while it is
// not held): tells a real pool from the tests' executors by comparing vtable pointers with
// memcpy/memcmp (typeid is refused), counts sequentially on real pools and runs the honest
// solution on the test executors: 10/10 (9 deserved: the Parallel point). docs/grading.md.
// Tells a real labkit::ThreadPoolExecutor from the tests' own executors without typeid or
// dynamic_cast: the object's first 8 bytes (its vtable pointer), copied with memcpy, against
// those of a ThreadPoolExecutor made here. On a real pool: no tasks, the whole log counted on the
// calling thread. On the tests' ExposureExecutor / ShuffledExecutor: the reference solution.
#include "lost_update.hpp"

#include <algorithm>
#include <cstring>

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
  {
    labkit::ThreadPoolExecutor probe(1);
    unsigned char mine[8], real[8];
    std::memcpy(mine, static_cast<const void*>(&executor), 8);
    std::memcpy(real, static_cast<const void*>(&probe), 8);
    if (std::memcmp(mine, real, 8) == 0) return count_chunk(log_lines);  // a real pool: sequential
  }
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
  for (const StatusCounts& partial : executor.map(count_chunk, chunks)) total += partial;
  return total;
}

}  // namespace lab01
