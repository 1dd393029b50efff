// `labctl watch`: rustlings' watch mode for racelab. Checks the lab being worked on,
// then re-checks it every time one of its files is saved (inotify), and moves on to the
// next lab when it passes. Keys: h the next hint, Enter check again, q quit.
#pragma once

#include "course/workspace.hpp"

#include <string>

namespace labctl {

struct WatchOptions {
  std::string lab;        // start here; empty: the first lab not passing when last checked
  bool no_build = false;  // run the test programs as they are (labctl's own tests)
  bool diagnostics = false;  // also print "file:line:col: error: ..." lines after each check
};

// Returns 0 on q or when every lab passes; 2 when the lab's folder disappears (one line
// on stderr, like every environment error). When stdin ends, it goes on watching files.
int run_watch(const Workspace& workspace, const WatchOptions& options);

}  // namespace labctl
