// One lab of one submission graded: built (compile_submission.hpp), its rubric criteria's
// suites run in rounds in the sandbox (observation.hpp), and each criterion scored from
// what the grader saw.
#pragma once

#include "grade/budget.hpp"
#include "grade/grade.hpp"
#include "grade/grade_build.hpp"
#include "grade/observation.hpp"
#include "grade/submission/submission.hpp"

#include <filesystem>

namespace labctl {

// Grades `files` (one lab of a submission) in the submission's staging folder `stage`.
// A lab refused, not submitted, without tests, not compiling or out of time before it
// started scores 0 with a status that says so; else each criterion passes only if it passed
// in every round, and once `correct` has failed nothing else is run or scored. Every run
// ends by the `budget`'s deadline. Throws labctl::Error when the grader itself cannot do its
// job (a compiler or the sandbox cannot be run).
LabGrade grade_lab(const GradingBuild& build, const LabFiles& files, const std::filesystem::path& stage,
                   const RunContext& context, const Budget& budget = {});

}  // namespace labctl
