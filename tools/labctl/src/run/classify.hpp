// Turns what one run of a lab's test program left behind (exit status, its output, the
// GoogleTest JSON report) into a verdict: the set of reasons it failed and a one-line
// headline a student can act on. A pure function, so every rule is unit-tested on
// captured output (tools/labctl/tests/fixtures).
#pragma once

#include "base/exit_status.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace labctl {

// What one run of a test program left behind. The views must outlive classify().
struct RunOutput {
  ExitStatus status;
  std::string_view output;      // stdout and stderr, interleaved as written
  std::string_view gtest_json;  // --gtest_output=json: file; empty if none was written
  // The student's code folder as it appears in paths, e.g. "labs/01-lost-update/": a stack
  // frame in it is the one the headline names.
  std::string_view code_dir;
};

struct Verdict {
  // Every reason found, first found first, without repeats: data-race, deadlock,
  // wrong-result, ... (the catalogue's `expect` words, plus timeout, memory-leak, ...);
  // exactly {"pass"} when every test ran and passed.
  std::vector<std::string> reasons;
  std::string primary;   // the reason the headline is about
  std::string headline;  // "ThreadSanitizer: data race in lost_update.cpp:49"
  std::vector<std::string> details;  // "during Suite.Test", expected/actual lines
  int tests_run = 0;
  int tests_failed = 0;

  bool passed() const { return primary == "pass"; }
  bool has(std::string_view reason) const;
};

Verdict classify(const RunOutput& run);

// Each test a GoogleTest JSON report (--gtest_output=json:) says ran, "Suite.Name" -> passed
// (ran without a failure). Tests filtered out, disabled or skipped are not in it; nothing is
// when the report is missing or unreadable.
std::map<std::string, bool> test_results(std::string_view gtest_json);

// Every test a GoogleTest JSON report names, run or not, in its order: with
// --gtest_list_tests, the tests the program holds.
std::vector<std::string> listed_tests(std::string_view gtest_json);

// The test a run was in when its output ended (a crash, or a hang the watchdog ended):
// the last "[ RUN      ]" without its "[       OK ]", "[  FAILED  ]" or "[  SKIPPED ]"
// line; "" when every test that started also ended.
std::string test_running_at_end(std::string_view output);

// --- pieces of classify(), public for the tests ---

// The reason for a failed test, from its suite name (the grading criterion):
// Correctness and RaceFree → wrong-result, Determinism → nondeterministic,
// NoGlobals → mutable-global, Parallel → not-parallel, Bounded → unbounded; others → wrong-result.
std::string reason_for_suite(std::string_view suite);

// The reason for a sanitizer report kind as printed: "data race" → data-race,
// "lock-order-inversion (potential deadlock)" → lock-order-inversion, "SEGV" → crash,
// anything else → a slug of its words ("signal-unsafe call inside of a signal" → ...).
std::string reason_for_sanitizer_kind(std::string_view kind);

// One stack frame's source location ("#1 f() /src/labs/x.cpp:49:72 (bin+0x1)"), if it has one.
struct SourceLocation {
  std::string file;
  int line = 0;  // 0 when the frame names a file but no line
};
std::optional<SourceLocation> parse_frame(std::string_view line);

}  // namespace labctl
