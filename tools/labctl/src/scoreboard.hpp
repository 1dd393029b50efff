// `labctl list`: the student's scoreboard. Every lab in catalogue order with its state
// and points, the total, and what to do next.
#pragma once

#include "workspace.hpp"

namespace labctl {

// Prints the scoreboard on stdout and saves BUILD/racelab-state.json. Returns 0: a
// lab that does not pass yet is the normal state of a course, not an error.
int run_list(const Workspace& workspace, bool no_build);

// `labctl check NN`: rebuilds that lab, runs its tests once and prints its row with the
// reason. Returns 0 when it passes, 1 when it does not yet.
int run_check(const Workspace& workspace, const std::string& name);

}  // namespace labctl
