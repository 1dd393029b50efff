// The grader's build: everything that does not change between submissions (GoogleTest,
// labkit, each lab's test objects, hidden tests included) is built once, in a build
// directory of its own (RACELAB_GRADING: starters only, no solutions/). A submission then
// compiles only its own files, with the very commands CMake would have used, and links
// them with the prebuilt objects into a test program in its staging folder.
#pragma once

#include "course/catalogue.hpp"
#include "course/workspace.hpp"
#include "grade/object_check.hpp"

#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace labctl {

// How to make one lab's test program from a submission's files. The argv templates
// hold the placeholders {source} and {object}; the link, {objects} (the submission's
// object files, spread as several arguments), {objects_file_object} and {program}.
struct LabRecipe {
  const Lab* lab = nullptr;
  std::map<std::string, std::vector<std::string>> compile;  // editable .cpp file -> compiler argv
  std::vector<std::string> compile_objects_file;            // for the generated lab_objects() source
  std::vector<std::string> link;                            // run in `build_dir`
  // The explored program's link (the same placeholders): the same objects of the submission,
  // with the plain tests and the explorer's library (tests/CMakeLists.txt). Empty when the
  // build has none (the lab is then graded on real runs only).
  std::vector<std::string> explored_link;
  std::filesystem::path explored_library;  // libracelab_explore.so, copied beside the program
  // The lab's own files that are not editable (lab 12's demonstration.cpp), as the grader's
  // build compiled them from the pristine course: linked into every submission's program.
  std::vector<std::filesystem::path> fixed_objects;
  // What the lab's files may import (object_check.hpp): allowed_imports.txt's [all] and
  // [lab NN], and the conditional sections.
  ImportRules imports;
  std::filesystem::path build_dir;
  // The tests the pristine program holds, "Suite.Name", in the order it runs them: a run of
  // the submission must report every one of them (a test that never ran never passed).
  std::vector<std::string> tests;
};

class GradingBuild {
 public:
  // Configures (first time, or when the hidden tests folder or the labs changed) and builds
  // DIR from the course tree, then reads each lab's recipe. `graded`: the labs named with
  // --labs (empty: every lab); the build holds those and any it held before. Slow the first
  // time (a minute or more), a no-op check after that. A lab the course cannot build gets no
  // recipe (why_unbuilt() says why) and the others are graded; throws labctl::Error with one
  // line only when the build cannot run at all (configure fails, the build times out).
  static GradingBuild prepare(const Workspace& workspace, const std::filesystem::path& dir,
                              const std::filesystem::path& hidden_tests, const std::vector<const Lab*>& graded);

  // The recipe of this lab; nullptr if the build has no test program for it.
  const LabRecipe* recipe(const Lab& lab) const;
  // Why a lab has no recipe, in one line: the course's build failed for it (with the first
  // error), or the build has no test program for it.
  std::string why_unbuilt(const Lab& lab) const;

  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  std::map<std::string, LabRecipe> recipes_;  // by lab number
  std::map<std::string, std::string> unbuilt_;  // by lab number: the build's first error
};

// --- pieces, public for the tests ---

// Splits a command line as a POSIX shell would split words (quotes and backslashes; no
// expansions): compile_commands.json and `ninja -t commands` print commands that way.
std::vector<std::string> split_command(std::string_view command);

// The outputs a build could not make: the words of ninja's "FAILED: ..." lines in its log.
std::set<std::string> failed_outputs(std::string_view build_log);

// The tests of `ninja --gtest_list_tests` output, as "Suite.Name".
std::vector<std::string> parse_test_list(std::string_view listing);

// The generated source that tells the no-globals check where the lab's objects are.
std::string objects_file_source(const std::vector<std::filesystem::path>& objects);

// compile_commands.json's entries of the build in `dir`, by source file (normalised path).
std::map<std::string, std::vector<std::string>> compile_commands(const std::filesystem::path& dir);

// A compile command with the source and the object made placeholders ({source}, {object});
// dependency files dropped.
std::vector<std::string> compile_template(std::vector<std::string> argv, const std::string& source);
// compile_template for a lab's own file; throws labctl::Error when the command lacks
// -fno-gnu-inline-asm (tests/CMakeLists.txt gives it to every lab file and the precompiled
// header they share; without it, asm statements would reach the assembler).
std::vector<std::string> lab_file_template(const std::vector<std::string>& argv, const std::string& source);

// The same command made to preprocess ({preprocessed} instead of the object): what the
// source check reads (source_check.hpp).
std::vector<std::string> preprocess_template(const std::vector<std::string>& compile);

// Fills a recipe's placeholders.
std::vector<std::string> fill(const std::vector<std::string>& argv, const std::map<std::string, std::string>& values,
                              const std::vector<std::string>& objects = {});

}  // namespace labctl
