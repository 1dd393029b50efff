// `tools/lab reset NN [FILE]`: the way back from a deleted, renamed or hopelessly broken lab
// file. It puts back the starter's editable file(s) of lab NN and never loses what the
// student wrote: their current copy is kept first under .racelab/backups/TIME/.
//
// The starter comes from git (`git show HEAD:labs/...`): the committed version is exactly
// what a fresh clone holds, it needs nothing the course does not already have, and it still
// exists when the working tree's file is gone. (A student who commits their own work gets
// back their last commit, which is also a state they chose to keep.) A tree that is not a
// git checkout has no committed copy: reset then says so and changes nothing.
#pragma once

#include "course/workspace.hpp"

#include <string>

namespace labctl {

// Restores `file` (one of the lab's editable files; empty: all of them). Returns 0; throws
// labctl::Error (nothing changed) for an unknown lab or file, or when there is no committed copy.
int run_reset(const Workspace& workspace, const std::string& lab, const std::string& file);

}  // namespace labctl
