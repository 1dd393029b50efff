// The proof that ExposureExecutor exposes races an ordinary pool hides: racy_pair (two
// tasks incrementing one plain int) is run 20 times per mode as a child process, and
// ThreadSanitizer's verdict is read from its exit status (protocol::kExitTsanReported, 66)
// and output ("data race").
//
// Only meaningful under TSan: in other builds the tests skip themselves. The child is
// started with posix_spawn, so it inherits this process's personality (the launcher's
// `setarch -R`, where TSan needs it) and runs with fixed TSan options: those of every test
// program (racy_pair has no test main to give it them as defaults).
#include "child_process.hpp"

#include <labkit/protocol.hpp>

#include <gtest/gtest.h>

#include <string>

#ifndef RACY_PAIR_PATH
#error "RACY_PAIR_PATH (the racy_pair program) must be defined by tools/labkit/tests/CMakeLists.txt"
#endif

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define LABKIT_TEST_UNDER_TSAN 1
#endif
#endif
#ifndef LABKIT_TEST_UNDER_TSAN
#define LABKIT_TEST_UNDER_TSAN 0
#endif

namespace {

constexpr int kRuns = 20;
constexpr int kTsanExit = labkit::protocol::kExitTsanReported;  // by the child's TSAN_OPTIONS below

bool tsan_reported(const labkit::test_support::ChildResult& child) {
  return child.exit_code == kTsanExit && child.output.find("data race") != std::string::npos;
}

// Runs `racy_pair mode` and collects its exit status and output.
labkit::test_support::ChildResult run_racy_pair(const std::string& mode) {
  return labkit::test_support::run_child(RACY_PAIR_PATH, {mode});
}

// Runs one mode kRuns times; returns how many runs TSan reported the race in, and fails
// the test for any run that neither exited cleanly nor reported (a crash, say). The
// output of the first run without a report goes to `unreported`, for the message.
int count_reports(const std::string& mode, std::string* unreported = nullptr) {
  int reported = 0;
  for (int run = 0; run < kRuns; ++run) {
    const labkit::test_support::ChildResult child = run_racy_pair(mode);
    if (tsan_reported(child)) {
      ++reported;
      continue;
    }
    if (unreported != nullptr && unreported->empty())
      *unreported = "run " + std::to_string(run) + ", exit " + std::to_string(child.exit_code) + ":\n" + child.output;
    if (child.exit_code != 0)
      ADD_FAILURE() << mode << " run " << run << ": exit " << child.exit_code << " without a TSan report:\n"
                    << child.output;
  }
  return reported;
}

}  // namespace

// ExposureExecutor: TSan reports the race (exit 66, "data race") in 20 runs of 20.
TEST(RacyPair, ExposureExecutorIsReportedInEveryRun) {
  if (!LABKIT_TEST_UNDER_TSAN) GTEST_SKIP() << "needs a ThreadSanitizer build (the tsan preset)";
  std::string unreported;
  const int reported = count_reports("exposure", &unreported);
  std::printf("[racy_pair] exposure: TSan reported the race in %d of %d runs\n", reported, kRuns);
  RecordProperty("exposure_reported", reported);
  EXPECT_EQ(reported, kRuns) << "first run without a report: " << unreported;
}

// A one-worker pool runs the tasks one after the other through its queue, whose mutex
// orders them: TSan sees no race in any of the 20 runs (exit 0). This is what the
// ExposureExecutor exists to avoid; the race is still there.
TEST(RacyPair, OneWorkerPoolHidesTheRaceInEveryRun) {
  if (!LABKIT_TEST_UNDER_TSAN) GTEST_SKIP() << "needs a ThreadSanitizer build (the tsan preset)";
  const int reported = count_reports("pool1");
  std::printf("[racy_pair] pool1: TSan reported the race in %d of %d runs\n", reported, kRuns);
  RecordProperty("pool1_reported", reported);
  EXPECT_EQ(reported, 0);
}

// A two-worker pool: caught only when the workers happen to overlap. Informational:
// the count is printed, not asserted (it depends on the machine's timing).
TEST(RacyPair, TwoWorkerPoolCatchesSomeRuns) {
  if (!LABKIT_TEST_UNDER_TSAN) GTEST_SKIP() << "needs a ThreadSanitizer build (the tsan preset)";
  const int reported = count_reports("pool2");
  std::printf("[racy_pair] pool2: TSan reported the race in %d of %d runs (informational)\n", reported,
              kRuns);
  RecordProperty("pool2_reported", reported);
}
