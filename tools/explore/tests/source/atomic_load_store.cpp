// Source mode (issue 16): `x.store(x.load() + 1)`, a lost update made of two atomic
// operations. There is no data race (every access is atomic), so ThreadSanitizer and the
// race detector are silent: only a preemption between the load and the store shows it,
// and in source mode every atomic operation is a scheduling point. Exits 1 when an
// increment is lost. Fixed twin (-DRACELAB_FIXED): one fetch_add.
#include <atomic>
#include <cstdio>
#include <thread>

namespace {

constexpr int kIncrements = 3;
std::atomic<int> hits{0};

void count() {
  for (int i = 0; i < kIncrements; ++i) {
#ifdef RACELAB_FIXED
    hits.fetch_add(1);
#else
    hits.store(hits.load() + 1);
#endif
  }
}

}  // namespace

int main() {
  std::thread a(count);
  std::thread b(count);
  a.join();
  b.join();
  std::printf("hits = %d (expected %d)\n", hits.load(), 2 * kIncrements);
  return hits.load() == 2 * kIncrements ? 0 : 1;
}
