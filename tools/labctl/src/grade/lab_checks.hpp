// The grader's static checks (compile_submission.hpp's check_and_compile: include policy,
// source check, compiler, object check) run on every lab's own starter and reference
// solution, each handed in as if it were a submission. It is what proves that the checks
// and the allowlist (allowed_imports.txt) let every lab's real code through: ctest runs it
// per lab (labctl_checks_labNN), so a lab that needs a new import, or code the checks
// refuse, fails there and not in a student's grade.
#pragma once

#include "course/workspace.hpp"

#include <string>
#include <vector>

namespace labctl {

// For each lab named (all the build holds when none is): every editable file of its starter
// and of its solution through the grader's checks and compiler, with the tsan build's
// (workspace.build) compile commands. Passes when nothing is refused and the solution holds
// no mutable state (a starter may: the globals are often the bug). Prints one line per lab
// and side; returns 0 when every one passed, 1 otherwise.
// committed_starters: check the starters as committed (BUILD/committed/labs, exported by
// tests/CMakeLists.txt), not the working tree's, which a student may have edited.
int run_lab_checks(const Workspace& workspace, const std::vector<std::string>& labs, bool committed_starters = false);

}  // namespace labctl
