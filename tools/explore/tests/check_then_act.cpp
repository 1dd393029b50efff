// A classic bug for the explorer (issue 7): an atomicity violation under locks. Every access
// to the balance holds the mutex, so there is no data race and ThreadSanitizer is silent, but
// the check ("is there enough?") and the act ("take it") are two critical sections: two
// withdrawals can both pass the check before either takes the money. Exits 1 when the balance
// goes negative. Built with -DRACELAB_FIXED it is the fixed twin: one critical section.
#include <cstdio>
#include <mutex>
#include <thread>

namespace {

std::mutex balance_mutex;
int balance = 100;

void withdraw(int amount) {
#ifdef RACELAB_FIXED
  std::lock_guard<std::mutex> lock(balance_mutex);
  if (balance >= amount) balance -= amount;
#else
  bool enough = false;
  {
    std::lock_guard<std::mutex> lock(balance_mutex);
    enough = balance >= amount;
  }
  if (enough) {
    std::lock_guard<std::mutex> lock(balance_mutex);
    balance -= amount;
  }
#endif
}

}  // namespace

int main() {
  std::thread a(withdraw, 80);
  std::thread b(withdraw, 80);
  a.join();
  b.join();
  std::printf("balance = %d\n", balance);
  return balance >= 0 ? 0 : 1;
}
