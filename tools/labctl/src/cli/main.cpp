// labctl: the program behind tools/lab. Parses the command line and hands over to a
// subcommand; turns every problem into one "racelab: ..." line on stderr.
//
//   labctl [--root DIR] [--build DIR] [--catalogue FILE] [--time-limit S] list [--no-build]
//   labctl ... verify [NN ...] [--runs R] [--no-build]
//   labctl ... check NN [--no-build]
//   labctl ... watch [NN] [--no-build]
//   labctl ... hint NN
//   labctl ... reset NN [FILE]
//   labctl ... grade SUBMISSION... [--labs 01,03] [--hidden-tests DIR] [--runs R] [--jobs N]
//              [--format table|md|json|gradescope|junit|csv] [--out DIR] [--grading-build DIR]
//              [--run-time-limit S] [--lab-time-limit S] [--submission-time-limit S]
//   labctl ... race NN [--runs N] [--solution] [--svg FILE] [--explore [--schedules N]] [--release-build DIR] [--no-build]
//   labctl ... export (--student DIR | --gradescope FILE.zip) [--hidden-tests DIR] [--labs 01,03] [--runs R]
//   labctl ... new NN-slug [--title T]
//   labctl ... lab-checks [NN ...]     (hidden: the grader's static checks on each lab's starter and solution)
//   labctl explore [--schedules N] [--strategy random|pct] [--depth D] [--seed S] [--replay SCHEDULE]
//                  [--timeout S] [--trace FILE[.svg]] [--expect LINE] -- PROGRAM [ARGS...]    (needs no source tree or build)
//
// Exit codes: 0 ok, 1 the work is not yet correct, 2 usage or environment error.
#include "base/errors.hpp"
#include "cli/commands.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

// The name messages and --help give the program: what people type. labctl is only ever run
// through tools/lab (and by the course's own tests), so naming labctl would send a student
// to a program they never called.
constexpr const char* kShownName = "tools/lab";

// Messages from libraries may span lines; the contract is one line.
void report(const std::string& message) {
  std::string line = message;
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  std::fprintf(stderr, "racelab: %s\n", line.c_str());
}

// What a command line CLI11 refused comes to: help and version printed (exit 0), or one line.
int parse_failed(const CLI::App& app, const CLI::ParseError& error) {
  if (error.get_exit_code() == 0) return app.exit(error);  // --help, --version
  // CLI11 calls a mistyped command "extra" or says one is missing; name it instead.
  const auto left = app.remaining();
  if (app.get_subcommands().empty() && !left.empty() && left.front().rfind('-', 0) != 0) {
    report(fmt::format("unknown command '{}'; the commands are list, check, hint, watch, race, reset, verify, grade, export, new and explore ({} --help)", left.front(), kShownName));
    return labctl::kExitUsage;
  }
  report(fmt::format("{} ({} --help)", error.what(), kShownName));
  return labctl::kExitUsage;
}

int run(int argc, char** argv) {
  CLI::App app{"racelab's course tool (list, check, hint, watch, race, reset, verify, grade, export, new, explore)",
               kShownName};
  app.set_version_flag("--version", std::string(LABCTL_VERSION));
  app.require_subcommand(1);
  app.fallthrough();  // global options may also follow the subcommand

  labctl::cli::GlobalOptions global;
  labctl::cli::add_global_options(app, global);
  const std::vector<labctl::cli::Command> commands = labctl::cli::commands();
  for (const auto& command : commands) {
    CLI::App* subcommand = app.add_subcommand(command.name, command.help);
    command.add_options(*subcommand);
    if (command.hidden) subcommand->group("");
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return parse_failed(app, error);
  }
  for (const auto& command : commands) {
    if (app.get_subcommand(command.name)->parsed()) return command.run(global);
  }
  throw std::logic_error("no command to run");  // require_subcommand(1) makes this unreachable
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
