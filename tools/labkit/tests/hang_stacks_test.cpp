// A hung test with the stacks asked for (labkit/protocol.hpp: kHangStacksEnv): the watchdog
// has gdb print every thread's stack between kStacksBegin and kStacksEnd before the program
// exits kExitHung, and the stack of the hung code is among them. Without the variable, no
// stacks: the grader never asks, and never waits for gdb.
#include "child_process.hpp"

#include <labkit/protocol.hpp>

#include <gtest/gtest.h>

#include <string>

#ifndef HANG_EXAMPLES_PATH
#error "HANG_EXAMPLES_PATH (the hang_examples program) must be defined by tools/labkit/tests/CMakeLists.txt"
#endif

namespace {

namespace protocol = labkit::protocol;
using labkit::test_support::run_child;

const std::string kTimeout = std::string(protocol::kTestTimeoutEnv) + "=1";
const std::string kStacks = std::string(protocol::kHangStacksEnv) + "=1";

bool has(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

// The lock cycle: both threads' stacks are printed, inside the test's own file.
TEST(HangStacks, AHangPrintsEveryThreadsStack) {
  const auto child = run_child(HANG_EXAMPLES_PATH, {"--gtest_filter=Hang.LockCycle"}, {kTimeout, kStacks});
  EXPECT_EQ(child.exit_code, protocol::kExitHung) << child.output;
  EXPECT_TRUE(has(child.output, protocol::kWatchdogPrefix)) << child.output;
  const auto begin = child.output.find(protocol::kStacksBegin);
  const auto end = child.output.find(protocol::kStacksEnd);
  ASSERT_NE(begin, std::string::npos) << child.output;
  ASSERT_NE(end, std::string::npos) << child.output;
  const std::string stacks = child.output.substr(begin, end - begin);
  EXPECT_TRUE(has(stacks, "pthread_mutex_lock")) << stacks;
  EXPECT_TRUE(has(stacks, "hang_examples.cpp:")) << stacks;
}

// Not asked, not printed: the watchdog's line only.
TEST(HangStacks, NoStacksUnlessAsked) {
  const auto child = run_child(HANG_EXAMPLES_PATH, {"--gtest_filter=Hang.EndlessLoop"}, {kTimeout});
  EXPECT_EQ(child.exit_code, protocol::kExitHung) << child.output;
  EXPECT_TRUE(has(child.output, protocol::kWatchdogPrefix)) << child.output;
  EXPECT_FALSE(has(child.output, protocol::kStacksBegin)) << child.output;
}

}  // namespace
