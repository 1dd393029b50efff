// `labctl race NN`: runs a lab's demo program (tests/NN-slug.demo.cpp, built in the
// release preset) many times on the student's code and on the reference, and charts how
// many different answers each gave.
#pragma once

#include "course/workspace.hpp"

#include <filesystem>
#include <string>

namespace labctl {

struct RaceOptions {
  std::string lab;
  int runs = 200;
  bool solution_only = false;
  std::filesystem::path svg;            // empty: no SVG
  std::filesystem::path release_build;  // empty: ROOT/build/release
  bool no_build = false;                // run the demos as they are (for tests)
  // --explore: after the chart, run each side's demo under the explorer (issue 7) for
  // `schedules` schedules; a run fails when it prints another answer than the reference's.
  bool explore = false;
  int schedules = 200;
};

// Exit 0 (a demonstration: any answers are fine), throws labctl::Error for usage and
// environment problems.
int run_race(const Workspace& workspace, const RaceOptions& options);

}  // namespace labctl
