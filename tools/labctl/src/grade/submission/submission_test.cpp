// Submission intake: every source kind and layout is read, and every kind of unsafe or
// broken input is refused (whole, or one lab) with a clear message, never read or followed.
// Archives are written here with libarchive's writer into a temporary folder, so no binary
// fixture is committed; git repositories are made with the git command.
#include "course/catalogue.hpp"
#include "base/errors.hpp"
#include "grade/submission/submission.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace fs = std::filesystem;
using labctl::Catalogue;
using labctl::LabFiles;
using labctl::Submission;
using labctl::SubmissionLimits;

// Two labs with one editable file each, and a third with two; its second (alpha.cpp) has
// the same name as lab 01's, which makes a bare alpha.cpp ambiguous.
const char* const kCatalogue = R"(
[[lab]]
slug = "01-alpha"
title = "Alpha"
lesson = "Races."
points = 10
editable = ["alpha.cpp"]
expect = "data-race"
hints = []

[[lab]]
slug = "02-beta"
title = "Beta"
lesson = "Races."
points = 10
editable = ["beta.cpp"]
expect = "data-race"
hints = []

[[lab]]
slug = "03-gamma"
title = "Gamma"
lesson = "Races."
points = 10
editable = ["gamma.cpp", "alpha.cpp"]
expect = "wrong-result"
hints = []
)";

// One entry of an archive written by a test.
struct Item {
  std::string path;
  std::string data;
  unsigned type = AE_IFREG;  // AE_IFREG, AE_IFLNK, AE_IFCHR, AE_IFIFO, AE_IFDIR
  std::string link;          // symlink target, or the hard link's target path
  bool hardlink = false;
};

enum class Format { zip, tar, tar_gz };

// Writes `items` as an archive with libarchive's writer; a test failure if it cannot.
void write_archive(const fs::path& file, Format format, const std::vector<Item>& items) {
  archive* out = archive_write_new();
  if (format == Format::zip) {
    archive_write_set_format_zip(out);
  } else {
    archive_write_set_format_pax_restricted(out);
    if (format == Format::tar_gz) archive_write_add_filter_gzip(out);
  }
  ASSERT_EQ(archive_write_open_filename(out, file.c_str()), ARCHIVE_OK) << archive_error_string(out);
  for (const auto& item : items) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, item.path.c_str());
    archive_entry_set_mtime(entry, 1700000000, 0);
    if (item.hardlink) {
      archive_entry_set_filetype(entry, AE_IFREG);
      archive_entry_set_perm(entry, 0644);
      archive_entry_set_hardlink(entry, item.link.c_str());
      archive_entry_set_size(entry, 0);
    } else {
      archive_entry_set_filetype(entry, item.type);
      archive_entry_set_perm(entry, item.type == AE_IFDIR ? 0755 : 0644);
      if (item.type == AE_IFLNK) archive_entry_set_symlink(entry, item.link.c_str());
      if (item.type == AE_IFCHR) archive_entry_set_rdev(entry, makedev(1, 3));
      archive_entry_set_size(entry, item.type == AE_IFREG ? static_cast<la_int64_t>(item.data.size()) : 0);
    }
    ASSERT_GE(archive_write_header(out, entry), ARCHIVE_WARN) << archive_error_string(out);
    if (item.type == AE_IFREG && !item.hardlink && !item.data.empty()) {
      ASSERT_EQ(archive_write_data(out, item.data.data(), item.data.size()), static_cast<la_ssize_t>(item.data.size()));
    }
    archive_entry_free(entry);
  }
  ASSERT_EQ(archive_write_close(out), ARCHIVE_OK) << archive_error_string(out);
  archive_write_free(out);
}

std::string slurp(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Every path under `root` (symlinks not followed) with its type, size, mtime and contents:
// equal snapshots before and after mean the source was not modified.
std::map<std::string, std::string> snapshot(const fs::path& root) {
  std::map<std::string, std::string> state;
  auto record = [&](const fs::path& path) {
    struct stat st {};
    ::lstat(path.c_str(), &st);
    std::string value = std::to_string(st.st_mode) + "/" + std::to_string(st.st_size) + "/" +
                        std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
    if (S_ISREG(st.st_mode)) value += "/" + slurp(path);
    state[path.string()] = value;
  };
  record(root);
  if (fs::is_directory(fs::symlink_status(root))) {
    for (const auto& entry : fs::recursive_directory_iterator(root)) record(entry.path());
  }
  return state;
}

// The default limits, but git gets 10 s instead of 60: a test that hangs fails quickly.
SubmissionLimits test_limits() {
  SubmissionLimits limits;
  limits.git_time_limit = std::chrono::seconds(10);
  return limits;
}

class Submissions : public ::testing::Test {
 protected:
  void SetUp() override {
    static int counter = 0;
    dir_ = fs::temp_directory_path() /
           ("labctl-submission-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    started_ = std::chrono::steady_clock::now();
  }
  void TearDown() override {
    fs::remove_all(dir_);
    // Every test is bounded: reading a submission must never hang or crawl.
    EXPECT_LT(std::chrono::steady_clock::now() - started_, std::chrono::seconds(10));
  }

  // Writes `contents` to dir_/rel, creating folders.
  fs::path put(const std::string& rel, const std::string& contents) {
    const fs::path file = dir_ / rel;
    fs::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << contents;
    return file;
  }

  Submission read(const fs::path& source, const SubmissionLimits& limits = test_limits()) {
    return labctl::read_submission(source.string(), catalogue_, limits);
  }

  // Reads commit `rev` of the repository dir_/`repo`.
  Submission read_at(const std::string& repo, const std::string& rev, const SubmissionLimits& limits = test_limits()) {
    return labctl::read_submission((dir_ / repo).string() + "@" + rev, catalogue_, limits);
  }

  // Runs a shell command for setting up a fixture (git); a test failure if it fails.
  void shell(const std::string& command) {
    ASSERT_EQ(std::system(("cd '" + dir_.string() + "' && (" + command + ") >/dev/null 2>&1").c_str()), 0) << command;
  }

  static const LabFiles& lab(const Submission& submission, std::size_t index) { return submission.labs.at(index); }

  static bool has_note(const Submission& submission, const std::string& part) {
    for (const auto& note : submission.notes) {
      if (note.find(part) != std::string::npos) return true;
    }
    return false;
  }

  static std::string notes(const Submission& submission) {
    std::string text;
    for (const auto& note : submission.notes) text += note + "\n";
    return text;
  }

  Catalogue catalogue_ = labctl::parse_catalogue(kCatalogue, "labs.toml");
  fs::path dir_;
  std::chrono::steady_clock::time_point started_;
};

// The three labs of a whole course tree.
std::vector<Item> course_tree(const std::string& prefix = "") {
  return {{prefix + "labs/01-alpha/alpha.cpp", "alpha v1"},      {prefix + "labs/01-alpha/alpha.hpp", "not editable"},
          {prefix + "labs/02-beta/beta.cpp", "beta v1"},         {prefix + "labs/03-gamma/gamma.cpp", "gamma v1"},
          {prefix + "labs/03-gamma/alpha.cpp", "gamma's alpha"}, {prefix + "README.md", "readme"}};
}

// The files a course tree gives, checked for every lab.
void expect_course_tree(const Submission& submission) {
  ASSERT_TRUE(submission.refused.empty()) << submission.refused;
  ASSERT_EQ(submission.labs.size(), 3u);
  EXPECT_EQ(submission.labs[0].lab->slug, "01-alpha");
  EXPECT_EQ(submission.labs[0].files, (std::map<std::string, std::string>{{"alpha.cpp", "alpha v1"}}));
  EXPECT_EQ(submission.labs[1].files, (std::map<std::string, std::string>{{"beta.cpp", "beta v1"}}));
  EXPECT_EQ(submission.labs[2].files,
            (std::map<std::string, std::string>{{"gamma.cpp", "gamma v1"}, {"alpha.cpp", "gamma's alpha"}}));
  for (const auto& lab : submission.labs) EXPECT_EQ(lab.refused, "") << lab.lab->slug;
  EXPECT_EQ(submission.fingerprint.size(), 16u);
}

// ------------------------------------------------------------------------------ sources

// A folder holding the course tree: only the editable files are taken.
TEST_F(Submissions, Folder) {
  for (const auto& item : course_tree()) put("alice/" + item.path, item.data);
  const auto submission = read(dir_ / "alice");
  expect_course_tree(submission);
  EXPECT_EQ(submission.name, "alice");
}

// A zip of the course tree, named after the archive.
TEST_F(Submissions, Zip) {
  write_archive(dir_ / "bob.zip", Format::zip, course_tree());
  const auto submission = read(dir_ / "bob.zip");
  expect_course_tree(submission);
  EXPECT_EQ(submission.name, "bob");
}

TEST_F(Submissions, TarGz) {
  write_archive(dir_ / "carol.tar.gz", Format::tar_gz, course_tree());
  const auto submission = read(dir_ / "carol.tar.gz");
  expect_course_tree(submission);
  EXPECT_EQ(submission.name, "carol");
}

// A plain tar with a .tgz name: the format comes from the contents, not the name.
TEST_F(Submissions, FormatFromContentsNotName) {
  write_archive(dir_ / "dave.tgz", Format::tar, course_tree());
  const auto submission = read(dir_ / "dave.tgz");
  expect_course_tree(submission);
  EXPECT_EQ(submission.name, "dave");
}

// GitHub's "Download ZIP": everything inside one top folder; same for a folder.
TEST_F(Submissions, TopFolderPrefix) {
  write_archive(dir_ / "erin.zip", Format::zip, course_tree("racelab-main/"));
  expect_course_tree(read(dir_ / "erin.zip"));
  for (const auto& item : course_tree("racelab-main/")) put("erin/" + item.path, item.data);
  expect_course_tree(read(dir_ / "erin"));
}

// Course trees in two top folders: which one is the student's is anybody's guess.
TEST_F(Submissions, TwoTopFoldersRefused) {
  auto items = course_tree("one/");
  for (const auto& item : course_tree("two/")) items.push_back(item);
  write_archive(dir_ / "twice.zip", Format::zip, items);
  const auto submission = read(dir_ / "twice.zip");
  EXPECT_NE(submission.refused.find("several course trees"), std::string::npos) << submission.refused;
  EXPECT_TRUE(lab(submission, 0).files.empty());
}

// A Gradescope upload: just the edited files at the top.
TEST_F(Submissions, BareFiles) {
  write_archive(dir_ / "frank.zip", Format::zip, {{"beta.cpp", "beta bare"}, {"gamma.cpp", "gamma bare"}});
  const auto submission = read(dir_ / "frank.zip");
  ASSERT_TRUE(submission.refused.empty()) << submission.refused;
  EXPECT_TRUE(lab(submission, 0).files.empty());
  EXPECT_EQ(lab(submission, 1).files, (std::map<std::string, std::string>{{"beta.cpp", "beta bare"}}));
  EXPECT_EQ(lab(submission, 2).files, (std::map<std::string, std::string>{{"gamma.cpp", "gamma bare"}}));
  // The same as a folder.
  put("frank/beta.cpp", "beta bare");
  EXPECT_EQ(lab(read(dir_ / "frank"), 1).files, (std::map<std::string, std::string>{{"beta.cpp", "beta bare"}}));
}

// A bare alpha.cpp could be lab 01's or lab 03's: a note, and taken by neither.
TEST_F(Submissions, AmbiguousBareFile) {
  write_archive(dir_ / "gina.zip", Format::zip, {{"alpha.cpp", "which lab?"}, {"beta.cpp", "beta bare"}});
  const auto submission = read(dir_ / "gina.zip");
  ASSERT_TRUE(submission.refused.empty()) << submission.refused;
  EXPECT_TRUE(lab(submission, 0).files.empty());
  EXPECT_TRUE(lab(submission, 2).files.empty());
  EXPECT_EQ(lab(submission, 0).refused, "");
  EXPECT_EQ(lab(submission, 1).files.size(), 1u);
  EXPECT_TRUE(has_note(submission, "ignored alpha.cpp: labs 01-alpha, 03-gamma")) << notes(submission);
  // The same in a folder, noted once.
  put("gina/alpha.cpp", "which lab?");
  const auto folder = read(dir_ / "gina");
  EXPECT_TRUE(lab(folder, 0).files.empty());
  EXPECT_TRUE(lab(folder, 2).files.empty());
  EXPECT_EQ(folder.notes.size(), 2u) << notes(folder);  // the ambiguity, and "no editable file"
  EXPECT_TRUE(has_note(folder, "ignored alpha.cpp: labs 01-alpha, 03-gamma")) << notes(folder);
}

// A bare file next to a course tree is not the student's answer: the tree wins, with a note.
TEST_F(Submissions, CourseTreeWinsOverBareFile) {
  auto items = course_tree();
  items.push_back({"beta.cpp", "stray"});
  write_archive(dir_ / "tree.zip", Format::zip, items);
  const auto submission = read(dir_ / "tree.zip");
  expect_course_tree(submission);
  EXPECT_TRUE(has_note(submission, "ignored beta.cpp")) << notes(submission);
}

// ------------------------------------------------------------------------------ git

class GitSubmissions : public Submissions {
 protected:
  void SetUp() override {
    Submissions::SetUp();
    if (std::system("git --version >/dev/null 2>&1") != 0) GTEST_SKIP() << "git is not installed";
  }

  // A repository "repo" with two commits: v1 (tagged first) then v2 of alpha.cpp.
  void make_repo() {
    shell(
        "git init -q repo && cd repo && mkdir -p labs/01-alpha labs/02-beta && "
        "echo 'alpha v1' > labs/01-alpha/alpha.cpp && echo 'beta v1' > labs/02-beta/beta.cpp && "
        "git add -A && git -c user.name=t -c user.email=t@t commit -qm one && git tag first && "
        "echo 'alpha v2' > labs/01-alpha/alpha.cpp && "
        "git -c user.name=t -c user.email=t@t commit -qam two");
  }
};

// A repository is read at HEAD, and only what is committed counts.
TEST_F(GitSubmissions, Head) {
  make_repo();
  put("repo/labs/02-beta/beta.cpp", "uncommitted edit");
  const auto submission = read(dir_ / "repo");
  ASSERT_TRUE(submission.refused.empty()) << submission.refused;
  EXPECT_EQ(submission.name, "repo");
  EXPECT_EQ(lab(submission, 0).files, (std::map<std::string, std::string>{{"alpha.cpp", "alpha v2\n"}}));
  EXPECT_EQ(lab(submission, 1).files, (std::map<std::string, std::string>{{"beta.cpp", "beta v1\n"}}));
  EXPECT_TRUE(has_note(submission, "graded commit")) << notes(submission);
  EXPECT_TRUE(
      has_note(submission, "the work tree differs from the commit in 02-beta: uncommitted changes are not graded"))
      << notes(submission);
}

// A bare repository is named without its .git, and read at HEAD.
TEST_F(GitSubmissions, BareRepository) {
  make_repo();
  shell("git clone -q --bare repo alice.git");
  const auto submission = read(dir_ / "alice.git");
  ASSERT_TRUE(submission.refused.empty()) << submission.refused;
  EXPECT_EQ(submission.name, "alice");
  EXPECT_EQ(lab(submission, 0).files, (std::map<std::string, std::string>{{"alpha.cpp", "alpha v2\n"}}));
}

// A folder whose .git git cannot use (broken, or no commit yet) is read as a plain folder,
// with a note: a stray .git must not cost the student their work.
TEST_F(GitSubmissions, UnusableGitFolderIsReadAsAFolder) {
  for (const auto& item : course_tree()) put("broken/" + item.path, item.data);
  fs::create_directories(dir_ / "broken/.git");
  const auto broken = read(dir_ / "broken");
  expect_course_tree(broken);
  EXPECT_TRUE(has_note(broken, "read as a plain folder")) << notes(broken);

  for (const auto& item : course_tree()) put("fresh/" + item.path, item.data);
  shell("git init -q fresh");
  const auto fresh = read(dir_ / "fresh");
  expect_course_tree(fresh);
  EXPECT_TRUE(has_note(fresh, "read as a plain folder (no commit `HEAD`")) << notes(fresh);
}

// PATH@REV reads that commit; the name says which.
TEST_F(GitSubmissions, NamedOlderRevision) {
  make_repo();
  const auto submission = read_at("repo", "first");
  ASSERT_TRUE(submission.refused.empty()) << submission.refused;
  EXPECT_EQ(submission.name, "repo@first");
  EXPECT_EQ(lab(submission, 0).files, (std::map<std::string, std::string>{{"alpha.cpp", "alpha v1\n"}}));
  const auto head = read(dir_ / "repo");
  EXPECT_NE(submission.fingerprint, head.fingerprint);
}

TEST_F(GitSubmissions, UnknownRevisionRefused) {
  make_repo();
  const auto submission = read_at("repo", "no-such-tag");
  EXPECT_NE(submission.refused.find("no commit `no-such-tag`"), std::string::npos) << submission.refused;
  EXPECT_EQ(lab(submission, 0).refused, submission.refused);
  EXPECT_TRUE(lab(submission, 0).files.empty());
  // A revision that looks like an option is never passed to git as one.
  const auto option = read_at("repo", "--output=x");
  EXPECT_NE(option.refused.find("not a revision"), std::string::npos) << option.refused;
}

// @REV after something that is not a repository is a usage error, as is a missing source.
TEST_F(Submissions, UnusableSourceThrows) {
  put("plain/labs/01-alpha/alpha.cpp", "x");
  EXPECT_THROW(read_at("plain", "HEAD"), labctl::Error);
  EXPECT_THROW(read(dir_ / "missing"), labctl::Error);
}

// Root grading a repository owned by someone else: git's "dubious ownership" is handled
// for that repository. (Only root can give a file away; skipped for other users.)
TEST_F(GitSubmissions, OtherOwner) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to chown the repository";
  make_repo();
  shell("chown -R 12345:12345 repo");
  const auto submission = read(dir_ / "repo");
  ASSERT_TRUE(submission.refused.empty()) << submission.refused;
  EXPECT_EQ(lab(submission, 0).files, (std::map<std::string, std::string>{{"alpha.cpp", "alpha v2\n"}}));
}

// The repository's own config cannot run a command: a smudge filter for the editable file
// (which `git archive` would run) and an fsmonitor hook both stay unused.
TEST_F(GitSubmissions, RepositoryConfigRunsNothing) {
  make_repo();
  const fs::path marker = dir_ / "pwned";
  // The config is set last: the test's own git commands would run it too.
  shell(
      "cd repo && echo '*.cpp filter=evil' > .gitattributes && git add .gitattributes && "
      "git -c user.name=t -c user.email=t@t commit -qm attrs && "
      "git config filter.evil.smudge 'touch " +
      marker.string() +
      "; cat' && "
      "git config core.fsmonitor 'touch " +
      marker.string() + "'");
  ASSERT_FALSE(fs::exists(marker));
  const auto submission = read(dir_ / "repo");
  ASSERT_TRUE(submission.refused.empty()) << submission.refused;
  EXPECT_EQ(lab(submission, 0).files, (std::map<std::string, std::string>{{"alpha.cpp", "alpha v2\n"}}));
  EXPECT_FALSE(fs::exists(marker)) << "a command from the repository's config ran";
}

// A commit is streamed from git and counted like an archive: a big blob (tiny in git's
// compressed store) stops the reading, and git is stopped with it.
TEST_F(GitSubmissions, BombByBytes) {
  make_repo();
  shell(
      "cd repo && head -c 300000 /dev/zero > zeros.bin && git add zeros.bin && "
      "git -c user.name=t -c user.email=t@t commit -qm zeros");
  SubmissionLimits limits = test_limits();
  limits.max_total_bytes = 64 * 1024;
  const auto submission = read(dir_ / "repo", limits);
  EXPECT_EQ(submission.refused,
            "archive bomb: repo holds more than 64 KiB uncompressed (hand in the sources without build/)");
  EXPECT_TRUE(lab(submission, 0).files.empty());
}

// A symbolic link committed at an editable path refuses that lab, as in an archive.
TEST_F(GitSubmissions, SymlinkAtEditablePath) {
  make_repo();
  shell(
      "cd repo && rm labs/02-beta/beta.cpp && ln -s /etc/shadow labs/02-beta/beta.cpp && git add -A && "
      "git -c user.name=t -c user.email=t@t commit -qm link");
  const auto submission = read(dir_ / "repo");
  ASSERT_TRUE(submission.refused.empty()) << submission.refused;
  EXPECT_EQ(lab(submission, 1).refused, "labs/02-beta/beta.cpp is a symbolic link");
  EXPECT_EQ(lab(submission, 0).files.size(), 1u);
}

// A .git made to hang git (a FIFO where git reads its list of alternate object stores)
// costs the time limit, not a stuck grader: with @REV a refusal, without it the folder.
TEST_F(GitSubmissions, HangingGitIsKilled) {
  make_repo();
  fs::create_directories(dir_ / "repo/.git/objects/info");
  ASSERT_EQ(::mkfifo((dir_ / "repo/.git/objects/info/alternates").c_str(), 0644), 0);
  SubmissionLimits limits = test_limits();
  limits.git_time_limit = std::chrono::seconds(1);
  auto started = std::chrono::steady_clock::now();
  const auto named = read_at("repo", "HEAD", limits);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(4));
  EXPECT_NE(named.refused.find("git took longer than 1 s"), std::string::npos) << named.refused;

  started = std::chrono::steady_clock::now();
  const auto folder = read(dir_ / "repo", limits);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(4));
  EXPECT_EQ(folder.refused, "");
  EXPECT_EQ(lab(folder, 0).files, (std::map<std::string, std::string>{{"alpha.cpp", "alpha v2\n"}}));
  EXPECT_TRUE(has_note(folder, "git took longer than 1 s")) << notes(folder);
}

// Reading a repository changes nothing in it (not even the index).
TEST_F(GitSubmissions, SourceUnchanged) {
  make_repo();
  const auto before = snapshot(dir_ / "repo");
  read(dir_ / "repo");
  EXPECT_EQ(snapshot(dir_ / "repo"), before);
}

// ------------------------------------------------------------------------------ unsafe entries

// `..` and absolute paths are never read; at an editable path they cost that lab, elsewhere
// a note.
TEST_F(Submissions, PathTraversal) {
  auto items = course_tree();
  items.push_back({"labs/02-beta/../02-beta/beta.cpp", "sneaky"});
  items.push_back({"../../etc/cron.d/x", "elsewhere"});
  write_archive(dir_ / "t.tar", Format::tar, items);
  const auto submission = read(dir_ / "t.tar");
  ASSERT_TRUE(submission.refused.empty()) << submission.refused;
  EXPECT_EQ(lab(submission, 1).refused, "labs/02-beta/../02-beta/beta.cpp leaves the submission (`..` in its path)");
  EXPECT_TRUE(lab(submission, 1).files.empty());
  EXPECT_EQ(lab(submission, 0).files.size(), 1u);
  EXPECT_TRUE(has_note(submission, "skipped ../../etc/cron.d/x")) << notes(submission);
}

TEST_F(Submissions, AbsolutePath) {
  write_archive(dir_ / "a.zip", Format::zip,
                {{"/labs/01-alpha/alpha.cpp", "absolute"}, {"labs/02-beta/beta.cpp", "fine"}, {"/etc/passwd", "x"}});
  const auto submission = read(dir_ / "a.zip");
  ASSERT_TRUE(submission.refused.empty()) << submission.refused;
  EXPECT_EQ(lab(submission, 0).refused, "/labs/01-alpha/alpha.cpp has an absolute path");
  EXPECT_TRUE(lab(submission, 0).files.empty());
  EXPECT_EQ(lab(submission, 1).files.at("beta.cpp"), "fine");
  EXPECT_TRUE(has_note(submission, "skipped /etc/passwd")) << notes(submission);
}

// A symlink at an editable path refuses its lab, with a message naming it.
TEST_F(Submissions, SymlinkAtEditablePath) {
  auto items = course_tree();
  items[2] = {"labs/02-beta/beta.cpp", "", AE_IFLNK, "/etc/shadow"};
  write_archive(dir_ / "s.zip", Format::zip, items);
  const auto submission = read(dir_ / "s.zip");
  ASSERT_TRUE(submission.refused.empty()) << submission.refused;
  EXPECT_EQ(lab(submission, 1).refused, "labs/02-beta/beta.cpp is a symbolic link");
  EXPECT_TRUE(lab(submission, 1).files.empty());
  EXPECT_EQ(lab(submission, 0).files.size(), 1u);
  EXPECT_EQ(lab(submission, 2).files.size(), 2u);
}

// Students zip whole repositories, with a compile_commands.json symlink: a note, no cost.
TEST_F(Submissions, SymlinkElsewhereIsANote) {
  auto items = course_tree();
  items.push_back({"compile_commands.json", "", AE_IFLNK, "build/tsan/compile_commands.json"});
  write_archive(dir_ / "s.tar.gz", Format::tar_gz, items);
  const auto submission = read(dir_ / "s.tar.gz");
  expect_course_tree(submission);
  EXPECT_TRUE(has_note(submission, "skipped compile_commands.json: it is a symbolic link")) << notes(submission);
}

// In a folder nothing is followed: a symlinked file, lab folder or labs/ refuses the lab.
TEST_F(Submissions, SymlinksInFolder) {
  put("real/alpha.cpp", "outside");
  put("real/02-beta/beta.cpp", "outside");
  put("s/labs/03-gamma/gamma.cpp", "fine");
  fs::create_directories(dir_ / "s/labs/01-alpha");
  fs::create_symlink(dir_ / "real/alpha.cpp", dir_ / "s/labs/01-alpha/alpha.cpp");
  fs::create_symlink(dir_ / "real/02-beta", dir_ / "s/labs/02-beta");
  const auto submission = read(dir_ / "s");
  ASSERT_TRUE(submission.refused.empty()) << submission.refused;
  EXPECT_EQ(lab(submission, 0).refused, "labs/01-alpha/alpha.cpp is a symbolic link");
  EXPECT_EQ(lab(submission, 1).refused, "labs/02-beta is a symbolic link");
  EXPECT_EQ(lab(submission, 2).files.at("gamma.cpp"), "fine");

  fs::create_directories(dir_ / "t");
  fs::create_symlink(dir_ / "s/labs", dir_ / "t/labs");
  const auto linked = read(dir_ / "t");
  for (const auto& lab : linked.labs) EXPECT_EQ(lab.refused, "labs is a symbolic link") << lab.lab->slug;
}

// A hard link in a tar could name any file; in a folder, a second name of any file.
TEST_F(Submissions, HardLink) {
  auto items = course_tree();
  items[2] = {"labs/02-beta/beta.cpp", "", AE_IFREG, "labs/01-alpha/alpha.cpp", true};
  write_archive(dir_ / "h.tar", Format::tar, items);
  const auto submission = read(dir_ / "h.tar");
  ASSERT_TRUE(submission.refused.empty()) << submission.refused;
  EXPECT_EQ(lab(submission, 1).refused, "labs/02-beta/beta.cpp is a hard link");
  EXPECT_EQ(lab(submission, 0).files.size(), 1u);

  put("secret", "not the student's");
  fs::create_directories(dir_ / "hf/labs/01-alpha");
  fs::create_hard_link(dir_ / "secret", dir_ / "hf/labs/01-alpha/alpha.cpp");
  EXPECT_EQ(lab(read(dir_ / "hf"), 0).refused, "labs/01-alpha/alpha.cpp is a hard link");
}

// Devices and FIFOs are never opened (a FIFO would block the reader forever).
TEST_F(Submissions, DeviceAndFifo) {
  auto items = course_tree();
  items[0] = {"labs/01-alpha/alpha.cpp", "", AE_IFCHR};
  items[2] = {"labs/02-beta/beta.cpp", "", AE_IFIFO};
  items.push_back({"dev/null", "", AE_IFCHR});
  write_archive(dir_ / "d.tar", Format::tar, items);
  const auto submission = read(dir_ / "d.tar");
  ASSERT_TRUE(submission.refused.empty()) << submission.refused;
  EXPECT_EQ(lab(submission, 0).refused, "labs/01-alpha/alpha.cpp is a device file");
  EXPECT_EQ(lab(submission, 1).refused, "labs/02-beta/beta.cpp is a FIFO");
  EXPECT_TRUE(has_note(submission, "skipped dev/null: it is a device file")) << notes(submission);

  fs::create_directories(dir_ / "f/labs/01-alpha");
  ASSERT_EQ(::mkfifo((dir_ / "f/labs/01-alpha/alpha.cpp").c_str(), 0644), 0);
  EXPECT_EQ(lab(read(dir_ / "f"), 0).refused, "labs/01-alpha/alpha.cpp is a FIFO");
}

// An editable file over the size limit refuses its lab; a big file elsewhere costs nothing.
TEST_F(Submissions, OversizedFile) {
  SubmissionLimits limits = test_limits();
  limits.max_file_bytes = 1000;
  auto items = course_tree();
  items[0].data = std::string(1001, 'x');
  items.push_back({"big.bin", std::string(5000, 'y')});
  write_archive(dir_ / "o.tar.gz", Format::tar_gz, items);
  const auto submission = read(dir_ / "o.tar.gz", limits);
  ASSERT_TRUE(submission.refused.empty()) << submission.refused;
  EXPECT_EQ(lab(submission, 0).refused, "labs/01-alpha/alpha.cpp is larger than 1000 bytes");
  EXPECT_TRUE(lab(submission, 0).files.empty());
  EXPECT_EQ(lab(submission, 1).files.size(), 1u);

  put("big/labs/01-alpha/alpha.cpp", std::string(1001, 'x'));
  put("big/labs/02-beta/beta.cpp", std::string(1000, 'x'));
  const auto folder = read(dir_ / "big", limits);
  EXPECT_EQ(lab(folder, 0).refused, "labs/01-alpha/alpha.cpp is larger than 1000 bytes");
  EXPECT_EQ(lab(folder, 1).files.at("beta.cpp").size(), 1000u);
}

// The same editable path twice (a tar may hold both; extracting keeps the last): refused.
TEST_F(Submissions, DuplicateEntry) {
  auto items = course_tree();
  items.push_back({"labs/02-beta/beta.cpp", "second"});
  write_archive(dir_ / "dup.tar", Format::tar, items);
  const auto submission = read(dir_ / "dup.tar");
  EXPECT_EQ(lab(submission, 1).refused, "labs/02-beta/beta.cpp is in the submission 2 times");
}

// Zips made on Windows may separate with backslashes: still the course tree, and
// `..\` is still a traversal.
TEST_F(Submissions, BackslashPaths) {
  write_archive(dir_ / "w.zip", Format::zip,
                {{"labs\\01-alpha\\alpha.cpp", "windows"}, {"..\\..\\evil.bat", "x"}, {"C:\\boot.ini", "x"}});
  const auto submission = read(dir_ / "w.zip");
  ASSERT_TRUE(submission.refused.empty()) << submission.refused;
  EXPECT_EQ(lab(submission, 0).files.at("alpha.cpp"), "windows");
  EXPECT_TRUE(has_note(submission, "`..` in its path")) << notes(submission);
  EXPECT_TRUE(has_note(submission, "drive letter")) << notes(submission);
}

// Names from a submission reach the instructor's terminal: no escape sequences, no fake
// extra lines, no kilobytes of name.
TEST_F(Submissions, NamesArePrintable) {
  write_archive(dir_ / "esc.tar", Format::tar,
                {{"\x1b[2J\x1b[31mevil\nnote", "", AE_IFLNK, "x"}, {std::string(300, 'n'), "", AE_IFLNK, "x"}});
  const auto submission = read(dir_ / "esc.tar");
  EXPECT_TRUE(has_note(submission, "skipped ?[2J?[31mevil?note: it is a symbolic link")) << notes(submission);
  for (const auto& note : submission.notes) EXPECT_LT(note.size(), 260u) << note;
}

// Thousands of skipped links make a few notes and a count, not thousands of lines.
TEST_F(Submissions, SkipNotesAreCapped) {
  auto items = course_tree();
  for (int i = 0; i < 100; ++i) items.push_back({"links/" + std::to_string(i), "", AE_IFLNK, "x"});
  write_archive(dir_ / "links.tar", Format::tar, items);
  const auto submission = read(dir_ / "links.tar");
  expect_course_tree(submission);
  EXPECT_LE(submission.notes.size(), 22u) << notes(submission);
  EXPECT_TRUE(has_note(submission, "and 80 more unsafe entries skipped")) << notes(submission);
}

// A folder holding two course trees one level down is as ambiguous as such a zip; a
// symlinked top folder is never entered.
TEST_F(Submissions, FolderTopFolders) {
  for (const auto& item : course_tree("one/")) put("f/" + item.path, item.data);
  fs::create_directories(dir_ / "g");
  fs::create_symlink(dir_ / "f/one", dir_ / "g/linked");
  const auto linked = read(dir_ / "g");
  EXPECT_EQ(linked.refused, "");
  for (const auto& lab : linked.labs) EXPECT_TRUE(lab.files.empty());
  EXPECT_TRUE(has_note(linked, "skipped linked: it is a symbolic link")) << notes(linked);

  for (const auto& item : course_tree("two/")) put("f/" + item.path, item.data);
  EXPECT_NE(read(dir_ / "f").refused.find("several course trees"), std::string::npos);
}

// ------------------------------------------------------------------------------ bombs and junk

// 200 KiB of zeros gzip to a few hundred bytes; the limit counts decompressed bytes.
TEST_F(Submissions, BombByBytes) {
  SubmissionLimits limits = test_limits();
  limits.max_total_bytes = 64 * 1024;
  auto items = course_tree();
  items.push_back({"zeros.bin", std::string(200 * 1024, '\0')});
  write_archive(dir_ / "bomb.tar.gz", Format::tar_gz, items);
  ASSERT_LT(fs::file_size(dir_ / "bomb.tar.gz"), 8u * 1024);
  const auto submission = read(dir_ / "bomb.tar.gz", limits);
  EXPECT_EQ(submission.refused,
            "archive bomb: bomb.tar.gz holds more than 64 KiB uncompressed (hand in the sources without build/)");
  for (const auto& lab : submission.labs) {
    EXPECT_TRUE(lab.files.empty());
    EXPECT_EQ(lab.refused, submission.refused);
  }
  // The same in a zip.
  write_archive(dir_ / "bomb.zip", Format::zip, items);
  EXPECT_EQ(read(dir_ / "bomb.zip", limits).refused,
            "archive bomb: bomb.zip holds more than 64 KiB uncompressed (hand in the sources without build/)");
}

TEST_F(Submissions, BombByEntryCount) {
  SubmissionLimits limits = test_limits();
  limits.max_entries = 50;
  auto items = course_tree();
  for (int i = 0; i < 60; ++i) items.push_back({"junk/" + std::to_string(i), ""});
  write_archive(dir_ / "many.zip", Format::zip, items);
  EXPECT_EQ(read(dir_ / "many.zip", limits).refused, "archive bomb: many.zip has more than 50 entries");
  // At the limit it is fine.
  limits.max_entries = 66;
  expect_course_tree(read(dir_ / "many.zip", limits));
}

// A truncated archive is refused as a whole, never half-read or a crash.
TEST_F(Submissions, TruncatedArchive) {
  // Data that does not compress, so that cutting the file cuts into it.
  std::string noise;
  std::uint32_t state = 12345;
  for (int i = 0; i < 100000; ++i) {
    state = state * 1103515245 + 12345;
    noise += static_cast<char>(state >> 24);
  }
  auto items = course_tree();
  items.push_back({"noise.bin", noise});
  for (const auto* file : {"cut.tar.gz", "cut.zip", "cut.tar"}) {
    const Format format = std::string(file) == "cut.zip"   ? Format::zip
                          : std::string(file) == "cut.tar" ? Format::tar
                                                           : Format::tar_gz;
    write_archive(dir_ / file, format, items);
    fs::resize_file(dir_ / file, fs::file_size(dir_ / file) / 2);
    const auto submission = read(dir_ / file);
    EXPECT_FALSE(submission.refused.empty()) << file;
    EXPECT_NE(submission.refused.find(file), std::string::npos) << submission.refused;
    EXPECT_TRUE(lab(submission, 0).files.empty()) << file;
  }
}

// Bytes that are no archive at all, e.g. a text file named .zip, or random junk.
TEST_F(Submissions, NotAnArchive) {
  put("notes.zip", "Dear professor, my code is in the attachment.\n");
  EXPECT_EQ(read(dir_ / "notes.zip").refused, "not a zip or tar archive: notes.zip");
  put("junk.tar.gz", std::string("\x1f\x8b\x08\x00garbage after a gzip magic", 30));
  const auto junk = read(dir_ / "junk.tar.gz");
  EXPECT_FALSE(junk.refused.empty());
  EXPECT_TRUE(lab(junk, 0).files.empty());
}

TEST_F(Submissions, EmptyArchive) {
  write_archive(dir_ / "empty.zip", Format::zip, {});
  EXPECT_EQ(read(dir_ / "empty.zip").refused, "empty archive: empty.zip");
  write_archive(dir_ / "empty.tar.gz", Format::tar_gz, {});
  EXPECT_EQ(read(dir_ / "empty.tar.gz").refused, "empty archive: empty.tar.gz");
  put("zero.zip", "");
  EXPECT_FALSE(read(dir_ / "zero.zip").refused.empty());
}

// An archive with nothing editable is not refused (the labs just get the starter), but noted.
TEST_F(Submissions, NothingEditable) {
  write_archive(dir_ / "n.zip", Format::zip, {{"README.md", "hello"}});
  const auto submission = read(dir_ / "n.zip");
  EXPECT_EQ(submission.refused, "");
  for (const auto& lab : submission.labs) EXPECT_TRUE(lab.files.empty());
  EXPECT_TRUE(has_note(submission, "no editable file")) << notes(submission);
}

// ------------------------------------------------------------------------------ fingerprint, source

// Same content in any container and layout: same fingerprint. One byte changed: different.
TEST_F(Submissions, Fingerprint) {
  write_archive(dir_ / "a.zip", Format::zip, course_tree());
  write_archive(dir_ / "b.tar.gz", Format::tar_gz, course_tree("racelab-main/"));
  for (const auto& item : course_tree()) put("c/" + item.path, item.data);
  auto changed = course_tree();
  changed[2].data = "beta v2";
  write_archive(dir_ / "d.zip", Format::zip, changed);
  auto renamed = course_tree();
  renamed[0].data = "gamma's alpha";  // lab 01 and lab 03 swap nothing else: still different
  write_archive(dir_ / "e.zip", Format::zip, renamed);

  const std::string a = read(dir_ / "a.zip").fingerprint;
  EXPECT_EQ(a, read(dir_ / "a.zip").fingerprint);
  EXPECT_EQ(a, read(dir_ / "b.tar.gz").fingerprint);
  EXPECT_EQ(a, read(dir_ / "c").fingerprint);
  EXPECT_NE(a, read(dir_ / "d.zip").fingerprint);
  EXPECT_NE(a, read(dir_ / "e.zip").fingerprint);
}

// Reading never modifies the source: folder and archive identical afterwards.
TEST_F(Submissions, SourceUnchanged) {
  for (const auto& item : course_tree()) put("src/" + item.path, item.data);
  fs::create_symlink("/etc/passwd", dir_ / "src/labs/02-beta/beta.cpp.link");
  write_archive(dir_ / "src.zip", Format::zip, course_tree());
  const auto folder = snapshot(dir_ / "src");
  const auto zip = snapshot(dir_ / "src.zip");
  read(dir_ / "src");
  read(dir_ / "src.zip");
  EXPECT_EQ(snapshot(dir_ / "src"), folder);
  EXPECT_EQ(snapshot(dir_ / "src.zip"), zip);
}

// A batch reads submissions on several threads: every read gives what it gives alone.
TEST_F(GitSubmissions, ConcurrentReads) {
  make_repo();
  write_archive(dir_ / "z.zip", Format::zip, course_tree());
  write_archive(dir_ / "t.tar.gz", Format::tar_gz, course_tree("top/"));
  for (const auto& item : course_tree()) put("f/" + item.path, item.data);
  const std::vector<fs::path> sources = {dir_ / "repo", dir_ / "z.zip", dir_ / "t.tar.gz", dir_ / "f"};
  std::vector<std::string> alone;
  for (const auto& source : sources) alone.push_back(read(source).fingerprint);
  std::vector<std::vector<std::string>> seen(4);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 3; ++round) {
        for (const auto& source : sources) {
          seen[t].push_back(read(source).fingerprint);
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& fingerprints : seen) {
    ASSERT_EQ(fingerprints.size(), 12u);
    for (std::size_t i = 0; i < fingerprints.size(); ++i) EXPECT_EQ(fingerprints[i], alone[i % 4]) << i;
  }
}

// Whatever the outcome, nothing is left behind in the temporary folder.
TEST_F(GitSubmissions, NoTemporaryFilesLeft) {
  make_repo();
  auto count = [] {
    std::size_t n = 0;
    for (const auto& entry : fs::directory_iterator(fs::temp_directory_path())) {
      n += entry.path().filename().string().rfind("labctl-submission-", 0) == 0 ? 1 : 0;
    }
    return n;
  };
  const std::size_t before = count();
  read(dir_ / "repo");
  read_at("repo", "nope");
  EXPECT_EQ(count(), before);
}

}  // namespace
