// A lab's criteria read off its runs (criteria_run.hpp): what `check` shows a student and
// what `verify` scores a starter with, judged as the grader judges.
#include "run/criteria_run.hpp"

#include "fixtures.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace {

using labctl::testing::ten_point_lab;

using labctl::CriteriaResult;
using labctl::CriterionOutcome;
using labctl::judge_criteria;
using labctl::RunFindings;

// One test per criterion, all passing unless changed.
RunFindings all_passing() {
  RunFindings findings;
  findings.expected = {"Correctness.Sums", "RaceFree.Exposed", "Determinism.Seeds", "NoGlobals.Object",
                       "Parallel.Tasks"};
  for (const auto& test : findings.expected) findings.results[test] = true;
  return findings;
}

const CriterionOutcome& outcome(const CriteriaResult& result, const std::string& criterion) {
  for (const auto& c : result.criteria) {
    if (c.criterion == criterion) return c;
  }
  throw std::runtime_error("no criterion " + criterion);
}

// All five are always shown, in the rubric's order, with the rubric's points.
TEST(CriteriaRun, EveryCriterionIsShownWithItsPoints) {
  const auto result = judge_criteria(ten_point_lab(), all_passing());
  ASSERT_EQ(result.criteria.size(), 5u);
  EXPECT_EQ(result.criteria.front().criterion, "correct");
  EXPECT_EQ(result.points, 10);
  for (const auto& c : result.criteria) {
    EXPECT_TRUE(c.passed) << c.criterion;
    EXPECT_EQ(c.points, c.max_points) << c.criterion;
    EXPECT_EQ(c.reason, "") << c.criterion;
  }
}

// A fix that is race-free but not yet parallel sees exactly that: 9 of 10, and why.
TEST(CriteriaRun, OneFailingCriterionCostsOnlyItsOwnPoints) {
  auto findings = all_passing();
  findings.results["Parallel.Tasks"] = false;
  const auto result = judge_criteria(ten_point_lab(), findings);
  EXPECT_EQ(result.points, 9);
  EXPECT_FALSE(outcome(result, "parallel").passed);
  EXPECT_EQ(outcome(result, "parallel").reason, "Parallel.Tasks failed");
  EXPECT_TRUE(outcome(result, "race_free").passed);
}

// While the answer is wrong, what passes earns nothing, and says why (the grader's rule).
TEST(CriteriaRun, NothingScoresWhileCorrectFails) {
  auto findings = all_passing();
  findings.results["Correctness.Sums"] = false;
  const auto result = judge_criteria(ten_point_lab(), findings);
  EXPECT_EQ(result.points, 0);
  EXPECT_TRUE(outcome(result, "no_globals").passed);
  EXPECT_EQ(outcome(result, "no_globals").reason, "passes, but scores only once `correct` passes");
  EXPECT_EQ(outcome(result, "correct").reason, "Correctness.Sums failed");
}

// A sanitizer report fails race_free whatever its tests said, and its headline is the reason.
TEST(CriteriaRun, AReportFailsRaceFreeWithItsHeadline) {
  auto findings = all_passing();
  findings.race = "ThreadSanitizer: data race in alpha.cpp:12";
  const auto result = judge_criteria(ten_point_lab(), findings);
  EXPECT_FALSE(outcome(result, "race_free").passed);
  EXPECT_EQ(outcome(result, "race_free").reason, "ThreadSanitizer: data race in alpha.cpp:12");
  EXPECT_EQ(result.points, 7);
}

// A program that hung in a Correctness test: that criterion failed with the hang as its reason;
// the others never ran, and say so.
TEST(CriteriaRun, AHangIsTheReasonOfTheCriterionItStoppedIn) {
  RunFindings findings = all_passing();
  findings.results.clear();
  findings.results["Correctness.Sums"] = false;
  findings.stopped_in = "Correctness.Sums";
  findings.unfinished = "the program exited with status 124 in Correctness.Sums";
  const auto result = judge_criteria(ten_point_lab(), findings);
  EXPECT_EQ(outcome(result, "correct").reason, "the program exited with status 124 in Correctness.Sums");
  EXPECT_FALSE(outcome(result, "parallel").ran);
  EXPECT_EQ(outcome(result, "parallel").reason, "not run: the program exited with status 124 in Correctness.Sums");
  EXPECT_EQ(result.points, 0);
}

// The test a run stopped in, read off GoogleTest's lines.
TEST(CriteriaRun, TheTestRunningAtTheEndIsFound) {
  EXPECT_EQ(labctl::test_running_at_end("[ RUN      ] A.B\n[       OK ] A.B (0 ms)\n[ RUN      ] C.D\nhung\n"), "C.D");
  EXPECT_EQ(labctl::test_running_at_end("[ RUN      ] A.B\n[  FAILED  ] A.B (0 ms)\n"), "");
}

}  // namespace
