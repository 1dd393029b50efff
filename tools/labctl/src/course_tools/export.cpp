#include "course_tools/export.hpp"

#include "base/errors.hpp"
#include "base/temp_dir.hpp"
#include "course/lab_files.hpp"
#include "course_tools/gradescope_scripts.hpp"
#include "base/process.hpp"
#include "course_tools/zip_writer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <system_error>

namespace labctl {

namespace fs = std::filesystem;

namespace {

// Where GitHub looks for a repository's workflows.
const fs::path kWorkflows = ".github/workflows";

std::vector<fs::path> git_files(const fs::path& root) {
  const TempDir temp("racelab-export");
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

// Refuses, in one line, an export that would ship a lab the catalogue names without the files
// it needs (a lab not committed yet: every student's `start` would fail on it).
void require_catalogued_labs(const Catalogue& catalogue, const std::vector<fs::path>& files, std::string_view what) {
  const std::vector<std::string> missing = labs_left_out(catalogue, files);
  if (missing.empty()) return;
  std::string list;
  for (const auto& lab : missing) list += (list.empty() ? "" : "; ") + lab;
  throw Error(fmt::format("{} would ship a broken course: labs/labs.toml names {}, which the course's files "
                          "(git ls-files) do not hold: commit them, or take the lab out of the catalogue",
                          what, list));
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
  require_catalogued_labs(workspace.catalogue, files, "export --student");
  try {
    fs::create_directories(dir);
    for (const auto& file : files) copy_member(workspace.root / file, dir / file);
    // The course's CI, active: its template becomes the students' repository's workflow.
    const fs::path course_ci = workspace.root / kWorkflows / "course-ci.yml.template";
    if (fs::is_regular_file(course_ci)) copy_member(course_ci, dir / kWorkflows / "course-ci.yml");
    // The starters once more, out of the students' way: the side the course CI grades
    // against (tools/course-ci-grade), which the students' own edits to labs/ never reach.
    for (const Lab& lab : workspace.catalogue.labs) {
      for (const auto& file : lab.editable) {
        const fs::path rel = fs::path("labs") / lab.slug / file;
        copy_member(workspace.root / rel, dir / kExportedStarters / rel);
      }
    }
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

  const auto files = gradescope_files(course_files(workspace.root), hidden);
  require_catalogued_labs(workspace.catalogue, files, "export --gradescope");
  std::vector<ZipMember> members;
  members.push_back({"setup.sh", {}, gradescope_setup_script(options), true});
  members.push_back({"run_autograder", {}, gradescope_run_script(options), true});
  for (const auto& file : files) {
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

std::vector<std::string> labs_left_out(const Catalogue& catalogue, const std::vector<fs::path>& files) {
  std::vector<std::string> left_out;
  for (const Lab& lab : catalogue.labs) {
    std::vector<fs::path> needed;
    for (const auto& file : lab.editable) needed.push_back(fs::path("labs") / lab.slug / file);
    needed.push_back(fs::path("tests") / (lab.slug + ".cpp"));
    std::string missing;
    for (const auto& file : needed) {
      if (std::find(files.begin(), files.end(), file) == files.end()) {
        missing += (missing.empty() ? "" : ", ") + file.generic_string();
      }
    }
    if (!missing.empty()) left_out.push_back(fmt::format("lab {} ({})", lab.number, missing));
  }
  return left_out;
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
    if (is_under(file, "solutions") || is_under(file, "tools/labctl/tests/grading") || is_under(file, hidden_tests_in_tree)) {
      continue;
    }
    // The project's own workflows (its self-test on every push, the instructor's class
    // grading) are not the students': their repository gets the course's, made active below.
    if (is_under(file, kWorkflows)) continue;
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
