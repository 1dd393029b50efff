// The grading rubric: five criteria per lab, each tied to the test suites that check it,
// each worth some of the lab's points. The grader runs every criterion's suites on their
// own, R times, and a criterion earns its points only if every run passed (and, for all
// but `correct`, only if the answer is right: a stub that returns nothing races nothing,
// but it has earned nothing).
#pragma once

#include "course/catalogue.hpp"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace labctl {

// The criteria, in report order:
//   correct        Correctness (and any suite not named below: Lifetime, DeadlockFree, Bounded)
//   race_free      RaceFree, and no ThreadSanitizer report in any run of any suite
//   deterministic  Determinism: one answer over the perturbation seeds, the reference's
//   no_globals     NoGlobals: no mutable global or static in the lab's object files
//   parallel       Parallel: the work went through the executor as several tasks
const std::vector<std::string>& criteria();
bool is_criterion(std::string_view name);
std::string criteria_text();  // "correct, race_free, deterministic, no_globals, parallel"

// Words for reports: "race-free".
std::string criterion_title(std::string_view criterion);

// The suite of a GoogleTest test's full name: "Correctness.EmptyLog" → "Correctness".
std::string suite_of(std::string_view test);

// The criterion a test suite belongs to. Instructors' hidden suites carry a "Hidden"
// prefix (HiddenCorrectness): the same criterion, reported without names.
std::string criterion_of_suite(std::string_view suite);
bool is_hidden_suite(std::string_view suite);

// The points of each criterion for this lab: the catalogue's `rubric`, or else the default
// split of its points (40% correct, 30% race-free, 10% each for the rest; rounding goes to
// `correct`). Every criterion appears, in criteria() order.
std::vector<std::pair<std::string, long long>> points_by_criterion(const Lab& lab);

// One criterion's points as the grader gives them.
struct CriterionScore {
  std::string criterion;
  bool passed = false;
  long long points = 0;
  long long max_points = 0;
};

// The grader's rule for points, the one place it is written (the grader and `verify`'s
// check of the starters both use it): a criterion earns its share (points_by_criterion)
// when it passed and, for every criterion but `correct`, only when `correct` passed too.
// `passed` is by criterion name; a criterion missing from it did not pass. In criteria() order.
std::vector<CriterionScore> score_criteria(const Lab& lab, const std::map<std::string, bool>& passed);

// Which criteria one complete run passed, judged as the grader judges a run: a criterion
// passes when it has tests among `expected` ("Suite.Name", every test the program holds)
// and every one of them is in `results` (test -> passed) and passed. A sanitizer report
// (`race`) fails race_free too.
std::map<std::string, bool> criteria_passed(const std::vector<std::string>& expected,
                                            const std::map<std::string, bool>& results, bool race);

}  // namespace labctl
