// Running a lab's test program (labNN_starter / labNN_solution) and building it: the
// environment, launcher and file layout that make one run's verdict trustworthy.
#pragma once

#include "run/classify.hpp"

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace labctl {

// launcher_for() on this machine (said once on stderr when it is not empty).
const std::vector<std::string>& test_launcher();

// One run of a test program and what became of it.
struct TestRun {
  Verdict verdict;
  ExitStatus status;
  std::filesystem::path log;  // its whole output: the "full report"
  // Its GoogleTest report, test by test (test_results()): empty when it wrote none.
  std::map<std::string, bool> tests;
};

// Runs `program` once, with `arguments` added (a --gtest_filter, say). Its output goes to
// `<stem>.log`, its GoogleTest report to `<stem>.json` (both under BUILD/racelab-runs/).
// `code_dir` is the student's folder as in "labs/01-lost-update/", for the headline's location.
TestRun run_test_program(const std::filesystem::path& program, const std::filesystem::path& stem,
                         std::string_view code_dir, std::chrono::seconds limit,
                         const std::vector<std::string>& arguments = {},
                         const std::vector<std::pair<std::string, std::string>>& environment = {});

// The tests `program` holds ("Suite.Name", in its order), from --gtest_list_tests; its
// report goes to `<stem>.json`. Throws labctl::Error when the program cannot list them.
std::vector<std::string> list_tests(const std::filesystem::path& program, const std::filesystem::path& stem,
                                    std::chrono::seconds limit);

// The command prefix TSan needs on this machine: {"setarch", "x86_64", "-R"} when
// /proc/sys/vm/mmap_rnd_bits says more than the 28 bits clang 14's TSan supports
// (labkit::protocol::kTsanMaxMmapRndBits), else
// nothing. Pure, for the tests: `rnd_bits` is that file's text.
std::vector<std::string> launcher_for(std::string_view rnd_bits, std::string_view machine);

// The outcome of building one target.
struct BuildResult {
  bool ok = false;
  std::string error;  // the first error line, tidied: "lost_update.cpp:3:16: error: expected ';'"
  std::filesystem::path log;
};

// cmake --build BUILD --target TARGET, output to BUILD/racelab-runs/TARGET.build.log.
BuildResult build_target(const std::filesystem::path& build_dir, const std::string& target);

// The line of a build's output that says what is wrong (the compiler's first error,
// else the linker's, else CMake's), without the directories; empty if none is found. An
// error inside a template instantiated from a lab file names the lab file's line first, and
// where in the header it happened on a second line.
std::string first_error_line(std::string_view build_output);

// BUILD/tests/labNN_side: where tests/CMakeLists.txt puts the test programs.
std::filesystem::path test_program_path(const std::filesystem::path& build_dir, const std::string& target);

// Throws labctl::Error unless every one of `targets` has its test program in the build:
// checked before anything runs, so a missing one costs no time and prints no half table.
void require_test_programs(const std::filesystem::path& build_dir, const std::vector<std::string>& targets);

// BUILD/racelab-runs: logs and reports of labctl's runs (progress lives in the build,
// never in the sources).
std::filesystem::path runs_dir(const std::filesystem::path& build_dir);

}  // namespace labctl
