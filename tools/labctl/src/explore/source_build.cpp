// Building a program in source mode for `labctl explore --source`; see source_build.hpp.
#include "explore/source_build.hpp"

#include "base/errors.hpp"
#include "base/process.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace labctl {
namespace {

namespace fs = std::filesystem;

bool is_c(const fs::path& file) { return file.extension() == ".c"; }
bool is_cxx(const fs::path& file) {
  const std::string ext = file.extension().string();
  return ext == ".cc" || ext == ".cpp" || ext == ".cxx" || ext == ".C";
}

fs::path tools_dir() {
  if (const char* env = std::getenv("RACELAB_TOOLS_DIR"); env && *env) return env;
  return LABCTL_TOOLS_DIR;  // the source tree's tools/, set by CMake
}

// The line of a compiler's output that says what went wrong: the first "error:" line, else
// the first line at all.
std::string first_error(const std::string& text) {
  std::istringstream in(text);
  std::string first;
  for (std::string line; std::getline(in, line);) {
    if (line.find("error:") != std::string::npos) return line;
    if (first.empty()) first = line;
  }
  return first;
}

}  // namespace

std::string source_wrapper_for(const std::vector<std::string>& sources) {
  if (sources.empty()) throw Error("explore: --source needs at least one file");
  bool all_c = true;
  for (const std::string& source : sources) {
    if (!is_c(source) && !is_cxx(source)) {
      throw Error(fmt::format("explore: '{}' is not a C or C++ source file (.c, .cc, .cpp, .cxx)", source));
    }
    all_c = all_c && is_c(source);
  }
  return all_c ? "racelab-cc" : "racelab-c++";
}

std::vector<std::string> source_build_command(const std::vector<std::string>& sources, const fs::path& tools,
                                              const fs::path& output) {
  const std::string wrapper = source_wrapper_for(sources);
  std::vector<std::string> argv{(tools / wrapper).string(), "-O1"};
  if (wrapper == "racelab-c++") argv.push_back("-std=c++20");
  for (const std::string& source : sources) argv.push_back(fs::absolute(source).string());
  argv.push_back("-o");
  argv.push_back(output.string());
  return argv;
}

fs::path build_source_program(const std::vector<std::string>& sources, const fs::path& library, const fs::path& dir) {
  source_wrapper_for(sources);  // refuses what is not C or C++ before looking for it
  for (const std::string& source : sources) {
    if (!fs::is_regular_file(source)) throw Error(fmt::format("explore: source file '{}' not found", source));
  }
  const fs::path tools = tools_dir();
  const fs::path output = dir / "program";
  ProcessSpec spec;
  spec.argv = source_build_command(sources, tools, output);
  if (!fs::is_regular_file(spec.argv.front())) {
    throw Error(fmt::format("explore: the source-mode compiler {} is missing (set RACELAB_TOOLS_DIR)", spec.argv.front()));
  }
  spec.env_defaults = {{"RACELAB_EXPLORE_LIB", library.string()}};
  spec.log = dir / "build.log";
  spec.limit = std::chrono::seconds(300);
  const ProcessResult result = run_process(spec);
  if (!result.status.ok()) {
    std::ifstream in(spec.log);
    std::stringstream log;
    log << in.rdbuf();
    throw Error(fmt::format("explore: building the sources failed ({}): {}",
                            result.status.describe(), first_error(log.str())));
  }
  return output;
}

}  // namespace labctl
