// Source mode (issue 16): lazy initialisation. Three threads need a table that is built on
// first use. The bug: "if it is not built yet, build it" with a plain flag, so two threads
// may both build it, and readers may see the flag before the table (a data race on both).
// Fixed twin (-DRACELAB_FIXED): a function-local static for one table and std::call_once for
// the other, the race-free ways; their initialisations have memory points of their own, and
// a thread arriving meanwhile must not hang in libstdc++'s or glibc's wait (the explorer runs
// one-time initialisations without memory points) nor be reported (their happens-before).
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

namespace {

int g_table[4];
int g_other[4];

void build_other() {
  for (int i = 0; i < 4; ++i) g_other[i] = 10 * i;
}

#ifdef RACELAB_FIXED
int build_table() {
  for (int i = 0; i < 4; ++i) g_table[i] = i + 1;
  return g_table[3];
}
int table_size() {
  static const int size = build_table();  // initialised once, by the first caller
  return size;
}
std::once_flag g_other_once;
int other(int i) {
  std::call_once(g_other_once, build_other);
  return g_other[i];
}
#else
bool g_table_built = false;
int table_size() {
  if (!g_table_built) {
    for (int i = 0; i < 4; ++i) g_table[i] = i + 1;
    g_table_built = true;
  }
  return g_table[3];
}
bool g_other_built = false;
int other(int i) {
  if (!g_other_built) {
    build_other();
    g_other_built = true;
  }
  return g_other[i];
}
#endif

}  // namespace

int main() {
  int sums[3] = {0, 0, 0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) threads.emplace_back([t, &sums] { sums[t] = table_size() + g_table[t] + other(t); });
  for (std::thread& t : threads) t.join();
  std::printf("%d %d %d (expected 5 16 27)\n", sums[0], sums[1], sums[2]);
  return sums[0] == 5 && sums[1] == 16 && sums[2] == 27 ? 0 : 1;
}
