// Source mode (issue 16): publication through a plain flag. The producer writes the data,
// then sets `ready`; the consumer waits for `ready`, then reads the data. With plain
// variables nothing orders the two (the compiler and the CPU may reorder them, and the race
// detector sees no happens-before): a data race on both, reported in the first run.
// Fixed twin (-DRACELAB_FIXED): `ready` is an atomic, stored with release and loaded with
// acquire, which orders the data too.
#include <atomic>
#include <cstdio>
#include <sched.h>
#include <thread>

namespace {

int data = 0;
#ifdef RACELAB_FIXED
std::atomic<bool> ready{false};
void publish() { ready.store(true, std::memory_order_release); }
bool published() { return ready.load(std::memory_order_acquire); }
#else
bool ready = false;
void publish() { ready = true; }
bool published() { return ready; }
#endif

void producer() {
  data = 42;
  publish();
}

void consumer(int* seen) {
  while (!published()) sched_yield();
  *seen = data;
}

}  // namespace

int main() {
  int seen = 0;
  std::thread c(consumer, &seen);
  std::thread p(producer);
  c.join();
  p.join();
  std::printf("consumer saw %d (expected 42)\n", seen);
  return seen == 42 ? 0 : 1;
}
