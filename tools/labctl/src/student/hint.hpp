// `labctl hint NN`: the lab's next hint from the catalogue, one more each time.
#pragma once

#include "course/workspace.hpp"

#include <string>

namespace labctl {

// Prints hint k+1 of the lab (k = how many were shown before) and remembers it in the
// state file; once all were shown, shows the last one again. Returns 0.
int run_hint(const Workspace& workspace, const std::string& name);

}  // namespace labctl
