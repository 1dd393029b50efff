#include "course/workspace.hpp"

#include "base/errors.hpp"
#include "course/lab_files.hpp"

#include "base/process.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

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

namespace {

// What the build's stamp (BUILD/racelab-build.json, written at configure time) says.
struct BuildStamp {
  int format = 0;
  std::vector<std::string> labs;
};

BuildStamp read_stamp(const fs::path& build) {
  const fs::path file = build / "racelab-build.json";
  if (!fs::is_regular_file(file)) {
    throw Error(fmt::format("{} was made by an older racelab (it has no racelab-build.json): run tools/lab start",
                            build.string()));
  }
  BuildStamp stamp;
  try {
    const auto json = nlohmann::json::parse(read_file(file));
    stamp.format = json.at("format").get<int>();
    stamp.labs = json.at("labs").get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception&) {
    throw Error(fmt::format("{} is damaged: run tools/lab start", file.string()));
  }
  if (stamp.format != kBuildFormat) {
    throw Error(fmt::format("{} was made by {} racelab (build format {}, this one needs {}): run tools/lab start",
                            build.string(), stamp.format < kBuildFormat ? "an older" : "a newer", stamp.format,
                            kBuildFormat));
  }
  return stamp;
}

}  // namespace

void Workspace::require_build() const {
  if (!fs::is_directory(build)) {
    throw Error(fmt::format("no build in {}: run tools/lab start", build.string()));
  }
  if (!fs::is_regular_file(build / "CMakeCache.txt")) {
    throw Error(fmt::format("{} is not a configured build (no CMakeCache.txt): run tools/lab start", build.string()));
  }
  read_stamp(build);
}

std::vector<const Lab*> Workspace::select_built(const std::vector<std::string>& names) const {
  std::vector<const Lab*> labs = select(names);
  require_build();
  const BuildStamp stamp = read_stamp(build);
  const auto built = [&](const Lab* lab) {
    return std::find(stamp.labs.begin(), stamp.labs.end(), lab->number) != stamp.labs.end();
  };
  if (names.empty()) {
    labs.erase(std::remove_if(labs.begin(), labs.end(), [&](const Lab* lab) { return !built(lab); }), labs.end());
    if (labs.empty()) throw Error(fmt::format("{} holds no labs: run tools/lab start", build.string()));
    return labs;
  }
  for (const Lab* lab : labs) {
    if (!built(lab)) {
      throw Error(fmt::format("lab {} is not in the build {} (it was configured with RACELAB_LABS): run "
                              "cmake --preset tsan -DRACELAB_LABS= to build every lab",
                              lab->number, build.string()));
    }
  }
  return labs;
}

std::vector<const Lab*> Workspace::select_student_labs(const std::vector<std::string>& names) const {
  // Before the build: a deleted lab file drops the lab from the build at the next configure,
  // which would otherwise be reported as "not in the build" or the build tool's "unknown target".
  for (const Lab* lab : select(names)) require_lab_files(root, *lab);
  return select_built(names);
}

std::string Workspace::code_dir(const Lab& lab, const std::string& side) {
  return (side == "solution" ? "solutions/" : "labs/") + lab.slug + "/";
}

}  // namespace labctl
