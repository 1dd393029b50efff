// Source mode (issue 16): a reader that skips the reader lock. Accounts under a
// std::shared_mutex: transfers take it exclusively, the audits that sum the balances should
// take it shared; the buggy audit reads without it, so it may see a transfer half done (a
// data race, reported in the same run). Fixed twin (-DRACELAB_FIXED): the audit takes the
// shared lock. Reader-writer locks are scheduling points and happens-before edges like mutexes.
#include <cstdio>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <vector>

namespace {

std::shared_mutex g_lock;
int g_balance[2] = {50, 50};

int audit() {
#ifdef RACELAB_FIXED
  std::shared_lock<std::shared_mutex> lock(g_lock);
#endif
  return g_balance[0] + g_balance[1];
}

void transfer(int amount) {
  std::unique_lock<std::shared_mutex> lock(g_lock);
  g_balance[0] -= amount;
  g_balance[1] += amount;
}

}  // namespace

int main() {
  int seen[3] = {0, 0, 0};
  std::vector<std::thread> threads;
  threads.emplace_back([] {
    transfer(10);
    transfer(5);
  });
  for (int i = 0; i < 3; ++i) threads.emplace_back([i, &seen] { seen[i] = audit(); });
  threads.emplace_back([] { transfer(-3); });
  for (std::thread& t : threads) t.join();
  std::printf("audits saw %d %d %d (expected 100 each)\n", seen[0], seen[1], seen[2]);
  return seen[0] == 100 && seen[1] == 100 && seen[2] == 100 ? 0 : 1;
}
