// The grader's checks on the course's own code (lab_checks.hpp).
#include "grade/lab_checks.hpp"

#include "base/errors.hpp"
#include "base/process.hpp"
#include "base/temp_dir.hpp"
#include "grade/compile_submission.hpp"
#include "grade/grade_build.hpp"
#include "grade/object_check.hpp"

#include <fmt/format.h>

#include <unistd.h>

#include <cstdio>

namespace labctl {

namespace fs = std::filesystem;

int run_lab_checks(const Workspace& workspace, const std::vector<std::string>& labs, bool committed_starters) {
  const std::vector<const Lab*> selected = workspace.select_built(labs);
  const fs::path root = fs::absolute(workspace.root).lexically_normal();
  const fs::path build = fs::absolute(workspace.build).lexically_normal();
  // The folder holding each lab's starter, NN-slug/: the compile commands are looked up by its files.
  const fs::path starters = committed_starters ? build / "committed" / "labs" : root / "labs";
  const auto commands = compile_commands(build);
  const ImportAllowlist allowed = ImportAllowlist::load(root);
  int failed = 0;
  // The compiler sees no solution: the solutions' code is handed to it as a submission's is.
  CompileSandbox where;
  where.hidden = {root / "solutions"};
  // A sandbox uid of this process's own (ctest runs the labs' checks side by side): without a
  // PID namespace, the end of a sandbox kills every process of its uid. Within Debian's
  // on-demand range, above sandbox_test's (60000-62399) and below the grader's workers' (64900...).
  where.uid = 62'400 + static_cast<uid_t>(::getpid()) % 2'400;
  for (const Lab* lab : selected) {
    LabRecipe recipe;
    recipe.lab = lab;
    recipe.build_dir = build;
    recipe.imports = allowed.rules_for(lab->number);
    for (const auto& file : lab->editable) {
      if (fs::path(file).extension() != ".cpp") continue;
      const std::string source = (starters / lab->slug / file).lexically_normal().string();
      const auto it = commands.find(source);
      if (it == commands.end()) throw Error(fmt::format("{} has no compile command for {}", build.string(), source));
      recipe.compile[file] = lab_file_template(it->second, source);
    }
    for (const std::string side : {"starter", "solution"}) {
      const fs::path folder = side == "starter" ? starters / lab->slug : root / Workspace::code_dir(*lab, side);
      // World-traversable: the compiler runs in the sandbox, as its uid when labctl is root.
      TempDir stage("racelab-lab-checks", fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                              fs::perms::others_read | fs::perms::others_exec);
      fs::create_directories(stage.path() / "obj");
      std::vector<std::string> problems;
      std::vector<std::string> state;
      for (const auto& [file, argv] : recipe.compile) {
        const fs::path object = stage.path() / "obj" / (fs::path(file).filename().string() + ".o");
        const CheckedFile checked =
            check_and_compile(recipe, argv, file, read_file(folder / file), stage.path(), object, where);
        if (!checked.error.empty()) problems.push_back((checked.refused ? "refused: " : "does not compile: ") + checked.error);
        state.insert(state.end(), checked.mutable_state.begin(), checked.mutable_state.end());
      }
      if (side == "solution") {
        for (const auto& line : state) problems.push_back("holds mutable state: " + line);
      }
      const std::string what = fmt::format("lab {} {}", lab->number, side);
      if (problems.empty()) {
        std::printf("%s: passes the grader's checks%s\n", what.c_str(),
                    state.empty() ? "" : fmt::format(" (mutable state, the lab's bug: {})", state.front()).c_str());
      } else {
        ++failed;
        for (const auto& problem : problems) std::printf("%s: %s\n", what.c_str(), problem.c_str());
      }
    }
  }
  if (failed > 0) {
    std::printf("%d of %zu failed: extend %s (reviewed!) if a lab needs an import, or change the lab's code\n", failed,
                2 * selected.size(), std::string(ImportAllowlist::kPath).c_str());
  }
  std::fflush(stdout);
  return failed == 0 ? kExitOk : kExitNotYet;
}

}  // namespace labctl
