// labctl's subcommands, as a table: each one's name, its line in `labctl --help`, how it
// adds its options to CLI11 and how it runs once they are parsed. main.cpp builds the command
// line from the table and runs the one command given; the commands themselves are in
// student_commands.cpp, instructor_commands.cpp and explore_command.cpp.
#pragma once

#include "course/workspace.hpp"

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

namespace labctl::cli {

// The options every command but explore uses: where the course and its build are.
struct GlobalOptions {
  std::string root = ".";
  std::string build;
  std::string catalogue;
  int time_limit = 120;
};

// Adds --root, --build, --catalogue and --time-limit to `app`, bound to `options`.
void add_global_options(CLI::App& app, GlobalOptions& options);

// --no-build, "run PROGRAMS, without building first" (PROGRAMS: "the test programs as they are").
void add_no_build_flag(CLI::App& app, bool& no_build, const std::string& programs);

// The workspace the global options name (labctl::Error when there is none).
Workspace open_workspace(const GlobalOptions& options);

struct Command {
  std::string name;
  std::string help;  // one line
  // Adds the command's options to its CLI11 subcommand, bound to variables the command
  // owns (shared with `run`).
  std::function<void(CLI::App&)> add_options;
  // Runs it once its options are parsed: the exit code (0 ok, 1 not yet correct, 2 usage or
  // environment); throws labctl::Error for usage and environment problems.
  std::function<int(const GlobalOptions&)> run;
  // Left out of `labctl --help`: for the course's own tests, not for people.
  bool hidden = false;
};

// Every command, in the order `labctl --help` lists them.
std::vector<Command> commands();

// --- the entries of the table ---
// student_commands.cpp: the student loop.
Command list_command();
Command check_command();
Command watch_command();
Command hint_command();
Command race_command();
Command reset_command();
// instructor_commands.cpp: the course's own checks, grading and packaging.
Command verify_command();
Command grade_command();
Command export_command();
Command new_command();
Command lab_checks_command();  // hidden: the grader's static checks on the labs' own code
// explore_command.cpp: any threaded program, no course needed.
Command explore_command();

}  // namespace labctl::cli
