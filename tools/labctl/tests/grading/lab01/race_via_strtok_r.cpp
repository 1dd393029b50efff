// Grading fixture — CHEAT (a library store through a position the caller keeps): found by
// attacking the grader (2026-12-03, helper-12). strtok_r(nullptr, " ", &save) with each
// task's `save` pointing into one buffer shared by every task writes its NUL into that
// buffer, where the explorer was told nothing (s is null) and ThreadSanitizer has no
// strtok_r interceptor: a write/read race between tasks, 10/10. strtok_r is not an allowed
// import any more (with random_r and its kin): refused, 0/10.
// Lab 01 — lost update: the reference solution.
//
// What changed, and why:
//   - The six global counters are gone. Each task counts its own chunk into a local
//     StatusCounts and RETURNS it: no two tasks ever write the same memory.
//   - Raw threads are replaced by executor.map(): the chunk goes in as the task's
//     argument (copied), the partial count comes back through the future.
//   - The caller adds the partial counts up after every task has finished. Addition
//     is done in input order, so the answer is the same on every run.
#include "lost_update.hpp"

#include <algorithm>
#include <cstring>

namespace lab01 {

namespace {

// One task: everything it reads came in as its argument; everything it produces
// goes out as its return value.
struct Job { std::vector<std::string> lines; char* shared; };

StatusCounts count_chunk(const Job& job) {
  const auto& chunk = job.lines;
  // strtok_r(NULL, ...) continues at *save, which points into a buffer every task shares:
  // it stores a NUL at shared[1], which the explorer is not told (only s[0] and the saveptr).
  char* save = job.shared;
  strtok_r(nullptr, " ", &save);
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

  char shared[8] = "a b";
  std::vector<Job> chunks;
  for (std::size_t start = 0; start < log_lines.size(); start += chunk_size) {
    const std::size_t end = std::min(log_lines.size(), start + chunk_size);
    chunks.push_back(Job{{log_lines.begin() + static_cast<std::ptrdiff_t>(start),
                        log_lines.begin() + static_cast<std::ptrdiff_t>(end)}, shared});
  }

  StatusCounts total;
  for (const StatusCounts& partial : executor.map(count_chunk, chunks)) total += partial;
  return total;
}

}  // namespace lab01
