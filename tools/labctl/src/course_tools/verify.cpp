#include "course_tools/verify.hpp"

#include "base/errors.hpp"
#include "base/style.hpp"
#include "run/test_program.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <optional>

namespace labctl {
namespace {

namespace fs = std::filesystem;

// The runs of one side of one lab.
struct SideResult {
  int runs = 0;
  int good = 0;            // runs that were as they must be
  std::string build_error; // non-empty: it did not compile, nothing ran
  fs::path build_log;
  std::optional<TestRun> first_bad;  // the first run that was not
  int first_bad_index = 0;
};

void progress(const std::string& message) {
  if (!stderr_is_terminal()) return;
  std::fprintf(stderr, "\r\x1b[K%s", message.c_str());
  std::fflush(stderr);
}

SideResult verify_side(const Workspace& workspace, const Lab& lab, const std::string& side, int runs, bool build) {
  SideResult result;
  const std::string target = lab.target(side);
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

int run_verify(const Workspace& workspace, const std::vector<std::string>& names, int runs, bool no_build) {
  const std::vector<const Lab*> labs = workspace.select_built(names);
  if (no_build) {
    std::vector<std::string> targets;
    for (const Lab* lab : labs) {
      targets.push_back(lab->target("starter"));
      targets.push_back(lab->target("solution"));
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
    const SideResult starter = verify_side(workspace, *lab, "starter", runs, !no_build);
    const SideResult solution = verify_side(workspace, *lab, "solution", runs, !no_build);
    const bool ok = starter.build_error.empty() && solution.build_error.empty() && starter.good == runs &&
                    solution.good == runs;
    (ok ? passed : failed) += 1;
    const Tone starter_tone = starter.build_error.empty() && starter.good == runs ? Tone::good : Tone::bad;
    const Tone solution_tone = solution.build_error.empty() && solution.good == runs ? Tone::good : Tone::bad;
    fmt::print("{:<5}{}{}{}\n", lab->number,
               style(fmt::format("{:<{}}", column(starter, lab->expect), kStarterWidth), starter_tone),
               style(fmt::format("{:<{}}", column(solution, "pass"), kSolutionWidth + 4), solution_tone),
               style(ok ? "ok" : "FAIL", ok ? Tone::good : Tone::bad));
    explain(starter, "starter", "fail with " + lab->expect + " in every run", style);
    explain(solution, "solution", "pass in every run", style);
    std::fflush(stdout);
  }
  fmt::print("{} passed, {} failed\n", passed, failed);
  return failed == 0 ? kExitOk : kExitNotYet;
}

}  // namespace labctl
