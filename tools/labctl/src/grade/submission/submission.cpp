// Submission intake (see submission.hpp). Every source kind is turned into the same thing, a
// list of Entry (a path in the submission, and either its contents or why it cannot be
// taken), and one Intake decides from those which layout the submission uses and what each
// lab gets. Archives and git commits share one streaming tar/zip reader that counts every
// decompressed byte; folders are probed only at the few paths an editable file can have.
#include "grade/submission/submission.hpp"
#include "base/text.hpp"

#include "base/errors.hpp"
#include "base/process.hpp"  // find_in_path
#include "base/temp_dir.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

extern char** environ;

namespace labctl {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kChunk = 64 * 1024;
// Skipped-entry notes kept per submission; a zipped repository can hold thousands of links.
constexpr std::size_t kMaxSkipNotes = 20;
// Folders that archivers add and nobody means as a course tree.
constexpr std::string_view kMacMetadata = "__MACOSX";

// "256 KiB", "64 MiB", or "1000 bytes": limits as people write them.
std::string size_text(std::uintmax_t bytes) {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0) return fmt::format("{} MiB", bytes / (1024 * 1024));
  if (bytes >= 1024 && bytes % 1024 == 0) return fmt::format("{} KiB", bytes / 1024);
  return fmt::format("{} bytes", bytes);
}

// A name from a submission as it may be shown: control characters (a terminal escape
// sequence, a newline faking a second note) become '?', and very long names are cut.
std::string printable(std::string_view name) {
  std::string out;
  for (char c : name.substr(0, 200)) out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
  if (name.size() > 200) out += "…";
  return out;
}

// parts[from, to) joined with '/'.
std::string join(const std::vector<std::string>& parts, std::size_t from = 0, std::size_t to = std::string::npos) {
  std::string out;
  for (std::size_t i = from; i < std::min(to, parts.size()); ++i) {
    if (!out.empty()) out += '/';
    out += parts[i];
  }
  return out;
}

// ------------------------------------------------------------------------------ entries

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

SplitPath split_path(std::string name) {
  // Zips made on Windows may use backslashes; treating them as separators also makes
  // `..\..\x` a traversal rather than an odd file name.
  std::replace(name.begin(), name.end(), '\\', '/');
  SplitPath path;
  const bool drive = name.size() >= 2 && std::isalpha(static_cast<unsigned char>(name[0])) && name[1] == ':';
  if (!name.empty() && name.front() == '/') path.unsafe = "has an absolute path";
  if (drive) path.unsafe = "has an absolute path (a drive letter)";
  std::stringstream in(drive ? name.substr(2) : name);
  std::string part;
  while (std::getline(in, part, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (path.unsafe.empty()) path.unsafe = "leaves the submission (`..` in its path)";
      if (!path.parts.empty()) path.parts.pop_back();
      continue;
    }
    path.parts.push_back(part);
  }
  return path;
}

// Where an entry would go: lab `lab`'s editable `file`, in the course tree at the top
// (root ""), in one top folder (root "racelab-main"), or bare at the top.
struct Place {
  bool bare = false;
  std::string root;
  std::size_t lab = 0;
  std::string file;
};

// The lab whose slug is exactly `slug` (not a number: paths name folders), with its index.
const Lab* lab_with_slug(const Catalogue& catalogue, const std::string& slug, std::size_t& index) {
  for (index = 0; index < catalogue.labs.size(); ++index) {
    if (catalogue.labs[index].slug == slug) return &catalogue.labs[index];
  }
  return nullptr;
}

// Whether `file` (a path under labs/<slug>/) is one the student may change in `lab`.
bool is_editable(const Lab& lab, const std::string& file) {
  return std::find(lab.editable.begin(), lab.editable.end(), file) != lab.editable.end();
}

// Every place an entry at `parts` could be, under each layout; empty: nobody wants it.
std::vector<Place> places_of(const std::vector<std::string>& parts, const Catalogue& catalogue) {
  std::vector<Place> places;
  // labs/<slug>/<file...> after `skip` leading components.
  auto tree = [&](std::size_t skip) {
    if (parts.size() < skip + 3 || parts[skip] != "labs") return;
    std::size_t index = 0;
    const Lab* lab = lab_with_slug(catalogue, parts[skip + 1], index);
    const std::string file = join(parts, skip + 2);
    if (lab != nullptr && is_editable(*lab, file)) places.push_back({false, join(parts, 0, skip), index, file});
  };
  tree(0);
  if (!parts.empty() && parts[0] != kMacMetadata) tree(1);
  const std::string file = join(parts);
  for (std::size_t index = 0; index < catalogue.labs.size(); ++index) {
    if (is_editable(catalogue.labs[index], file)) places.push_back({true, "", index, file});
  }
  return places;
}

// Collects a submission's entries and notes, then decides what each lab gets.
class Intake {
 public:
  Intake(const Catalogue& catalogue, const SubmissionLimits& limits) : catalogue_(catalogue), limits_(limits) {}

  const SubmissionLimits& limits() const { return limits_; }

  // Whether an entry at this path could be an editable file (so worth reading).
  bool wanted(const std::vector<std::string>& parts) const { return !places_of(parts, catalogue_).empty(); }

  // An entry at a wanted path.
  void add(Entry entry) { entries_.push_back(std::move(entry)); }

  // An unsafe entry nobody wants: noted (up to kMaxSkipNotes), never read.
  void skip(const Entry& entry) {
    if (skipped_++ < kMaxSkipNotes) notes_.push_back(fmt::format("skipped {}: it {}", entry.display, entry.problem));
  }

  void note(std::string text) { notes_.push_back(std::move(text)); }

  // Counts `bytes` more read; false once the total limit is passed.
  bool count(std::uintmax_t bytes) {
    total_ += bytes;
    return total_ <= limits_.max_total_bytes;
  }

  // The result, or the whole submission refused with `refused` (non-empty).
  Submission finish(std::string name, const std::string& refused = "");

 private:
  void assign(Submission& submission);

  const Catalogue& catalogue_;
  SubmissionLimits limits_;
  std::vector<Entry> entries_;
  std::vector<std::string> notes_;
  std::size_t skipped_ = 0;
  std::uintmax_t total_ = 0;
};

// FNV-1a, 64 bits, as 16 hex digits: stable across runs, machines and compilers.
std::string fnv1a_hex(const std::string& bytes) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return fmt::format("{:016x}", hash);
}

// Every taken file and every refusal, length-prefixed so that no two different submissions
// serialise alike.
std::string fingerprint_of(const Submission& submission) {
  std::string text;
  auto field = [&](const std::string& value) { text += fmt::format("{}:{}\n", value.size(), value); };
  field(submission.refused);
  for (const auto& lab : submission.labs) {
    field(lab.lab->slug);
    field(lab.refused);
    for (const auto& [file, contents] : lab.files) {
      field(file);
      field(contents);
    }
  }
  return fnv1a_hex(text);
}

Submission Intake::finish(std::string name, const std::string& refused) {
  Submission submission;
  submission.name = std::move(name);
  for (const auto& lab : catalogue_.labs) submission.labs.push_back({&lab, {}, {}});
  submission.refused = refused;
  if (refused.empty()) assign(submission);
  if (!submission.refused.empty()) {
    for (auto& lab : submission.labs) {
      lab.files.clear();
      lab.refused = submission.refused;
    }
  }
  if (skipped_ > kMaxSkipNotes) {
    notes_.push_back(fmt::format("… and {} more unsafe entries skipped", skipped_ - kMaxSkipNotes));
  }
  submission.notes = std::move(notes_);
  submission.fingerprint = fingerprint_of(submission);
  return submission;
}

void Intake::assign(Submission& submission) {
  // The layout: the course tree at the top wins, then one top folder, then bare files.
  std::set<std::string> roots;
  for (const auto& entry : entries_) {
    for (const auto& place : places_of(entry.parts, catalogue_)) {
      if (!place.bare) roots.insert(place.root);
    }
  }
  if (roots.size() > 1 && roots.count("") == 0) {
    std::string list;
    for (const auto& root : roots) list += (list.empty() ? "" : ", ") + root + "/";
    submission.refused = fmt::format("several course trees in one submission ({}): hand in one", list);
    return;
  }
  const bool bare = roots.empty();
  const std::string root = bare ? "" : *roots.begin();  // "" sorts first
  const std::string where = root.empty() ? "labs/" : root + "/labs/";

  // Lab index -> editable file -> the entries that claim it.
  std::vector<std::map<std::string, std::vector<const Entry*>>> claims(catalogue_.labs.size());
  for (const auto& entry : entries_) {
    const auto places = places_of(entry.parts, catalogue_);
    std::vector<Place> chosen;
    for (const auto& place : places) {
      if (place.bare == bare && (bare || place.root == root)) chosen.push_back(place);
    }
    if (chosen.empty()) {
      if (!entry.problem.empty()) {
        skip(entry);
      } else {
        notes_.push_back(fmt::format("ignored {}: this submission's files are under {}", entry.display, where));
      }
      continue;
    }
    if (chosen.size() > 1) {
      std::string labs;
      for (const auto& place : chosen) labs += (labs.empty() ? "" : ", ") + catalogue_.labs[place.lab].slug;
      notes_.push_back(fmt::format("ignored {}: labs {} all have a file of that name (put it in labs/<slug>/)",
                                   entry.display, labs));
      continue;
    }
    claims[chosen[0].lab][chosen[0].file].push_back(&entry);
  }

  bool any = false;
  for (std::size_t index = 0; index < catalogue_.labs.size(); ++index) {
    LabFiles& lab = submission.labs[index];
    for (const auto& file : catalogue_.labs[index].editable) {
      const auto found = claims[index].find(file);
      if (found == claims[index].end()) continue;
      const auto& entries = found->second;
      any = true;
      const auto unsafe =
          std::find_if(entries.begin(), entries.end(), [](const Entry* entry) { return !entry->problem.empty(); });
      if (unsafe != entries.end()) {
        lab.refused = fmt::format("{} {}", (*unsafe)->display, (*unsafe)->problem);
      } else if (entries.size() > 1) {
        lab.refused = fmt::format("{} is in the submission {} times", entries.front()->display, entries.size());
      } else {
        lab.files[file] = entries.front()->data;
        continue;
      }
      lab.files.clear();
      break;
    }
  }
  if (!any) notes_.push_back("no editable file of any lab was found in this submission");
}

// ------------------------------------------------------------------------------ archives

// A file descriptor, closed at the end of its scope.
struct Fd {
  int fd = -1;
  explicit Fd(int value) : fd(value) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

struct ArchiveDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveDeleter>;

// A reader for zip and tar (plain, gzip, bzip2, xz) only: libarchive's other formats include
// some (mtree) that read files named inside the archive from the disk.
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

// libarchive's last error, for messages.
std::string archive_message(archive* a) {
  const char* text = archive_error_string(a);
  return text != nullptr ? text : "unknown error";
}

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

// Reads every entry of an opened archive into `intake`, the data of each in chunks, counted
// as decompressed. Returns why the whole submission is refused, or "".
std::string read_entries(archive* a, const std::string& label, Intake& intake) {
  const auto& limits = intake.limits();
  std::vector<char> buffer(kChunk);
  std::size_t count = 0;
  while (true) {
    archive_entry* header = nullptr;
    const int status = archive_read_next_header(a, &header);
    if (status == ARCHIVE_EOF) break;
    if (status != ARCHIVE_OK && status != ARCHIVE_WARN) {
      return fmt::format("corrupt or truncated archive {}: {}", label, archive_message(a));
    }
    if (++count > limits.max_entries) {
      return fmt::format("archive bomb: {} has more than {} entries", label, limits.max_entries);
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
    bool keep = wanted && entry.problem.empty();

    // Every entry's data is read (and counted) even when it is not wanted: skipping a
    // compressed entry decompresses it all the same, uncounted.
    std::uintmax_t size = 0;
    while (true) {
      const la_ssize_t got = archive_read_data(a, buffer.data(), buffer.size());
      if (got == 0) break;
      if (got < 0) {
        if (got == ARCHIVE_FATAL) return fmt::format("corrupt or truncated archive {}: {}", label, archive_message(a));
        if (entry.problem.empty()) entry.problem = "cannot be read: " + archive_message(a);
        keep = false;
        break;
      }
      size += static_cast<std::uintmax_t>(got);
      if (!intake.count(static_cast<std::uintmax_t>(got))) {
        // Honest submissions get here too when a student zips a build folder (a TSan build
        // of the course is about 300 MB): say what to do about it.
        return fmt::format("archive bomb: {} holds more than {} uncompressed (hand in the sources without build/)",
                           label, size_text(limits.max_total_bytes));
      }
      if (!keep) continue;
      if (size > limits.max_file_bytes) {
        entry.problem = fmt::format("is larger than {}", size_text(limits.max_file_bytes));
        entry.data.clear();
        keep = false;
      } else {
        entry.data.append(buffer.data(), static_cast<std::size_t>(got));
      }
    }
    if (wanted) {
      intake.add(std::move(entry));
    } else if (!path.unsafe.empty() || (!kind.empty() && kind != "is a folder")) {
      intake.skip(entry);
    }
  }
  if (count == 0) return fmt::format("empty archive: {}", label);
  return "";
}

// Reads an archive file (zip or tar, whatever its name says).
Submission read_archive_file(const fs::path& file, const std::string& name, Intake& intake) {
  const std::string label = file.filename().string();
  {
    // Tried first so that a read error is not reported as a broken archive.
    Fd readable(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    if (readable.fd < 0) return intake.finish(name, fmt::format("cannot read {}: {}", label, std::strerror(errno)));
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

// ------------------------------------------------------------------------------ folders

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

// Looks at `parts` under the folder `top`, one component at a time through file
// descriptors opened with O_NOFOLLOW, so no symlink is followed anywhere on the way and
// nothing can be swapped in between a check and a read. Nothing there: no entry.
std::optional<Entry> probe(int top, const std::vector<std::string>& parts, Intake& intake, std::string& refused) {
  const auto& limits = intake.limits();
  Fd dir(::dup(top));
  if (dir.fd < 0) return std::nullopt;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    struct stat st {};
    if (::fstatat(dir.fd, parts[i].c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return std::nullopt;
    Entry entry;
    entry.display = printable(join(parts, 0, i + 1));
    entry.parts = parts;
    const bool last = i + 1 == parts.size();
    if (!last) {
      if (S_ISLNK(st.st_mode)) {
        entry.problem = "is a symbolic link";
        return entry;
      }
      if (!S_ISDIR(st.st_mode)) return std::nullopt;  // a file named `labs`: nothing at the path
      Fd next(::openat(dir.fd, parts[i].c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (next.fd < 0) {
        entry.problem = fmt::format("cannot be opened: {}", std::strerror(errno));
        return entry;
      }
      std::swap(dir.fd, next.fd);
      continue;
    }
    entry.problem = mode_problem(st.st_mode);
    if (entry.problem.empty() && st.st_nlink > 1) entry.problem = "is a hard link";
    if (entry.problem.empty() && static_cast<std::uintmax_t>(st.st_size) > limits.max_file_bytes) {
      entry.problem = fmt::format("is larger than {}", size_text(limits.max_file_bytes));
    }
    if (!entry.problem.empty()) return entry;
    // O_NONBLOCK: should it have become a FIFO since fstatat, open must not hang on it.
    Fd file(::openat(dir.fd, parts[i].c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    struct stat opened {};
    if (file.fd < 0 || ::fstat(file.fd, &opened) != 0 || !S_ISREG(opened.st_mode) || opened.st_ino != st.st_ino) {
      entry.problem = "changed while it was being read";
      return entry;
    }
    std::vector<char> buffer(kChunk);
    while (true) {
      const ssize_t got = ::read(file.fd, buffer.data(), buffer.size());
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) {
        entry.problem = fmt::format("cannot be read: {}", std::strerror(errno));
        entry.data.clear();
        break;
      }
      if (got == 0) break;
      if (!intake.count(static_cast<std::uintmax_t>(got))) {
        refused = fmt::format("more than {} to read in this folder", size_text(limits.max_total_bytes));
        return std::nullopt;
      }
      entry.data.append(buffer.data(), static_cast<std::size_t>(got));
      if (entry.data.size() > limits.max_file_bytes) {  // it grew since fstatat
        entry.problem = fmt::format("is larger than {}", size_text(limits.max_file_bytes));
        entry.data.clear();
        break;
      }
    }
    return entry;
  }
  return std::nullopt;
}

// An editable file name ("a.cpp", "src/a.cpp") as path components.
std::vector<std::string> split_file(const std::string& file) { return split_path(file).parts; }

// Reads a folder by probing only where editable files can be: labs/<slug>/<file>, <file>,
// and, when there is no labs/ at the top, <top>/labs/<slug>/<file> for each real folder
// <top> (no walk of the tree, which may be huge).
Submission read_folder(const fs::path& folder, const std::string& name, const Catalogue& catalogue, Intake& intake) {
  Fd top(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (top.fd < 0) return intake.finish(name, fmt::format("cannot open {}: {}", folder.string(), std::strerror(errno)));
  std::string refused;
  // Probes one candidate path (once: two labs may have editable files of the same name);
  // an entry found goes to the intake.
  std::set<std::vector<std::string>> probed;
  auto look = [&](std::vector<std::string> parts) {
    if (!refused.empty() || !probed.insert(parts).second) return;
    if (auto entry = probe(top.fd, parts, intake, refused)) intake.add(std::move(*entry));
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
  if (::fstatat(top.fd, "labs", &st, AT_SYMLINK_NOFOLLOW) != 0) {
    // No course tree at the top: look one folder down (only into real folders).
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
  return intake.finish(name, refused);
}

// ------------------------------------------------------------------------------ git


// git, looked up in PATH before fork() so that "not installed" is a clear error.
std::string find_git() {
  std::string git = find_in_path("git");
  if (git.empty()) throw Error("reading a git repository needs git: apt-get install git");
  return git;
}

// The environment git runs with: none of the caller's GIT_* variables (a GIT_DIR set by a
// hook would point git elsewhere), no system or global configuration, never a prompt.
std::vector<std::string> git_environment(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    if (std::strncmp(*entry, "GIT_", 4) != 0 && std::strncmp(*entry, "LC_ALL=", 7) != 0) env.emplace_back(*entry);
  }
  for (const char* setting : {"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_TERMINAL_PROMPT=0",
                              "GIT_OPTIONAL_LOCKS=0", "GIT_ATTR_NOSYSTEM=1", "GIT_NO_REPLACE_OBJECTS=1", "LC_ALL=C"}) {
    env.emplace_back(setting);
  }
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

// A git process with its stdout on a pipe, in its own process group (killed as a whole).
class GitProcess {
 public:
  GitProcess(std::vector<std::string> argv, std::vector<std::string> env, const fs::path& cwd, const fs::path& errors,
             std::chrono::seconds limit)
      : limit_(limit), deadline_(Clock::now() + limit), errors_(errors) {
    const std::string program = find_git();
    argv.insert(argv.begin(), "git");
    std::vector<char*> c_argv;
    for (auto& arg : argv) c_argv.push_back(arg.data());
    c_argv.push_back(nullptr);
    std::vector<char*> c_env;
    for (auto& var : env) c_env.push_back(var.data());
    c_env.push_back(nullptr);
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) throw Error(fmt::format("cannot create a pipe: {}", std::strerror(errno)));
    Fd err(::open(errors.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    Fd null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    pid_ = ::fork();
    if (pid_ < 0) {
      ::close(out[0]);
      ::close(out[1]);
      throw Error(fmt::format("cannot start git: {}", std::strerror(errno)));
    }
    if (pid_ == 0) {
      // The child: only async-signal-safe calls until exec.
      ::setpgid(0, 0);
      ::dup2(null.fd, STDIN_FILENO);
      ::dup2(out[1], STDOUT_FILENO);
      ::dup2(err.fd, STDERR_FILENO);
      if (::chdir(cwd.c_str()) != 0) ::_exit(127);
      ::execve(program.c_str(), c_argv.data(), c_env.data());
      ::_exit(127);
    }
    ::setpgid(pid_, pid_);
    ::close(out[1]);
    out_ = out[0];
  }
  GitProcess(const GitProcess&) = delete;
  GitProcess& operator=(const GitProcess&) = delete;
  ~GitProcess() { finish(); }

  // Reads stdout into `buffer`: bytes read, 0 at the end, -1 on an error or at the time
  // limit (then `failure` says which).
  ssize_t read(char* buffer, std::size_t size) {
    while (true) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now());
      if (left.count() <= 0) {
        failure = fmt::format("git took longer than {} s", limit_.count());
        return -1;
      }
      pollfd wait{out_, POLLIN, 0};
      const int ready = ::poll(&wait, 1, static_cast<int>(left.count()));
      if (ready < 0 && errno != EINTR) {
        failure = std::strerror(errno);
        return -1;
      }
      if (ready <= 0) continue;
      const ssize_t got = ::read(out_, buffer, size);
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) failure = std::strerror(errno);
      return got;
    }
  }

  // All of stdout (small outputs only: up to 64 KiB).
  std::string read_all() {
    std::string text;
    char buffer[4096];
    ssize_t got = 0;
    while (text.size() < 64 * 1024 && (got = read(buffer, sizeof buffer)) > 0) {
      text.append(buffer, static_cast<std::size_t>(got));
    }
    return text;
  }

  // Closes the pipe, waits for git (to the time limit), kills its group. True if git exited 0.
  bool finish() {
    if (pid_ <= 0) return status_ok_;
    if (out_ >= 0) ::close(out_);
    out_ = -1;
    int status = 0;
    auto pause = std::chrono::milliseconds(1);
    bool done = false;
    while (Clock::now() < deadline_) {
      const pid_t ended = ::waitpid(pid_, &status, WNOHANG);
      if (ended == pid_ || (ended < 0 && errno != EINTR)) {
        done = ended == pid_;
        break;
      }
      std::this_thread::sleep_for(pause);
      pause = std::min(pause * 2, std::chrono::milliseconds(50));
    }
    ::kill(-pid_, SIGKILL);
    if (!done) {
      while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
    }
    status_ok_ = done && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    pid_ = -1;
    return status_ok_;
  }

  // git's first line on stderr, for messages.
  std::string error_line() const {
    std::string text;
    Fd file(::open(errors_.c_str(), O_RDONLY | O_CLOEXEC));
    char buffer[1024];
    const ssize_t got = file.fd >= 0 ? ::read(file.fd, buffer, sizeof buffer) : 0;
    if (got > 0) text.assign(buffer, static_cast<std::size_t>(got));
    text = text.substr(0, text.find('\n'));
    if (text.rfind("fatal: ", 0) == 0) text = text.substr(7);
    if (!failure.empty()) return failure;
    return text.empty() ? "git failed" : text;
  }

  std::string failure;                                  // why reading stopped early, when it did
  std::vector<char> block = std::vector<char>(kChunk);  // for read_git_pipe

 private:
  std::chrono::seconds limit_;
  Clock::time_point deadline_;
  fs::path errors_;
  pid_t pid_ = -1;
  int out_ = -1;
  bool status_ok_ = false;
};

// libarchive's read callback over git's stdout.
la_ssize_t read_git_pipe(archive* a, void* data, const void** block) {
  auto* git = static_cast<GitProcess*>(data);
  const ssize_t got = git->read(git->block.data(), git->block.size());
  if (got < 0) {
    archive_set_error(a, EIO, "%s", git->failure.c_str());
    return ARCHIVE_FATAL;
  }
  *block = git->block.data();
  return got;
}

// A folder holding .git (a folder, or a file as in worktrees), or a bare repository.
bool is_git_repository(const fs::path& folder) {
  std::error_code error;
  if (fs::exists(fs::symlink_status(folder / ".git", error))) return true;
  return fs::is_regular_file(folder / "HEAD", error) && fs::is_directory(folder / "objects", error) &&
         fs::is_directory(folder / "refs", error);
}

// Reads commit `rev` of the repository at `repo`. The commit is resolved in the repository
// itself, but its files are read by `git archive` in an empty repository of ours that
// borrows the objects (GIT_ALTERNATE_OBJECT_DIRECTORIES): the student's .git/config is never
// applied to content, so filter drivers (which `git archive` runs) cannot run a command.
// `unreadable` is set when git cannot read the repository or find the commit at all (as
// opposed to a commit that was read and refused).
Submission read_git(const fs::path& repo, const std::string& rev, const std::string& name, Intake& intake,
                    bool& unreadable) {
  const std::string& label = name;
  if (rev.empty() || rev.front() == '-') return intake.finish(name, fmt::format("not a revision: `{}`", rev));
  std::error_code error;
  const fs::path where = fs::canonical(repo, error);
  unreadable = static_cast<bool>(error);
  if (error) return intake.finish(name, fmt::format("cannot read {}: {}", repo.string(), error.message()));
  const TempDir temp("labctl-submission");
  const fs::path errors = temp.path() / "git-errors";
  // Root grading a student's repository is "dubious ownership" to git: trust this one only.
  std::vector<std::string> in_repo = {"-c", "safe.directory=" + where.string()};
  if (where.filename() == ".git") {
    in_repo.insert(in_repo.end(), {"-c", "safe.directory=" + where.parent_path().string()});
  }
  in_repo.insert(in_repo.end(), {"-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null", "rev-parse"});
  const auto env = git_environment({});

  auto args = in_repo;
  args.insert(args.end(), {"--path-format=absolute", "--git-common-dir"});
  const auto limit = intake.limits().git_time_limit;
  GitProcess common(args, env, where, errors, limit);
  const std::string git_dir(trim(common.read_all()));
  if (!common.finish() || git_dir.empty()) {
    unreadable = true;
    return intake.finish(name,
                         fmt::format("not a readable git repository: {}: {}", repo.string(), common.error_line()));
  }
  args = in_repo;
  args.insert(args.end(), {"--verify", "--quiet", rev + "^{commit}"});
  GitProcess verify(args, env, where, errors, limit);
  const std::string commit(trim(verify.read_all()));
  if (!verify.finish() || commit.empty()) {
    unreadable = true;
    if (!verify.failure.empty()) {
      return intake.finish(name, fmt::format("cannot read the repository {}: {}", repo.string(), verify.failure));
    }
    return intake.finish(name, fmt::format("no commit `{}` in the repository {}", rev, repo.string()));
  }
  // It becomes an argument of git archive: an object name and nothing else.
  if (commit.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return intake.finish(name, fmt::format("git named commit `{}` oddly: {}", rev, commit.substr(0, 80)));
  }

  // The least git takes for a repository: HEAD, objects/ and refs/.
  const fs::path scratch = temp.path() / "repo.git";
  fs::create_directories(scratch / "objects", error);
  fs::create_directories(scratch / "refs", error);
  std::ofstream(scratch / "HEAD") << "ref: refs/heads/main\n";
  if (error || !fs::is_regular_file(scratch / "HEAD", error)) {
    throw Error(fmt::format("cannot prepare a scratch repository in {}", temp.path().string()));
  }
  GitProcess archiver({"archive", "--format=tar", commit},
                      git_environment({"GIT_DIR=" + scratch.string(),
                                       "GIT_ALTERNATE_OBJECT_DIRECTORIES=" + (fs::path(git_dir) / "objects").string()}),
                      temp.path(), errors, limit);
  ArchivePtr reader = new_reader();
  std::string refused;
  if (archive_read_open(reader.get(), &archiver, nullptr, read_git_pipe, nullptr) != ARCHIVE_OK) {
    refused = fmt::format("cannot read {}: {}", label,
                          archiver.failure.empty() ? archive_message(reader.get()) : archiver.failure);
  } else {
    refused = read_entries(reader.get(), label, intake);
  }
  reader.reset();
  const bool ok = archiver.finish();
  if (!ok && (refused.empty() || refused.rfind("corrupt", 0) == 0 || refused.rfind("empty", 0) == 0 ||
              refused.rfind("cannot", 0) == 0)) {
    refused = fmt::format("git archive failed for {}: {}", label, archiver.error_line());
  }
  if (refused.empty()) intake.note(fmt::format("graded commit {} ({})", commit.substr(0, 12), rev));
  return intake.finish(name, refused);
}

// ------------------------------------------------------------------------------ names

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

}  // namespace

Submission read_submission(const std::string& source, const Catalogue& catalogue, const SubmissionLimits& limits) {
  fs::path path = source;
  std::string rev;
  std::error_code error;
  if (!fs::exists(path, error)) {
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
  Intake intake(catalogue, limits);
  if (fs::is_directory(path, error)) {
    if (is_git_repository(path)) {
      const std::string name = repository_name(path);
      bool unreadable = false;
      Submission commit =
          read_git(path, rev.empty() ? "HEAD" : rev, rev.empty() ? name : name + "@" + rev, intake, unreadable);
      // A work tree handed in without @REV: its files say what the instructor is looking at.
      if (!rev.empty() || !fs::exists(fs::symlink_status(path / ".git", error))) return commit;
      Intake tree_intake(catalogue, limits);
      Submission tree = read_folder(path, name, catalogue, tree_intake);
      if (unreadable) {
        // A broken .git, or no commit yet: the student's files are the folder's.
        tree.notes.insert(tree.notes.begin(), fmt::format("read as a plain folder ({})", commit.refused));
        return tree;
      }
      if (commit.refused.empty()) {
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
      return commit;
    }
    return read_folder(path, base_name(path), catalogue, intake);
  }
  if (fs::is_regular_file(path, error)) return read_archive_file(path, archive_stem(path), intake);
  throw Error(fmt::format(
      "{} is neither a folder nor a file (a submission is a folder, an archive or a git repository)", source));
}

}  // namespace labctl
