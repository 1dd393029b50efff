// Git submissions: a commit of a student's repository, read with git itself (base's
// process engine), streamed from `git archive` into the archive reader. The repository's
// own configuration never gets to run a command. Internal to the submission readers.
#pragma once

#include "grade/submission/intake.hpp"

#include <filesystem>
#include <string>

namespace labctl::submission_intake {

// A folder holding .git (a folder, or a file as in worktrees), or a bare repository.
bool is_git_repository(const std::filesystem::path& folder);

// Reads commit `rev` of the repository at `repo` as the submission `name`. The commit is
// resolved in the repository itself, but its files are read by `git archive` in an empty
// repository of ours that borrows the objects (GIT_ALTERNATE_OBJECT_DIRECTORIES): the
// student's .git/config is never applied to content, so filter drivers (which `git archive`
// runs) cannot run a command. `unreadable` is set when git cannot read the repository or
// find the commit at all (as opposed to a commit that was read and refused). Throws
// labctl::Error when git is not installed.
Submission read_git(const std::filesystem::path& repo, const std::string& rev, const std::string& name,
                    Intake& intake, bool& unreadable);

}  // namespace labctl::submission_intake
