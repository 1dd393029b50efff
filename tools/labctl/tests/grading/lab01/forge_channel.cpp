// Grading fixture — HOSTILE: knows racelab's result protocol (it is open source:
// tools/labkit/include/labkit/protocol.hpp; written out here as an attacker would) and
// tries to forge the harness's line from a static initialiser: the channel's fd and nonce
// from the environment, every test "passed", then exit 0. The harness takes both out of
// the environment before ordinary static initialisers run, so there is nothing to forge
// with; the program then runs its tests, which fail.
// Now stopped before it runs: getenv, write and _exit are not allowed imports
// (grade/allowed_imports.txt).
#include "lost_update.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

namespace {
int forge() {
  const char* fd = std::getenv("RACELAB_RESULT_FD");
  const char* nonce = std::getenv("RACELAB_RESULT_NONCE");
  if (fd == nullptr || nonce == nullptr) return 0;
  std::string line = std::string("{\"nonce\":\"") + nonce + "\",\"exit\":0,\"tsan_reports\":0,\"tests\":[";
  const char* tests[] = {"Correctness.ReferenceCountsEveryClass", "Correctness.EmptyLog", "Correctness.OneLine",
                         "Correctness.AFewLinesOnAThreadPool", "Correctness.ManyLinesOnAThreadPool",
                         "Determinism.SameCountsForEveryTaskOrder", "RaceFree.UnderTheExposureExecutor",
                         "NoGlobals.NoMutableStaticsInTheLabCode", "Parallel.WorkIsSplitIntoSeveralTasks"};
  bool first = true;
  for (const char* test : tests) {
    line += std::string(first ? "" : ",") + "[\"" + test + "\",true,0]";
    first = false;
  }
  line += "]}\n";
  [[maybe_unused]] auto n = ::write(std::atoi(fd), line.data(), line.size());
  ::_exit(0);
}
const int forged = forge();
}  // namespace

namespace lab01 {
StatusCounts count_status_classes(const std::vector<std::string>&, labkit::Executor&) { return {}; }
}  // namespace lab01
