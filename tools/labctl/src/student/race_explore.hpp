// `labctl race NN --explore`: after the chart, each side's demo under the explorer
// (tools/lab explore), showing the first interleaving whose answer is not the reference's.
#pragma once

#include "course/catalogue.hpp"
#include "explore/explore_trace.hpp"
#include "student/race.hpp"

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace labctl {

// One side of the race: a lab's demo program, built from the starter or the solution.
struct RaceDemo {
  std::string side;                // "starter" (the student's code) or "solution"
  std::string name;                // what the output calls it: "your code" or "reference"
  std::string target;              // its build target, like lab01_starter_demo
  std::filesystem::path program;   // the built program
};

// Explores each demo for options.schedules schedules, a run failing when its first line is
// not `expected`, and prints what it found; the failing runs' traces go into `scratch`.
void explore_demos(const Lab& lab, const std::filesystem::path& lab_dir, const std::vector<RaceDemo>& demos,
                   const std::string& expected, const RaceOptions& options, const std::filesystem::path& scratch);

// --- pieces, public for the tests ---

// The points of a trace the terminal shows (indices into `events`, in order): the last
// `points`, and before them the latest few that matter to the failure (explain_trace's key
// points), which a window of the last points alone would miss.
std::vector<std::size_t> shown_points(const std::vector<TraceEvent>& events, std::size_t points);
// The same from the trace's words (explain_trace), when the caller has them already.
std::vector<std::size_t> shown_points(const std::vector<TracePointWords>& words, std::size_t points);

}  // namespace labctl
