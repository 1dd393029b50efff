// `labctl explore`: runs a threaded program many times under the explorer's preload
// library (tools/explore, libracelab_explore.so), each run with a different schedule, and
// stops at the first failing one: its schedule string replays the failure (issue 7).
#pragma once

#include "base/exit_status.hpp"
#include "explore/explore_trace.hpp"
#include "schedule.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace labctl {

struct ExploreOptions {
  int schedules = 1000;             // runs, each with its own seed
  // random, pct, delay (delay bounding), or mix: random, pct and delay in turn, run i
  // taking the (i mod 3)th; empty: random, or mix with `sources` (source mode).
  std::string strategy;
  int depth = 3;                    // pct: D
  int delays = 2;                   // delay: how many deviations from round-robin
  std::uint64_t seed = 1;           // the first run's seed; run i uses seed + i
  std::string replay;               // a schedule string: run it once instead of exploring
  int timeout = 10;                 // seconds without a scheduling point before a spin is reported
  std::filesystem::path trace;      // write the failing run's scheduling points here (SVG for .svg, a page for .html)
  std::string progress;             // when set and stderr is a terminal: "PROGRESS: schedule i/N"
  bool keep_trace = false;          // keep them in the finding (explore_quietly), whether or not `trace` is set
  // When set, a run whose standard output's first line differs from it fails too: for
  // programs that print a wrong answer and exit 0 (the lab demos, through `race --explore`).
  std::optional<std::string> expect;
  std::vector<std::string> command;  // PROGRAM ARGS... (with `sources`: ARGS... only)
  // Source mode (issue 16): build these C/C++ files with tools/racelab-c++ first and
  // explore the result (with `command` as its arguments).
  std::vector<std::string> sources;
  // The preload library; empty: $RACELAB_EXPLORE_LIB, else next to labctl in the build
  // (BUILD/tools/explore/libracelab_explore.so).
  std::filesystem::path library;
};

// Exit 1 when a failing schedule was found (it is printed with the program's output
// tail), 0 when none was in `schedules` runs. Throws labctl::Error for usage and
// environment problems (a bad schedule string, a program or library that is missing).
int run_explore(const ExploreOptions& options);

// What exploring found, for callers that show it their own way (`race --explore`).
struct ExploreFinding {
  bool failed = false;
  int schedule_index = 0;       // 1-based: the run that failed
  std::string schedule;         // its schedule string
  std::string failure;          // describe_explored_run(), or "printed ... instead of ..."
  std::string output_tail;      // the program's last lines
  std::uint64_t steps = 0;      // the failing run's scheduling points (0 when it died)
  int runs = 0;                 // schedules run
  std::vector<TraceEvent> trace;  // the failing run's scheduling points (when asked for)
  TraceLocations locations;       // their source lines, where addr2line found them
};

// Explores (or replays) like run_explore, but prints nothing and writes no file: the
// caller shows the finding its own way.
ExploreFinding explore_quietly(const ExploreOptions& options);

// --- pieces of run_explore(), public for the tests ---

// What a run's end means, in the driver's words: "exited 1", "deadlock (every live thread
// blocked)", "a thread spun for 10 s without a scheduling point", "killed by SIGSEGV ...".
std::string describe_explored_run(const ExitStatus& status, int timeout);

// The strategy run `index` (0-based) uses under `strategy` (mix: random, pct, delay in
// turn). Throws labctl::Error for an unknown strategy name.
explore::Strategy strategy_of_run(const std::string& strategy, int index);

// A word as a POSIX shell reads it back: as it is when it is plain, else in single quotes.
std::string shell_quote(std::string_view word);

// The last `lines` lines of `text` (all of it when it has fewer).
std::string tail_lines(std::string_view text, int lines);

}  // namespace labctl
