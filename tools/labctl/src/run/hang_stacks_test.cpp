// Hangs named from the threads' stacks (hang_stacks.hpp), on gdb's output captured from
// tools/labkit/tests/hang_examples.cpp (one test per hang the course teaches; paths shown
// as /src/..., addresses as 0x0): fixtures/runs/hang_*.log.
#include "run/hang_stacks.hpp"

#include "fixtures.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace {

using labctl::hang_pattern;
using labctl::parse_hang_stacks;
using labctl::ThreadActivity;
using labctl::testing::run_fixture;

constexpr std::string_view kCode = "tools/labkit/tests/";

std::string pattern_of(const std::string& fixture) {
  const auto pattern = hang_pattern(parse_hang_stacks(run_fixture(fixture)), kCode);
  return pattern ? pattern->words : "none";
}

// Two threads each holding one mutex and waiting for the other's.
TEST(HangStacks, TwoThreadsWaitingForMutexesAreALockCycle) {
  EXPECT_EQ(pattern_of("hang_lock_cycle.log"), "lock cycle");
}

// A task on the pool waiting for a future: every worker busy, the task it waits for queued.
TEST(HangStacks, APoolTaskWaitingForAFutureIsPoolStarvation) {
  EXPECT_EQ(pattern_of("hang_pool_starvation.log"), "pool starvation");
}

// A condition variable nobody signals.
TEST(HangStacks, AWaitNobodySignalsIsALostWakeUp) { EXPECT_EQ(pattern_of("hang_lost_wake_up.log"), "lost wake-up"); }

// Running code, not waiting: the loop and its line.
TEST(HangStacks, RunningCodeIsAnEndlessLoop) {
  const auto pattern = hang_pattern(parse_hang_stacks(run_fixture("hang_endless_loop.log")), kCode);
  ASSERT_TRUE(pattern.has_value());
  EXPECT_EQ(pattern->words, "endless loop");
  EXPECT_NE(pattern->explanation.find("hang_examples.cpp:"), std::string::npos) << pattern->explanation;
}

// The tools' own threads (TSan's background thread, the watchdog calling gdb) are left out,
// and what each of the others does is read from its innermost frames.
TEST(HangStacks, ThreadsAreReadWithoutTheToolsOwn) {
  const auto threads = parse_hang_stacks(run_fixture("hang_lock_cycle.log"));
  const auto locking = std::count_if(threads.begin(), threads.end(),
                                     [](const auto& t) { return t.activity == ThreadActivity::locking; });
  EXPECT_EQ(locking, 2);
  for (const auto& thread : threads) {
    for (const auto& frame : thread.frames) {
      EXPECT_EQ(frame.function.find("__tsan::BackgroundThread"), std::string::npos) << thread.name;
      EXPECT_EQ(frame.function.find("print_stacks_if_asked"), std::string::npos) << thread.name;
    }
  }
}

// Each thread with a frame in the student's folder, what it did, and its frames there.
TEST(HangStacks, ThreadsAreDescribedByTheirFramesInTheCode) {
  labctl::ReportSources sources;
  const auto lines = labctl::describe_threads(parse_hang_stacks(run_fixture("hang_pool_starvation.log")), kCode, sources);
  ASSERT_FALSE(lines.empty());
  const bool task_line = std::any_of(lines.begin(), lines.end(), [](const std::string& line) {
    return line.find("waiting for a future's result (a task on the pool)") != std::string::npos;
  });
  EXPECT_TRUE(task_line);
  const bool frame_line = std::any_of(lines.begin(), lines.end(), [](const std::string& line) {
    return line.rfind("  hang_examples.cpp:38  in ", 0) == 0;
  });
  EXPECT_TRUE(frame_line);
}

// No stacks in the output (the grader never asks for them): nothing to name.
TEST(HangStacks, NoStacksNoPattern) {
  EXPECT_TRUE(parse_hang_stacks("[racelab watchdog] timeout: A.B still running\n").empty());
  EXPECT_FALSE(hang_pattern({}, kCode).has_value());
}

}  // namespace
