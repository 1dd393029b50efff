// A submission's lab turned into a test program: its editable files compiled with the
// course's own commands (grade_build.hpp's LabRecipe) and linked with the grader's
// prebuilt objects, in the submission's staging folder.
#pragma once

#include "grade/grade_build.hpp"
#include "grade/submission/submission.hpp"

#include <filesystem>
#include <string>

namespace labctl {

struct BuiltLab {
  std::string error;  // empty when built: else one line ("a.cpp:3: error: ..."), for the report
  std::filesystem::path program;
};

// Compiles the submission's files with the course's own commands and links the lab's test
// program in `lab_stage`. The compiler runs as the grader, so the include policy is checked
// first (include_policy.hpp); it runs under a time limit, its output into a log. Throws
// labctl::Error only when the compiler cannot be run at all.
BuiltLab build_lab(const LabRecipe& recipe, const LabFiles& files, const std::filesystem::path& lab_stage);

}  // namespace labctl
