// Grading fixture — CHEAT (new class: the `parallel` criterion is a count, not parallelism):
// keeps the starter's design — six counters that every task increments, shared and
// unsynchronised — and goes through the executor only to be counted. Each task is
// submitted and waited for before the next one is submitted, so no two ever run at once:
// ThreadSanitizer has no race to see, the ShuffledExecutor has no order to vary, and
// Parallel.WorkIsSplitIntoSeveralTasks (tasks_submitted() >= 2) is satisfied by tasks that
// run one after the other. (A plain loop on the calling thread plus two empty tasks scored
// 10/10 too.)
// Scored 10/10 on h-attack (fbb1e1a); it deserves what `sequential` gets, 9/10: all the
// work is serial. Every lab's Parallel test has the same shape (tasks_submitted() >= 2).
// What would close the class: measure overlap, not submissions — e.g. the test executor
// records how many tasks were running (or held at its gate) at once, and Parallel requires
// at least two tasks in flight together, each doing part of the work.
#include "lost_update.hpp"

#include <algorithm>

namespace lab01 {

StatusCounts count_status_classes(const std::vector<std::string>& log_lines,
                                  labkit::Executor& executor) {
  StatusCounts shared;  // written by every task, as in the starter
  const std::size_t chunk = std::max<std::size_t>(1, (log_lines.size() + 3) / 4);
  for (std::size_t start = 0; start < log_lines.size() || start == 0; start += chunk) {
    const std::size_t end = std::min(log_lines.size(), start + chunk);
    executor
        .submit([&shared, &log_lines, start, end] {
          for (std::size_t i = start; i < end; ++i) {
            switch (status_of(log_lines[i]) / 100) {
              case 1: ++shared.informational; break;
              case 2: ++shared.success; break;
              case 3: ++shared.redirect; break;
              case 4: ++shared.client_error; break;
              case 5: ++shared.server_error; break;
              default: ++shared.malformed; break;
            }
          }
        })
        .wait();  // one at a time: nothing ever runs in parallel
    if (log_lines.empty()) break;
  }
  return shared;
}

}  // namespace lab01
