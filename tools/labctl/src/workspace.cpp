#include "workspace.hpp"

#include "errors.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace labctl {

namespace fs = std::filesystem;

Workspace Workspace::open(const Options& options) {
  Workspace workspace;
  if (!fs::is_directory(options.root)) {
    throw Error(fmt::format("no source tree at {} (--root names the racelab folder)", options.root.string()));
  }
  workspace.root = options.root;
  workspace.build = options.build.empty() ? options.root / "build" / "tsan" : options.build;
  workspace.time_limit = options.time_limit;
  const fs::path catalogue = options.catalogue.empty() ? options.root / "labs" / "labs.toml" : options.catalogue;
  workspace.catalogue = load_catalogue(catalogue, workspace.root);
  return workspace;
}

std::vector<const Lab*> Workspace::select(const std::vector<std::string>& names) const {
  std::vector<const Lab*> labs;
  if (names.empty()) {
    for (const auto& lab : catalogue.labs) labs.push_back(&lab);
    return labs;
  }
  for (const auto& name : names) {
    const Lab* lab = catalogue.find(name);
    if (lab == nullptr) {
      throw Error(fmt::format("no lab {}; {} (tools/lab list)", name,
                              catalogue.labs.size() == 1 ? "the only lab is " + catalogue.numbers()
                                                         : "labs are " + catalogue.numbers()));
    }
    if (std::find(labs.begin(), labs.end(), lab) == labs.end()) labs.push_back(lab);
  }
  return labs;
}

void Workspace::require_build() const {
  if (!fs::is_directory(build)) {
    throw Error(fmt::format("no build in {}: run tools/lab start", build.string()));
  }
  if (!fs::is_regular_file(build / "CMakeCache.txt")) {
    throw Error(fmt::format("{} is not a configured build (no CMakeCache.txt): run tools/lab start", build.string()));
  }
}

std::string Workspace::code_dir(const Lab& lab, const std::string& side) {
  return (side == "solution" ? "solutions/" : "labs/") + lab.slug + "/";
}

}  // namespace labctl
