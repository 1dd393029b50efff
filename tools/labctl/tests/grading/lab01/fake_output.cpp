// Grading fixture — HOSTILE: prints GoogleTest's success lines for every test, then
// exits 0, hoping the grader reads the output.
// Now stopped before it runs: _exit is not an allowed import (grade/allowed_imports.txt);
// were it, the grader never reads stdout for scores.
#include "lost_update.hpp"

#include <cstdio>
#include <unistd.h>

namespace {
int pretend() {
  const char* tests[] = {"Correctness.OneLine", "Determinism.SameCountsForEveryTaskOrder",
                         "RaceFree.UnderTheExposureExecutor", "NoGlobals.NoMutableStaticsInTheLabCode",
                         "Parallel.WorkIsSplitIntoSeveralTasks"};
  std::printf("[==========] Running 5 tests from 5 test suites.\n");
  for (const char* test : tests) std::printf("[ RUN      ] %s\n[       OK ] %s (0 ms)\n", test, test);
  std::printf("[==========] 5 tests from 5 test suites ran. (0 ms total)\n[  PASSED  ] 5 tests.\n");
  std::fflush(stdout);
  ::_exit(0);
}
const int fake = pretend();
}  // namespace

namespace lab01 {
StatusCounts count_status_classes(const std::vector<std::string>&, labkit::Executor&) { return {}; }
}  // namespace lab01
