// Folder submissions (folder_reader.hpp).
#include "grade/submission/folder_reader.hpp"

#include "base/process.hpp"  // UniqueFd
#include "base/text.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <optional>
#include <set>
#include <vector>

namespace labctl::submission_intake {
namespace {

namespace fs = std::filesystem;

// The problem with a file's type (from lstat), or "" for a regular file.
std::string mode_problem(mode_t mode) {
  if (S_ISREG(mode)) return "";
  if (S_ISDIR(mode)) return "is a folder";
  if (S_ISLNK(mode)) return "is a symbolic link";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "is a device file";
  if (S_ISFIFO(mode)) return "is a FIFO";
  if (S_ISSOCK(mode)) return "is a socket";
  return "is not a regular file";
}

// Reads the regular file `name` in the folder `dir` (which fstatat saw as `st`) into
// `entry`, counting every byte. Sets `refused` (and returns false) when the submission's
// total is passed.
bool read_probed_file(int dir, const char* name, const struct stat& st, Entry& entry, Intake& intake,
                      std::string& refused) {
  const auto& limits = intake.limits();
  // O_NONBLOCK: should it have become a FIFO since fstatat, open must not hang on it.
  const UniqueFd file(::openat(dir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  struct stat opened {};
  if (file.get() < 0 || ::fstat(file.get(), &opened) != 0 || !S_ISREG(opened.st_mode) || opened.st_ino != st.st_ino) {
    entry.problem = "changed while it was being read";
    return true;
  }
  std::vector<char> buffer(kChunk);
  while (true) {
    const ssize_t got = ::read(file.get(), buffer.data(), buffer.size());
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      entry.problem = fmt::format("cannot be read: {}", std::strerror(errno));
      entry.data.clear();
      return true;
    }
    if (got == 0) return true;
    if (!intake.count(static_cast<std::uintmax_t>(got))) {
      refused = fmt::format("more than {} to read in this folder", size_words(limits.max_total_bytes));
      return false;
    }
    entry.data.append(buffer.data(), static_cast<std::size_t>(got));
    if (entry.data.size() > limits.max_file_bytes) {  // it grew since fstatat
      entry.problem = fmt::format("is larger than {}", size_words(limits.max_file_bytes));
      entry.data.clear();
      return true;
    }
  }
}

// The problem with the last component of a probed path (`st` from fstatat), or "".
std::string probed_file_problem(const struct stat& st, const SubmissionLimits& limits) {
  std::string problem = mode_problem(st.st_mode);
  if (problem.empty() && st.st_nlink > 1) problem = "is a hard link";
  if (problem.empty() && static_cast<std::uintmax_t>(st.st_size) > limits.max_file_bytes) {
    problem = fmt::format("is larger than {}", size_words(limits.max_file_bytes));
  }
  return problem;
}

// Looks at `parts` under the folder `top`, one component at a time through file
// descriptors opened with O_NOFOLLOW, so no symlink is followed anywhere on the way and
// nothing can be swapped in between a check and a read. Nothing there: no entry.
std::optional<Entry> probe(int top, const std::vector<std::string>& parts, Intake& intake, std::string& refused) {
  UniqueFd dir(::dup(top));
  if (dir.get() < 0) return std::nullopt;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    struct stat st {};
    if (::fstatat(dir.get(), parts[i].c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return std::nullopt;
    Entry entry;
    entry.display = printable(join(parts, 0, i + 1));
    entry.parts = parts;
    if (i + 1 == parts.size()) {
      entry.problem = probed_file_problem(st, intake.limits());
      if (!entry.problem.empty()) return entry;
      if (!read_probed_file(dir.get(), parts[i].c_str(), st, entry, intake, refused)) return std::nullopt;
      return entry;
    }
    if (S_ISLNK(st.st_mode)) {
      entry.problem = "is a symbolic link";
      return entry;
    }
    if (!S_ISDIR(st.st_mode)) return std::nullopt;  // a file named `labs`: nothing at the path
    UniqueFd next(::openat(dir.get(), parts[i].c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (next.get() < 0) {
      entry.problem = fmt::format("cannot be opened: {}", std::strerror(errno));
      return entry;
    }
    dir = std::move(next);
  }
  return std::nullopt;
}

// An editable file name ("a.cpp", "src/a.cpp") as path components.
std::vector<std::string> split_file(const std::string& file) { return split_path(file).parts; }

// With no course tree at the top: probes one folder down (only into real folders), each
// <top>/labs/<slug>/<file> through `look`.
void look_one_folder_down(const fs::path& folder, const Catalogue& catalogue, Intake& intake,
                          const std::function<void(std::vector<std::string>)>& look) {
  std::error_code error;
  std::size_t seen = 0;
  for (fs::directory_iterator it(folder, error), end; !error && it != end; it.increment(error)) {
    if (++seen > intake.limits().max_entries) {
      intake.note(fmt::format("only the first {} entries at the top were looked at", intake.limits().max_entries));
      break;
    }
    const std::string child = it->path().filename().string();
    if (child == kMacMetadata) continue;
    const auto status = it->symlink_status(error);
    if (error) break;
    if (fs::is_symlink(status)) {
      intake.skip(Entry{printable(child), {child}, "is a symbolic link", {}});
      continue;
    }
    if (!fs::is_directory(status)) continue;
    for (const auto& lab : catalogue.labs) {
      for (const auto& file : lab.editable) {
        std::vector<std::string> tree = {child, "labs", lab.slug};
        for (auto& part : split_file(file)) tree.push_back(part);
        look(tree);
      }
    }
  }
}

}  // namespace

Submission read_folder(const fs::path& folder, const std::string& name, const Catalogue& catalogue, Intake& intake) {
  const UniqueFd top(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (top.get() < 0) {
    return intake.finish(name, fmt::format("cannot open {}: {}", folder.string(), std::strerror(errno)));
  }
  std::string refused;
  // Probes one candidate path (once: two labs may have editable files of the same name);
  // an entry found goes to the intake.
  std::set<std::vector<std::string>> probed;
  auto look = [&](std::vector<std::string> parts) {
    if (!refused.empty() || !probed.insert(parts).second) return;
    if (auto entry = probe(top.get(), parts, intake, refused)) intake.add(std::move(*entry));
  };
  for (const auto& lab : catalogue.labs) {
    for (const auto& file : lab.editable) {
      std::vector<std::string> tree = {"labs", lab.slug};
      for (auto& part : split_file(file)) tree.push_back(part);
      look(tree);
      look(split_file(file));
    }
  }
  struct stat st {};
  if (::fstatat(top.get(), "labs", &st, AT_SYMLINK_NOFOLLOW) != 0) look_one_folder_down(folder, catalogue, intake, look);
  return intake.finish(name, refused);
}

}  // namespace labctl::submission_intake
