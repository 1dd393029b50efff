// Grading fixture (helper-15, 2026-12-03): 10/10 then (9 deserved: the empty-tasks Parallel
// point), 0 since 2026-12-04 — it does not compile: labkit::Executor's schedule() is private
// (executor.hpp), so no class of the code's own reaches it, whatever it calls Executor; and an
// explicit instantiation, the one way past `private`, is refused by the source check.
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
