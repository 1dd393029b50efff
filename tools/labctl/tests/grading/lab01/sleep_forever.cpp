// Grading fixture — HOSTILE: never returns: a static initialiser that sleeps forever, before
// any test runs. (It used to ignore SIGTERM and SIGINT too; signal() and pause() are no
// longer allowed imports, so it hangs with what a lab file may use. The wall-time limit,
// which kills the whole sandbox, stops it.)
#include "lost_update.hpp"

#include <chrono>
#include <thread>

namespace {
int hang() {
  for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
}
const int hung = hang();
}  // namespace

namespace lab01 {
StatusCounts count_status_classes(const std::vector<std::string>&, labkit::Executor&) { return {}; }
}  // namespace lab01
