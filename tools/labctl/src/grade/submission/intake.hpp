// What every kind of submission (folder, archive, git commit) is turned into before a lab
// gets anything: a list of Entry (a path in the submission, and either its contents or why
// it cannot be taken), collected by one Intake, which then decides which layout the
// submission uses and what each lab gets (submission.hpp says what is accepted).
// Internal to the submission readers.
#pragma once

#include "grade/submission/submission.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace labctl::submission_intake {

// The size of the blocks a submission is read in.
inline constexpr std::size_t kChunk = 64 * 1024;
// Folders that archivers add and nobody means as a course tree.
inline constexpr std::string_view kMacMetadata = "__MACOSX";

// A name from a submission as it may be shown: control characters (a terminal escape
// sequence, a newline faking a second note) become '?', and very long names are cut.
std::string printable(std::string_view name);

// parts[from, to) joined with '/'.
std::string join(const std::vector<std::string>& parts, std::size_t from = 0, std::size_t to = std::string::npos);

// One file (or link, device, ...) of a submission at a path where an editable file can be.
struct Entry {
  std::string display;             // its name in the submission, for messages
  std::vector<std::string> parts;  // its path, normalised (for `..` paths: where it would land)
  std::string problem;             // why it cannot be taken ("is a symbolic link"); empty: `data` is it
  std::string data;
};

// A path split into components. `.` and empty components go; `..` removes the one before,
// so `parts` says where the entry would land, and `unsafe` says why it must not be read.
struct SplitPath {
  std::vector<std::string> parts;
  std::string unsafe;
};

// `name` (an archive entry's path, or an editable file name) split into components.
SplitPath split_path(std::string name);

// Collects a submission's entries and notes, then decides what each lab gets.
class Intake {
 public:
  Intake(const Catalogue& catalogue, const SubmissionLimits& limits) : catalogue_(catalogue), limits_(limits) {}

  const SubmissionLimits& limits() const { return limits_; }

  // Whether an entry at this path could be an editable file (so worth reading).
  bool wanted(const std::vector<std::string>& parts) const;

  // An entry at a wanted path.
  void add(Entry entry) { entries_.push_back(std::move(entry)); }

  // An unsafe entry nobody wants: noted (up to a few), never read.
  void skip(const Entry& entry);

  void note(std::string text) { notes_.push_back(std::move(text)); }

  // Counts `bytes` more read; false once the total limit is passed.
  bool count(std::uintmax_t bytes) {
    total_ += bytes;
    return total_ <= limits_.max_total_bytes;
  }

  // The result, or the whole submission refused with `refused` (non-empty).
  Submission finish(std::string name, const std::string& refused = "");

 private:
  // Lab index -> editable file -> the entries that claim it.
  using Claims = std::vector<std::map<std::string, std::vector<const Entry*>>>;

  void assign(Submission& submission);
  Claims claim(bool bare, const std::string& root);
  void take_claims(const Claims& claims, Submission& submission);

  const Catalogue& catalogue_;
  SubmissionLimits limits_;
  std::vector<Entry> entries_;
  std::vector<std::string> notes_;
  std::size_t skipped_ = 0;
  std::uintmax_t total_ = 0;
};

}  // namespace labctl::submission_intake
