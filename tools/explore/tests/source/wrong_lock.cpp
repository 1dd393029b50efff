// Source mode (issue 16): a lock taken around the wrong variable. Two accounts, each with
// its own mutex; the deposit into `savings` locks `checking_mutex`, so it and the interest
// thread (which rightly locks `savings_mutex`) update `savings` with no common lock. Every
// access is inside *some* critical section, which is what makes the bug easy to miss.
// Fixed twin (-DRACELAB_FIXED): the deposit locks `savings_mutex`.
#include <cstdio>
#include <mutex>
#include <thread>

namespace {

long checking = 100;
long savings = 100;
std::mutex checking_mutex;
std::mutex savings_mutex;

void deposit_to_savings() {
#ifdef RACELAB_FIXED
  std::lock_guard<std::mutex> lock(savings_mutex);
#else
  std::lock_guard<std::mutex> lock(checking_mutex);  // the wrong mutex for `savings`
#endif
  savings = savings + 50;
}

void add_interest() {
  std::lock_guard<std::mutex> lock(savings_mutex);
  savings = savings + savings / 10;
}

long read_checking() {
  std::lock_guard<std::mutex> lock(checking_mutex);
  return checking;
}

}  // namespace

int main() {
  std::thread d(deposit_to_savings);
  std::thread i(add_interest);
  d.join();
  i.join();
  // Either order is correct: 150 then +15, or 110 then +50.
  std::printf("checking = %ld, savings = %ld (expected 165 or 160)\n", read_checking(), savings);
  return savings == 165 || savings == 160 ? 0 : 1;
}
