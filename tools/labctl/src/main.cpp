// labctl: the program behind tools/lab. Parses the command line and hands over to a
// subcommand; turns every problem into one "racelab: ..." line on stderr.
//
//   labctl [--root DIR] [--build DIR] [--catalogue FILE] [--time-limit S] list [--no-build]
//   labctl ... verify [NN ...] [--runs R] [--no-build]
//   labctl ... check NN [--no-build]
//   labctl ... watch [NN] [--no-build]
//   labctl ... hint NN
//   labctl ... race NN [--runs N] [--solution] [--svg FILE] [--release-build DIR] [--no-build]
//
// Exit codes: 0 ok, 1 the work is not yet correct, 2 usage or environment error.
#include "errors.hpp"
#include "hint.hpp"
#include "race.hpp"
#include "scoreboard.hpp"
#include "verify.hpp"
#include "watch.hpp"
#include "workspace.hpp"

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
  CLI::App app{"labctl: the racelab course tool behind tools/lab (list, check, hint, watch, race, verify)", "labctl"};
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

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    if (error.get_exit_code() == 0) return app.exit(error);  // --help, --version
    // CLI11 calls a mistyped command "extra" or says one is missing; name it instead.
    const auto left = app.remaining();
    if (app.get_subcommands().empty() && !left.empty() && left.front().rfind('-', 0) != 0) {
      report(fmt::format("unknown command '{}'; the commands are list, check, hint, watch, race and verify (labctl --help)", left.front()));
      return labctl::kExitUsage;
    }
    report(fmt::format("{} (labctl --help)", error.what()));
    return labctl::kExitUsage;
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
