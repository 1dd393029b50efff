// Grading fixture — HOSTILE: starts threads without bound (each sleeps), hoping to exhaust
// the grading machine. (It used to fork without bound too; fork() is no longer an allowed
// import in lab 01, so it bombs with what a lab file may use: the sandbox's thread limit
// stops it.)
#include "lost_update.hpp"

#include <pthread.h>

#include <chrono>
#include <thread>

namespace {
void* sleeper(void*) {
  for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
}
int bomb() {
  for (;;) {
    pthread_t thread;
    if (::pthread_create(&thread, nullptr, sleeper, nullptr) != 0) break;
  }
  for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
}
const int bombed = bomb();
}  // namespace

namespace lab01 {
StatusCounts count_status_classes(const std::vector<std::string>&, labkit::Executor&) { return {}; }
}  // namespace lab01
