// A check's findings as compiler-style diagnostics (diagnostics.hpp), on captured output:
// the lines an editor's problem matcher turns into clickable problems.
#include "run/diagnostics.hpp"

#include "fixtures.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace {

using labctl::run_diagnostics;
using labctl::testing::run_fixture;

bool has(const std::vector<std::string>& lines, const std::string& line) {
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

// Lab 01's starter: the race's frames in the student's file, and each failed assertion at
// its line in the tests, paths relative to the course.
TEST(Diagnostics, RaceFramesAndFailuresBecomeFileLineLines) {
  const auto lines = run_diagnostics(run_fixture("lab01_starter.out"), "labs/01-lost-update/", "/work/main");
  EXPECT_TRUE(has(lines, "labs/01-lost-update/lost_update.cpp:49:1: error: ThreadSanitizer: data race (during "
                         "Correctness.ManyLinesOnAThreadPool)"))
      << ::testing::PrintToString(lines);
  const bool failure = std::any_of(lines.begin(), lines.end(), [](const std::string& line) {
    return line.rfind("tests/01-lost-update.cpp:87:1: error: ", 0) == 0 &&
           line.find("Expected equality of these values:") != std::string::npos;
  });
  EXPECT_TRUE(failure) << ::testing::PrintToString(lines);
}

// A hang: the innermost frame of each thread in the student's folder, with the pattern.
TEST(Diagnostics, AHangPointsWhereEachThreadWaits) {
  const auto lines = run_diagnostics(run_fixture("hang_lock_cycle.log"), "tools/labkit/tests/", "/src");
  const auto hung = std::count_if(lines.begin(), lines.end(), [](const std::string& line) {
    return line.rfind("tools/labkit/tests/hang_examples.cpp:", 0) == 0 && line.find("lock cycle") != std::string::npos;
  });
  EXPECT_GE(hung, 2) << ::testing::PrintToString(lines);
}

// A passing run has nothing to say; a compile error gets its folder back.
TEST(Diagnostics, NothingForAPassAndTheFolderForACompileError) {
  EXPECT_TRUE(run_diagnostics(run_fixture("lab01_solution.out"), "labs/01-lost-update/", "/work/main").empty());
  EXPECT_EQ(labctl::build_diagnostic("lost_update.cpp:3:16: error: expected ';'", "labs/01-lost-update/"),
            "labs/01-lost-update/lost_update.cpp:3:16: error: expected ';'");
}

}  // namespace
