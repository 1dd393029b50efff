// Tests for lab 01 — lost update. Built twice: against the student's starter
// (labs/01-lost-update) and against the reference solution (solutions/01-lost-update).
//
// Each suite is one grading criterion (tools/lab reads the suite names):
//   Correctness  the counts equal a plain sequential loop's (empty, one, many lines)
//   Determinism  the same counts whatever order the tasks run in (32 seeded orders)
//   RaceFree     run under the ExposureExecutor, where TSan sees any race between tasks
//   NoGlobals    the lab's object file holds no mutable static variable
//   Parallel     the work really went through the executor, as several tasks at once
#include "lost_update.hpp"
#include "01-lost-update.data.hpp"

#include <labkit/testing.hpp>

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace {

using lab01::StatusCounts;

using lab01::test_data::make_log;

// The sequential reference: one loop, no threads, obviously right.
StatusCounts count_sequentially(const std::vector<std::string>& lines) {
  StatusCounts counts;
  for (const auto& line : lines) {
    switch (lab01::status_of(line) / 100) {
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

// Checks that the test data itself is what the other tests assume.
TEST(Correctness, ReferenceCountsEveryClass) {
  const StatusCounts counts = count_sequentially(make_log(700));
  EXPECT_GT(counts.informational, 0);
  EXPECT_GT(counts.success, 0);
  EXPECT_GT(counts.server_error, 0);
  EXPECT_EQ(counts.malformed, 100);
}

// An empty log counts nothing (and must not crash on zero chunks).
TEST(Correctness, EmptyLog) {
  labkit::ThreadPoolExecutor executor(4);
  EXPECT_EQ(lab01::count_status_classes({}, executor), StatusCounts{});
}

// One line lands in exactly one counter.
TEST(Correctness, OneLine) {
  labkit::ThreadPoolExecutor executor(4);
  const std::vector<std::string> log = {
      "127.0.0.1 - - [22/Nov/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 404 0"};
  StatusCounts expected;
  expected.client_error = 1;
  EXPECT_EQ(lab01::count_status_classes(log, executor), expected);
}

// A few lines, a few per thread. Besides checking the counts, this is the test where
// ThreadSanitizer reliably sees a shared counter: TSan can report a race only while it
// still remembers the other thread's earlier access, and with thousands of accesses per
// thread in between (the many-lines test) that memory is sometimes gone.
TEST(Correctness, AFewLinesOnAThreadPool) {
  const auto log = make_log(24);
  labkit::ThreadPoolExecutor executor(4);
  EXPECT_EQ(lab01::count_status_classes(log, executor), count_sequentially(log));
}

// Many lines on a real pool: every request counted once, none lost.
TEST(Correctness, ManyLinesOnAThreadPool) {
  const auto log = make_log(20'000);
  labkit::ThreadPoolExecutor executor(4);
  EXPECT_EQ(lab01::count_status_classes(log, executor), count_sequentially(log));
}

// Whatever order the tasks finish in, the counts are the same.
TEST(Determinism, SameCountsForEveryTaskOrder) {
  const auto log = make_log(2'000);
  EXPECT_TRUE(labkit::testing::same_result_for_all_seeds(
      count_sequentially(log), [&](labkit::Executor& executor) {
        return lab01::count_status_classes(log, executor);
      }));
}

// Every task on its own thread, released together: if two tasks write the same
// counter, ThreadSanitizer reports a data race and the program exits 66.
TEST(RaceFree, UnderTheExposureExecutor) {
  const auto log = make_log(5'000);
  labkit::testing::ExposureExecutor executor;
  EXPECT_EQ(lab01::count_status_classes(log, executor), count_sequentially(log));
}

// The discipline read off the compiled code: no global or static counters.
TEST(NoGlobals, NoMutableStaticsInTheLabCode) {
  EXPECT_TRUE(labkit::testing::has_no_mutable_statics(LAB_OBJECTS));
}

// A "fix" that counts everything on the calling thread is not a fix.
TEST(Parallel, WorkIsSplitIntoSeveralTasks) {
  const auto log = make_log(5'000);
  labkit::testing::ExposureExecutor executor;
  lab01::count_status_classes(log, executor);
  EXPECT_GE(executor.tasks_at_once(), 2u)
      << "not parallel: the work must go through the executor as several tasks at once (submit them all, then wait)";
}

}  // namespace
