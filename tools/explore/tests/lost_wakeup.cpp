// A classic bug for the explorer (issue 7): a lost wake-up. The consumer checks the flag
// without holding the mutex and then waits; if the producer sets the flag and signals in
// between, the signal finds no waiter and the consumer waits forever (the explorer reports
// a deadlock). Built with -DRACELAB_FIXED it is the fixed twin: the check and the wait under
// the mutex, in a loop, as std::condition_variable requires.
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

namespace {

std::mutex m;
std::condition_variable ready_cv;
bool ready = false;

void consumer() {
#ifdef RACELAB_FIXED
  std::unique_lock<std::mutex> lock(m);
  while (!ready) ready_cv.wait(lock);
#else
  if (!ready) {  // read without the mutex: the producer may set it and signal right after
    std::unique_lock<std::mutex> lock(m);
    ready_cv.wait(lock);
  }
#endif
}

void producer() {
  {
    std::lock_guard<std::mutex> lock(m);
    ready = true;
  }
  ready_cv.notify_one();
}

}  // namespace

int main() {
  std::thread c(consumer);
  std::thread p(producer);
  c.join();
  p.join();
  std::puts("consumed");
  return 0;
}
