// Submission intake (see submission.hpp): which kind of source this is, and what it is
// called. Every kind is read into the same list of entries, and one Intake decides from
// those what each lab gets (intake.hpp): archives (archive_reader.hpp) and git commits
// (git_reader.hpp) share one streaming tar/zip reader that counts every decompressed
// byte; folders (folder_reader.hpp) are probed only at the few paths an editable file can
// have.
#include "grade/submission/submission.hpp"

#include "base/errors.hpp"
#include "grade/submission/archive_reader.hpp"
#include "grade/submission/folder_reader.hpp"
#include "grade/submission/git_reader.hpp"
#include "grade/submission/intake.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>

namespace labctl {
namespace {

namespace fs = std::filesystem;
using namespace submission_intake;

// The last component of a path as the user wrote it ("." and "x/" included).
std::string base_name(const fs::path& path) {
  fs::path full = fs::absolute(path).lexically_normal();
  if (!full.has_filename()) full = full.parent_path();
  return full.filename().string();
}

// "bob.tar.gz" -> "bob", "bob.zip" -> "bob", "bob.7z" -> "bob".
std::string archive_stem(const fs::path& file) {
  std::string name = file.filename().string();
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* suffix : {".tar.gz", ".tar.bz2", ".tar.xz", ".tgz", ".tbz2", ".txz", ".tar", ".zip"}) {
    const std::string_view s = suffix;
    if (lower.size() > s.size() && lower.compare(lower.size() - s.size(), s.size(), s) == 0) {
      return name.substr(0, name.size() - s.size());
    }
  }
  return file.stem().string();
}

// "alice" for alice/, alice/.git and alice.git.
std::string repository_name(const fs::path& repo) {
  std::string name = base_name(repo);
  if (name == ".git") name = base_name(fs::absolute(repo).lexically_normal().parent_path());
  if (name.size() > 4 && name.compare(name.size() - 4, 4, ".git") == 0) name.resize(name.size() - 4);
  return name;
}

// A SOURCE that does not exist as it is: PATH@REV, split into `path` and `rev`. Throws
// labctl::Error when it is not that either.
void split_revision(const std::string& source, fs::path& path, std::string& rev) {
  std::error_code error;
  const auto at = source.rfind('@');
  if (at == std::string::npos || at == 0 || !fs::exists(source.substr(0, at), error)) {
    throw Error(fmt::format("no such submission: {}", source));
  }
  path = source.substr(0, at);
  rev = source.substr(at + 1);
  if (rev.empty()) throw Error(fmt::format("{}: name a commit after the @", source));
  if (!fs::is_directory(path, error) || !is_git_repository(path)) {
    throw Error(fmt::format("{} is not a git repository, so @{} names no commit", path.string(), rev));
  }
}

// A note on `commit` when the work tree's editable files differ from it.
void note_uncommitted(Submission& commit, const Submission& tree) {
  std::string differ;
  for (std::size_t i = 0; i < commit.labs.size(); ++i) {
    if (commit.labs[i].files != tree.labs[i].files || commit.labs[i].refused != tree.labs[i].refused) {
      differ += (differ.empty() ? "" : ", ") + commit.labs[i].lab->slug;
    }
  }
  if (!differ.empty()) {
    commit.notes.push_back(
        fmt::format("the work tree differs from the commit in {}: uncommitted changes are not graded", differ));
  }
}

// A repository: commit `rev` (empty: HEAD, and a work tree's files are looked at too).
Submission read_repository(const fs::path& path, const std::string& rev, const Catalogue& catalogue,
                           const SubmissionLimits& limits) {
  const std::string name = repository_name(path);
  Intake intake(catalogue, limits);
  bool unreadable = false;
  Submission commit =
      read_git(path, rev.empty() ? "HEAD" : rev, rev.empty() ? name : name + "@" + rev, intake, unreadable);
  // A work tree handed in without @REV: its files say what the instructor is looking at.
  std::error_code error;
  if (!rev.empty() || !fs::exists(fs::symlink_status(path / ".git", error))) return commit;
  Intake tree_intake(catalogue, limits);
  Submission tree = read_folder(path, name, catalogue, tree_intake);
  if (unreadable) {
    // A broken .git, or no commit yet: the student's files are the folder's.
    tree.notes.insert(tree.notes.begin(), fmt::format("read as a plain folder ({})", commit.refused));
    return tree;
  }
  if (commit.refused.empty()) note_uncommitted(commit, tree);
  return commit;
}

}  // namespace

Submission read_submission(const std::string& source, const Catalogue& catalogue, const SubmissionLimits& limits) {
  fs::path path = source;
  std::string rev;
  std::error_code error;
  if (!fs::exists(path, error)) split_revision(source, path, rev);
  if (fs::is_directory(path, error)) {
    if (is_git_repository(path)) return read_repository(path, rev, catalogue, limits);
    Intake intake(catalogue, limits);
    return read_folder(path, base_name(path), catalogue, intake);
  }
  Intake intake(catalogue, limits);
  if (fs::is_regular_file(path, error)) return read_archive_file(path, archive_stem(path), intake);
  throw Error(fmt::format(
      "{} is neither a folder nor a file (a submission is a folder, an archive or a git repository)", source));
}

}  // namespace labctl
