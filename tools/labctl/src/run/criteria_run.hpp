// A lab's five criteria read off its test program's runs, scored the way the grader scores
// a submission (course/rubric.hpp: criteria_passed, score_criteria). `check`, `watch` and
// `list` show them to the student, and `verify` uses them for what an untouched starter
// would earn: one reading of "which criterion passed, and how many points that is", so the
// student loop never promises what grading then takes away.
//
// What the grader does beyond this (docs/grading.md): a sandbox, R rounds, hidden tests and
// the explorer's fixed schedules. A student's check is one round of the public tests.
#pragma once

#include "course/catalogue.hpp"
#include "run/test_program.hpp"

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace labctl {

// One criterion of one lab, as a student sees it.
struct CriterionOutcome {
  std::string criterion;  // course/rubric.hpp's name: correct, race_free, ...
  bool passed = false;    // its tests ran and passed (and, for race_free, no report)
  bool ran = false;       // its tests ran at all
  long long points = 0;   // what the grader would give: 0 while `correct` fails
  long long max_points = 0;
  std::string reason;     // one line: why it failed, or why it was not run or not scored; "" when it scores
};

// The criteria of one lab, in course/rubric.hpp's criteria() order, and their points.
struct CriteriaResult {
  std::vector<CriterionOutcome> criteria;
  long long points = 0;
};

// What the runs showed, as judge_criteria reads it.
struct RunFindings {
  std::vector<std::string> expected;      // every test the program holds ("Suite.Name")
  std::map<std::string, bool> results;    // the tests that ran -> passed
  std::string race;                       // a sanitizer report's headline, "" when none
  std::string unfinished;                 // why tests never ran ("the program crashed"), "" when none
  std::string stopped_in;                 // the test the program stopped in, if it did; it failed
};

// Pure, for the tests: the criteria judged from `findings`.
CriteriaResult judge_criteria(const Lab& lab, const RunFindings& findings);

// Whether the run went to its end and wrote its report (passing, failing or reporting a race).
bool ran_to_the_end(const TestRun& run);

// Whether a sanitizer reported during the run, as the grader counts it: TSan's exit status
// or a data race in the output.
bool sanitizer_reported(const TestRun& run);

// The criteria of `lab` from `first`, a run of all of `program`'s tests. When it did not go
// to its end, as in the grader: one more run per criterion (`correct` first; once it fails
// nothing else can score, so nothing else runs), each named `<stem>.<criterion>` — unless
// the test it stopped in is one of `correct`'s, which then failed without a second wait.
CriteriaResult score_test_runs(const Lab& lab, const std::filesystem::path& program, const TestRun& first,
                               const std::filesystem::path& stem, std::chrono::seconds limit,
                               std::string_view code_dir);

}  // namespace labctl
