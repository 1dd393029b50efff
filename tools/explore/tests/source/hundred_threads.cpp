// Source mode (issue 16): a bug that needs the right thread among 100. Ninety-nine workers
// count a visit with fetch_add; one, the last created, counts with a load and a store (a
// read-modify-write split in two), so its visit, or another's, is lost only when another
// worker's fetch_add lands between its load and its store. No data race (all atomics).
// PCT's guarantee for it falls with the thread count; delay bounding's does not (mix
// alternates both with random). Exits 1 when a visit is lost.
// Fixed twin (-DRACELAB_FIXED): the last worker uses fetch_add too.
#include <atomic>
#include <cstdio>
#include <thread>
#include <vector>

namespace {

constexpr int kThreads = 100;
std::atomic<int> visits{0};

void visit(int id) {
#ifndef RACELAB_FIXED
  if (id == kThreads - 1) {
    visits.store(visits.load() + 1);
    return;
  }
#endif
  (void)id;
  visits.fetch_add(1);
}

}  // namespace

int main() {
  std::vector<std::thread> workers;
  for (int id = 0; id < kThreads; ++id) workers.emplace_back(visit, id);
  for (std::thread& w : workers) w.join();
  std::printf("visits = %d (expected %d)\n", visits.load(), kThreads);
  return visits.load() == kThreads ? 0 : 1;
}
