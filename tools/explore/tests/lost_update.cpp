// A classic bug for the explorer (issue 7): a lost update. Two threads increment a shared
// counter with a read, a yield and a write, and no lock, so an increment made between
// another thread's read and write is lost. Plain runs rarely show it; the explorer makes
// the interleaving happen, and a schedule string replays it. Exits 1 when an update is lost.
// Built with -DRACELAB_FIXED it is the fixed twin: the read and write under one mutex.
#include <cstdio>
#include <mutex>
#include <sched.h>
#include <thread>

namespace {

constexpr int kIncrements = 3;
int counter = 0;
#ifdef RACELAB_FIXED
std::mutex counter_mutex;
#endif

void add() {
  for (int i = 0; i < kIncrements; ++i) {
#ifdef RACELAB_FIXED
    std::lock_guard<std::mutex> lock(counter_mutex);
#endif
    const int seen = counter;
    sched_yield();  // the window: another thread may run between the read and the write
    counter = seen + 1;
  }
}

}  // namespace

int main() {
  std::thread a(add);
  std::thread b(add);
  a.join();
  b.join();
  std::printf("counter = %d (expected %d)\n", counter, 2 * kIncrements);
  return counter == 2 * kIncrements ? 0 : 1;
}
