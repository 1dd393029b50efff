// `labctl list`: the student's scoreboard. Every lab in catalogue order with its state
// and points, the total, and what to do next.
#pragma once

#include "course/workspace.hpp"

namespace labctl {

// Prints the scoreboard on stdout and saves BUILD/racelab-state.json. A lab whose test
// program is the one last checked keeps that check's verdict (lab_state.hpp's
// check_lab_unless_unchanged) unless `rerun`. Returns 0: a lab that does not pass yet is
// the normal state of a course, not an error.
int run_list(const Workspace& workspace, bool no_build, bool rerun = false);

// `labctl check NN`: rebuilds that lab (unless no_build), runs its tests once and prints
// its row with the reason. Returns 0 when it passes, 1 when it does not yet.
// `diagnostics`: also print the findings as "file:line:col: error: ..." lines, for an editor
// (run/diagnostics.hpp; .vscode/tasks.json turns them into problems).
int run_check(const Workspace& workspace, const std::string& name, bool no_build, bool diagnostics = false);

// What `check` does for one lab, for `watch` too: builds (if asked), runs, prints the
// verdict, the condensed report and what to do next, saves the state. True if it passes.
bool check_and_show(const Workspace& workspace, const Lab& lab, bool build, bool diagnostics = false);

}  // namespace labctl
