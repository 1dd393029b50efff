// HELD now: the source check refuses explicit instantiations (grade/source_check.cpp): 0, refused
// (since 2026-12-03 already at line 30, for naming `labkit::Executor` other than as a reference).
// Grading fixture — CHEAT (new class: the code under test writes the test's instruments):
// counts every line on the calling thread, submits nothing, and then adds 2 to the
// executor's private count of submitted tasks, which Parallel.WorkIsSplitIntoSeveralTasks
// reads (tasks_submitted() >= 2). Standard C++, no undefined behaviour, no import beyond
// what the honest solution uses: the arguments of an explicit instantiation are not
// access-checked ([temp.spec]), so `template struct Lend<&labkit::Executor::submitted_>;`
// hands the private member's address to a friend function. The source check refuses
// `template <>` (specialisations) but not an explicit instantiation (`template struct ...`).
// Scored 10/10 on h-attack (6ab72d1) with no task ever submitted; it deserves 9/10
// (sequential). The same door opens every private or protected member of every object the
// tests hand to lab code (executors' state, test doubles, loggers), in every lab.
// What would close the class: (1) the source check refuses explicit instantiations
// (`template` not followed by `<`; `extern template` too) — lab code never needs them; and
// (2) no criterion is decided by state the lab code can reach in its own address space: the
// Parallel test measures what the executor observed (tasks that actually ran, on how many
// threads, overlapping) in state kept behind an interface the lab code only calls.
#include "lost_update.hpp"

#include <atomic>
#include <cstddef>

namespace lab01 {

namespace {

// The well-known hole in access control: the arguments of an explicit instantiation are
// not access-checked, so a private member's address can be handed to a friend function.
struct Key {};
constexpr std::atomic<std::size_t> labkit::Executor::*counter_of(Key);
template <std::atomic<std::size_t> labkit::Executor::*Member>
struct Lend {
  friend constexpr std::atomic<std::size_t> labkit::Executor::*counter_of(Key) { return Member; }
};
template struct Lend<&labkit::Executor::submitted_>;

}  // namespace

StatusCounts count_status_classes(const std::vector<std::string>& log_lines,
                                  labkit::Executor& executor) {
  StatusCounts counts;  // all the work, here, on the calling thread
  for (const auto& line : log_lines) {
    switch (status_of(line) / 100) {
      case 1: ++counts.informational; break;
      case 2: ++counts.success; break;
      case 3: ++counts.redirect; break;
      case 4: ++counts.client_error; break;
      case 5: ++counts.server_error; break;
      default: ++counts.malformed; break;
    }
  }
  (executor.*counter_of(Key{})).fetch_add(2);  // "two tasks were submitted"
  return counts;
}

}  // namespace lab01
