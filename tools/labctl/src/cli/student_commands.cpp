// The student loop's commands: list, check, watch, hint, race and reset.
#include "cli/commands.hpp"

#include "student/hint.hpp"
#include "student/race.hpp"
#include "student/reset.hpp"
#include "student/scoreboard.hpp"
#include "student/watch.hpp"

#include <memory>
#include <string>

namespace labctl::cli {

Command list_command() {
  struct Options {
    bool no_build = false;
    bool rerun = false;
  };
  auto options = std::make_shared<Options>();
  return {"list", "the scoreboard: every lab's state and points, and what to do next",
          [options](CLI::App& app) {
            add_no_build_flag(app, options->no_build, "the test programs as they are");
            app.add_flag("--rerun", options->rerun,
                         "run every lab's tests again, also those whose test program is unchanged since their last "
                         "check");
          },
          [options](const GlobalOptions& global) {
            return run_list(open_workspace(global), options->no_build, options->rerun);
          }};
}

Command check_command() {
  struct Options {
    std::string lab;
    bool no_build = false;
    bool diagnostics = false;
  };
  auto options = std::make_shared<Options>();
  return {"check", "rebuild one lab, run its tests and say what is wrong, if anything",
          [options](CLI::App& app) {
            app.add_option("lab", options->lab, "the lab's number, like 01")->required();
            add_no_build_flag(app, options->no_build, "the test program as it is");
            app.add_flag("--diagnostics", options->diagnostics,
                         "also print the findings as file:line:col: error: lines, for an editor");
          },
          [options](const GlobalOptions& global) {
            return run_check(open_workspace(global), options->lab, options->no_build, options->diagnostics);
          }};
}

Command watch_command() {
  auto options = std::make_shared<WatchOptions>();
  return {"watch", "check the lab you work on every time you save it, and move on when it passes (h hint, q quit)",
          [options](CLI::App& app) {
            app.add_option("lab", options->lab, "start with this lab (default: the first one not passing)");
            add_no_build_flag(app, options->no_build, "the test programs as they are");
            app.add_flag("--diagnostics", options->diagnostics,
                         "also print the findings as file:line:col: error: lines, for an editor");
          },
          [options](const GlobalOptions& global) { return run_watch(open_workspace(global), *options); }};
}

Command hint_command() {
  auto lab = std::make_shared<std::string>();
  return {"hint", "the lab's next hint (one more each time)",
          [lab](CLI::App& app) { app.add_option("lab", *lab, "the lab's number, like 01")->required(); },
          [lab](const GlobalOptions& global) { return run_hint(open_workspace(global), *lab); }};
}

Command race_command() {
  auto options = std::make_shared<RaceOptions>();
  return {"race", "run a lab's demo program many times on your code and on the reference, and chart the answers",
          [options](CLI::App& app) {
            app.add_option("lab", options->lab, "the lab's number, like 01")->required();
            app.add_option("--runs", options->runs, "runs of each side (default: 200)")->check(CLI::Range(1, 100000));
            app.add_flag("--solution", options->solution_only, "run only the reference");
            app.add_option("--svg", options->svg, "also draw the chart as an SVG file");
            app.add_option("--release-build", options->release_build,
                           "the release build directory (default: ROOT/build/release)");
            add_no_build_flag(app, options->no_build, "the demo programs as they are");
            app.add_flag("--explore", options->explore,
                         "also run the demos under the explorer (tools/lab explore) and show the first failing "
                         "interleaving");
            app.add_option("--schedules", options->schedules, "--explore: schedules per side (default: 200)")
                ->check(CLI::Range(1, 100000));
          },
          [options](const GlobalOptions& global) { return run_race(open_workspace(global), *options); }};
}

Command reset_command() {
  struct Options {
    std::string lab;
    std::string file;
  };
  auto options = std::make_shared<Options>();
  return {"reset", "put a lab's starter file(s) back, keeping your copy under .racelab/backups/",
          [options](CLI::App& app) {
            app.add_option("lab", options->lab, "the lab's number, like 01")->required();
            app.add_option("file", options->file, "only this file, like lost_update.cpp (default: every file you edit)");
          },
          // No workspace.require_build(): reset must work when nothing builds.
          [options](const GlobalOptions& global) { return run_reset(open_workspace(global), options->lab, options->file); }};
}

}  // namespace labctl::cli
