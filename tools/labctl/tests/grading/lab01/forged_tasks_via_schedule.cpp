// Grading fixture — CHEAT (helper-14, 2026-12-03): counts everything on the calling thread
// and hands the executor two do-nothing task objects of its own (deriving from
// labkit::detail::Task) through the protected schedule(), reached through a class derived
// from labkit::Executor: no submit(), yet two tasks "at once" for the Parallel test. Scored
// 10/10 three times in three (9 deserved: the known "empty tasks" class, docs/grading.md).
// Closed by the source check: `detail::` and an Executor named other than as the reference a
// lab is given are refused (grade/source_check.cpp); refused, 0/10.
#include "lost_update.hpp"

namespace lab01 {

namespace {

struct Nothing final : labkit::detail::Task {
  void run() noexcept override {}
  void cancel() noexcept override {}
 private:
  void release_task() noexcept override { delete this; }
};

struct Door : labkit::Executor {
  static void hand(labkit::Executor& executor, labkit::detail::TaskPtr task) {
    (executor.*(&Door::schedule))(std::move(task));
  }
};

}  // namespace

StatusCounts count_status_classes(const std::vector<std::string>& log_lines,
                                  labkit::Executor& executor) {
  Door::hand(executor, labkit::detail::TaskPtr(new Nothing));
  Door::hand(executor, labkit::detail::TaskPtr(new Nothing));
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
