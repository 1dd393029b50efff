// The instructor's commands: verify the course, grade submissions, package the course, and
// scaffold a new lab.
#include "cli/commands.hpp"

#include "base/errors.hpp"
#include "course_tools/export.hpp"
#include "course_tools/scaffold.hpp"
#include "course_tools/verify.hpp"
#include "grade/grade.hpp"
#include "grade/lab_checks.hpp"
#include "grade/shard.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace labctl::cli {

namespace {

// The project's own tests (ctest's verify_labNN, labctl_checks_labNN) check the starters as
// committed, so that a student's edits to labs/ do not break them.
void add_committed_starters_flag(CLI::App& app, bool& committed) {
  app.add_flag("--committed-starters", committed,
               "the starters as the repository has them committed (BUILD/committed/labs, built as labNN_committed), "
               "not the working tree's");
}

}  // namespace

Command verify_command() {
  struct Options {
    std::vector<std::string> labs;
    int runs = 5;
    bool no_build = false;
    bool committed_starters = false;
  };
  auto options = std::make_shared<Options>();
  return {"verify", "prove each starter fails for its expected reason and each solution passes, in every run",
          [options](CLI::App& app) {
            app.add_option("labs", options->labs, "lab numbers, like 01 (default: every lab)");
            app.add_option("--runs", options->runs, "runs of each test program (default: 5)")
                ->check(CLI::Range(1, 1000));
            add_no_build_flag(app, options->no_build, "the test programs as they are");
            add_committed_starters_flag(app, options->committed_starters);
          },
          [options](const GlobalOptions& global) {
            return run_verify(open_workspace(global), options->labs, options->runs, options->no_build,
                              options->committed_starters);
          }};
}

Command grade_command() {
  struct Options {
    GradeOptions grade;
    std::string labs;     // "01,03"
    int time_limit = 60;              // seconds
    int lab_time_limit = 90;          // seconds
    int submission_time_limit = 150;  // seconds
    std::string shard;                // "K/N"
  };
  auto options = std::make_shared<Options>();
  return {"grade", "grade submissions (folders, .zip, .tar.gz, git repositories, REPO@REV) on every lab's rubric",
          [options](CLI::App& app) {
            GradeOptions& grade = options->grade;
            app.add_option("submissions", grade.submissions,
                           "the submissions, or folders of them (with --merge: the shards' report folders)")
                ->required();
            app.add_option("--labs", options->labs, "only these labs, like 01,03 (default: every lab)");
            app.add_option("--hidden-tests", grade.hidden_tests,
                           "instructor-only tests: DIR/NN-slug.cpp, suites named Hidden*");
            app.add_option("--runs", grade.runs, "runs of each criterion's tests; all must pass (default: 2)")
                ->check(CLI::Range(1, 100));
            app.add_option("--jobs", grade.jobs, "labs graded at once (default: 4)")->check(CLI::Range(1, 64));
            app.add_option("--format", grade.format,
                           "table, md, json, gradescope, junit, csv or html (the class report) (default: table)");
            app.add_option("--shard", options->shard,
                           "K/N: grade only shard K of N of the submissions (a stable split; each shard with "
                           "--format json --out DIR, then --merge)");
            app.add_flag("--merge", grade.merge,
                         "merge the shards' report folders (given as the submissions) into one report in --format");
            app.add_option("--out", grade.out, "write the reports into this folder (and remember results, to resume)");
            app.add_option("--grading-build", grade.grading_build,
                           "the grader's build directory (default: ROOT/build/grade)");
            app.add_option("--run-time-limit", options->time_limit,
                           "seconds one run of a test program may take (default: 60)")
                ->check(CLI::Range(5, 3600));
            app.add_option("--lab-time-limit", options->lab_time_limit,
                           "seconds one lab may take, compiling included; a run still going then is stopped "
                           "and what is left fails (default: 90)")
                ->check(CLI::Range(5, 36000));
            app.add_option("--submission-time-limit", options->submission_time_limit,
                           "seconds one submission's labs may take together, side by side on the workers; "
                           "labs not started by then score 0, out of time (default: 150)")
                ->check(CLI::Range(5, 360000));
          },
          [options](const GlobalOptions& global) {
            const Workspace workspace = open_workspace(global);
            options->grade.labs = split_labs(options->labs);
            options->grade.time_limit = std::chrono::seconds(options->time_limit);
            options->grade.lab_time_limit = std::chrono::seconds(options->lab_time_limit);
            options->grade.submission_time_limit = std::chrono::seconds(options->submission_time_limit);
            if (!options->shard.empty()) {
              if (options->grade.merge) throw Error("--shard and --merge do not go together: shard the grading, then merge");
              const Shard shard = parse_shard(options->shard);
              options->grade.shard_index = shard.index;
              options->grade.shard_count = shard.count;
            }
            return run_grade(workspace, options->grade);
          }};
}

Command export_command() {
  struct Options {
    ExportOptions exported;
    std::string labs;  // "01,03"
  };
  auto options = std::make_shared<Options>();
  return {"export", "package the course: --student DIR (no solutions, no hidden tests) or --gradescope FILE.zip",
          [options](CLI::App& app) {
            ExportOptions& exported = options->exported;
            app.add_option("--student", exported.student_dir, "write the students' repository into this new folder");
            app.add_option("--gradescope", exported.gradescope_zip,
                           "write a Gradescope autograder (setup.sh, run_autograder, source/) into this .zip");
            app.add_option("--hidden-tests", exported.hidden_tests,
                           "instructor-only tests: left out of --student, shipped and graded by --gradescope");
            app.add_option("--labs", options->labs,
                           "--gradescope: grade only these labs, like 01,03 (default: every lab)");
            app.add_option("--runs", exported.runs, "--gradescope: runs of each criterion (default: 2)")
                ->check(CLI::Range(1, 100));
          },
          [options](const GlobalOptions& global) {
            const Workspace workspace = open_workspace(global);
            options->exported.labs = split_labs(options->labs);
            return run_export(workspace, options->exported);
          }};
}

Command new_command() {
  auto options = std::make_shared<NewLabOptions>();
  return {"new", "scaffold a lab (handout, starter, solution, tests, catalogue entry) that verify proves at once",
          [options](CLI::App& app) {
            app.add_option("slug", options->slug, "NN-slug, like 12-thread-pool")->required();
            app.add_option("--title", options->title, "the scoreboard's one-line title (default: from the slug)");
          },
          [options](const GlobalOptions& global) { return run_new(open_workspace(global), *options); }};
}

Command lab_checks_command() {
  struct Options {
    std::vector<std::string> labs;
    bool committed_starters = false;
  };
  auto options = std::make_shared<Options>();
  Command command{"lab-checks",
                  "the grader's checks (sources, imports, definitions, writable data) on each lab's starter and solution",
                  [options](CLI::App& app) {
                    app.add_option("labs", options->labs, "lab numbers, like 01 (default: every lab)");
                    add_committed_starters_flag(app, options->committed_starters);
                  },
                  [options](const GlobalOptions& global) {
                    return run_lab_checks(open_workspace(global), options->labs, options->committed_starters);
                  }};
  command.hidden = true;
  return command;
}

}  // namespace labctl::cli
