// The grader's rule for points, written once (rubric.hpp): what the grader gives and what
// `verify` checks the starters against.
#include "course/rubric.hpp"

#include "fixtures.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace {

using labctl::testing::ten_point_lab;

using labctl::criteria_passed;
using labctl::score_criteria;

long long total(const std::vector<labctl::CriterionScore>& scores) {
  long long sum = 0;
  for (const auto& score : scores) sum += score.points;
  return sum;
}

// Every criterion earns its share when everything passed; nothing but `correct` earns while
// `correct` fails, whatever else passed.
TEST(RubricScore, NothingButCorrectScoresWhileTheAnswerIsWrong) {
  const auto lab = ten_point_lab();
  std::map<std::string, bool> all{{"correct", true}, {"race_free", true}, {"deterministic", true},
                                  {"no_globals", true}, {"parallel", true}};
  EXPECT_EQ(total(score_criteria(lab, all)), 10);
  auto wrong = all;
  wrong["correct"] = false;
  EXPECT_EQ(total(score_criteria(lab, wrong)), 0);
  auto unordered = all;
  unordered["deterministic"] = false;
  unordered["parallel"] = false;
  EXPECT_EQ(total(score_criteria(lab, unordered)), 8);  // lab 04's old starter
  EXPECT_EQ(total(score_criteria(lab, {})), 0) << "a criterion missing from the map did not pass";
  const auto scores = score_criteria(lab, unordered);
  ASSERT_EQ(scores.size(), 5u);
  EXPECT_EQ(scores[0].criterion, "correct");
  EXPECT_EQ(scores[0].points, 4);
  EXPECT_EQ(scores[0].max_points, 4);
  EXPECT_FALSE(scores[2].passed);
}

// A criterion passes when every one of its tests is in the results and passed: a test that
// never ran did not pass, a criterion without tests does not pass, a race fails race_free.
TEST(RubricScore, CriteriaPassedTestByTest) {
  const std::vector<std::string> expected{"Correctness.A", "Correctness.B", "HiddenCorrectness.C", "RaceFree.D",
                                          "Determinism.E", "Parallel.F"};
  std::map<std::string, bool> results{{"Correctness.A", true}, {"Correctness.B", true}, {"HiddenCorrectness.C", true},
                                      {"RaceFree.D", true},     {"Determinism.E", false}, {"Extra.Test", false}};
  auto passed = criteria_passed(expected, results, false);
  EXPECT_TRUE(passed["correct"]);
  EXPECT_TRUE(passed["race_free"]);
  EXPECT_FALSE(passed["deterministic"]);
  EXPECT_FALSE(passed["parallel"]) << "Parallel.F never ran";
  EXPECT_EQ(passed.count("no_globals"), 0u) << "no tests: not passed";
  EXPECT_FALSE(criteria_passed(expected, results, true)["race_free"]);
  results.erase("HiddenCorrectness.C");
  EXPECT_FALSE(criteria_passed(expected, results, false)["correct"]) << "a hidden test that never ran";
}

}  // namespace
