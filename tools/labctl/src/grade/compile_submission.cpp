// A submission's lab compiled and linked (compile_submission.hpp).
#include "grade/compile_submission.hpp"

#include "base/process.hpp"
#include "grade/include_policy.hpp"
#include "run/test_program.hpp"

#include <fmt/format.h>

#include <fstream>
#include <utility>
#include <vector>

namespace labctl {
namespace {

namespace fs = std::filesystem;

// Runs one compiler or linker command of the recipe, its output into `log`: "" when it
// succeeded, else its first error line (or `what` and how it ended, when it printed none).
std::string run_tool(const LabRecipe& recipe, std::vector<std::string> argv, const fs::path& log,
                     const std::string& what) {
  ProcessSpec spec;
  spec.argv = std::move(argv);
  spec.cwd = recipe.build_dir;
  spec.log = log;
  spec.limit = std::chrono::seconds(120);
  const ProcessResult result = run_process(spec);
  if (result.status.ok()) return "";
  std::string error = first_error_line(read_file(spec.log));
  if (error.empty()) error = what + result.status.describe();
  return error;
}

// Compiles the editable `file` (its contents `code`) into `object` with the compiler
// command `argv` (placeholders unfilled): "" or why not.
std::string compile_file(const LabRecipe& recipe, const std::vector<std::string>& argv, const std::string& file,
                         const std::string& code, const fs::path& lab_stage, const fs::path& object) {
  if (auto problem = include_policy_violation(code)) return fmt::format("{}: {}", file, *problem);
  // The same shape as the course: reports show labs/NN-slug/file.
  const fs::path source = lab_stage / "labs" / recipe.lab->slug / file;
  {
    std::ofstream out(source, std::ios::binary);
    out << code;
  }
  return run_tool(recipe, fill(argv, {{"{source}", source.string()}, {"{object}", object.string()}}),
                  lab_stage / ("compile-" + fs::path(file).filename().string() + ".log"), "the compiler ");
}

// Compiles the generated lab_objects() source and links `program`: "" or why not.
std::string link_program(const LabRecipe& recipe, const std::vector<std::string>& objects, const fs::path& lab_stage,
                         const fs::path& program) {
  const fs::path objects_source = lab_stage / "lab_objects.cpp";
  {
    std::vector<fs::path> paths(objects.begin(), objects.end());
    std::ofstream out(objects_source);
    out << objects_file_source(paths);
  }
  const fs::path objects_object = lab_stage / "obj" / "lab_objects.o";
  for (const auto& [argv, what] : {std::pair{fill(recipe.compile_objects_file,
                                                   {{"{source}", objects_source.string()}, {"{object}", objects_object.string()}}),
                                              "compile-objects"},
                                    std::pair{fill(recipe.link,
                                                   {{"{objects_file_object}", objects_object.string()},
                                                    {"{program}", program.string()}},
                                                   objects),
                                              "link"}}) {
    std::string error = run_tool(recipe, argv, lab_stage / (std::string(what) + ".log"), std::string(what) + ": ");
    if (!error.empty()) return error;
  }
  return "";
}

}  // namespace

BuiltLab build_lab(const LabRecipe& recipe, const LabFiles& files, const fs::path& lab_stage) {
  const Lab& lab = *recipe.lab;
  BuiltLab built;
  fs::create_directories(lab_stage / "labs" / lab.slug);
  fs::create_directories(lab_stage / "obj");
  std::vector<std::string> objects;
  for (const auto& [file, argv] : recipe.compile) {
    const auto it = files.files.find(file);
    if (it == files.files.end()) {
      built.error = fmt::format("{} is missing from the submission", file);
      return built;
    }
    const fs::path object = lab_stage / "obj" / (fs::path(file).filename().string() + ".o");
    built.error = compile_file(recipe, argv, file, it->second, lab_stage, object);
    if (!built.error.empty()) return built;
    objects.push_back(object.string());
  }
  built.program = lab_stage / lab.target("starter");
  built.error = link_program(recipe, objects, lab_stage, built.program);
  return built;
}

}  // namespace labctl
