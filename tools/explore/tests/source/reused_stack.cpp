// Source mode: a thread's locals are its own, even on a stack glibc hands it from a thread
// that ended. Ten generations of two threads, each joined before the next starts (so glibc
// reuses the stacks), each thread working on a local array. None of those accesses may be a
// scheduling point; only the thread starts and joins are. source_test.sh's `points` mode
// runs it once under random:seed=1 and bounds the steps the explorer took.
//
// Until the explorer took such memory as new, every generation after the first saw its
// locals as shared with the ended threads (a second toucher), and every access to them
// became a point: 18,522 steps here, against 82 now.
#include <thread>
#include <vector>

namespace {

constexpr int kGenerations = 10;
constexpr int kThreads = 2;
constexpr int kCells = 128;
constexpr int kRounds = 8;

// Through a pointer: ThreadSanitizer's instrumentation (which source mode reads) leaves out
// a local that never escapes its function, and lab code passes its locals around by address
// (an iterator's operator++, a string's find).
[[gnu::noinline]] void fill(int* cells, int value) {
  for (int i = 0; i < kCells; ++i) cells[i] = value + i;
}

[[gnu::noinline]] int work_on_own_locals(int seed) {
  int cells[kCells];
  for (int round = 0; round < kRounds; ++round) fill(cells, seed + round);
  int sum = 0;
  for (int i = 0; i < kCells; ++i) sum += cells[i];
  return sum;
}

}  // namespace

int main() {
  int total = 0;
  for (int generation = 0; generation < kGenerations; ++generation) {
    int results[kThreads] = {};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&results, t, generation] { results[t] = work_on_own_locals(generation * kThreads + t); });
    }
    for (auto& thread : threads) thread.join();
    for (int result : results) total += result;
  }
  return total == 0 ? 1 : 0;
}
