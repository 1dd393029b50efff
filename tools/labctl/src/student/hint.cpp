#include "student/hint.hpp"

#include "student/lab_state.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace labctl {

int run_hint(const Workspace& workspace, const std::string& name) {
  const Lab& lab = *workspace.select_built({name}).front();  // the counter lives in the build directory
  const int total = static_cast<int>(lab.hints.size());
  if (total == 0) {
    fmt::print("Lab {} has no hints: read labs/{}/README.md.\n", lab.number, lab.slug);
    return 0;
  }
  const int shown = std::min(hints_shown(workspace.build, lab), total);
  const int index = std::min(shown, total - 1);  // past the last: repeat the last
  fmt::print("Hint {} of {} for lab {} ({}):\n  {}\n", index + 1, total, lab.number, lab.title, lab.hints[index]);
  if (index + 1 < total) {
    fmt::print("(tools/lab hint {} again for the next one)\n", lab.number);
  } else {
    fmt::print("(that was the last hint; the handout is labs/{}/README.md)\n", lab.slug);
  }
  record_hints_shown(workspace.build, lab, std::min(shown + 1, total));
  return 0;
}

}  // namespace labctl
