// Four ways a test hangs, the four the course names (run/hang_stacks.hpp in labctl): each
// test never ends on purpose, and the watchdog stops it. hang_stacks_test.cpp runs one at a
// time with the stacks asked for; tools/labctl/tests/fixtures/hangs holds their captured
// output, which labctl's unit tests read. Not a test program of its own: never run by ctest.
#include <labkit/executor.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace {

// Two threads take two mutexes in opposite orders, each holding its first.
TEST(Hang, LockCycle) {
  std::mutex a;
  std::mutex b;
  std::atomic<int> holding{0};
  auto take = [&holding](std::mutex& first, std::mutex& second) {
    std::lock_guard<std::mutex> one(first);
    holding.fetch_add(1);
    while (holding.load() < 2) std::this_thread::yield();  // both hold their first one
    std::lock_guard<std::mutex> two(second);
  };
  std::thread left(take, std::ref(a), std::ref(b));
  std::thread right(take, std::ref(b), std::ref(a));
  left.join();
  right.join();
}

// A task on a one-worker pool waits for a task it submitted, which can never start.
TEST(Hang, PoolStarvation) {
  labkit::ThreadPoolExecutor pool(1);
  auto outer = pool.submit([&pool] {
    auto inner = pool.submit([] { return 1; });
    return inner.get();
  });
  EXPECT_EQ(outer.get(), 1);  // never reached
}

// A wait whose notify came first: nobody will signal again.
TEST(Hang, LostWakeUp) {
  std::mutex m;
  std::condition_variable cv;
  cv.notify_one();  // before anybody waits: lost
  std::thread waiter([&] {
    std::unique_lock<std::mutex> lock(m);
    cv.wait(lock);  // no predicate, no state: waits for a notify that already happened
  });
  waiter.join();
}

// A loop whose condition never changes.
TEST(Hang, EndlessLoop) {
  volatile unsigned long spins = 0;
  volatile bool done = false;
  while (!done) spins = spins + 1;
}

}  // namespace
