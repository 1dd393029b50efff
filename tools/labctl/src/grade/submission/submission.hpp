// Submission intake for `tools/lab grade`: reads what a student handed in (a folder, a .zip,
// a .tar/.tar.gz/.tgz, or a commit of a git repository) into memory, keeping only the files
// the catalogue marks editable. Everything else a grade needs comes from the pristine course
// tree, so nothing else in a submission is ever looked at, let alone extracted.
//
// Submissions are untrusted. Nothing is written to disk from them, nothing in them is
// followed (symlinks, hard links, `..`, absolute paths), every byte read is counted against
// limits (archive bombs), and a repository's own configuration never gets to run a command.
// A bad submission is a value (`refused`), not an exception, so a batch goes on.
#pragma once

#include "course/catalogue.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace labctl {

// How much of a submission is read before it is refused.
struct SubmissionLimits {
  // The largest editable file taken; a bigger one refuses its lab.
  std::uintmax_t max_file_bytes = 256 * 1024;
  // All bytes read from a submission, counted as they are decompressed (header sizes are
  // not trusted); beyond it the whole submission is refused as an archive bomb.
  std::uintmax_t max_total_bytes = 64 * 1024 * 1024;
  // Entries in an archive (every file, folder and link); beyond it: an archive bomb.
  std::size_t max_entries = 20000;
  // How long one git command may run before it is killed and the submission refused (a
  // hostile .git can hold a FIFO that git would wait on forever).
  std::chrono::seconds git_time_limit{60};
};

// What a submission gives one lab.
struct LabFiles {
  const Lab* lab = nullptr;
  // Editable file name (as in Lab::editable) -> its contents; only the files present in the
  // submission. A missing file means "the starter's", which is the grader's business.
  std::map<std::string, std::string> files;
  // Empty, or why this lab scores 0 ("labs/01-x/a.cpp is a symbolic link"). When set,
  // `files` is empty: a lab is taken whole or not at all.
  std::string refused;
};

// One submission as read, ready to be laid over the pristine course tree.
struct Submission {
  // Names the student in reports: the folder name, the archive's name without its
  // extension, or the repository's folder name (+ "@REV" when a commit was named).
  std::string name;
  // 16 hex digits (FNV-1a 64) over every taken (path, contents) and every refusal, so equal
  // submissions have equal fingerprints and a batch need not grade one twice.
  std::string fingerprint;
  // One per catalogue lab, in catalogue order (also when the whole submission is refused).
  std::vector<LabFiles> labs;
  // Empty, or why the whole submission is unusable ("not a zip or tar archive: x.zip",
  // "archive bomb: ..."); then every lab's `refused` says the same.
  std::string refused;
  // Things the instructor may want to know that cost the student nothing: unsafe entries
  // skipped outside editable paths, files ignored as ambiguous, the commit graded, ...
  std::vector<std::string> notes;
};

// Reads SOURCE: a folder, an archive (zip or tar, optionally gzip/bzip2/xz-compressed; the
// format is read from the contents, not the name) or a git repository (a folder holding
// `.git`, or a bare repository), whose HEAD commit is read; "PATH@REV" reads commit REV of
// the repository at PATH. The source is never modified.
//
// A folder holding `.git` is graded at HEAD, so uncommitted changes do not count (a note
// says when its editable files differ from the commit). If git cannot use that `.git` at
// all (broken, no commit yet, git hanging) and no REV was named, the folder is read as a
// plain folder instead, with a note.
//
// Accepted layouts, in order of preference: the course tree (`labs/<slug>/<file>`), the
// course tree in one top folder (`racelab-main/labs/<slug>/<file>`), and editable files at
// the top (`<file>`, taken when exactly one lab has an editable file of that name).
//
// Every problem with the submission itself is reported in the result. Throws labctl::Error
// only when the call cannot mean anything: SOURCE does not exist, is neither a folder nor a
// regular file, or "@REV" follows something that is not a git repository (or when git is
// missing or no temporary folder can be made).
//
// Safe to call from several threads at once (a batch reads submissions in parallel).
Submission read_submission(const std::string& source, const Catalogue& catalogue, const SubmissionLimits& limits = {});

}  // namespace labctl
