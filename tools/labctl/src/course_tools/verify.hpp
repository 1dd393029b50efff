// `labctl verify`: the course's own proof, for instructors and CI. For each lab, over
// repeated runs, the starter must fail for the catalogue's `expect` reason every time
// and the solution must pass every time. A lab whose verdict wobbles between runs fails.
// And the starter must earn no more than the catalogue's `starter_max_points` (default 0)
// in any run, scored as the grader scores (course/rubric.hpp): a starter that already
// passes `correct` would hand students points for nothing.
#pragma once

#include "course/workspace.hpp"

#include <string>
#include <vector>

namespace labctl {

// Prints one row per lab and "N passed, M failed". Returns 0 when every lab is as
// expected, 1 otherwise. With committed_starters, the starter side runs labNN_committed, the
// starter as the repository has it committed (tests/CMakeLists.txt), so that the project's
// own tests do not depend on a student's edits to labs/.
int run_verify(const Workspace& workspace, const std::vector<std::string>& labs, int runs, bool no_build,
               bool committed_starters = false);

}  // namespace labctl
