// Tests for lab 12 — process pool. Built twice: against the student's starter
// (labs/12-process-pool) and against the reference solution (solutions/12-process-pool).
//
// Each suite is one grading criterion (tools/lab reads the suite names):
//   Correctness    the disciplined tally equals a plain loop's on a thread pool AND on a
//                  process pool, and the pool the file configures runs its tasks in other
//                  processes (the one line the student changes)
//   Demonstration  the given global-mutating tally is right on a thread pool and wrong on
//                  a process pool: the lesson itself, which passes on both sides (graded as
//                  part of correctness; demonstration.cpp is given, read-only)
//   Determinism    the same tally whatever order the tasks run in (32 seeded orders)
//   RaceFree       run under the ExposureExecutor, where TSan sees any race between tasks
//   NoGlobals      the lab's object files hold no mutable static but the demonstration's
//                  (in demonstration.cpp's object, which a submission cannot replace)
//   Parallel       the log went through the pool as several tasks
//
// The process pools fork worker processes from this (threaded, sanitized) test program;
// the workers start no thread, so ThreadSanitizer allows it. Each pool is shut down and
// its workers reaped before its test ends.
#include "bytes_per_client.hpp"

#include "12-process-pool.data.hpp"

#include <labkit/process_pool.hpp>
#include <labkit/testing.hpp>

#include <gtest/gtest.h>

#include <unistd.h>

#include <string>
#include <string_view>
#include <vector>

namespace {

using lab12::BytesByClient;
using lab12::test_data::make_log;
using lab12::test_data::tally_sequentially;

// Enough lines for several tasks (the lab cuts 50 lines per task), few enough to stay fast.
constexpr std::size_t kLines = 1000;

// Compares two tallies and, when they differ, names the first client that is wrong,
// rather than printing dozens of entries.
::testing::AssertionResult same_tally(const BytesByClient& expected, const BytesByClient& got) {
  for (const auto& [client, bytes] : expected) {
    const auto it = got.find(client);
    if (it == got.end())
      return ::testing::AssertionFailure() << "client " << client << " is missing (expected " << bytes << " bytes); "
                                           << got.size() << " of " << expected.size() << " clients present";
    if (it->second != bytes)
      return ::testing::AssertionFailure() << "client " << client << ": expected " << bytes << " bytes, got "
                                           << it->second;
  }
  for (const auto& [client, bytes] : got) {
    if (expected.count(client) == 0)
      return ::testing::AssertionFailure() << "client " << client << " (" << bytes << " bytes) should not be there";
  }
  return ::testing::AssertionSuccess();
}

// What a failing tally on a process pool most likely means, for the student.
constexpr const char* kProcessHint =
    "\n  On a process pool each task runs in a worker process with its OWN copy of every global: "
    "whatever a task adds to a global stays in the worker. Return each chunk's partial tally from "
    "the task and add them up in the caller.";

// ------------------------------------------------------------------ Correctness

// Checks that the test data itself is what the other tests assume: many clients, some
// malformed lines (skipped) and some lines with no body ("-", zero bytes).
TEST(Correctness, TestDataCoversEveryCase) {
  const auto log = make_log(kLines);
  std::size_t malformed = 0;
  std::size_t no_body = 0;
  for (const auto& line : log) {
    const auto transfer = lab12::parse_line(line);
    if (!transfer) ++malformed;
    if (transfer && line.back() == '-') ++no_body;
  }
  EXPECT_GT(malformed, 50u);
  EXPECT_GT(no_body, 50u);
  EXPECT_EQ(tally_sequentially(log).size(), 37u);
}

// An empty log gives an empty tally on both kinds of pool (and no crash).
TEST(Correctness, EmptyLogOnBothPools) {
  labkit::ThreadPoolExecutor threads(4);
  EXPECT_TRUE(lab12::tally(threads, {}).empty());
  labkit::ProcessPoolExecutor processes(4);
  EXPECT_TRUE(lab12::tally(processes, {}).empty());
}

// On a thread pool the tally equals a plain loop's.
TEST(Correctness, SameTallyOnAThreadPool) {
  const auto log = make_log(kLines);
  labkit::ThreadPoolExecutor pool(4);
  EXPECT_TRUE(same_tally(tally_sequentially(log), lab12::tally(pool, log)));
}

// On a process pool the same code must give the same tally: the discipline at work.
TEST(Correctness, SameTallyOnAProcessPool) {
  const auto log = make_log(kLines);
  labkit::ProcessPoolExecutor pool(4);
  EXPECT_TRUE(same_tally(tally_sequentially(log), lab12::tally(pool, log))) << kProcessHint;
}

// The pool the file configures gives the sequential tally too.
TEST(Correctness, ConfiguredPoolGivesTheSequentialTally) {
  const auto log = make_log(kLines);
  EXPECT_TRUE(same_tally(tally_sequentially(log), lab12::tally_on_configured_pool(log))) << kProcessHint;
}

// The configured pool really runs tasks in another process: the last step of the lab,
// `using Pool = labkit::ProcessPoolExecutor;`.
TEST(Correctness, ConfiguredPoolRunsTasksInOtherProcesses) {
  const pid_t seen = lab12::pid_seen_by_a_configured_pool_task();
  EXPECT_NE(seen, ::getpid())
      << "the configured Pool ran its task in the test's own process (pid " << seen
      << "): it is still a thread pool. Once tally() keeps the discipline, change the line "
         "`using Pool = ...` in bytes_per_client.cpp to labkit::ProcessPoolExecutor.";
  EXPECT_GT(seen, 0);
}

// ------------------------------------------------------------------ Demonstration

// Part (1), the global-mutating tally, is right on threads: they share the global.
TEST(Demonstration, GlobalGivesTheRightTallyOnAThreadPool) {
  const auto log = make_log(kLines);
  labkit::ThreadPoolExecutor pool(4);
  EXPECT_TRUE(same_tally(tally_sequentially(log), lab12::tally_with_global(pool, log)))
      << "demonstration.cpp is the given demonstration: leave it as it was";
}

// ... and wrong on processes: every worker adds into its own copy of the global, and the
// caller's copy stays empty. No crash and no ThreadSanitizer report tell you so.
TEST(Demonstration, GlobalGivesAWrongTallyOnAProcessPool) {
  const auto log = make_log(kLines);
  labkit::ProcessPoolExecutor pool(4);
  const BytesByClient got = lab12::tally_with_global(pool, log);
  EXPECT_FALSE(same_tally(tally_sequentially(log), got));
  EXPECT_TRUE(got.empty()) << "the caller's copy of the global should have stayed empty; "
                              "demonstration.cpp is the given demonstration: leave it as it was";
}

// ------------------------------------------------------------------ Determinism

// Whatever order the tasks run in, the tally is the same.
TEST(Determinism, SameTallyForEveryTaskOrder) {
  const auto log = make_log(400);
  EXPECT_TRUE(labkit::testing::same_result_for_all_seeds(
      tally_sequentially(log), [&](labkit::Executor& executor) { return lab12::tally(executor, log); }));
}

// ------------------------------------------------------------------ RaceFree

// Every task on its own thread, released together: if two tasks write the same memory
// without synchronising, ThreadSanitizer reports a data race and the program exits 66.
TEST(RaceFree, UnderTheExposureExecutor) {
  const auto log = make_log(kLines);
  labkit::testing::ExposureExecutor executor;
  EXPECT_TRUE(same_tally(tally_sequentially(log), lab12::tally(executor, log)));
}

// ------------------------------------------------------------------ NoGlobals

// The discipline read off the compiled code: no global or static variable, except the two
// of the given demonstration, which are the lesson. They are exempt by the object file they
// are in (compiled from the lab's read-only demonstration.cpp, which a submission cannot
// replace), never by a name: a name can be written in bytes_per_client.cpp too.
TEST(NoGlobals, NoMutableStaticsButTheDemonstrations) {
  std::vector<labkit::testing::MutableStatic> found;
  std::size_t demonstration = 0;
  for (const auto& object : labkit::testing::object_files_in(LAB_OBJECTS)) {
    const bool given = std::string_view(object).ends_with("/demonstration.cpp.o");
    for (auto& item : labkit::testing::find_mutable_statics(object)) {
      if (given) {
        ++demonstration;
      } else {
        found.push_back(std::move(item));
      }
    }
  }
  // The exemption must match something, or this test would check less than it says.
  EXPECT_GE(demonstration, 1u) << "the demonstration's globals were not found in the lab's object files";
  std::string listed;
  for (const auto& item : found) listed += "\n  " + item.symbol + "   (section " + item.section + ")";
  EXPECT_TRUE(found.empty()) << "mutable global: the lab's code keeps " << found.size()
                             << " mutable static variable(s) besides the demonstration's:" << listed
                             << "\n  Pass the data into each task through submit()/map() and return results "
                                "through the future; a true constant can be constexpr.";
}

// ------------------------------------------------------------------ Parallel

// A "fix" that tallies everything on the calling thread is not a fix, on either pool.
TEST(Parallel, TheLogRunsAsSeveralTasks) {
  const auto log = make_log(kLines);
  labkit::ThreadPoolExecutor threads(4);
  lab12::tally(threads, log);
  EXPECT_GE(threads.tasks_submitted(), 2u) << "not parallel: the log must go through the pool as several tasks";
  labkit::ProcessPoolExecutor processes(4);
  lab12::tally(processes, log);
  EXPECT_GE(processes.tasks_submitted(), 2u) << "not parallel: the log must go through the pool as several tasks";
}

}  // namespace
