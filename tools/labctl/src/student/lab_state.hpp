// Where one lab stands for the student: built? which verdict? how many points? The
// scoreboard shows it, BUILD/racelab-state.json keeps it.
#pragma once

#include "course/catalogue.hpp"
#include "run/criteria_run.hpp"
#include "run/test_program.hpp"
#include "course/workspace.hpp"

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace labctl {

struct LabState {
  const Lab* lab = nullptr;
  bool compiled = true;
  std::string build_error;  // when !compiled: the first error line
  std::filesystem::path build_log;
  TestRun run;  // when compiled
  CriteriaResult criteria;  // when compiled: the five criteria, scored as the grader would
  std::string program_key;  // when compiled: what list's cache knows this test program by
  bool from_cache = false;  // list: the verdict of the last check of the same program

  bool passed() const { return compiled && run.verdict.passed(); }
  // The points the grader would give these runs (the public tests, one round).
  long long earned() const { return compiled ? criteria.points : 0; }
  // A few words for the table: "passing", "data race", "does not compile".
  std::string words() const;
  // The line that says why: "ThreadSanitizer: data race in lost_update.cpp:49".
  std::string headline() const;
  // What to do about it, one sentence.
  std::string advice() const;
  // The log that explains it all.
  std::filesystem::path report() const { return compiled ? run.log : build_log; }
};

// Builds the lab's starter (unless !build), runs its tests once and reads the criteria off
// the run (run/criteria_run.hpp: a run that stopped early is followed by one per criterion).
LabState check_lab(const Workspace& workspace, const Lab& lab, bool build);

// What `list` does for one lab: builds it (unless !build), then takes the verdict the state
// file keeps from the last check of the same test program, or checks it as check_lab does.
// The same program: the same bytes (a lab whose code, tests and libraries are unchanged
// builds the same program), checked by the same labctl with the same time limit. A racy
// program can pass one run and fail the next: `list --rerun` and `check` always run.
LabState check_lab_unless_unchanged(const Workspace& workspace, const Lab& lab, bool build);

// The key check_lab_unless_unchanged knows a test program by: a hash of its bytes, with
// labctl's own size and time and the time limit. Public for the tests.
std::string program_key(const std::filesystem::path& program, std::chrono::seconds time_limit);

// Merges these labs' states into BUILD/racelab-state.json (written whole, then renamed
// into place, so a reader never sees half a file).
void save_state(const std::filesystem::path& build_dir, const std::vector<LabState>& states);

// Whether the state file says the lab passed when it was last checked (false if never).
bool passed_when_last_checked(const std::filesystem::path& build_dir, const Lab& lab);

// How many of the lab's hints `tools/lab hint` has shown, and recording a new count.
int hints_shown(const std::filesystem::path& build_dir, const Lab& lab);
void record_hints_shown(const std::filesystem::path& build_dir, const Lab& lab, int count);

// The state file's path.
std::filesystem::path state_file(const std::filesystem::path& build_dir);

}  // namespace labctl
