// `labctl explore`: runs a threaded program many times under the explorer's preload
// library (tools/explore, libracelab_explore.so), each run with a different schedule, and
// stops at the first failing one: its schedule string replays the failure (issue 7).
#pragma once

#include "classify.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace labctl {

struct ExploreOptions {
  int schedules = 1000;             // runs, each with its own seed
  std::string strategy = "random";  // random or pct
  int depth = 3;                    // pct: D
  std::uint64_t seed = 1;           // the first run's seed; run i uses seed + i
  std::string replay;               // a schedule string: run it once instead of exploring
  int timeout = 10;                 // seconds without a scheduling point before a spin is reported
  std::filesystem::path trace;      // write the failing run's scheduling points here; empty: no trace
  std::vector<std::string> command;  // PROGRAM ARGS...
  // The preload library; empty: $RACELAB_EXPLORE_LIB, else next to labctl in the build
  // (BUILD/tools/explore/libracelab_explore.so).
  std::filesystem::path library;
};

// Exit 1 when a failing schedule was found (it is printed with the program's output
// tail), 0 when none was in `schedules` runs. Throws labctl::Error for usage and
// environment problems (a bad schedule string, a program or library that is missing).
int run_explore(const ExploreOptions& options);

// --- pieces of run_explore(), public for the tests ---

// What a run's end means, in the driver's words: "exited 1", "deadlock (every live thread
// blocked)", "a thread spun for 10 s without a scheduling point", "killed by SIGSEGV ...".
std::string describe_explored_run(const ExitStatus& status, int timeout);

// The last `lines` lines of `text` (all of it when it has fewer).
std::string tail_lines(std::string_view text, int lines);

}  // namespace labctl
