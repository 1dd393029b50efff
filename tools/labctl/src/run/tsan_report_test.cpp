// Tests of the condensed sanitizer report that `tools/lab check` shows, on real captured
// reports (tests/fixtures/runs).
#include "run/tsan_report.hpp"

#include "fixtures.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace {

using labctl::condense_first_report;

std::string fixture(const std::string& name) { return labctl::testing::run_fixture(name); }

bool any_line_contains(const std::vector<std::string>& lines, const std::string& text) {
  return std::any_of(lines.begin(), lines.end(), [&](const std::string& line) {
    return line.find(text) != std::string::npos;
  });
}

// A data race: both accesses are kept with the student's file:line, addresses are gone,
// library frames are folded, and the guide section is named.
TEST(CondensedReport, DataRaceKeepsTheStudentsFramesAndFoldsTheRest) {
  const auto report = condense_first_report(fixture("lab01_starter.out"), "labs/01-lost-update/");
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->kind, "data race");
  EXPECT_EQ(report->guide, "docs/tsan.md#data-race");
  EXPECT_TRUE(any_line_contains(report->lines, "Previous write of size 8 by thread T"));
  EXPECT_TRUE(any_line_contains(report->lines, "lost_update.cpp:49  in lab01::count_status_classes()"));
  EXPECT_TRUE(any_line_contains(report->lines, "Location is global 'lab01::g_"));
  EXPECT_TRUE(any_line_contains(report->lines, "created by main thread at:"));
  EXPECT_TRUE(any_line_contains(report->lines, "folded"));
  EXPECT_FALSE(any_line_contains(report->lines, "0x")) << "addresses are noise for a student";
  EXPECT_FALSE(any_line_contains(report->lines, "std::__invoke")) << "library frames must be folded";
}

// A lock-order inversion: the cycle is kept, and the guide points at its own section.
TEST(CondensedReport, LockOrderInversionKeepsTheCycle) {
  const auto report = condense_first_report(fixture("tsan_lock_order.out"), "fxsrc/");
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->guide, "docs/tsan.md#lock-order-inversion");
  EXPECT_TRUE(any_line_contains(report->lines, "Cycle in lock order graph: M0 => M1 => M0"));
  EXPECT_TRUE(any_line_contains(report->lines, "lock_order.cpp:5  in main::$_0::operator()()"));
}

// Output without a report condenses to nothing (the check shows the test failures instead).
TEST(CondensedReport, NoReportNoCondensedReport) {
  EXPECT_FALSE(condense_first_report(fixture("lab01_solution.out"), "labs/01-lost-update/").has_value());
}

// Section names in docs/tsan.md for each kind the labs produce.
TEST(CondensedReport, GuideSectionsPerKind) {
  EXPECT_EQ(labctl::guide_section("heap-use-after-free"), "docs/tsan.md#heap-use-after-free");
  EXPECT_EQ(labctl::guide_section("thread leak"), "docs/tsan.md#thread-leak");
}

}  // namespace
