// Grading fixture — HOSTILE: never returns, ignoring the signals a polite grader sends.
#include "lost_update.hpp"

#include <signal.h>
#include <unistd.h>

namespace {
int hang() {
  ::signal(SIGTERM, SIG_IGN);
  ::signal(SIGINT, SIG_IGN);
  for (;;) ::pause();
}
const int hung = hang();
}  // namespace

namespace lab01 {
StatusCounts count_status_classes(const std::vector<std::string>&, labkit::Executor&) { return {}; }
}  // namespace lab01
