// Zip and tar submissions, read with libarchive in memory: every entry's data is counted as
// it is decompressed (header sizes are not trusted), and only entries at editable paths are
// kept. A git commit is read the same way, from `git archive`'s stream (git_reader.hpp).
// Internal to the submission readers.
#pragma once

#include "grade/submission/intake.hpp"

#include <archive.h>

#include <filesystem>
#include <memory>
#include <string>

namespace labctl::submission_intake {

struct ArchiveDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveDeleter>;

// A reader for zip and tar (plain, gzip, bzip2, xz) only: libarchive's other formats include
// some (mtree) that read files named inside the archive from the disk.
ArchivePtr new_reader();

// libarchive's last error, for messages.
std::string archive_message(archive* a);

// Reads every entry of an opened archive into `intake`, the data of each in chunks, counted
// as decompressed. Returns why the whole submission is refused ("archive bomb: LABEL ...",
// "corrupt or truncated archive LABEL: ...", "empty archive: LABEL"), or "".
std::string read_entries(archive* a, const std::string& label, Intake& intake);

// Reads an archive file (zip or tar, whatever its name says) as the submission `name`.
Submission read_archive_file(const std::filesystem::path& file, const std::string& name, Intake& intake);

}  // namespace labctl::submission_intake
