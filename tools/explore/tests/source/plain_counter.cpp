// Source mode (issue 16): a lost update on a plain counter with no call between the read
// and the write, so the pthread-level explorer never preempts there. Two threads each add
// 3; a run that loses an update exits 1, and the race detector reports the unordered
// read/write pair (exit 96) even in a run whose answer is right.
// Fixed twin (-DRACELAB_FIXED): the read and the write under one mutex.
#include <cstdio>
#include <mutex>
#include <thread>

namespace {

constexpr int kIncrements = 3;
int counter = 0;
#ifdef RACELAB_FIXED
std::mutex counter_mutex;
#endif

// Not inlined, so that each increment stays a read and a write of its own.
[[gnu::noinline]] void add_one() {
#ifdef RACELAB_FIXED
  std::lock_guard<std::mutex> lock(counter_mutex);
#endif
  const int seen = counter;
  counter = seen + 1;
}

void add() {
  for (int i = 0; i < kIncrements; ++i) add_one();
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
