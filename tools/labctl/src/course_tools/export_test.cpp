// `labctl export`: which files each package holds, that nothing is ever overwritten, the
// zip's layout, and run_autograder's promise of a valid results.json when grading fails.
// (The packages used for real: building a student export, and a Gradescope package graded
// in a local /autograder layout, are tools/labctl/tests/export_student_test.sh and
// tools/labctl/tests/export_gradescope_test.sh.)
#include "base/errors.hpp"
#include "course_tools/export.hpp"
#include "course_tools/gradescope_scripts.hpp"
#include "base/process.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace labctl {
namespace {

namespace fs = std::filesystem;

// A copy of the fixture course (two labs) with everything an export must sort out:
// solutions, graders' fixtures, hidden tests, a build folder and a dot-folder.
class ExportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "labctl-export-test-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    root_ = dir_ / "course";
    fs::copy(fs::path(LABCTL_FIXTURES) / "tree", root_, fs::copy_options::recursive);
    write(root_ / "README.md", "# the course\n");
    write(root_ / "solutions/01-alpha/alpha.cpp", "// the answer\n");
    write(root_ / "tests/01-alpha.cpp", "// tests\n");
    write(root_ / "tests/02-beta.cpp", "// tests\n");
    write(root_ / "tools/labctl/tests/grading/lab01/honest/alpha.cpp", "// a grader's fixture\n");
    write(root_ / "instructor/hidden/01-alpha.cpp", "// hidden test\n");
    write(root_ / "build/tsan/CMakeCache.txt", "junk\n");
    write(root_ / ".cache/clangd", "junk\n");
    write(root_ / "tools/lab", "#!/bin/sh\n");
    fs::permissions(root_ / "tools/lab", fs::perms::owner_all);
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  static void write(const fs::path& file, const std::string& text) {
    fs::create_directories(file.parent_path());
    std::ofstream(file) << text;
  }
  // Runs `script` (git commands) in the course folder; a test failure when it fails.
  void git(const std::string& script) {
    ProcessSpec spec;
    spec.argv = {"sh", "-c", script};
    spec.cwd = root_;
    spec.log = dir_ / "git.log";
    spec.limit = std::chrono::seconds(30);
    ASSERT_TRUE(run_process(spec).status.ok()) << read_file(spec.log);
  }
  static constexpr const char* kCommit = "git -c user.name=t -c user.email=t@t commit -qm x";
  Workspace workspace() const {
    Options options;
    options.root = root_;
    return Workspace::open(options);
  }
  // Every member of a zip: name -> (contents, mode).
  static std::map<std::string, std::pair<std::string, int>> read_zip(const fs::path& zip) {
    std::map<std::string, std::pair<std::string, int>> members;
    std::unique_ptr<archive, decltype(&archive_read_free)> in(archive_read_new(), archive_read_free);
    archive_read_support_format_zip(in.get());
    EXPECT_EQ(archive_read_open_filename(in.get(), zip.c_str(), 1 << 16), ARCHIVE_OK);
    archive_entry* entry = nullptr;
    while (archive_read_next_header(in.get(), &entry) == ARCHIVE_OK) {
      std::string data(static_cast<std::size_t>(archive_entry_size(entry)), '\0');
      if (!data.empty()) archive_read_data(in.get(), data.data(), data.size());
      members[archive_entry_pathname(entry)] = {data, static_cast<int>(archive_entry_perm(entry))};
    }
    return members;
  }
  fs::path dir_;
  fs::path root_;
};

// A folder matches whole path components only, and an empty folder matches nothing.
TEST(ExportPaths, IsUnderMatchesWholeComponents) {
  EXPECT_TRUE(is_under("solutions/01-alpha/alpha.cpp", "solutions"));
  EXPECT_TRUE(is_under("tools/labctl/tests/grading/x.cpp", "tools/labctl/tests/grading"));
  EXPECT_TRUE(is_under("solutions", "solutions"));
  EXPECT_FALSE(is_under("solutions2/x.cpp", "solutions"));
  EXPECT_FALSE(is_under("tools/labctl/tests/grading.md", "tools/labctl/tests/grading"));
  EXPECT_FALSE(is_under("labs/x.cpp", ""));
}

// --labs is split on commas, empty parts dropped.
TEST(ExportPaths, SplitLabs) {
  EXPECT_EQ(split_labs("01,03"), (std::vector<std::string>{"01", "03"}));
  EXPECT_EQ(split_labs(",1,,"), (std::vector<std::string>{"1"}));
  EXPECT_TRUE(split_labs("").empty());
}

// Outside a git checkout the tree is walked, without build/ and dot-folders.
TEST_F(ExportTest, WalkedTreeSkipsBuildAndDotFolders) {
  const auto files = course_files(root_);
  EXPECT_NE(std::find(files.begin(), files.end(), "labs/labs.toml"), files.end());
  EXPECT_NE(std::find(files.begin(), files.end(), "solutions/01-alpha/alpha.cpp"), files.end());
  for (const auto& file : files) {
    EXPECT_FALSE(is_under(file, "build")) << file;
    EXPECT_FALSE(is_under(file, ".cache")) << file;
  }
}

// In a git checkout only tracked files ship: an untracked scratch file does not.
TEST_F(ExportTest, GitCheckoutShipsTrackedFilesOnly) {
  git(std::string("git init -q . && git add labs README.md tools && ") + kCommit);
  write(root_ / "labs/scratch.txt", "not tracked\n");
  const auto files = course_files(root_);
  EXPECT_NE(std::find(files.begin(), files.end(), "README.md"), files.end());
  EXPECT_EQ(std::find(files.begin(), files.end(), "labs/scratch.txt"), files.end());
  EXPECT_EQ(std::find(files.begin(), files.end(), "solutions/01-alpha/alpha.cpp"), files.end());  // untracked here
}

// The student export: no solutions/, no graders' fixtures, no hidden tests; the catalogue,
// README, tests and an executable tools/lab kept.
TEST_F(ExportTest, StudentExportLeavesOutWhatStudentsMustNotSee) {
  ExportOptions options;
  options.student_dir = dir_ / "student";
  options.hidden_tests = root_ / "instructor/hidden";
  EXPECT_EQ(run_export(workspace(), options), kExitOk);
  const fs::path out = options.student_dir;
  EXPECT_FALSE(fs::exists(out / "solutions"));
  EXPECT_FALSE(fs::exists(out / "tools/labctl/tests/grading"));
  EXPECT_FALSE(fs::exists(out / "instructor/hidden"));
  EXPECT_FALSE(fs::exists(out / "build"));
  EXPECT_TRUE(fs::is_regular_file(out / "labs/labs.toml"));
  EXPECT_TRUE(fs::is_regular_file(out / "README.md"));
  EXPECT_TRUE(fs::is_regular_file(out / "tests/01-alpha.cpp"));
  EXPECT_NE(fs::status(out / "tools/lab").permissions() & fs::perms::owner_exec, fs::perms::none);
  EXPECT_EQ(read_file(out / "labs/labs.toml"), read_file(root_ / "labs/labs.toml"));
}

// A lab the catalogue names but git does not hold (its folder and tests not committed yet)
// would break every student's `start`: both exports refuse, in one line naming the lab and its
// files, and write nothing.
TEST_F(ExportTest, ALabNotCommittedIsRefusedByBothExports) {
  git(std::string("git init -q . && git add labs/labs.toml labs/01-alpha tests/01-alpha.cpp README.md tools && ") + kCommit);
  ExportOptions student;
  student.student_dir = dir_ / "student";
  try {
    run_export(workspace(), student);
    ADD_FAILURE() << "a course without lab 02's files was exported";
  } catch (const Error& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("lab 02 (labs/02-beta/beta.cpp, tests/02-beta.cpp)"), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
  EXPECT_FALSE(fs::exists(student.student_dir));
  ExportOptions gradescope;
  gradescope.gradescope_zip = dir_ / "autograder.zip";
  EXPECT_THROW(run_export(workspace(), gradescope), Error);
  EXPECT_FALSE(fs::exists(gradescope.gradescope_zip));
  // Committed, it ships.
  git(std::string("git add labs tests && ") + kCommit);
  EXPECT_EQ(run_export(workspace(), student), kExitOk);
}

// The students' repository runs the course's CI on every push, not racelab's own self-test:
// the project's workflows stay out, the course's template ships active.
TEST_F(ExportTest, StudentsGetTheCourseWorkflowActiveAndNotTheProjects) {
  write(root_ / ".github/workflows/ci.yml", "name: racelab's own tests\n");
  write(root_ / ".github/workflows/course-ci.yml.template", "name: racelab\n");
  write(root_ / ".github/workflows/grade-class.yml.template", "name: grade-class\n");
  git(std::string("git init -q . && git add labs tests README.md tools .github && ") + kCommit);
  ExportOptions options;
  options.student_dir = dir_ / "student";
  EXPECT_EQ(run_export(workspace(), options), kExitOk);
  const fs::path workflows = options.student_dir / ".github/workflows";
  EXPECT_EQ(read_file(workflows / "course-ci.yml"), "name: racelab\n");
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(workflows)) names.push_back(entry.path().filename().string());
  EXPECT_EQ(names, std::vector<std::string>{"course-ci.yml"});
}

// The course CI grades the students' labs against the starters as exported, which the
// export keeps a second time under .racelab/starters/ (tools/course-ci-grade): every
// editable file of every lab, byte for byte, and nothing else.
TEST_F(ExportTest, StudentExportKeepsTheStartersForTheCourseCi) {
  ExportOptions options;
  options.student_dir = dir_ / "student";
  EXPECT_EQ(run_export(workspace(), options), kExitOk);
  const fs::path starters = options.student_dir / ".racelab/starters";
  std::vector<std::string> kept;
  for (const auto& entry : fs::recursive_directory_iterator(starters)) {
    if (!entry.is_regular_file()) continue;
    const fs::path rel = entry.path().lexically_relative(starters);
    kept.push_back(rel.generic_string());
    EXPECT_EQ(read_file(entry.path()), read_file(root_ / rel)) << rel;
  }
  std::sort(kept.begin(), kept.end());
  std::vector<std::string> editable;
  for (const Lab& lab : workspace().catalogue.labs)
    for (const auto& file : lab.editable) editable.push_back((fs::path("labs") / lab.slug / file).generic_string());
  std::sort(editable.begin(), editable.end());
  EXPECT_FALSE(editable.empty());
  EXPECT_EQ(kept, editable);
}

// An export into the course tree itself does not copy itself.
TEST_F(ExportTest, StudentExportInsideTheTreeSkipsItself) {
  ExportOptions options;
  options.student_dir = root_ / "out";
  run_export(workspace(), options);
  EXPECT_TRUE(fs::is_regular_file(root_ / "out/labs/labs.toml"));
  EXPECT_FALSE(fs::exists(root_ / "out/out"));
}

// Never overwrite: a folder with anything in it is refused and left as it was.
TEST_F(ExportTest, StudentExportRefusesANonEmptyFolder) {
  ExportOptions options;
  options.student_dir = dir_ / "taken";
  write(options.student_dir / "mine.txt", "keep me\n");
  EXPECT_THROW(run_export(workspace(), options), Error);
  EXPECT_EQ(read_file(options.student_dir / "mine.txt"), "keep me\n");
  EXPECT_FALSE(fs::exists(options.student_dir / "labs"));
  // An empty folder is fine.
  fs::create_directories(dir_ / "empty");
  options.student_dir = dir_ / "empty";
  EXPECT_EQ(run_export(workspace(), options), kExitOk);
}

// Exactly one of --student and --gradescope; --labs only with --gradescope.
TEST_F(ExportTest, OptionsAreChecked) {
  ExportOptions none;
  EXPECT_THROW(run_export(workspace(), none), Error);
  ExportOptions both;
  both.student_dir = dir_ / "a";
  both.gradescope_zip = dir_ / "a.zip";
  EXPECT_THROW(run_export(workspace(), both), Error);
  ExportOptions labs;
  labs.student_dir = dir_ / "b";
  labs.labs = {"01"};
  EXPECT_THROW(run_export(workspace(), labs), Error);
  ExportOptions unknown;
  unknown.gradescope_zip = dir_ / "c.zip";
  unknown.labs = {"99"};
  EXPECT_THROW(run_export(workspace(), unknown), Error);
  EXPECT_FALSE(fs::exists(dir_ / "c.zip"));
}

// The Gradescope zip: executable setup.sh and run_autograder at the top, the course with its
// tests (graders' fixtures too) under source/, no solutions, and the hidden tests once, under
// source/hidden-tests/.
TEST_F(ExportTest, GradescopeZipLayout) {
  ExportOptions options;
  options.gradescope_zip = dir_ / "autograder.zip";
  options.hidden_tests = root_ / "instructor/hidden";
  options.labs = {"1"};
  options.runs = 3;
  EXPECT_EQ(run_export(workspace(), options), kExitOk);
  const auto members = read_zip(options.gradescope_zip);
  ASSERT_TRUE(members.contains("setup.sh"));
  ASSERT_TRUE(members.contains("run_autograder"));
  EXPECT_EQ(members.at("setup.sh").second, 0755);
  EXPECT_EQ(members.at("run_autograder").second, 0755);
  EXPECT_EQ(members.at("source/tools/lab").second, 0755);
  EXPECT_EQ(members.at("source/labs/labs.toml").first, read_file(root_ / "labs/labs.toml"));
  EXPECT_TRUE(members.contains("source/tests/01-alpha.cpp"));
  EXPECT_TRUE(members.contains("source/tools/labctl/tests/grading/lab01/honest/alpha.cpp"));
  EXPECT_TRUE(members.contains("source/hidden-tests/01-alpha.cpp"));
  EXPECT_FALSE(members.contains("source/instructor/hidden/01-alpha.cpp"));
  for (const auto& [name, member] : members) {
    EXPECT_FALSE(name.starts_with("source/solutions")) << name;
    EXPECT_FALSE(name.starts_with("source/build")) << name;
  }
  // The settings are baked in: the lab as its number, the runs, the hidden tests.
  const std::string run = members.at("run_autograder").first;
  EXPECT_NE(run.find("--labs '01' --runs 3 --hidden-tests \"$COURSE/hidden-tests\""), std::string::npos) << run;
  EXPECT_NE(run.find("--format gradescope"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir_ / "autograder.zip.partial"));
}

// Never overwrite a package; a name that is not .zip is refused before anything is written.
TEST_F(ExportTest, GradescopeRefusesAnExistingFileOrAnotherExtension) {
  ExportOptions options;
  options.gradescope_zip = dir_ / "old.zip";
  write(options.gradescope_zip, "an older package\n");
  EXPECT_THROW(run_export(workspace(), options), Error);
  EXPECT_EQ(read_file(options.gradescope_zip), "an older package\n");
  options.gradescope_zip = dir_ / "package.tar";
  EXPECT_THROW(run_export(workspace(), options), Error);
  EXPECT_FALSE(fs::exists(options.gradescope_zip));
}

// When there is no grader at all (setup.sh never ran), run_autograder still leaves a valid
// results.json: score 0, the reason in `output`, and it exits 0 so Gradescope shows it.
TEST_F(ExportTest, RunAutograderWritesValidResultsWhenTheGraderIsMissing) {
  ExportOptions options;
  const fs::path script = dir_ / "run_autograder";
  write(script, gradescope_run_script(options));
  fs::create_directories(dir_ / "ag/submission");
  write(dir_ / "ag/results/results.json", "stale");
  ProcessSpec spec;
  spec.argv = {"env", "RACELAB_AUTOGRADER_ROOT=" + (dir_ / "ag").string(), "bash", script.string()};
  spec.log = dir_ / "run.log";
  spec.limit = std::chrono::seconds(30);
  EXPECT_TRUE(run_process(spec).status.ok()) << read_file(spec.log);
  const auto results = nlohmann::json::parse(read_file(dir_ / "ag/results/results.json"), nullptr, false);
  ASSERT_FALSE(results.is_discarded()) << read_file(dir_ / "ag/results/results.json");
  EXPECT_EQ(results.at("score"), 0);
  EXPECT_NE(results.at("output").get<std::string>().find("labctl is not built"), std::string::npos);
}

// The fallback's error text is escaped: quotes, backslashes and newlines in the grader's
// message still make valid JSON (a fake labctl prints them and writes nothing).
TEST_F(ExportTest, RunAutograderEscapesTheErrorText) {
  ExportOptions options;
  const fs::path script = dir_ / "run_autograder";
  write(script, gradescope_run_script(options));
  const fs::path labctl = dir_ / "build/tsan/tools/labctl/labctl";
  write(labctl, "#!/bin/sh\nprintf 'racelab: \"quoted\" \\\\ back\\tslash\\nline two\\n' >&2\nexit 2\n");
  fs::permissions(labctl, fs::perms::owner_all);
  fs::create_directories(dir_ / "ag/submission");
  ProcessSpec spec;
  spec.argv = {"env", "RACELAB_AUTOGRADER_ROOT=" + (dir_ / "ag").string(),
               "RACELAB_AUTOGRADER_BUILD=" + (dir_ / "build").string(), "bash", script.string()};
  spec.log = dir_ / "run.log";
  spec.limit = std::chrono::seconds(30);
  EXPECT_TRUE(run_process(spec).status.ok()) << read_file(spec.log);
  const auto results = nlohmann::json::parse(read_file(dir_ / "ag/results/results.json"), nullptr, false);
  ASSERT_FALSE(results.is_discarded()) << read_file(dir_ / "ag/results/results.json");
  EXPECT_EQ(results.at("score"), 0);
  const std::string output = results.at("output").get<std::string>();
  EXPECT_NE(output.find("exit status 2"), std::string::npos) << output;
  EXPECT_NE(output.find("\"quoted\" \\ back\tslash\nline two"), std::string::npos) << output;
}

}  // namespace
}  // namespace labctl
