// `labctl grade`: instructor grading. Each submission's editable files are compiled
// against the grader's prebuilt build (grade_build.hpp), each rubric criterion's test
// suites run R times in the sandbox (sandbox.hpp), and the score comes only from what the
// grader observed: exit statuses, the result channel, its own limits. One internal result
// (SubmissionGrade) feeds every output format (grade_report.hpp).
#pragma once

#include "course/catalogue.hpp"
#include "course/workspace.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace labctl {

struct CriterionResult {
  std::string criterion;  // rubric.hpp's names: correct, race_free, ...
  long long points = 0;
  long long max_points = 0;
  // passed | failed | not scored (the answer is wrong: nothing else is scored)
  std::string status;
  std::string reason;    // one line: "ThreadSanitizer: data race in lost_update.cpp:34"
  std::string excerpt;   // a few lines to show the student: the condensed report, expected/actual
  int runs = 0;          // runs made of this criterion's suites
  int runs_passed = 0;
  int hidden_total = 0;  // the instructor's hidden tests in this criterion
  int hidden_failed = 0; // how many of them failed (never which)

  bool passed() const { return status == "passed"; }
};

struct LabGrade {
  const Lab* lab = nullptr;
  long long points = 0;
  long long max_points = 0;
  // graded | not submitted | refused | does not compile | no tests | out of time
  std::string status;
  std::string message;  // why, for every status but graded
  std::vector<CriterionResult> criteria;
};

struct SubmissionGrade {
  std::string name;         // the student, as reports show it
  std::string source;       // what was graded (the path given)
  std::string fingerprint;  // of the files taken, for resuming a batch
  long long points = 0;
  long long max_points = 0;
  std::string refused;      // the whole submission was unusable (broken archive, ...)
  std::vector<std::string> notes;
  std::vector<LabGrade> labs;
  double seconds = 0;       // wall time spent grading it
  bool from_cache = false;  // an earlier run's result for the same files and settings
};

struct GradeOptions {
  std::vector<std::string> submissions;  // paths (folders, archives, git repositories, PATH@REV)
  std::vector<std::string> labs;         // empty: every lab
  std::filesystem::path hidden_tests;
  int runs = 2;
  int jobs = 4;  // labs at once: twice the cores of the 2-core target, as runs also wait
  std::string format = "table";  // table md json gradescope junit csv
  std::filesystem::path out;     // empty: stdout
  std::filesystem::path grading_build;  // empty: ROOT/build/grade
  std::chrono::seconds time_limit{60};  // wall time of one test program run
  // Wall time one lab may take, compiling included, and one submission's labs together
  // (when they run side by side: budget.hpp). Code that hangs costs at most these.
  std::chrono::seconds lab_time_limit{90};
  std::chrono::seconds submission_time_limit{150};
  // --shard K/N: grade only shard K of N of the submissions (shard.hpp); 0/0: all.
  int shard_index = 0;
  int shard_count = 0;
  // --merge: `submissions` are shard folders of JSON reports, written again as one report
  // in `format` (nothing is graded).
  bool merge = false;
};

// Grades every submission (a folder of submissions counts as one per entry), or with
// options.merge merges shard folders' reports; never stops on a bad submission. Returns 0 when every submission was graded (whatever its score), 2 on a
// usage or environment error.
int run_grade(const Workspace& workspace, const GradeOptions& options);

}  // namespace labctl
