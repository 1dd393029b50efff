// The two scripts of a Gradescope autograder (`labctl export --gradescope`), as text with
// the grading settings baked in. Gradescope runs setup.sh once when it builds the image and
// run_autograder for each submission; both find everything through RACELAB_AUTOGRADER_ROOT
// (default /autograder) so that a package can be tried in a local copy of that layout.
#pragma once

#include "course_tools/export.hpp"

#include <string>

namespace labctl {

// setup.sh: installs the packages (tools/lab packages) and builds labctl and the grader's build.
std::string gradescope_setup_script(const ExportOptions& options);

// run_autograder: grades the submission into results/results.json, and leaves a valid
// results.json (score 0, the error in `output`) whatever goes wrong.
std::string gradescope_run_script(const ExportOptions& options);

}  // namespace labctl
