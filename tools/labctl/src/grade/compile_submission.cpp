// A submission's lab checked, compiled and linked (compile_submission.hpp).
#include "grade/compile_submission.hpp"

#include "base/errors.hpp"
#include "base/process.hpp"
#include "grade/elf_object.hpp"
#include "grade/include_policy.hpp"
#include "grade/object_check.hpp"
#include "grade/source_check.hpp"
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

// A lab file preprocesses to a few MiB (2.5 for lab 01's, headers included); a macro that
// expands without end is stopped here, before it fills the disk or labctl's memory.
constexpr std::size_t kMaxPreprocessed = std::size_t{64} << 20;

// Preprocesses `source` with the file's own compile command, its output read from a pipe:
// true with the text in `out`; false with `error` set (the preprocessor's first error
// line), or with `error` empty when the output passed kMaxPreprocessed.
bool preprocess(const LabRecipe& recipe, const std::vector<std::string>& compile, const fs::path& source,
                const fs::path& log, std::string& out, std::string& error) {
  ProcessSpec spec;
  spec.argv = fill(preprocess_template(compile), {{"{source}", source.string()}, {"{preprocessed}", "-"}});
  spec.cwd = recipe.build_dir;
  spec.log = log;
  spec.limit = std::chrono::seconds(120);
  PipedProcess process(spec);
  std::vector<char> buffer(1 << 16);
  for (;;) {
    const ssize_t n = process.read(buffer.data(), buffer.size());
    if (n <= 0) break;
    if (out.size() + static_cast<std::size_t>(n) > kMaxPreprocessed) {
      process.finish();
      return false;
    }
    out.append(buffer.data(), static_cast<std::size_t>(n));
  }
  const std::string failure = process.failure();
  const ProcessResult result = process.finish();
  if (!failure.empty()) {
    error = "the preprocessor: " + failure;
    return false;
  }
  if (!result.status.ok()) {
    error = first_error_line(read_file(log));
    if (error.empty()) error = "the preprocessor " + result.status.describe();
    return false;
  }
  return true;
}

// "first problem (and N more)": the report's one line.
std::string one_line(const std::vector<std::string>& problems) {
  if (problems.size() <= 1) return problems.empty() ? "" : problems.front();
  return fmt::format("{} (and {} more)", problems.front(), problems.size() - 1);
}

// Compiles the generated lab_objects() source and links `program`: "" or why not.
std::string link_program(const LabRecipe& recipe, const std::vector<std::string>& objects, const fs::path& lab_stage,
                         const fs::path& program) {
  const fs::path objects_source = lab_stage / "lab_objects.cpp";
  {
    // The lab's objects as the course's own build lists them: the submission's and the
    // lab's given, read-only ones.
    std::vector<fs::path> paths(objects.begin(), objects.end());
    paths.insert(paths.end(), recipe.fixed_objects.begin(), recipe.fixed_objects.end());
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

CheckedFile check_and_compile(const LabRecipe& recipe, const std::vector<std::string>& compile, const std::string& file,
                              const std::string& code, const fs::path& lab_stage, const fs::path& object) {
  CheckedFile checked;
  const auto refuse = [&](std::string why) {
    checked.error = std::move(why);
    checked.refused = true;
    return checked;
  };
  // 1. What the preprocessor may read, before anything runs on the file.
  if (auto problem = include_policy_violation(code)) return refuse(fmt::format("{}: {}", file, *problem));
  // The same shape as the course: reports show labs/NN-slug/file.
  // Absolute: the preprocessor's line markers name it so, and say which code is the student's.
  const fs::path folder = fs::absolute(lab_stage / "labs" / recipe.lab->slug).lexically_normal();
  const fs::path source = folder / file;
  fs::create_directories(source.parent_path());
  {
    std::ofstream out(source, std::ios::binary);
    out << code;
  }
  const std::string name = fs::path(file).filename().string();

  // 2. The source check, on what the compiler will see.
  std::string preprocessed;
  if (!preprocess(recipe, compile, source, lab_stage / ("preprocess-" + name + ".log"), preprocessed, checked.error)) {
    if (checked.error.empty()) return refuse(fmt::format("{}: preprocesses to more than {} MiB", name, kMaxPreprocessed >> 20));
    return checked;
  }
  const std::string student_folder = folder.lexically_normal().string() + "/";
  const auto is_student_file = [&](std::string_view path) {
    return fs::path(path).lexically_normal().string().rfind(student_folder, 0) == 0;
  };
  if (auto problem = source_check_violation(preprocessed, is_student_file, recipe.imports.library_only)) return refuse(*problem);

  // 3. The compiler (the command carries -fno-gnu-inline-asm: grade_build.cpp makes sure).
  checked.error = run_tool(recipe, fill(compile, {{"{source}", source.string()}, {"{object}", object.string()}}),
                           lab_stage / ("compile-" + name + ".log"), "the compiler ");
  if (!checked.error.empty()) return checked;

  // 4. What the object imports, defines and holds. An object labctl cannot read is the
  // student's to answer for (it came from their file), not a reason to stop grading.
  ObjectFindings findings;
  try {
    findings = check_object(ElfObject::read(object), recipe.imports);
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
    CheckedFile checked = check_and_compile(recipe, argv, file, it->second, lab_stage, object);
    if (!checked.error.empty()) {
      built.error = std::move(checked.error);
      built.refused = checked.refused;
      return built;
    }
    built.mutable_state.insert(built.mutable_state.end(), checked.mutable_state.begin(), checked.mutable_state.end());
    objects.push_back(object.string());
  }
  built.program = lab_stage / lab.target("starter");
  built.error = link_program(recipe, objects, lab_stage, built.program);
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
