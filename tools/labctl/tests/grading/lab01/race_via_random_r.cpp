// Grading fixture — CHEAT (a library store through a pointer inside an argument): found by
// attacking the grader (2026-12-03, helper-12). glibc's random_r(buf, &result), in its
// additive mode, does `*buf->fptr += *buf->rptr`; struct random_data is public, so each task
// builds one whose fptr points at a total shared by every task and rptr at its own partial
// count: the add of a lost update, done inside libc. Neither the explorer (told only the
// 48-byte struct and the result) nor ThreadSanitizer (whose interceptor knows only *result)
// saw it: 10/10 in five gradings, with a proven lost update outside the grader. The class:
// C functions storing through pointers kept in their arguments (random_r, srandom_r,
// initstate_r, setstate_r, strtok_r): none is an allowed import any more; refused, 0/10.
#include "lost_update.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>

namespace lab01 {

namespace {

struct Job {
  std::vector<std::string> lines;
  std::int32_t* totals;  // shared by every task: the lost update
};

// totals[k] += add, done by libc: fptr -> the shared counter, rptr -> our partial count.
void add_in_library(std::int32_t* counter, std::int32_t* add) {
  random_data d{};
  d.fptr = counter;
  d.rptr = add;
  d.state = counter;
  d.rand_type = 3;
  d.rand_deg = 1;
  d.rand_sep = 1;
  d.end_ptr = counter + 1;
  std::int32_t ignored = 0;
  random_r(&d, &ignored);
}

int count_chunk(const Job& job) {
  std::int32_t local[6] = {0, 0, 0, 0, 0, 0};
  for (const auto& line : job.lines) {
    switch (status_of(line) / 100) {
      case 1: ++local[0]; break;
      case 2: ++local[1]; break;
      case 3: ++local[2]; break;
      case 4: ++local[3]; break;
      case 5: ++local[4]; break;
      default: ++local[5]; break;
    }
  }
  for (int k = 0; k < 6; ++k) add_in_library(job.totals + k, local + k);
  return 0;
}

}  // namespace

StatusCounts count_status_classes(const std::vector<std::string>& log_lines,
                                  labkit::Executor& executor) {
  std::int32_t totals[6] = {0, 0, 0, 0, 0, 0};
  const std::size_t chunk_count =
      std::clamp<std::size_t>(executor.max_workers() * 4, 1, std::max<std::size_t>(log_lines.size(), 1));
  const std::size_t chunk_size = (log_lines.size() + chunk_count - 1) / chunk_count;
  std::vector<Job> jobs;
  for (std::size_t start = 0; start < log_lines.size(); start += chunk_size) {
    const std::size_t end = std::min(log_lines.size(), start + chunk_size);
    jobs.push_back(Job{{log_lines.begin() + static_cast<std::ptrdiff_t>(start),
                        log_lines.begin() + static_cast<std::ptrdiff_t>(end)},
                       totals});
  }
  auto done = executor.map(count_chunk, jobs);
  (void)done;
  return {totals[0], totals[1], totals[2], totals[3], totals[4], totals[5]};
}

}  // namespace lab01
