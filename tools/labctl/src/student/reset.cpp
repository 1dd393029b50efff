#include "student/reset.hpp"

#include "base/errors.hpp"
#include "base/process.hpp"
#include "base/temp_dir.hpp"
#include "course/lab_files.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <fstream>
#include <vector>

namespace labctl {
namespace {

namespace fs = std::filesystem;

// One editable file: where it is, and its committed content.
struct Restore {
  std::string file;       // "lost_update.cpp"
  std::string shown;      // "labs/01-lost-update/lost_update.cpp"
  std::string committed;  // what git has for it at HEAD
};

bool git_ok(const fs::path& root, std::vector<std::string> arguments, const fs::path& out, const fs::path& log) {
  ProcessSpec spec;
  spec.argv = {"git", "-C", root.string()};
  spec.argv.insert(spec.argv.end(), arguments.begin(), arguments.end());
  spec.stdout_log = out;
  spec.log = log;
  spec.limit = std::chrono::seconds(60);
  return run_process(spec).status.code == 0;
}

// The starter of each file, all read before anything is written: either every file can be
// restored, or nothing changes. From .racelab/starters/ when the course is a students' export
// (the starters as exported: a student's own commits never reach them), else as committed.
std::vector<Restore> committed_files(const Workspace& workspace, const Lab& lab, const std::vector<std::string>& files) {
  const fs::path exported = workspace.root / kExportedStarters;
  if (fs::is_directory(exported)) {
    std::vector<Restore> restores;
    for (const auto& file : files) {
      Restore restore{file, lab_file_path(lab, file), ""};
      const fs::path starter = exported / restore.shown;
      if (!fs::is_regular_file(starter)) {
        throw Error(fmt::format("{} has no starter in .racelab/starters (the export keeps one for every file you "
                                "edit): nothing changed",
                                restore.shown));
      }
      restore.committed = read_file(starter);
      restores.push_back(std::move(restore));
    }
    return restores;
  }
  TempDir temp("racelab-reset");
  if (!git_ok(workspace.root, {"rev-parse", "--is-inside-work-tree"}, temp.path() / "out", temp.path() / "log")) {
    throw Error(fmt::format("{} is not a git checkout: there is no committed starter to restore (nothing changed)",
                            workspace.root.string()));
  }
  std::vector<Restore> restores;
  for (const auto& file : files) {
    Restore restore{file, lab_file_path(lab, file), ""};
    // "HEAD:./PATH" is relative to -C's folder, so a course inside a bigger repository works too.
    if (!git_ok(workspace.root, {"show", "HEAD:./" + restore.shown}, temp.path() / "out", temp.path() / "log")) {
      throw Error(fmt::format("{} has no committed version (git show HEAD:{} failed): nothing changed",
                              restore.shown, restore.shown));
    }
    restore.committed = read_file(temp.path() / "out");
    restores.push_back(std::move(restore));
  }
  return restores;
}

// ROOT/.racelab/backups/20261203-081500 (UTC), made fresh: two resets in one second get
// their own folders, so no backup ever overwrites another.
fs::path new_backup_folder(const fs::path& root) {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &utc);
  const fs::path base = root / ".racelab" / "backups";
  fs::create_directories(base);
  for (int n = 1;; ++n) {
    const fs::path folder = base / (n == 1 ? std::string(stamp) : fmt::format("{}-{}", stamp, n));
    if (fs::create_directory(folder)) return folder;
  }
}

void write_whole(const fs::path& file, const std::string& content) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out.flush()) throw Error(fmt::format("cannot write {}", file.string()));
}

}  // namespace

int run_reset(const Workspace& workspace, const std::string& name, const std::string& file) {
  const Lab& lab = *workspace.select({name}).front();
  std::vector<std::string> files = lab.editable;
  if (!file.empty()) {
    // The file as listed, or with its path from the top of the tree (what the error message shows).
    const std::string bare = fs::path(file).filename().string();
    if (std::find(files.begin(), files.end(), bare) == files.end() ||
        (bare != file && file != lab_file_path(lab, bare))) {
      std::string listed;
      for (const auto& editable : files) listed += (listed.empty() ? "" : ", ") + editable;
      throw Error(fmt::format("{} is not a file you edit in lab {}; reset restores {}", file, lab.number, listed));
    }
    files = {bare};
  }

  const std::vector<Restore> restores = committed_files(workspace, lab, files);
  fs::path backups;  // made at the first file worth keeping
  for (const auto& restore : restores) {
    const fs::path path = workspace.root / restore.shown;
    if (fs::is_regular_file(path) && read_file(path) == restore.committed) {
      fmt::print("{}: already the starter, nothing to do\n", restore.shown);
      continue;
    }
    std::string kept = "there was no copy to keep";
    if (fs::exists(path)) {
      if (backups.empty()) backups = new_backup_folder(workspace.root);
      const fs::path backup = backups / restore.shown;
      fs::create_directories(backup.parent_path());
      fs::copy_file(path, backup);
      kept = "your copy is kept in " + fs::relative(backup, workspace.root).string();
    }
    fs::create_directories(path.parent_path());
    write_whole(path, restore.committed);
    fmt::print("{}: the starter is back ({})\n", restore.shown, kept);
  }
  return kExitOk;
}

}  // namespace labctl
