#include "course_tools/gradescope_scripts.hpp"

#include "course_tools/templates.hpp"

#include <fmt/format.h>

#include <string_view>

namespace labctl {

namespace {

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

// Template `name` (templates/gradescope/) with the settings baked in: {layout}, what both
// scripts start with (where Gradescope, or a test, put everything), and {args}, the grade
// command's options.
std::string render(std::string_view name, const ExportOptions& options) {
  return fmt::format(fmt::runtime(template_text(name)), fmt::arg("layout", template_text("gradescope/layout.sh")),
                     fmt::arg("args", grade_arguments(options, "$COURSE")));
}

}  // namespace

std::string gradescope_setup_script(const ExportOptions& options) { return render("gradescope/setup.sh", options); }

std::string gradescope_run_script(const ExportOptions& options) { return render("gradescope/run_autograder", options); }

}  // namespace labctl
