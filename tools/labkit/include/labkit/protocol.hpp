// labkit/protocol.hpp — what a racelab test program and the tools that run it agree on,
// defined once. The test program's side is labkit_gtest_main (tools/labkit/src/gtest_main.cpp)
// and labkit::testing::end_as_hung; the other side is labctl (its run and grade layers:
// tools/labctl/src/run/, tools/labctl/src/grade/), which starts test programs, reads how they
// ended and, when grading, reads their result record.
//
// Header-only and standard library only: labctl includes it without linking labkit (labkit
// carries the sanitizer flags; labctl is a plain program). What cannot include a C++ header
// reads or names it here instead: cmake/launcher.cmake reads kTsanMaxMmapRndBits out of this
// file, and the shell scripts that use one of these numbers say it comes from here.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace labkit::protocol {

// ------------------------------------------------------------------ exit statuses
// How a test program ends, besides GoogleTest's own 0 (every test passed) and 1 (one failed).

// ThreadSanitizer printed at least one report (kTsanOptions sets it as TSan's exitcode).
// Apart from 1 so that "TSan saw a race" is told from "an assertion failed" by the status
// alone; 66 is far from the codes programs and shells use for themselves.
inline constexpr int kExitTsanReported = 66;

// A test ran past its time limit and the watchdog ended the program (gtest_main.cpp), or a
// test's own bounded wait gave up (labkit::testing::end_as_hung). 124 is what timeout(1)
// exits with, so it reads as "timed out" to anyone who knows that tool. labctl reads it,
// together with the kWatchdogPrefix line, as a deadlock.
inline constexpr int kExitHung = 124;

// ------------------------------------------------------------------ the watchdog
// The environment variable that sets the watchdog's limit per test, in whole seconds, and the
// limit when it is unset (or not a positive number). labctl sets a shorter one for its runs so
// that the watchdog, which names the hung test, fires before labctl's own limit.
inline constexpr const char* kTestTimeoutEnv = "LABKIT_TEST_TIMEOUT";
inline constexpr int kDefaultTestTimeoutSeconds = 60;

// The start of the line the watchdog (and end_as_hung) prints on stderr just before it exits
// kExitHung; what follows names the test: "Suite.Test still running after 30s: ...".
// labctl finds the line by this prefix to say which test hung.
inline constexpr std::string_view kWatchdogPrefix = "[racelab watchdog] timeout: ";

// ------------------------------------------------------------------ stacks on a hang
// Set to 1 by the student loop (tools/lab check, watch, list), never by the grader: before a
// hang ends the program, the watchdog and end_as_hung have gdb print every thread's stack,
// between these two lines, after the kWatchdogPrefix line. labctl reads them
// (run/hang_stacks.hpp) to show what each thread was doing and to name the pattern.
inline constexpr const char* kHangStacksEnv = "LABKIT_HANG_STACKS";
inline constexpr std::string_view kStacksBegin = "[racelab watchdog] stacks of every thread:";
inline constexpr std::string_view kStacksEnd = "[racelab watchdog] end of stacks";

// ------------------------------------------------------------------ ThreadSanitizer
// The options every test program runs with: gtest_main.cpp returns them from
// __tsan_default_options(), so a program run by hand, by ctest, by labctl or in the grader's
// sandbox (whose environment has no TSAN_OPTIONS) behaves the same. TSAN_OPTIONS in the
// environment still wins, option by option.
//   halt_on_error=0          report every race and carry on: every test still runs and the
//                            test during which a report came fails by name
//   exitcode=66              kExitTsanReported (checked below)
//   second_deadlock_stack=1  lock-order reports show both acquisitions' stacks, not one
//   atexit_sleep_ms=10       TSan waits this long at exit whenever another thread is alive
//                            (always: the watchdog), "to let other threads finish". Its
//                            default of 1000 ms was a third of every `tools/lab check`, and
//                            the grader starts a hundred programs per submission; the tests
//                            join their threads, so 10 ms is plenty.
inline constexpr const char* kTsanOptions = "halt_on_error=0:exitcode=66:second_deadlock_stack=1:atexit_sleep_ms=10";

// clang 14's ThreadSanitizer (clang < 18) maps its shadow memory assuming at most this many
// bits of mmap address randomisation; on kernels configured with more (vm.mmap_rnd_bits = 32
// on some distributions) a sanitized program aborts with "unexpected memory mapping". Above
// it, test programs run under `setarch <arch> -R` (randomisation off): cmake/launcher.cmake
// decides so for ctest, labctl (run/test_program.cpp) at run time. launcher.cmake reads the
// number from the next line: keep it "inline constexpr int kTsanMaxMmapRndBits = NUMBER;".
inline constexpr int kTsanMaxMmapRndBits = 28;

// ------------------------------------------------------------------ the grader's result channel
// When the grader (tools/lab grade) runs a test program, the program reports through a
// channel only the grader holds the other end of (a Unix socket pair), never through stdout
// or files the lab code could write too. Its fd is in an environment variable. Before the
// program starts, the grader writes a nonce, random per run, and a newline into it; the
// test main reads it back before the lab code's static initialisers run and keeps it in a
// sealed page until the record is written. The nonce is never in the environment, whose
// copies (the kernel's block, the sanitizer runtime's) any code in the process could read.
// docs/grading.md: why, and what it costs an attacker who links code into the program.
inline constexpr const char* kResultFdEnv = "RACELAB_RESULT_FD";  // the channel's fd, in decimal
inline constexpr std::size_t kMaxNonceBytes = 128;                // the nonce's line, newline excluded

// Once every test has run, the program writes ONE line of JSON to that fd and closes it:
//   {"nonce":"<nonce>","exit":<main's exit code>,"tsan_reports":<TSan reports in the whole run>,
//    "tests":[["Suite.Test",<passed>,<TSan reports while it ran>],...]}
// The grader believes a record only when it is exactly one line with this run's nonce; a
// program that ends before its tests do writes none, and earns nothing.
namespace field {
inline constexpr const char* kNonce = "nonce";
inline constexpr const char* kExit = "exit";
inline constexpr const char* kTsanReports = "tsan_reports";
inline constexpr const char* kTests = "tests";  // an array of [name, passed, tsan_reports]
}  // namespace field

// One test that ended, as the record holds it.
struct TestOutcome {
  std::string name;            // Suite.Test
  bool passed = false;
  unsigned tsan_reports = 0;   // TSan reports while it ran
};

// The record's line, newline included: the writer's half of the format above.
inline std::string format_record(std::string_view nonce, int exit_code, unsigned tsan_reports,
                                 const std::vector<TestOutcome>& tests) {
  const auto key = [](const char* name) { return std::string("\"") + name + "\":"; };
  // The nonce is the grader's hex and test names are C++ identifiers joined by '.' or '/':
  // nothing to escape.
  std::string line = "{" + key(field::kNonce) + "\"" + std::string(nonce) + "\"," + key(field::kExit) +
                     std::to_string(exit_code) + "," + key(field::kTsanReports) + std::to_string(tsan_reports) +
                     "," + key(field::kTests) + "[";
  for (std::size_t i = 0; i < tests.size(); ++i) {
    line += (i ? ",[\"" : "[\"") + tests[i].name + "\"," + (tests[i].passed ? "true" : "false") + "," +
            std::to_string(tests[i].tsan_reports) + "]";
  }
  line += "]}\n";
  return line;
}

// ------------------------------------------------------------------ consistency
namespace detail {
// The number after "exitcode=" in an options string, or -1.
constexpr int exitcode_in(std::string_view options) {
  constexpr std::string_view key = "exitcode=";
  const auto at = options.find(key);
  if (at == std::string_view::npos) return -1;
  int value = 0;
  for (auto i = at + key.size(); i < options.size() && options[i] >= '0' && options[i] <= '9'; ++i)
    value = value * 10 + (options[i] - '0');
  return value;
}
}  // namespace detail
static_assert(detail::exitcode_in(kTsanOptions) == kExitTsanReported,
              "kTsanOptions must make TSan exit with kExitTsanReported");

}  // namespace labkit::protocol
