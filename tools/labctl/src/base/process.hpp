// Runs one program the way labctl runs students' test programs and builds: in its own
// process group (so a hung program and every thread or child it made can be killed
// together), with a wall-clock limit, stdin from /dev/null, stdout and stderr into a log.
#pragma once

#include "base/exit_status.hpp"

#include <chrono>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace labctl {

struct ProcessSpec {
  std::vector<std::string> argv;  // argv[0] is looked up in PATH when it has no '/'
  // Environment variables set only when the environment does not already have them, so
  // a user's own TSAN_OPTIONS (say) wins.
  std::vector<std::pair<std::string, std::string>> env_defaults;
  std::filesystem::path log;  // stdout and stderr go here (created or truncated)
  // When set, stdout goes here instead and `log` gets only stderr (for programs whose
  // answer is their stdout, like the race demos).
  std::filesystem::path stdout_log;
  std::filesystem::path cwd;  // the child's working directory; empty: labctl's own
  std::chrono::seconds limit{120};
};

struct ProcessResult {
  ExitStatus status;
  std::chrono::milliseconds elapsed{0};
};

// Throws labctl::Error when the program cannot be started at all (not found, log not
// writable); every way the program itself can end is a ProcessResult.
ProcessResult run_process(const ProcessSpec& spec);

// Makes Ctrl-C (SIGINT, SIGTERM, SIGHUP, SIGQUIT) kill the running child's process group
// before labctl dies; run_process does it on its first call. `cleanup`, when given, runs
// first (async-signal-safe only: `watch` restores the terminal with it).
void install_signal_forwarding(void (*cleanup)() = nullptr);

// A program name looked up in PATH as execvp would (a name with a '/' is returned as it
// is); empty when it is not found. Decided before fork, so "not found" is a clear error.
std::string find_in_path(const std::string& program);

// Reads a whole file; empty when it does not exist.
std::string read_file(const std::filesystem::path& file);

}  // namespace labctl
