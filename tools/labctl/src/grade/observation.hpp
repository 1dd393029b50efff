// One run of a lab's test program in the sandbox, and what the grader saw of it: the
// sandbox's own account (exit status, limits), the result record the harness sent on the
// result channel (believed only with the run's nonce), and a race, if ThreadSanitizer
// reported one. The result channel's protocol, as labctl reads it, is here.
#pragma once

#include "grade/budget.hpp"
#include "grade/grade.hpp"
#include "grade/grade_build.hpp"
#include "grade/sandbox/sandbox.hpp"
#include "run/classify.hpp"
#include "run/tsan_report.hpp"

#include <sys/types.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace labctl {

// The uids the sandbox runs programs as (when the grader is root): one per worker, so
// that one submission's thread bomb cannot use up another's RLIMIT_NPROC (counted per
// uid). Unnamed uids in Debian's on-demand range, below 65536 so that containers which map
// only 65536 uids can still switch to them (the sandbox's own default is 64999).
inline constexpr uid_t kSandboxUidBase = 64900;

// What the test program said through the result channel, if it said it properly.
struct RunRecord {
  bool valid = false;
  std::string refused;  // why a well-formed record is not believed, when it is not (else empty)
  int tsan_reports = 0;
  std::map<std::string, bool> tests;          // Suite.Test -> passed
  std::set<std::string> tests_with_reports;   // tests during which TSan reported
};

// The harness's record from the channel's bytes: valid only when it is exactly one line of
// JSON carrying `nonce` and a well-formed test list that names no test twice. (The course's
// tests have unique names; a second test of the same name can only come from the submitted
// code, registering one that passes beside the pristine one that fails.)
RunRecord parse_record(const std::string& channel, const std::string& nonce);

// What the sandbox could not do on this machine (a container without namespaces, say),
// seen in any run: the reports say so, since the defences in docs/grading.md then do not hold.
struct WeakIsolation {
  std::atomic<bool> network{false};
  std::atomic<bool> pids{false};
  std::atomic<bool> hidden{false};
  std::atomic<bool> privileged{false};
  // The compiler ran as the grader, outside the sandbox: its uid could not read the course
  // (a private folder above it); sandboxed_compile.hpp.
  std::atomic<bool> compiler{false};
};

// How one worker runs test programs.
struct RunContext {
  const GradeOptions* options;
  WeakIsolation* weak = nullptr;
  uid_t uid = kSandboxUidBase;   // this worker's sandbox uid
  std::filesystem::path course_root;  // the lab's public files, for report excerpts
  std::vector<std::filesystem::path> hidden;  // what the program must not read
  std::vector<std::filesystem::path> stages;  // every submission's staging folder: all but its own are hidden too
};

// One run of the test program in the sandbox, on some suites, and what the grader saw.
struct Observation {
  SandboxResult sandboxed;
  RunRecord record;
  Verdict verdict;  // classify()'s reading of the output: words for feedback only
  bool race = false;  // TSan reported (exit 66, or the record's count)
  std::string race_reason;
  std::string race_excerpt;
  // Not run at all: the budget had run out (`budget` says which).
  bool out_of_time = false;
  // Stopped at the wall-time limit, and that limit was the budget's, shorter than a run's own.
  bool stopped_by_budget = false;
  std::string budget;  // "the lab's time budget (90 s)", when either of the two is true
  // The program reached the end of its tests and said so properly: its record can be
  // trusted test by test (a crash or a limit leaves none).
  // Explored runs (a `schedule` given to observe): the explorer ended the run itself.
  std::string schedule;       // the schedule string it ran under, or empty for a real run
  bool explored_hang = false;  // every thread blocked, or no scheduling point within its timeout
  bool complete() const { return !out_of_time && sandboxed.limit == Limit::none && record.valid; }
};

// The files a report excerpt may quote for one lab of a submission: the lab's public files
// from the course tree, with the submission's own editable files over them. Nothing a run
// prints is ever opened (run/tsan_report.hpp).
ReportSources report_sources(const std::filesystem::path& course_root, const Lab& lab,
                             const std::map<std::string, std::string>& submitted);

// Runs `program` (the lab's test program built from a submission) on the gtest `filter` in
// the sandbox, in the fresh `workdir`, and reads what happened. The run ends by the
// budget's deadline, and is not started when less than a second is left. Report excerpts
// quote only `sources`. Weak isolation seen is recorded in context.weak.
// With a `schedule` (a full schedule string), `program` is the lab's explored program and runs
// under it: a race the explorer reports (its exit 96) is a race, with the explorer's report
// as the excerpt; a deadlock or a spin it ends (97, 98) is explored_hang.
Observation observe(const LabRecipe& recipe, const std::string& filter, const std::filesystem::path& program,
                    const std::filesystem::path& workdir, const RunContext& context, const ReportSources& sources,
                    const Budget& budget, const std::string& schedule = "");

}  // namespace labctl
