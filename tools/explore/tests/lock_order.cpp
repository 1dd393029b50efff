// A classic bug for the explorer (issue 7): a lock-order deadlock. One thread takes mutex A
// then B, the other B then A; if each gets its first before the other's second, neither can
// go on. Plain runs almost never hit the window; the explorer reports the deadlock with what
// each thread waits for. Built with -DRACELAB_FIXED it is the fixed twin: both take A then B.
#include <cstdio>
#include <mutex>
#include <thread>

namespace {

std::mutex a_mutex;
std::mutex b_mutex;
int transfers = 0;

void a_then_b() {
  std::lock_guard<std::mutex> first(a_mutex);
  std::lock_guard<std::mutex> second(b_mutex);
  ++transfers;
}

void b_then_a() {
#ifdef RACELAB_FIXED
  std::lock_guard<std::mutex> first(a_mutex);
  std::lock_guard<std::mutex> second(b_mutex);
#else
  std::lock_guard<std::mutex> first(b_mutex);
  std::lock_guard<std::mutex> second(a_mutex);
#endif
  ++transfers;
}

}  // namespace

int main() {
  std::thread one(a_then_b);
  std::thread two(b_then_a);
  one.join();
  two.join();
  std::printf("transfers = %d\n", transfers);
  return transfers == 2 ? 0 : 1;
}
