#include "export.hpp"

#include "errors.hpp"
#include "process.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>

#include <sys/stat.h>

#include <algorithm>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <system_error>

namespace labctl {

namespace fs = std::filesystem;

namespace {

// A private temporary folder, removed with everything in it when this goes away.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "racelab-export-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw Error("cannot create a temporary folder for the export");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::vector<fs::path> git_files(const fs::path& root) {
  const TempDir temp;
  ProcessSpec spec;
  // -z: names exactly as stored, whatever characters they hold.
  spec.argv = {"git", "-C", root.string(), "ls-files", "-z"};
  spec.stdout_log = temp.path() / "files";
  spec.log = temp.path() / "git.log";
  spec.limit = std::chrono::seconds(60);
  const ProcessResult result = run_process(spec);
  if (!result.status.ok()) {
    throw Error(fmt::format("git ls-files failed in {}: {}", root.string(), result.status.describe()));
  }
  const std::string listing = read_file(spec.stdout_log);
  std::vector<fs::path> files;
  for (std::size_t start = 0; start < listing.size();) {
    auto end = listing.find('\0', start);
    if (end == std::string::npos) end = listing.size();
    if (end > start) {
      const fs::path file = listing.substr(start, end - start);
      std::error_code error;
      // Tracked but deleted from the working tree: there is nothing to ship.
      if (fs::symlink_status(root / file, error).type() != fs::file_type::not_found && !error) files.push_back(file);
    }
    start = end + 1;
  }
  return files;
}

std::vector<fs::path> walked_files(const fs::path& root, const fs::path& skip) {
  std::vector<fs::path> files;
  auto it = fs::recursive_directory_iterator(root);
  for (; it != fs::recursive_directory_iterator(); ++it) {
    const fs::path rel = it->path().lexically_relative(root);
    const std::string name = it->path().filename().string();
    const bool directory = it->is_directory() && !it->is_symlink();
    if (directory && (name.starts_with('.') || rel == "build" || (!skip.empty() && rel == skip))) {
      it.disable_recursion_pending();
      continue;
    }
    if (directory) continue;
    if (it->is_regular_file() || it->is_symlink()) files.push_back(rel);
  }
  return files;
}

// Copies one course file into the export: symlinks stay symlinks, modes are kept (tools/lab
// must stay executable).
void copy_member(const fs::path& from, const fs::path& to) {
  fs::create_directories(to.parent_path());
  if (fs::is_symlink(from)) {
    fs::copy_symlink(from, to);
  } else {
    fs::copy_file(from, to, fs::copy_options::none);  // never overwrites: throws if `to` exists
  }
}

bool folder_is_empty_or_absent(const fs::path& dir) {
  std::error_code error;
  const auto status = fs::symlink_status(dir, error);
  if (status.type() == fs::file_type::not_found) return true;
  return status.type() == fs::file_type::directory && fs::is_empty(dir, error) && !error;
}

void check_hidden_tests(const fs::path& hidden_tests) {
  if (!hidden_tests.empty() && !fs::is_directory(hidden_tests)) {
    throw Error(fmt::format("--hidden-tests {}: no such folder", hidden_tests.string()));
  }
}

void export_student(const Workspace& workspace, const ExportOptions& options) {
  const fs::path& dir = options.student_dir;
  if (!folder_is_empty_or_absent(dir)) {
    throw Error(fmt::format("{} already exists and is not an empty folder: export --student writes only into a new "
                            "or empty folder",
                            dir.string()));
  }
  check_hidden_tests(options.hidden_tests);
  const bool existed = fs::exists(dir);
  const fs::path hidden = inside_tree(workspace.root, options.hidden_tests);
  const auto files = student_files(course_files(workspace.root, inside_tree(workspace.root, dir)), hidden);
  try {
    fs::create_directories(dir);
    for (const auto& file : files) copy_member(workspace.root / file, dir / file);
  } catch (const std::exception& error) {
    // Nothing half-exported: the folder goes back to how it was (absent, or empty).
    std::error_code ignored;
    if (existed) {
      for (const auto& entry : fs::directory_iterator(dir, ignored)) fs::remove_all(entry.path(), ignored);
    } else {
      fs::remove_all(dir, ignored);
    }
    throw Error(fmt::format("exporting into {} failed: {}", dir.string(), error.what()));
  }
  std::printf("racelab: exported %zu files for students into %s (no solutions/, no hidden tests)\n", files.size(),
              dir.string().c_str());
}

void export_gradescope(const Workspace& workspace, ExportOptions options) {
  const fs::path& zip = options.gradescope_zip;
  std::error_code error;
  if (fs::symlink_status(zip, error).type() != fs::file_type::not_found) {
    throw Error(fmt::format("{} already exists: export --gradescope never overwrites a file", zip.string()));
  }
  if (zip.extension() != ".zip") throw Error(fmt::format("--gradescope {}: the package must be a .zip", zip.string()));
  check_hidden_tests(options.hidden_tests);
  // "no lab 99" now, not on Gradescope; "1" baked in as "01".
  std::vector<std::string> numbers;
  for (const Lab* lab : workspace.select(options.labs)) numbers.push_back(lab->number);
  if (!options.labs.empty()) options.labs = numbers;
  const fs::path hidden = inside_tree(workspace.root, options.hidden_tests);

  std::vector<ZipMember> members;
  members.push_back({"setup.sh", {}, gradescope_setup_script(options), true});
  members.push_back({"run_autograder", {}, gradescope_run_script(options), true});
  for (const auto& file : gradescope_files(course_files(workspace.root), hidden)) {
    members.push_back({"source/" + file.generic_string(), workspace.root / file, {}, false});
  }
  std::size_t hidden_count = 0;
  if (!options.hidden_tests.empty()) {
    for (const auto& entry : fs::recursive_directory_iterator(options.hidden_tests)) {
      if (!entry.is_regular_file()) continue;
      const fs::path rel = entry.path().lexically_relative(options.hidden_tests);
      members.push_back({"source/hidden-tests/" + rel.generic_string(), entry.path(), {}, false});
      ++hidden_count;
    }
  }
  write_zip(zip, members);
  std::printf("racelab: wrote %s: setup.sh, run_autograder, %zu course files%s\n", zip.string().c_str(),
              members.size() - 2 - hidden_count,
              hidden_count == 0 ? "" : fmt::format(" and {} hidden test files", hidden_count).c_str());
}

// Shell words baked into the scripts. Only values labctl checked (lab numbers, a count).
std::string grade_arguments(const ExportOptions& options, const std::string& course) {
  std::string args;
  if (!options.labs.empty()) {
    std::string labs;
    for (const auto& lab : options.labs) labs += (labs.empty() ? "" : ",") + lab;
    args += " --labs '" + labs + "'";
  }
  args += fmt::format(" --runs {}", options.runs);
  if (!options.hidden_tests.empty()) args += " --hidden-tests \"" + course + "/hidden-tests\"";
  return args;
}

// What both scripts start with: where Gradescope (or a test) put everything.
constexpr const char* kLayout = R"(# Gradescope's layout, overridable so that the package can be tried on any machine:
#   RACELAB_AUTOGRADER_ROOT   Gradescope's folder (default /autograder): source/ (this zip,
#                             unpacked), submission/ (the student's upload), results/
#   RACELAB_AUTOGRADER_BUILD  where the builds go (default: the course tree's build/)
AUTOGRADER=${RACELAB_AUTOGRADER_ROOT:-/autograder}
COURSE=$AUTOGRADER/source/source
BUILD=${RACELAB_AUTOGRADER_BUILD:-$COURSE/build}
LABCTL=$BUILD/tsan/tools/labctl/labctl
)";

}  // namespace

std::vector<std::string> split_labs(const std::string& list) {
  std::vector<std::string> labs;
  for (std::size_t start = 0; start <= list.size();) {
    const auto comma = list.find(',', start);
    const auto end = comma == std::string::npos ? list.size() : comma;
    if (end > start) labs.push_back(list.substr(start, end - start));
    start = end + 1;
  }
  return labs;
}

bool is_under(const fs::path& path, const fs::path& folder) {
  if (folder.empty()) return false;
  auto p = path.begin();
  for (auto f = folder.begin(); f != folder.end(); ++f, ++p) {
    if (f->empty()) continue;  // a trailing slash
    if (p == path.end() || *p != *f) return false;
  }
  return true;
}

fs::path inside_tree(const fs::path& root, const fs::path& folder) {
  if (folder.empty()) return {};
  std::error_code error;
  const fs::path r = fs::weakly_canonical(fs::absolute(root), error);
  const fs::path f = fs::weakly_canonical(fs::absolute(folder), error);
  const fs::path rel = f.lexically_relative(r);
  if (rel.empty() || rel == "." || *rel.begin() == "..") return {};
  return rel;
}

std::vector<fs::path> course_files(const fs::path& root, const fs::path& skip) {
  std::vector<fs::path> files = fs::exists(root / ".git") ? git_files(root) : walked_files(root, skip);
  if (!skip.empty()) {
    files.erase(std::remove_if(files.begin(), files.end(), [&](const fs::path& f) { return is_under(f, skip); }),
                files.end());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<fs::path> student_files(const std::vector<fs::path>& files, const fs::path& hidden_tests_in_tree) {
  std::vector<fs::path> kept;
  for (const auto& file : files) {
    if (is_under(file, "solutions") || is_under(file, "tests/grading") || is_under(file, hidden_tests_in_tree)) {
      continue;
    }
    kept.push_back(file);
  }
  return kept;
}

std::vector<fs::path> gradescope_files(const std::vector<fs::path>& files, const fs::path& hidden_tests_in_tree) {
  std::vector<fs::path> kept;
  for (const auto& file : files) {
    // The hidden tests ship once, under source/hidden-tests/, not also where they were.
    if (is_under(file, "solutions") || is_under(file, hidden_tests_in_tree)) continue;
    kept.push_back(file);
  }
  return kept;
}

std::string gradescope_setup_script(const ExportOptions& options) {
  return fmt::format(R"SH(#!/usr/bin/env bash
# setup.sh: made by `labctl export --gradescope` (racelab). Gradescope runs it once, as root,
# when it builds the autograder's image. It installs what racelab needs (tools/lab's own
# list) and builds the grader: labctl, then the grader's build (GoogleTest, labkit, every
# lab's test objects, hidden tests compiled in), so that run_autograder compiles only the
# submission. RACELAB_SKIP_PACKAGES=1 skips the package step (a machine that has them).
set -euo pipefail
{layout}
if [ "${{RACELAB_SKIP_PACKAGES:-}}" != 1 ]; then
  "$COURSE/tools/lab" packages
fi
mkdir -p "$BUILD"
cd "$COURSE"
echo "racelab: configuring labctl's build in $BUILD/tsan"
cmake --preset tsan -B "$BUILD/tsan" >"$BUILD/setup-configure.log" 2>&1 ||
  {{ tail -n 20 "$BUILD/setup-configure.log" >&2; exit 2; }}
cmake --build "$BUILD/tsan" --target labctl
# Grading an empty submission builds what every submission shares, once, and proves the
# course grades at all before any student uploads.
empty=$(mktemp -d)
out=$(mktemp -d)
trap 'rm -rf "$empty" "$out"' EXIT
echo "racelab: building the grader's build in $BUILD/grade (minutes, once)"
"$LABCTL" --root "$COURSE" grade "$empty"{args} --format json --out "$out" --grading-build "$BUILD/grade" >/dev/null
echo "racelab: the autograder is ready"
)SH",
                     fmt::arg("layout", kLayout), fmt::arg("args", grade_arguments(options, "$COURSE")));
}

std::string gradescope_run_script(const ExportOptions& options) {
  return fmt::format(R"SH(#!/usr/bin/env bash
# run_autograder: made by `labctl export --gradescope` (racelab). Gradescope runs it for each
# submission: it grades $AUTOGRADER/submission with `labctl grade --format gradescope` and
# leaves $AUTOGRADER/results/results.json. Whatever happens, results.json is left valid: if
# the grader fails, it says so with score 0 and the error in `output`.
set -uo pipefail
{layout}
RESULTS=$AUTOGRADER/results
mkdir -p "$RESULTS"
rm -f "$RESULTS/results.json"
log=$(mktemp)
trap 'rm -f "$log"' EXIT

status=0
if [ -x "$LABCTL" ]; then
  "$LABCTL" --root "$COURSE" grade "$AUTOGRADER/submission"{args} --format gradescope \
    --out "$RESULTS" --grading-build "$BUILD/grade" 2>"$log" || status=$?
  cat "$log" >&2  # Gradescope shows the instructor this script's output
else
  echo "racelab: labctl is not built ($LABCTL): did setup.sh run?" >"$log"
  status=2
fi

# A string for JSON: backslashes, quotes and control characters escaped.
json_string() {{
  local s
  s=$(printf '%s' "$1" | tr -d '\000-\010\013\014\016-\037')
  s=${{s//\\/\\\\}}
  s=${{s//\"/\\\"}}
  s=${{s//$'\t'/\\t}}
  s=${{s//$'\r'/}}
  s=${{s//$'\n'/\\n}}
  printf '"%s"' "$s"
}}

valid=0
if [ -s "$RESULTS/results.json" ]; then
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert "score" in d or "tests" in d' \
      "$RESULTS/results.json" 2>/dev/null && valid=1
  else
    valid=1
  fi
fi
if [ "$valid" != 1 ]; then
  message="The autograder could not grade this submission (labctl exit status $status). Please tell your instructor.
$(tail -n 20 "$log")"
  printf '{{"score": 0, "output": %s, "tests": []}}\n' "$(json_string "$message")" >"$RESULTS/results.json"
fi
exit 0
)SH",
                     fmt::arg("layout", kLayout), fmt::arg("args", grade_arguments(options, "$COURSE")));
}

void write_zip(const fs::path& zip, const std::vector<ZipMember>& members) {
  const fs::path partial = zip.string() + ".partial";
  std::error_code error;
  if (fs::symlink_status(partial, error).type() != fs::file_type::not_found) {
    throw Error(fmt::format("{} already exists (an interrupted export?): remove it and export again", partial.string()));
  }
  std::unique_ptr<archive, decltype(&archive_write_free)> out(archive_write_new(), archive_write_free);
  const auto fail = [&](const std::string& what) {
    const std::string detail = archive_error_string(out.get()) ? archive_error_string(out.get()) : "unknown error";
    out.reset();
    std::error_code ignored;
    fs::remove(partial, ignored);
    throw Error(fmt::format("writing {} failed: {}: {}", zip.string(), what, detail));
  };
  if (archive_write_set_format_zip(out.get()) != ARCHIVE_OK) fail("zip format");
  if (archive_write_open_filename(out.get(), partial.c_str()) != ARCHIVE_OK) fail("cannot create it");
  for (const auto& member : members) {
    std::string data = member.text;
    bool executable = member.executable;
    bool symlink = false;
    std::string target;
    std::time_t mtime = std::time(nullptr);
    if (!member.file.empty()) {
      if (fs::is_symlink(member.file)) {
        symlink = true;
        target = fs::read_symlink(member.file).string();
      } else {
        data = read_file(member.file);
        executable = (fs::status(member.file).permissions() & fs::perms::owner_exec) != fs::perms::none;
      }
      // The course files keep their times, so a build reused across unpackings (the
      // package's own test) does not recompile what did not change.
      struct stat info {};
      if (lstat(member.file.c_str(), &info) == 0) mtime = info.st_mtime;
    }
    std::unique_ptr<archive_entry, decltype(&archive_entry_free)> entry(archive_entry_new(), archive_entry_free);
    archive_entry_set_pathname(entry.get(), member.name.c_str());
    archive_entry_set_mtime(entry.get(), mtime, 0);
    if (symlink) {
      archive_entry_set_filetype(entry.get(), AE_IFLNK);
      archive_entry_set_symlink(entry.get(), target.c_str());
      archive_entry_set_perm(entry.get(), 0777);
      archive_entry_set_size(entry.get(), 0);
    } else {
      archive_entry_set_filetype(entry.get(), AE_IFREG);
      archive_entry_set_perm(entry.get(), executable ? 0755 : 0644);
      archive_entry_set_size(entry.get(), static_cast<la_int64_t>(data.size()));
    }
    if (archive_write_header(out.get(), entry.get()) != ARCHIVE_OK) fail(member.name);
    if (!data.empty() && archive_write_data(out.get(), data.data(), data.size()) != static_cast<la_ssize_t>(data.size())) {
      fail(member.name);
    }
  }
  if (archive_write_close(out.get()) != ARCHIVE_OK) fail("closing it");
  out.reset();
  fs::rename(partial, zip, error);
  if (error) {
    fs::remove(partial, error);
    throw Error(fmt::format("writing {} failed: {}", zip.string(), error.message()));
  }
}

int run_export(const Workspace& workspace, const ExportOptions& options) {
  const bool student = !options.student_dir.empty();
  const bool gradescope = !options.gradescope_zip.empty();
  if (student == gradescope) throw Error("export needs exactly one of --student DIR and --gradescope FILE.zip");
  if (options.runs < 1 || options.runs > 100) throw Error("--runs must be between 1 and 100");
  if (student) {
    if (!options.labs.empty()) throw Error("--labs is for --gradescope: a student export holds every lab");
    export_student(workspace, options);
  } else {
    export_gradescope(workspace, options);
  }
  return kExitOk;
}

}  // namespace labctl
