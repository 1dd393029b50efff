// A submission's lab checked, compiled and linked (compile_submission.hpp).
#include "grade/compile_submission.hpp"

#include "base/errors.hpp"
#include "base/process.hpp"
#include "grade/elf_object.hpp"
#include "grade/include_policy.hpp"
#include "grade/library_call_points.hpp"
#include "grade/object_check.hpp"
#include "grade/source_check.hpp"
#include "run/test_program.hpp"

#include <fmt/format.h>

#include <fstream>
#include <set>
#include <utility>
#include <vector>

namespace labctl {
namespace {

namespace fs = std::filesystem;

// Runs one command of the grader's own (the generated lab_objects() source, the link) as
// the grader, its output into `log`, within its own limit and what the budget leaves: "" when
// it succeeded, else its first error line (or `what` and how it ended, when it printed none).
std::string run_tool(const LabRecipe& recipe, std::vector<std::string> argv, const fs::path& log,
                     const std::string& what, const Budget* budget, bool& out_of_time) {
  const StepTime time = step_time(std::chrono::seconds(120), budget);
  if (time.wall < std::chrono::seconds(1)) {
    out_of_time = true;
    return time.deadline.ran_out_while(what);
  }
  ProcessSpec spec;
  spec.argv = std::move(argv);
  spec.cwd = recipe.build_dir;
  spec.log = log;
  spec.limit = time.wall;
  const ProcessResult result = run_process(spec);
  if (result.status.ok()) return "";
  if (result.status.kind == ExitStatus::Kind::timed_out && time.by_budget) {
    out_of_time = true;
    return time.deadline.ran_out_while(what);
  }
  std::string error = first_error_line(read_file(spec.log));
  if (error.empty()) error = what + ": " + result.status.describe();
  return error;
}

// A lab file preprocesses to a few MiB (2.5 for lab 01's, headers included); a macro that
// expands without end is stopped here (the sandbox's file-size limit), before it fills the
// disk or labctl's memory.
constexpr std::uintmax_t kMaxPreprocessed = std::uintmax_t{64} << 20;

// "first problem (and N more)": the report's one line.
std::string one_line(const std::vector<std::string>& problems) {
  if (problems.size() <= 1) return problems.empty() ? "" : problems.front();
  return fmt::format("{} (and {} more)", problems.front(), problems.size() - 1);
}

// Compiles the generated lab_objects() source into `object`: "" or why not.
std::string compile_objects_file(const LabRecipe& recipe, const std::vector<std::string>& objects, const fs::path& lab_stage,
                                 const fs::path& object, const Budget* budget, bool& out_of_time) {
  const fs::path source = lab_stage / "lab_objects.cpp";
  {
    // The lab's objects as the course's own build lists them: the submission's and the
    // lab's given, read-only ones.
    std::vector<fs::path> paths(objects.begin(), objects.end());
    paths.insert(paths.end(), recipe.fixed_objects.begin(), recipe.fixed_objects.end());
    std::ofstream out(source);
    out << objects_file_source(paths);
  }
  const auto argv = fill(recipe.compile_objects_file, {{"{source}", source.string()}, {"{object}", object.string()}});
  return run_tool(recipe, argv, lab_stage / "compile-objects.log", "compiling the grader's objects file", budget, out_of_time);
}

// Links `program` with `link` (the recipe's link, or its explored program's), its log in
// `log`: "" or why not.
std::string link_program(const LabRecipe& recipe, const std::vector<std::string>& link, const std::vector<std::string>& objects,
                         const fs::path& objects_object, const fs::path& program, const fs::path& log, const Budget* budget,
                         bool& out_of_time) {
  const auto argv = fill(link, {{"{objects_file_object}", objects_object.string()}, {"{program}", program.string()}}, objects);
  return run_tool(recipe, argv, log, "linking", budget, out_of_time);
}

// The explored program's extra link arguments: the wrappers that make the submission's
// library calls scheduling points (library_call_points.hpp), assembled in `lab_stage`, and
// the linker's --wrap for each. Fills `error` when they cannot be made.
std::vector<std::string> call_point_link(const LabRecipe& recipe, const std::set<std::string>& called,
                                         const fs::path& lab_stage, const Budget* budget, bool& out_of_time,
                                         std::string& error) {
  if (called.empty()) return {};
  const fs::path source = lab_stage / "library_call_points.S";
  const fs::path object = lab_stage / "obj" / "library_call_points.o";
  {
    std::ofstream out(source);
    out << call_point_wrappers(called);
  }
  // The course's own compiler (the first word of its commands) assembles it.
  const std::vector<std::string> argv = {recipe.compile_objects_file.front(), "-c", source.string(), "-o", object.string()};
  error = run_tool(recipe, argv, lab_stage / "library-call-points.log", "assembling the grader's call points", budget,
                   out_of_time);
  std::vector<std::string> arguments = wrap_arguments(called);
  arguments.push_back(object.string());
  return arguments;
}

}  // namespace

CheckedFile check_and_compile(const LabRecipe& recipe, const std::vector<std::string>& compile, const std::string& file,
                              const std::string& code, const fs::path& lab_stage, const fs::path& object,
                              const CompileSandbox& where) {
  CheckedFile checked;
  const auto refuse = [&](std::string why) {
    checked.error = std::move(why);
    checked.refused = true;
    return checked;
  };
  const auto failed = [&](const StepOutcome& outcome) {
    checked.error = outcome.error;
    checked.out_of_time = outcome.out_of_time;
    return checked;
  };
  // 1. What the preprocessor may read, before anything runs on the file.
  if (auto problem = include_policy_violation(code)) return refuse(fmt::format("{}: {}", file, *problem));
  // The steps' folder, fresh: the sandbox hands it to its uid, and it is all they may write.
  const std::string name = fs::path(file).filename().string();
  const fs::path workdir = fs::absolute(lab_stage / ("compile-" + name)).lexically_normal();
  fs::remove_all(workdir);
  // The same shape as the course: reports show labs/NN-slug/file.
  // Absolute: the preprocessor's line markers name it so, and say which code is the student's.
  const fs::path folder = workdir / "labs" / recipe.lab->slug;
  const fs::path source = folder / file;
  fs::create_directories(source.parent_path());
  {
    std::ofstream out(source, std::ios::binary);
    out << code;
  }

  // 2. The source check, on what the compiler will see.
  CompileStep step;
  step.workdir = workdir;
  step.doing = "preprocessing";
  step.max_file_bytes = kMaxPreprocessed;
  const fs::path preprocessed_file = workdir / (name + ".ii");
  step.argv = fill(preprocess_template(compile), {{"{source}", source.string()}, {"{preprocessed}", preprocessed_file.string()}});
  const StepOutcome preprocessed_outcome = run_compile_step(step, where);
  std::error_code size_error;
  if (preprocessed_outcome.file_too_big ||
      (preprocessed_outcome.error.empty() && fs::file_size(preprocessed_file, size_error) > kMaxPreprocessed && !size_error)) {
    return refuse(fmt::format("{}: preprocesses to more than {} MiB", name, kMaxPreprocessed >> 20));
  }
  if (!preprocessed_outcome.error.empty()) return failed(preprocessed_outcome);
  const std::string preprocessed = read_file(preprocessed_file);
  const std::string student_folder = folder.string() + "/";
  const auto is_student_file = [&](std::string_view path) {
    return fs::path(path).lexically_normal().string().rfind(student_folder, 0) == 0;
  };
  if (auto problem = source_check_violation(preprocessed, is_student_file, recipe.imports.library_only)) return refuse(*problem);

  // 3. The compiler (the command carries -fno-gnu-inline-asm: grade_build.cpp makes sure).
  const fs::path compiled = workdir / (name + ".o");
  step.doing = "compiling";
  step.argv = fill(compile, {{"{source}", source.string()}, {"{object}", compiled.string()}});
  const StepOutcome compiled_outcome = run_compile_step(step, where);
  if (!compiled_outcome.error.empty()) return failed(compiled_outcome);
  // The sandbox uid owns the workdir, and another run as that uid (without namespaces) could
  // change what is in it: the object the grader checks and links is the grader's own copy.
  fs::copy_file(compiled, object, fs::copy_options::overwrite_existing);

  // 4. What the object imports, defines and holds. An object labctl cannot read is the
  // student's to answer for (it came from their file), not a reason to stop grading.
  ObjectFindings findings;
  try {
    const ElfObject elf = ElfObject::read(object);
    findings = check_object(elf, recipe.imports);
    checked.called_functions = called_functions(elf);
  } catch (const Error& error) {
    return refuse(fmt::format("{}: the grader cannot read its object file ({})", name, error.what()));
  }
  if (!findings.refusals.empty()) {
    std::vector<std::string> problems;
    for (const auto& finding : findings.refusals) {
      const std::string line = problems.empty() ? source_line_of(object, finding, source) : "";
      problems.push_back(fmt::format("{}: {}", line.empty() ? name : line, finding.message));
    }
    return refuse(one_line(problems));
  }
  for (const auto& finding : findings.mutable_state) checked.mutable_state.push_back(name + ": " + finding.message);
  return checked;
}

BuiltLab build_lab(const LabRecipe& recipe, const LabFiles& files, const fs::path& lab_stage, const CompileSandbox& where) {
  const Lab& lab = *recipe.lab;
  BuiltLab built;
  fs::create_directories(lab_stage / "obj");
  std::vector<std::string> objects;
  std::set<std::string> called;  // by every checked object: the explored program's wrappers
  for (const auto& [file, argv] : recipe.compile) {
    const auto it = files.files.find(file);
    if (it == files.files.end()) {
      built.error = fmt::format("{} is missing from the submission", file);
      return built;
    }
    const fs::path object = lab_stage / "obj" / (fs::path(file).filename().string() + ".o");
    CheckedFile checked = check_and_compile(recipe, argv, file, it->second, lab_stage, object, where);
    if (!checked.error.empty()) {
      built.error = std::move(checked.error);
      built.refused = checked.refused;
      built.out_of_time = checked.out_of_time;
      return built;
    }
    built.mutable_state.insert(built.mutable_state.end(), checked.mutable_state.begin(), checked.mutable_state.end());
    called.insert(checked.called_functions.begin(), checked.called_functions.end());
    objects.push_back(object.string());
  }
  const fs::path objects_object = lab_stage / "obj" / "lab_objects.o";
  built.error = compile_objects_file(recipe, objects, lab_stage, objects_object, where.budget, built.out_of_time);
  if (!built.error.empty()) return built;
  built.program = lab_stage / lab.target("starter");
  built.error = link_program(recipe, recipe.link, objects, objects_object, built.program, lab_stage / "link.log",
                             where.budget, built.out_of_time);
  if (built.error.empty() && !recipe.explored_link.empty()) {
    std::vector<std::string> explored_objects = objects;
    const std::vector<std::string> call_points =
        call_point_link(recipe, called, lab_stage, where.budget, built.out_of_time, built.error);
    if (!built.error.empty()) return built;
    explored_objects.insert(explored_objects.end(), call_points.begin(), call_points.end());
    built.explored_program = lab_stage / lab.target("starter_explored");
    // Found there through the program's rpath, $ORIGIN (grade_build.cpp).
    fs::copy_file(recipe.explored_library, lab_stage / recipe.explored_library.filename(),
                  fs::copy_options::overwrite_existing);
    built.error = link_program(recipe, recipe.explored_link, explored_objects, objects_object, built.explored_program,
                               lab_stage / "link-explored.log", where.budget, built.out_of_time);
  }
  return built;
}

void apply_object_findings(const BuiltLab& built, std::vector<CriterionResult>& results) {
  if (built.mutable_state.empty()) return;
  for (CriterionResult& result : results) {
    if (result.criterion != "no_globals") continue;
    result.status = "failed";
    result.reason = "mutable global state in the compiled code: " + one_line(built.mutable_state);
    result.excerpt.clear();
    constexpr std::size_t kShown = 20;
    for (std::size_t i = 0; i < built.mutable_state.size() && i < kShown; ++i) result.excerpt += built.mutable_state[i] + "\n";
    if (built.mutable_state.size() > kShown) result.excerpt += fmt::format("... and {} more\n", built.mutable_state.size() - kShown);
    result.excerpt += "Pass the data into each task through submit()/map() and return results through the future; "
                      "a true constant can be constexpr.\n";
  }
}

}  // namespace labctl
