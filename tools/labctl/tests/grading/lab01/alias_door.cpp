// Grading fixture — KNOWN OPEN (helper-15, 2026-12-03; not in tools_grading's lists while it is
// not held): forged_tasks_via_schedule without the refused tokens (the Executor class reached
// as std::remove_reference_t<labkit::Executor&>, the task type read off schedule()'s member
// pointer): 10/10 (9 deserved: the empty-tasks Parallel point). A token check cannot close
// this class: docs/grading.md, "Known open".
// forged_tasks_via_schedule without the tokens the source check now refuses: the Executor
// class is reached as std::remove_reference_t<labkit::Executor&> (the token `Executor` is
// followed by `&`), and labkit::detail::Task as the element type of schedule()'s parameter,
// read off a member pointer. Counts everything on the calling thread; hands two do-nothing
// tasks straight to the protected schedule().
#include "lost_update.hpp"

#include <memory>
#include <type_traits>

namespace lab01 {

namespace {

template <class C, class A>
A arg_of(void (C::*)(A));

using Base = std::remove_reference_t<labkit::Executor&>;

struct Door : Base {
  using Ptr = decltype(arg_of(&Door::schedule));
  static void hand(labkit::Executor& executor, Ptr task) { (executor.*(&Door::schedule))(std::move(task)); }
};

using TaskBase = Door::Ptr::element_type;

struct Nothing final : TaskBase {
  void run() noexcept override {}
  void cancel() noexcept override {}
 private:
  void release_task() noexcept override { delete this; }
};

}  // namespace

StatusCounts count_status_classes(const std::vector<std::string>& log_lines,
                                  labkit::Executor& executor) {
  Door::hand(executor, Door::Ptr(new Nothing));
  Door::hand(executor, Door::Ptr(new Nothing));
  StatusCounts counts;
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
  return counts;
}

}  // namespace lab01
