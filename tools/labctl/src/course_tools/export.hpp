// `labctl export`: the course packaged for the people who must not see all of it.
//   --student DIR          the repository as students get it: no solutions/, no hidden tests,
//                          no graders' fixtures (tools/labctl/tests/grading/); the catalogue kept;
//                          the course's CI workflow active instead of the project's own.
//   --gradescope FILE.zip  a Gradescope autograder: setup.sh, run_autograder and source/ (the
//                          course WITH its tests, WITHOUT solutions/, plus the hidden tests).
// Both start from the same list of files (the ones git tracks), so what ships is what the
// course repository holds, never a build folder or an editor's leftovers.
#pragma once

#include "course/workspace.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace labctl {

struct ExportOptions {
  std::filesystem::path student_dir;     // --student DIR (must not exist, or be empty)
  std::filesystem::path gradescope_zip;  // --gradescope FILE.zip (must not exist)
  std::filesystem::path hidden_tests;    // --hidden-tests DIR: left out of --student, shipped by --gradescope
  std::vector<std::string> labs;         // --labs: what run_autograder grades (empty: every lab)
  int runs = 2;                          // --runs: baked into run_autograder
};

// Runs whichever export the options name (exactly one of them). Returns 0; throws
// labctl::Error (exit 2) on any problem, and then leaves nothing half-written behind.
int run_export(const Workspace& workspace, const ExportOptions& options);

// "01,03" -> {"01", "03"} (empty parts dropped), as --labs is written.
std::vector<std::string> split_labs(const std::string& list);

// --- pieces, public for the tests ---

// The course's files, relative to `root`, sorted: `git ls-files` when root is a git
// checkout (files deleted from the working tree left out), otherwise every regular file
// or symlink under it except build/ and dot-folders, and except `skip` (the export's own
// destination, when it lies inside the tree).
std::vector<std::filesystem::path> course_files(const std::filesystem::path& root,
                                                const std::filesystem::path& skip = {});

// The catalogue's labs whose files a package of `files` would leave out (its editable files,
// its tests/<slug>.cpp), each as "lab 03 (labs/03-x/x.cpp, tests/03-x.cpp)"; both exports
// refuse to ship those.
std::vector<std::string> labs_left_out(const Catalogue& catalogue, const std::vector<std::filesystem::path>& files);

// True when the relative path `path` is `folder` or lies under it (whole components:
// "solutions2/x" is not under "solutions").
bool is_under(const std::filesystem::path& path, const std::filesystem::path& folder);

// `folder` relative to `root` when it lies inside the tree, else empty.
std::filesystem::path inside_tree(const std::filesystem::path& root, const std::filesystem::path& folder);

// The files a student export holds, out of course_files(): not solutions/, the graders'
// fixtures, the hidden tests or .github/workflows/ (the export then writes the course's
// workflow, active: course-ci.yml from its template).
std::vector<std::filesystem::path> student_files(const std::vector<std::filesystem::path>& files,
                                                 const std::filesystem::path& hidden_tests_in_tree);

// The files under source/ of a Gradescope package, out of course_files().
std::vector<std::filesystem::path> gradescope_files(const std::vector<std::filesystem::path>& files,
                                                    const std::filesystem::path& hidden_tests_in_tree);

}  // namespace labctl
