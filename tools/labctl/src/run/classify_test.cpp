// The classifier on real output: TSan and ASan reports captured from real programs,
// the labkit watchdog's line, and GoogleTest JSON with a failure in every suite.
#include "run/classify.hpp"
#include "fixtures.hpp"

#include <labkit/protocol.hpp>

#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <sstream>
#include <string>

namespace {

using labctl::classify;
using labctl::ExitStatus;
using labctl::Verdict;
using labkit::protocol::kExitHung;
using labkit::protocol::kExitTsanReported;

std::string fixture(const std::string& name) { return labctl::testing::run_fixture(name); }

Verdict classify_fixture(ExitStatus status, const std::string& output, const std::string& json,
                         std::string_view code_dir = "labs/01-lost-update/") {
  const std::string out = output.empty() ? "" : fixture(output);
  const std::string report = json.empty() ? "" : fixture(json);
  return classify({status, out, report, code_dir});
}

using Reasons = std::vector<std::string>;

// The real lab 01 starter: a race, and four failed criteria.
TEST(Classify, Lab01StarterIsADataRaceInTheStudentsFile) {
  const Verdict v = classify_fixture(ExitStatus::exited(kExitTsanReported), "lab01_starter.out", "lab01_starter.json");
  EXPECT_EQ(v.primary, "data-race");
  // Frame #0 is in lost_update.cpp but without a line; #1 has one: 49.
  EXPECT_EQ(v.headline, "ThreadSanitizer: data race in lost_update.cpp:49");
  EXPECT_EQ(v.reasons, (Reasons{"data-race", "wrong-result", "nondeterministic", "mutable-global", "not-parallel"}));
  EXPECT_EQ(v.details, (std::vector<std::string>{"during Correctness.ManyLinesOnAThreadPool"}));
  EXPECT_EQ(v.tests_run, 8);
  EXPECT_EQ(v.tests_failed, 4);
  EXPECT_FALSE(v.passed());
}

TEST(Classify, Lab01SolutionPasses) {
  const Verdict v = classify_fixture(ExitStatus::exited(0), "lab01_solution.out", "lab01_solution.json");
  EXPECT_TRUE(v.passed());
  EXPECT_EQ(v.reasons, Reasons{"pass"});
  EXPECT_EQ(v.headline, "all 8 tests pass");
}

// Without the JSON (the program died before writing it) the printed failures still count.
TEST(Classify, FailuresAreReadFromTheOutputWhenThereIsNoJson) {
  const Verdict v = classify_fixture(ExitStatus::exited(kExitTsanReported), "lab01_starter.out", "");
  EXPECT_EQ(v.reasons, (Reasons{"data-race", "wrong-result", "nondeterministic", "mutable-global", "not-parallel"}));
}

// A code_dir that matches no frame: the first frame with a file names the place.
TEST(Classify, WithoutAFrameInTheLabTheFirstFileIsNamed) {
  const Verdict v = classify_fixture(ExitStatus::exited(kExitTsanReported), "lab01_starter.out", "", "labs/99-elsewhere/");
  EXPECT_EQ(v.headline, "ThreadSanitizer: data race in lost_update.cpp");
}

TEST(Classify, LockOrderInversion) {
  const Verdict v = classify_fixture(ExitStatus::exited(kExitTsanReported), "tsan_lock_order.out", "", "fxsrc/");
  EXPECT_EQ(v.primary, "lock-order-inversion");
  EXPECT_EQ(v.headline, "ThreadSanitizer: lock-order-inversion (potential deadlock) in lock_order.cpp:5");
}

TEST(Classify, ThreadLeak) {
  const Verdict v = classify_fixture(ExitStatus::exited(kExitTsanReported), "tsan_thread_leak.out", "", "fxsrc/");
  EXPECT_EQ(v.primary, "thread-leak");
  EXPECT_EQ(v.headline, "ThreadSanitizer: thread leak in leak.cpp:4");
}

TEST(Classify, TsanHeapUseAfterFree) {
  const Verdict v = classify_fixture(ExitStatus::exited(kExitTsanReported), "tsan_heap_use_after_free.out", "", "fxsrc/");
  EXPECT_EQ(v.primary, "heap-use-after-free");
  EXPECT_EQ(v.headline, "ThreadSanitizer: heap-use-after-free in uaf2.cpp:5");
}

TEST(Classify, AsanHeapUseAfterFree) {
  const Verdict v = classify_fixture(ExitStatus::exited(1), "asan_heap_use_after_free.out", "", "fxsrc/");
  EXPECT_EQ(v.primary, "heap-use-after-free");
  EXPECT_EQ(v.headline, "AddressSanitizer: heap-use-after-free in uaf.cpp:7");
}

TEST(Classify, SanitizerSegvIsACrash) {
  const Verdict v = classify_fixture(ExitStatus::exited(kExitTsanReported), "tsan_segv.out", "");
  EXPECT_EQ(v.primary, "crash");
  // No frame in the lab: the first frame with a file names the place.
  EXPECT_EQ(v.headline, "ThreadSanitizer: SEGV in pthread_create.c:442");
}

TEST(Classify, WatchdogExitIsADeadlock) {
  const Verdict v = classify_fixture(ExitStatus::exited(kExitHung), "watchdog.out", "");
  EXPECT_EQ(v.reasons, Reasons{"deadlock"});
  EXPECT_EQ(v.headline, "deadlock: Deadlock.TwoLocks still running after 1s");
}

// The watchdog's _exit leaves blocked threads behind and TSan reports them as a thread
// leak: that follows from the deadlock and must not take its place.
TEST(Classify, ThreadLeakAfterTheWatchdogIsNotAFinding) {
  const Verdict v = classify_fixture(ExitStatus::exited(kExitHung), "watchdog_then_leak.out", "");
  EXPECT_EQ(v.reasons, Reasons{"deadlock"});
  EXPECT_EQ(v.primary, "deadlock");
}

// The watchdog's exit code alone, without its line, proves nothing.
TEST(Classify, Exit124WithoutTheWatchdogLineIsNotADeadlock) {
  const Verdict v = classify({ExitStatus::exited(kExitHung), "[ RUN      ] A.B\n", "", ""});
  EXPECT_EQ(v.reasons, Reasons{"crash"});
  EXPECT_EQ(v.headline, "exited " + std::to_string(kExitHung));
  EXPECT_EQ(v.details, (std::vector<std::string>{"during A.B"}));
}

TEST(Classify, LabctlsOwnLimitIsATimeout) {
  const Verdict v = classify({ExitStatus::timed_out(120), "[ RUN      ] Slow.Test\n", "", ""});
  EXPECT_EQ(v.reasons, Reasons{"timeout"});
  EXPECT_EQ(v.headline, "timeout: still running after 120 s, stopped by racelab");
  EXPECT_EQ(v.details, (std::vector<std::string>{"during Slow.Test"}));
}

TEST(Classify, ASignalIsACrash) {
  const Verdict v = classify({ExitStatus::signalled(SIGSEGV), "[ RUN      ] A.B\n", "", ""});
  EXPECT_EQ(v.reasons, Reasons{"crash"});
  EXPECT_EQ(v.headline, "crashed: killed by SIGSEGV (segmentation fault)");
}

// One failing test in every criterion suite: each suite maps to its reason, in order.
TEST(Classify, EverySuiteHasItsReason) {
  const Verdict v = classify_fixture(ExitStatus::exited(1), "suites.out", "suites.json");
  EXPECT_EQ(v.reasons, (Reasons{"wrong-result", "nondeterministic", "mutable-global", "not-parallel"}));
  EXPECT_EQ(v.tests_run, 6);
  EXPECT_EQ(v.tests_failed, 5);
  EXPECT_EQ(v.headline, "wrong result in Correctness.Sum");
  // The expected/actual lines of the assertion, without its file:line.
  EXPECT_EQ(v.details, (std::vector<std::string>{"Expected equality of these values:", "  2 + 2", "    Which is: 4", "  5"}));
}

TEST(Classify, SuiteNames) {
  EXPECT_EQ(labctl::reason_for_suite("Correctness"), "wrong-result");
  EXPECT_EQ(labctl::reason_for_suite("RaceFree"), "wrong-result");
  EXPECT_EQ(labctl::reason_for_suite("Determinism"), "nondeterministic");
  EXPECT_EQ(labctl::reason_for_suite("Bounded"), "unbounded");
  EXPECT_EQ(labctl::reason_for_suite("NoGlobals"), "mutable-global");
  EXPECT_EQ(labctl::reason_for_suite("Parallel"), "not-parallel");
  EXPECT_EQ(labctl::reason_for_suite("Seeds/Determinism"), "nondeterministic");
  EXPECT_EQ(labctl::reason_for_suite("Parallel/0"), "not-parallel");
}

TEST(Classify, SanitizerKinds) {
  EXPECT_EQ(labctl::reason_for_sanitizer_kind("data race"), "data-race");
  EXPECT_EQ(labctl::reason_for_sanitizer_kind("data race on vptr (ctor/dtor vs virtual call)"), "data-race");
  EXPECT_EQ(labctl::reason_for_sanitizer_kind("lock-order-inversion (potential deadlock)"), "lock-order-inversion");
  EXPECT_EQ(labctl::reason_for_sanitizer_kind("thread leak"), "thread-leak");
  EXPECT_EQ(labctl::reason_for_sanitizer_kind("use of an invalid mutex (e.g. uninitialized or destroyed)"),
            "use-of-an-invalid-mutex");
  EXPECT_EQ(labctl::reason_for_sanitizer_kind("signal-unsafe call inside of a signal"),
            "signal-unsafe-call-inside-of-a-signal");
}

TEST(Classify, Frames) {
  auto frame = labctl::parse_frame(
      "    #1 f()::$_0::operator()() const /work/main/labs/01-lost-update/lost_update.cpp:49:72 (lab01_starter+0xdd5f7)");
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->file, "/work/main/labs/01-lost-update/lost_update.cpp");
  EXPECT_EQ(frame->line, 49);
  frame = labctl::parse_frame("    #0 f(int) /src/x.cpp (bin+0xdd5f7) (BuildId: a953)");
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->line, 0);
  EXPECT_FALSE(labctl::parse_frame("    #7 <null> <null> (libstdc++.so.6+0xd44a2) (BuildId: 289e)"));
  EXPECT_FALSE(labctl::parse_frame("    #3 0x557 in _start (/tmp/uaf+0x1f)"));
  EXPECT_FALSE(labctl::parse_frame("  Location is global 'g' of size 8"));
  frame = labctl::parse_frame("    #0 0x557aeed23c21 in main::$_1::operator()() const /tmp/fxsrc/uaf.cpp:7:26");
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->line, 7);
}

// Exit 0 proves nothing unless GoogleTest's report says tests ran and passed.
TEST(Classify, ExitZeroWithoutAReportIsNotAPass) {
  const Verdict v = classify({ExitStatus::exited(0), "[ RUN      ] A.B\n", "", ""});
  EXPECT_FALSE(v.passed());
  EXPECT_EQ(v.reasons, Reasons{"crash"});
}

TEST(Classify, ExitZeroWithNoTestsIsNotAPass) {
  const Verdict v = classify({ExitStatus::exited(0), "", R"({"tests": 0, "testsuites": []})", ""});
  EXPECT_FALSE(v.passed());
  EXPECT_EQ(v.headline, "no test ran");
}

TEST(Classify, OtherExitCodesAreCrashes) {
  const Verdict v = classify({ExitStatus::exited(3), "", "not json", ""});
  EXPECT_EQ(v.reasons, Reasons{"crash"});
  EXPECT_EQ(v.headline, "exited 3");
}

// A run that passed its tests but TSan reported anyway (exitcode overridden) is not a pass.
TEST(Classify, AReportSpoilsAPassingRun) {
  const std::string output = fixture("tsan_thread_leak.out");
  const std::string json = fixture("lab01_solution.json");
  const Verdict v = classify({ExitStatus::exited(0), output, json, ""});
  EXPECT_EQ(v.reasons, Reasons{"thread-leak"});
}

TEST(Classify, TsanThatCannotStartIsNamed) {
  const Verdict v = classify({ExitStatus::signalled(SIGABRT),
                              "FATAL: ThreadSanitizer: unexpected memory mapping 0x7f0000-0x7f1000\n", "", ""});
  EXPECT_EQ(v.primary, "crash");
  EXPECT_EQ(v.headline, "ThreadSanitizer: unexpected memory mapping 0x7f0000-0x7f1000");
}

}  // namespace
