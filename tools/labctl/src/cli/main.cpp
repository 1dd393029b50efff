// labctl: the program behind tools/lab. Parses the command line and hands over to a
// subcommand; turns every problem into one "racelab: ..." line on stderr.
//
//   labctl [--root DIR] [--build DIR] [--catalogue FILE] [--time-limit S] list [--no-build]
//   labctl ... verify [NN ...] [--runs R] [--no-build]
//   labctl ... check NN [--no-build]
//   labctl ... watch [NN] [--no-build]
//   labctl ... hint NN
//   labctl ... grade SUBMISSION... [--labs 01,03] [--hidden-tests DIR] [--runs R] [--jobs N]
//              [--format table|md|json|gradescope|junit|csv] [--out DIR] [--grading-build DIR]
//   labctl ... race NN [--runs N] [--solution] [--svg FILE] [--explore [--schedules N]] [--release-build DIR] [--no-build]
//   labctl ... export (--student DIR | --gradescope FILE.zip) [--hidden-tests DIR] [--labs 01,03] [--runs R]
//   labctl ... new NN-slug [--title T]
//   labctl explore [--schedules N] [--strategy random|pct] [--depth D] [--seed S] [--replay SCHEDULE]
//                  [--timeout S] [--trace FILE[.svg]] [--expect LINE] -- PROGRAM [ARGS...]    (needs no source tree or build)
//
// Exit codes: 0 ok, 1 the work is not yet correct, 2 usage or environment error.
#include "base/errors.hpp"
#include "explore/explore.hpp"
#include "course_tools/export.hpp"
#include "grade/grade.hpp"
#include "student/hint.hpp"
#include "student/race.hpp"
#include "course_tools/scaffold.hpp"
#include "student/scoreboard.hpp"
#include "course_tools/verify.hpp"
#include "student/watch.hpp"
#include "course/workspace.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <exception>
#include <string>

namespace {

// Messages from libraries may span lines; the contract is one line.
void report(const std::string& message) {
  std::string line = message;
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  std::fprintf(stderr, "racelab: %s\n", line.c_str());
}

int run(int argc, char** argv) {
  CLI::App app{"labctl: the racelab course tool behind tools/lab (list, check, hint, watch, race, verify, grade, export, new, explore)", "labctl"};
  app.set_version_flag("--version", std::string(LABCTL_VERSION));
  app.require_subcommand(1);
  app.fallthrough();  // global options may also follow the subcommand

  labctl::Options options;
  std::string root = ".";
  std::string build;
  std::string catalogue;
  int time_limit = 120;
  app.add_option("--root", root, "the racelab source tree (default: the current directory)");
  app.add_option("--build", build, "the ThreadSanitizer build directory (default: ROOT/build/tsan)");
  app.add_option("--catalogue", catalogue, "the lab catalogue (default: ROOT/labs/labs.toml)");
  app.add_option("--time-limit", time_limit, "seconds one run of a test program may take (default: 120)")
      ->check(CLI::Range(1, 86400));

  bool list_no_build = false;
  CLI::App* list = app.add_subcommand("list", "the scoreboard: every lab's state and points, and what to do next");
  list->add_flag("--no-build", list_no_build, "run the test programs as they are, without building first");

  std::vector<std::string> verify_labs;
  int runs = 5;
  bool verify_no_build = false;
  CLI::App* verify = app.add_subcommand(
      "verify", "prove each starter fails for its expected reason and each solution passes, in every run");
  verify->add_option("labs", verify_labs, "lab numbers, like 01 (default: every lab)");
  verify->add_option("--runs", runs, "runs of each test program (default: 5)")->check(CLI::Range(1, 1000));
  verify->add_flag("--no-build", verify_no_build, "run the test programs as they are, without building first");

  std::string check_lab;
  bool check_no_build = false;
  CLI::App* check = app.add_subcommand("check", "rebuild one lab, run its tests and say what is wrong, if anything");
  check->add_option("lab", check_lab, "the lab's number, like 01")->required();
  check->add_flag("--no-build", check_no_build, "run the test program as it is, without building first");

  labctl::WatchOptions watch_options;
  CLI::App* watch = app.add_subcommand(
      "watch", "check the lab you work on every time you save it, and move on when it passes (h hint, q quit)");
  watch->add_option("lab", watch_options.lab, "start with this lab (default: the first one not passing)");
  watch->add_flag("--no-build", watch_options.no_build, "run the test programs as they are, without building first");

  std::string hint_lab;
  CLI::App* hint = app.add_subcommand("hint", "the lab's next hint (one more each time)");
  hint->add_option("lab", hint_lab, "the lab's number, like 01")->required();

  labctl::RaceOptions race_options;
  std::string release_build;
  CLI::App* race = app.add_subcommand(
      "race", "run a lab's demo program many times on your code and on the reference, and chart the answers");
  race->add_option("lab", race_options.lab, "the lab's number, like 01")->required();
  race->add_option("--runs", race_options.runs, "runs of each side (default: 200)")->check(CLI::Range(1, 100000));
  race->add_flag("--solution", race_options.solution_only, "run only the reference");
  race->add_option("--svg", race_options.svg, "also draw the chart as an SVG file");
  race->add_option("--release-build", release_build, "the release build directory (default: ROOT/build/release)");
  race->add_flag("--no-build", race_options.no_build, "run the demo programs as they are, without building first");
  race->add_flag("--explore", race_options.explore,
                 "also run the demos under the explorer (tools/lab explore) and show the first failing interleaving");
  race->add_option("--schedules", race_options.schedules, "--explore: schedules per side (default: 200)")
      ->check(CLI::Range(1, 100000));

  labctl::GradeOptions grade_options;
  std::string grade_labs;
  std::string hidden_tests;
  std::string grade_out;
  std::string grading_build;
  int grade_time_limit = 60;
  CLI::App* grade = app.add_subcommand(
      "grade", "grade submissions (folders, .zip, .tar.gz, git repositories, REPO@REV) on every lab's rubric");
  grade->add_option("submissions", grade_options.submissions, "the submissions, or folders of them")->required();
  grade->add_option("--labs", grade_labs, "only these labs, like 01,03 (default: every lab)");
  grade->add_option("--hidden-tests", hidden_tests, "instructor-only tests: DIR/NN-slug.cpp, suites named Hidden*");
  grade->add_option("--runs", grade_options.runs, "runs of each criterion's tests; all must pass (default: 2)")
      ->check(CLI::Range(1, 100));
  grade->add_option("--jobs", grade_options.jobs, "labs graded at once (default: 4)")->check(CLI::Range(1, 64));
  grade->add_option("--format", grade_options.format, "table, md, json, gradescope, junit or csv (default: table)");
  grade->add_option("--out", grade_out, "write the reports into this folder (and remember results, to resume)");
  grade->add_option("--grading-build", grading_build, "the grader's build directory (default: ROOT/build/grade)");
  grade->add_option("--run-time-limit", grade_time_limit, "seconds one run of a test program may take (default: 60)")
      ->check(CLI::Range(5, 3600));

  labctl::ExportOptions export_options;
  std::string export_labs;
  CLI::App* export_command = app.add_subcommand(
      "export", "package the course: --student DIR (no solutions, no hidden tests) or --gradescope FILE.zip");
  export_command->add_option("--student", export_options.student_dir, "write the students' repository into this new folder");
  export_command->add_option("--gradescope", export_options.gradescope_zip,
                             "write a Gradescope autograder (setup.sh, run_autograder, source/) into this .zip");
  export_command->add_option("--hidden-tests", export_options.hidden_tests,
                             "instructor-only tests: left out of --student, shipped and graded by --gradescope");
  export_command->add_option("--labs", export_labs, "--gradescope: grade only these labs, like 01,03 (default: every lab)");
  export_command->add_option("--runs", export_options.runs, "--gradescope: runs of each criterion (default: 2)")
      ->check(CLI::Range(1, 100));

  labctl::NewLabOptions new_options;
  CLI::App* new_command = app.add_subcommand(
      "new", "scaffold a lab (handout, starter, solution, tests, catalogue entry) that verify passes at once");
  new_command->add_option("slug", new_options.slug, "NN-slug, like 12-thread-pool")->required();
  new_command->add_option("--title", new_options.title, "the scoreboard's one-line title (default: from the slug)");

  labctl::ExploreOptions explore_options;
  CLI::App* explore = app.add_subcommand(
      "explore", "run a threaded program under a controlled scheduler, one schedule per run, until one fails (replayable)");
  explore->add_option("--schedules", explore_options.schedules, "runs, each with its own schedule (default: 1000)")
      ->check(CLI::Range(1, 10000000));
  explore->add_option("--strategy", explore_options.strategy, "random or pct (default: random)");
  explore->add_option("--depth", explore_options.depth, "pct: the bug depth D (default: 3)")->check(CLI::Range(1, 100));
  explore->add_option("--seed", explore_options.seed, "the first schedule's seed (default: 1)");
  explore->add_option("--replay", explore_options.replay, "run this schedule string once (as printed on a failure)");
  explore->add_option("--timeout", explore_options.timeout,
                      "seconds a thread may run without a scheduling point before it is reported (default: 10)")
      ->check(CLI::Range(1, 3600));
  explore->add_option("--trace", explore_options.trace,
                      "write the failing run's scheduling points, with source lines, to this file (an SVG drawing when it ends in .svg)");
  std::string explore_expect;
  explore->add_option("--expect", explore_expect,
                      "the first line a correct run prints: a run that prints another one fails too");
  explore->add_option("program", explore_options.command, "-- PROGRAM [ARGS...]")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    if (error.get_exit_code() == 0) return app.exit(error);  // --help, --version
    // CLI11 calls a mistyped command "extra" or says one is missing; name it instead.
    const auto left = app.remaining();
    if (app.get_subcommands().empty() && !left.empty() && left.front().rfind('-', 0) != 0) {
      report(fmt::format("unknown command '{}'; the commands are list, check, hint, watch, race, verify, grade, export, new and explore (labctl --help)", left.front()));
      return labctl::kExitUsage;
    }
    report(fmt::format("{} (labctl --help)", error.what()));
    return labctl::kExitUsage;
  }

  // explore runs any program: it needs neither a source tree nor a build.
  if (explore->parsed()) {
    if (explore->count("--expect") > 0) explore_options.expect = explore_expect;
    return labctl::run_explore(explore_options);
  }

  options.root = root;
  options.build = build;
  options.catalogue = catalogue;
  options.time_limit = std::chrono::seconds(time_limit);
  const labctl::Workspace workspace = labctl::Workspace::open(options);
  if (list->parsed()) return labctl::run_list(workspace, list_no_build);
  if (check->parsed()) return labctl::run_check(workspace, check_lab, check_no_build);
  if (watch->parsed()) return labctl::run_watch(workspace, watch_options);
  if (hint->parsed()) return labctl::run_hint(workspace, hint_lab);
  if (grade->parsed()) {
    for (std::size_t start = 0; start < grade_labs.size();) {
      const auto comma = grade_labs.find(',', start);
      const auto end = comma == std::string::npos ? grade_labs.size() : comma;
      if (end > start) grade_options.labs.push_back(grade_labs.substr(start, end - start));
      start = end + 1;
    }
    grade_options.hidden_tests = hidden_tests;
    grade_options.out = grade_out;
    grade_options.grading_build = grading_build;
    grade_options.time_limit = std::chrono::seconds(grade_time_limit);
    return labctl::run_grade(workspace, grade_options);
  }
  if (export_command->parsed()) {
    export_options.labs = labctl::split_labs(export_labs);
    return labctl::run_export(workspace, export_options);
  }
  if (new_command->parsed()) return labctl::run_new(workspace, new_options);
  if (race->parsed()) {
    race_options.release_build = release_build;
    return labctl::run_race(workspace, race_options);
  }
  return labctl::run_verify(workspace, verify_labs, runs, verify_no_build);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const labctl::Error& error) {
    report(error.what());
  } catch (const std::exception& error) {
    report(fmt::format("internal error: {}", error.what()));
  } catch (...) {
    report("internal error");
  }
  return labctl::kExitUsage;
}
