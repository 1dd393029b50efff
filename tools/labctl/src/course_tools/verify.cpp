#include "course_tools/verify.hpp"

#include "base/errors.hpp"
#include "base/process.hpp"
#include "base/style.hpp"
#include "course/rubric.hpp"
#include "course_tools/scaffold.hpp"
#include "run/criteria_run.hpp"
#include "run/test_program.hpp"

#include <fmt/format.h>
#include <labkit/protocol.hpp>
#include "schedule.hpp"  // the explorer's environment

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <set>

namespace labctl {
namespace {

namespace fs = std::filesystem;

// What the untouched starter would score if a student handed it in: the most over the runs.
struct StarterScore {
  long long points = 0;
  int run = 0;                          // the run that scored them
  std::vector<std::string> criteria;    // the criteria that earned them
};

// The runs of one side of one lab.
struct SideResult {
  int runs = 0;
  int good = 0;            // runs that were as they must be
  std::string build_error; // non-empty: it did not compile, nothing ran
  fs::path build_log;
  std::optional<TestRun> first_bad;  // the first run that was not
  int first_bad_index = 0;
  StarterScore starter;    // the starter side only
};

// The points of the starter's run `run` as the grader scores a submission
// (run/criteria_run.hpp, the reading the student loop shows too).
StarterScore score_starter_run(const Lab& lab, const fs::path& program, const TestRun& run, int index,
                               const fs::path& stem, std::chrono::seconds limit) {
  StarterScore score;
  score.run = index;
  for (const auto& criterion : score_test_runs(lab, program, run, stem, limit, "").criteria) {
    score.points += criterion.points;
    if (criterion.points > 0) score.criteria.push_back(criterion.criterion);
  }
  return score;
}

void progress(const std::string& message) {
  if (!stderr_is_terminal()) return;
  std::fprintf(stderr, "\r\x1b[K%s", message.c_str());
  std::fflush(stderr);
}

SideResult verify_side(const Workspace& workspace, const Lab& lab, const std::string& side, int runs, bool build,
                       bool committed_starters) {
  SideResult result;
  const std::string target = lab.target(side == "starter" && committed_starters ? "committed" : side);
  if (build) {
    progress(fmt::format("racelab: building {} ...", target));
    const BuildResult built = build_target(workspace.build, target);
    if (!built.ok) {
      progress("");
      result.build_error = built.error;
      result.build_log = built.log;
      return result;
    }
  }
  const fs::path program = test_program_path(workspace.build, target);
  for (int i = 1; i <= runs; ++i) {
    progress(fmt::format("racelab: {} run {}/{} ...", target, i, runs));
    TestRun run = run_test_program(program, runs_dir(workspace.build) / "verify" / fmt::format("{}.run{}", target, i),
                                   Workspace::code_dir(lab, side), workspace.time_limit);
    ++result.runs;
    const bool as_it_must_be = side == "starter" ? run.verdict.has(lab.expect) : run.verdict.passed();
    if (side == "starter") {
      const fs::path stem = runs_dir(workspace.build) / "verify" / fmt::format("{}.run{}", target, i);
      const StarterScore score = score_starter_run(lab, program, run, i, stem, workspace.time_limit);
      if (score.points > result.starter.points) result.starter = score;
    }
    if (as_it_must_be) {
      ++result.good;
    } else if (!result.first_bad) {
      result.first_bad = std::move(run);
      result.first_bad_index = i;
    }
  }
  progress("");
  return result;
}

// The reference on the explorer, as the grader runs a submission (docs/grading.md, "On the
// explorer"): its explored program, the Correctness tests (every suite but the other
// criteria's), once under each of the lab's schedules. It must pass every one: a schedule
// that fails the reference would fail every honest student. "" when it does, else the first
// schedule that failed and how.
std::string explored_failure(const Workspace& workspace, const Lab& lab) {
  const std::string target = lab.target("solution_explored");
  const fs::path program = test_program_path(workspace.build, target);
  const std::string filter = "--gtest_filter=-RaceFree*:Determinism*:NoGlobals*:Parallel*:*/RaceFree*:*/Determinism*"
                             ":*/NoGlobals*:*/Parallel*";
  for (std::size_t i = 0; i < lab.schedules.size(); ++i) {
    progress(fmt::format("racelab: {} schedule {}/{} ...", target, i + 1, lab.schedules.size()));
    const TestRun run = run_test_program(program, runs_dir(workspace.build) / "verify" / fmt::format("{}.{}", target, i + 1),
                                         Workspace::code_dir(lab, "solution"), workspace.time_limit, {filter},
                                         {{labctl::explore::kScheduleEnv, lab.schedules[i]}, {labctl::explore::kTimeoutEnv, "10"}});
    if (!run.verdict.passed() || !run.status.ok()) {
      progress("");
      return fmt::format("under {}: {} (full report: {})", lab.schedules[i], run.verdict.headline, run.log.string());
    }
  }
  progress("");
  return "";
}

// Whether the build makes the labs' explored programs (the top CMakeLists.txt: the tsan
// preset with labctl or for the grader). A build without them (RACELAB_TOOLS=OFF, a new
// lab's quick build) verifies the real runs only, and says so.
bool builds_explored_programs(const fs::path& build) {
  const std::string cache = read_file(build / "CMakeCache.txt");
  const auto on = [&](const std::string& entry) { return cache.find("\n" + entry + "\n") != std::string::npos; };
  return on("RACELAB_SANITIZER:STRING=thread") && (on("RACELAB_TOOLS:BOOL=ON") || on("RACELAB_GRADING:BOOL=ON"));
}

std::string column(const SideResult& result, const std::string& word) {
  if (!result.build_error.empty()) return "does not compile";
  return fmt::format("{} {}/{}", word, result.good, result.runs);
}

void explain(const SideResult& result, const std::string& side, const std::string& must, const Style& style) {
  if (!result.build_error.empty()) {
    fmt::print("     {} does not compile: {}\n", side, result.build_error);
    fmt::print("     {}\n", style("full report: " + result.build_log.string(), Tone::dim));
    return;
  }
  if (!result.first_bad) return;
  const TestRun& run = *result.first_bad;
  std::string reasons;
  for (const auto& reason : run.verdict.reasons) reasons += (reasons.empty() ? "" : ", ") + reason;
  fmt::print("     {} run {}: {} [{}]; it must {}\n", side, result.first_bad_index, run.verdict.headline, reasons, must);
  fmt::print("     {}\n", style("full report: " + run.log.string(), Tone::dim));
}

}  // namespace

int run_verify(const Workspace& workspace, const std::vector<std::string>& names, int runs, bool no_build,
               bool committed_starters) {
  const std::vector<const Lab*> labs = workspace.select_built(names);
  const bool explored_programs = builds_explored_programs(workspace.build);
  if (no_build) {
    std::vector<std::string> targets;
    for (const Lab* lab : labs) {
      targets.push_back(lab->target(committed_starters ? "committed" : "starter"));
      targets.push_back(lab->target("solution"));
      if (!lab->schedules.empty() && explored_programs) targets.push_back(lab->target("solution_explored"));
    }
    require_test_programs(workspace.build, targets);
  }
  const Style style = Style::for_stdout();

  constexpr int kStarterWidth = 28;
  constexpr int kSolutionWidth = 18;
  fmt::print("{}\n", style(fmt::format("{:<5}{:<{}}{:<{}}{}", "lab", "starter (must fail)", kStarterWidth,
                                       "solution (must pass)", kSolutionWidth + 4, "verdict"),
                           Tone::bold));
  int passed = 0;
  int failed = 0;
  for (const Lab* lab : labs) {
    const SideResult starter = verify_side(workspace, *lab, "starter", runs, !no_build, committed_starters);
    const SideResult solution = verify_side(workspace, *lab, "solution", runs, !no_build, false);
    const bool starter_earns_too_much = starter.starter.points > lab->starter_max_points;
    std::string explored;
    if (!lab->schedules.empty() && solution.build_error.empty() && explored_programs) {
      if (!no_build) {
        const BuildResult built = build_target(workspace.build, lab->target("solution_explored"));
        if (!built.ok) explored = "its explored program does not build: " + built.error;
      }
      if (explored.empty()) explored = explored_failure(workspace, *lab);
    }
    const std::vector<std::string> scaffolded = still_scaffolded(workspace.root, *lab);
    const bool ok = starter.build_error.empty() && solution.build_error.empty() && starter.good == runs &&
                    solution.good == runs && !starter_earns_too_much && explored.empty() && scaffolded.empty();
    (ok ? passed : failed) += 1;
    const Tone starter_tone = starter.build_error.empty() && starter.good == runs ? Tone::good : Tone::bad;
    const Tone solution_tone = solution.build_error.empty() && solution.good == runs ? Tone::good : Tone::bad;
    fmt::print("{:<5}{}{}{}\n", lab->number,
               style(fmt::format("{:<{}}", column(starter, lab->expect), kStarterWidth), starter_tone),
               style(fmt::format("{:<{}}", column(solution, "pass"), kSolutionWidth + 4), solution_tone),
               style(ok ? "ok" : "FAIL", ok ? Tone::good : Tone::bad));
    explain(starter, "starter", "fail with " + lab->expect + " in every run", style);
    if (starter_earns_too_much) {
      std::string passing;
      for (const auto& criterion : starter.starter.criteria) passing += (passing.empty() ? "" : ", ") + criterion;
      fmt::print("     starter run {} earns {}/{} points when graded ({}); the catalogue allows {} "
                 "(starter_max_points): make the starter fail `correct`\n",
                 starter.starter.run, starter.starter.points, lab->points, passing, lab->starter_max_points);
    }
    explain(solution, "solution", "pass in every run", style);
    if (!explored.empty()) {
      fmt::print("     solution on the explorer fails {}; it must pass under every schedule the catalogue names\n", explored);
    }
    if (!scaffolded.empty()) {
      std::string what;
      for (const auto& part : scaffolded) what += (what.empty() ? "" : " and ") + part;
      fmt::print("     not ready to hand out: {} {} still the scaffold's example (tools/lab new): write the lab's own\n",
                 what, scaffolded.size() == 1 ? "is" : "are");
    }
    std::fflush(stdout);
  }
  if (!explored_programs) {
    fmt::print("{}\n", style("(the references were not run on the explorer: this build has no explored programs; "
                             "the tsan preset with RACELAB_TOOLS=ON makes them)",
                             Tone::dim));
  }
  fmt::print("{} passed, {} failed\n", passed, failed);
  return failed == 0 ? kExitOk : kExitNotYet;
}

}  // namespace labctl
