// `labctl new NN-slug`: a new lab that already works end to end, for an instructor to
// rewrite. It writes the handout, the interface, a buggy starter (a data race on a global
// total), the reference solution, the five criterion suites and the catalogue entry, so that
// `tools/lab verify NN` passes the moment it is created and keeps passing while the example
// computation is replaced, piece by piece, with the real lab.
#pragma once

#include "course/workspace.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace labctl {

struct NewLabOptions {
  std::string slug;   // "12-example": two digits, a dash, lowercase words joined by dashes
  std::string title;  // empty: made from the slug ("Example")
};

// Writes the new lab into the workspace's tree and appends its [[lab]] to the catalogue.
// Refuses (labctl::Error, exit 2) a malformed slug, a number or slug the catalogue already
// has, and any file that already exists; writes nothing then.
int run_new(const Workspace& workspace, const NewLabOptions& options);

// --- pieces, public for the tests ---

// An empty string when `slug` is well formed, else what is wrong with it (one line).
std::string slug_problem(const std::string& slug);

// One file of the scaffold: its path relative to the tree, and its text.
struct ScaffoldFile {
  std::filesystem::path path;
  std::string text;
};

// The files of lab `slug` titled `title` (not the catalogue entry).
std::vector<ScaffoldFile> scaffold_files(const std::string& slug, const std::string& title);

// The [[lab]] table appended to labs/labs.toml.
std::string catalogue_entry(const std::string& slug, const std::string& title);

// What of `lab` students would still get as `new` scaffolded it: "its handout (README.md)"
// when the handout keeps the scaffold's note, "its hints" when a hint is one of the
// scaffold's. verify flags these: the scaffold's example proves itself at once, but a lab
// handed out like that teaches the example, not the lab.
std::vector<std::string> still_scaffolded(const std::filesystem::path& root, const Lab& lab);

}  // namespace labctl
