#include "cli/commands.hpp"

#include <chrono>

namespace labctl::cli {

void add_global_options(CLI::App& app, GlobalOptions& options) {
  app.add_option("--root", options.root, "the racelab source tree (default: the current directory)");
  app.add_option("--build", options.build, "the ThreadSanitizer build directory (default: ROOT/build/tsan)");
  app.add_option("--catalogue", options.catalogue, "the lab catalogue (default: ROOT/labs/labs.toml)");
  app.add_option("--time-limit", options.time_limit, "seconds one run of a test program may take (default: 120)")
      ->check(CLI::Range(1, 86400));
}

void add_no_build_flag(CLI::App& app, bool& no_build, const std::string& programs) {
  app.add_flag("--no-build", no_build, "run " + programs + ", without building first");
}

Workspace open_workspace(const GlobalOptions& options) {
  Options workspace;
  workspace.root = options.root;
  workspace.build = options.build;
  workspace.catalogue = options.catalogue;
  workspace.time_limit = std::chrono::seconds(options.time_limit);
  return Workspace::open(workspace);
}

std::vector<Command> commands() {
  return {list_command(),  verify_command(), check_command(),  watch_command(), hint_command(),
          race_command(),  reset_command(), grade_command(),  export_command(), new_command(),   explore_command(),
          lab_checks_command()};
}

}  // namespace labctl::cli
