// A submission's lab turned into a test program: its editable files checked, compiled with
// the course's own commands (grade_build.hpp's LabRecipe), checked again as objects, and
// linked with the grader's prebuilt objects, in the submission's staging folder.
#pragma once

#include "grade/grade.hpp"
#include "grade/grade_build.hpp"
#include "grade/sandboxed_compile.hpp"
#include "grade/submission/submission.hpp"

#include <filesystem>
#include <set>
#include <string>
#include <vector>

namespace labctl {

struct BuiltLab {
  std::string error;     // empty when built: else one line ("a.cpp:3: error: ..."), for the report
  bool refused = false;  // the error is a refusal by a check (status "refused"), not the compiler's
  bool out_of_time = false;  // the error is a budget that ran out while building (status "out of time")
  std::filesystem::path program;
  // The same objects linked as the lab's explored program (LabRecipe::explored_link), or
  // empty when the course's build has none.
  std::filesystem::path explored_program;
  // Mutable global state the lab's objects hold (object_check.hpp), one line each: the
  // no_globals criterion fails with it, whatever the program's own NoGlobals test said.
  std::vector<std::string> mutable_state;
};

// One editable file through the grader's checks and compiler, into `object`:
//   1. the include policy (include_policy.hpp): what the preprocessor may read;
//   2. the source check (source_check.hpp) on the file preprocessed with its own flags:
//      no inline assembly, attributes, pragmas, reserved namespaces or specialisations;
//   3. the compiler, with -fno-gnu-inline-asm;
//   4. the object check (object_check.hpp): imports on the lab's allowlist, no main or
//      other forbidden definition, no static constructors; its writable data is noted.
// The preprocessor (2) and the compiler (3) run in the sandbox `where` describes
// (sandboxed_compile.hpp), in the fresh folder `lab_stage`/compile-NAME, which holds the
// source as labs/SLUG/`file` (`file`: the name the catalogue gives, lost_update.cpp); the
// object is copied from there to `object`, out of the sandbox uid's reach.
struct CheckedFile {
  std::string error;  // as BuiltLab
  bool refused = false;
  bool out_of_time = false;
  std::vector<std::string> mutable_state;
  // The library functions its object calls (library_call_points.hpp), read with the object
  // check's reading of it: the explored program's wrappers.
  std::set<std::string> called_functions;
};
CheckedFile check_and_compile(const LabRecipe& recipe, const std::vector<std::string>& compile, const std::string& file,
                              const std::string& code, const std::filesystem::path& lab_stage,
                              const std::filesystem::path& object, const CompileSandbox& where);

// Compiles the submission's files (check_and_compile) and links the lab's test program in
// `lab_stage`. Every step keeps to its own limit and to the budget in `where`; the link
// (the grader's generated file and the checked objects) runs as the grader. Throws
// labctl::Error only when the compiler cannot be run at all.
BuiltLab build_lab(const LabRecipe& recipe, const LabFiles& files, const std::filesystem::path& lab_stage,
                   const CompileSandbox& where);

// What the object check found, applied to the criteria: no_globals fails when the objects
// hold mutable state (the grader's own reading of them is the verdict, not the program's).
void apply_object_findings(const BuiltLab& built, std::vector<CriterionResult>& results);

}  // namespace labctl
