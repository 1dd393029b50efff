// Archive submissions (archive_reader.hpp).
#include "grade/submission/archive_reader.hpp"

#include "base/errors.hpp"
#include "base/process.hpp"  // UniqueFd
#include "base/text.hpp"

#include <archive_entry.h>
#include <fmt/format.h>

#include <fcntl.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace labctl::submission_intake {
namespace {

namespace fs = std::filesystem;

// The problem with an archive entry's type, or "" for a regular file.
std::string type_problem(archive_entry* entry) {
  if (archive_entry_hardlink(entry) != nullptr) return "is a hard link";
  switch (archive_entry_filetype(entry)) {
    case AE_IFREG:
      return "";
    case AE_IFDIR:
      return "is a folder";
    case AE_IFLNK:
      return "is a symbolic link";
    case AE_IFCHR:
    case AE_IFBLK:
      return "is a device file";
    case AE_IFIFO:
      return "is a FIFO";
    case AE_IFSOCK:
      return "is a socket";
    default:
      return "is not a regular file";
  }
}

// Reads the data of the current entry in chunks, each counted, keeping it in `entry` when
// `keep` (and it is not too large). Returns why the whole submission is refused, or "".
std::string read_data(archive* a, const std::string& label, Intake& intake, Entry& entry, bool keep,
                      std::vector<char>& buffer) {
  const auto& limits = intake.limits();
  std::uintmax_t size = 0;
  while (true) {
    const la_ssize_t got = archive_read_data(a, buffer.data(), buffer.size());
    if (got == 0) break;
    if (got < 0) {
      if (got == ARCHIVE_FATAL) return fmt::format("corrupt or truncated archive {}: {}", label, archive_message(a));
      if (entry.problem.empty()) entry.problem = "cannot be read: " + archive_message(a);
      break;
    }
    size += static_cast<std::uintmax_t>(got);
    if (!intake.count(static_cast<std::uintmax_t>(got))) {
      // Honest submissions get here too when a student zips a build folder (a TSan build
      // of the course is about 300 MB): say what to do about it.
      return fmt::format("archive bomb: {} holds more than {} uncompressed (hand in the sources without build/)",
                         label, size_words(limits.max_total_bytes));
    }
    if (!keep) continue;
    if (size > limits.max_file_bytes) {
      entry.problem = fmt::format("is larger than {}", size_words(limits.max_file_bytes));
      entry.data.clear();
      keep = false;
    } else {
      entry.data.append(buffer.data(), static_cast<std::size_t>(got));
    }
  }
  return "";
}

}  // namespace

ArchivePtr new_reader() {
  ArchivePtr reader(archive_read_new());
  if (!reader) throw Error("cannot read archives: out of memory");
  archive_read_support_format_zip(reader.get());
  archive_read_support_format_tar(reader.get());
  archive_read_support_filter_gzip(reader.get());
  archive_read_support_filter_bzip2(reader.get());
  archive_read_support_filter_xz(reader.get());
  return reader;
}

std::string archive_message(archive* a) {
  const char* text = archive_error_string(a);
  return text != nullptr ? text : "unknown error";
}

std::string read_entries(archive* a, const std::string& label, Intake& intake) {
  std::vector<char> buffer(kChunk);
  std::size_t count = 0;
  while (true) {
    archive_entry* header = nullptr;
    const int status = archive_read_next_header(a, &header);
    if (status == ARCHIVE_EOF) break;
    if (status != ARCHIVE_OK && status != ARCHIVE_WARN) {
      return fmt::format("corrupt or truncated archive {}: {}", label, archive_message(a));
    }
    if (++count > intake.limits().max_entries) {
      return fmt::format("archive bomb: {} has more than {} entries", label, intake.limits().max_entries);
    }
    const char* name = archive_entry_pathname(header);
    if (name == nullptr) name = archive_entry_pathname_utf8(header);
    Entry entry;
    SplitPath path = split_path(name != nullptr ? name : "");
    entry.display = name != nullptr ? printable(name) : "(an entry without a readable name)";
    entry.parts = std::move(path.parts);
    const std::string kind = type_problem(header);
    entry.problem = !path.unsafe.empty() ? path.unsafe : kind;
    const bool wanted = intake.wanted(entry.parts);
    // Every entry's data is read (and counted) even when it is not wanted: skipping a
    // compressed entry decompresses it all the same, uncounted.
    const std::string refused = read_data(a, label, intake, entry, wanted && entry.problem.empty(), buffer);
    if (!refused.empty()) return refused;
    if (wanted) {
      intake.add(std::move(entry));
    } else if (!path.unsafe.empty() || (!kind.empty() && kind != "is a folder")) {
      intake.skip(entry);
    }
  }
  if (count == 0) return fmt::format("empty archive: {}", label);
  return "";
}

Submission read_archive_file(const fs::path& file, const std::string& name, Intake& intake) {
  const std::string label = file.filename().string();
  {
    // Tried first so that a read error is not reported as a broken archive.
    const UniqueFd readable(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    if (readable.get() < 0) {
      return intake.finish(name, fmt::format("cannot read {}: {}", label, std::strerror(errno)));
    }
  }
  std::error_code error;
  if (fs::file_size(file, error) == 0) return intake.finish(name, fmt::format("empty file: {}", label));
  ArchivePtr reader = new_reader();
  if (archive_read_open_filename(reader.get(), file.c_str(), kChunk) != ARCHIVE_OK) {
    // libarchive's own words are the only way to tell "not an archive" from a broken one.
    const std::string message = archive_message(reader.get());
    if (message.find("Unrecognized archive format") != std::string::npos) {
      return intake.finish(name, fmt::format("not a zip or tar archive: {}", label));
    }
    return intake.finish(name, fmt::format("corrupt or truncated archive {}: {}", label, message));
  }
  return intake.finish(name, read_entries(reader.get(), label, intake));
}

}  // namespace labctl::submission_intake
