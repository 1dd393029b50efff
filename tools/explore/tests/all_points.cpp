// A correct program that goes through every scheduling point the explorer knows (issue 7):
// thread create/join/exit, lock/trylock/unlock (plain and recursive), condition wait,
// timed wait, signal and broadcast, yield and sleep. It must pass under every schedule:
// a failure here is a bug in the explorer (a lost signal, a wrong timeout, a bad hand-off).
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <pthread.h>
#include <queue>
#include <thread>
#include <vector>

namespace {

std::mutex queue_mutex;
std::condition_variable queue_cv;
std::queue<int> items;
bool closed = false;

std::recursive_mutex total_mutex;
int total = 0;

void add(int value) {
  std::lock_guard<std::recursive_mutex> outer(total_mutex);
  std::lock_guard<std::recursive_mutex> inner(total_mutex);  // recursive: must not block itself
  total += value;
}

void consume() {
  for (;;) {
    std::unique_lock<std::mutex> lock(queue_mutex);
    // A timed wait: under the explorer it times out only when nobody else can run.
    while (items.empty() && !closed) queue_cv.wait_for(lock, std::chrono::milliseconds(5));
    if (items.empty()) return;
    const int value = items.front();
    items.pop();
    lock.unlock();
    add(value);
  }
}

void* exits_early(void*) {
  std::this_thread::sleep_for(std::chrono::milliseconds(1));
  pthread_exit(reinterpret_cast<void*>(42));
}

}  // namespace

int main() {
  std::vector<std::thread> consumers;
  for (int i = 0; i < 3; ++i) consumers.emplace_back(consume);
  for (int i = 1; i <= 20; ++i) {
    {
      std::lock_guard<std::mutex> lock(queue_mutex);
      items.push(i);
    }
    queue_cv.notify_one();
    std::this_thread::yield();
  }
  {
    std::lock_guard<std::mutex> lock(queue_mutex);
    closed = true;
  }
  queue_cv.notify_all();
  for (std::thread& consumer : consumers) consumer.join();

  std::mutex gate;
  bool tried = false;
  std::thread contender([&] {
    if (gate.try_lock()) gate.unlock();  // either result is fine; it must not hang
    tried = true;
  });
  {
    std::lock_guard<std::mutex> lock(gate);
  }
  contender.join();

  pthread_t early;
  void* result = nullptr;
  pthread_create(&early, nullptr, exits_early, nullptr);
  pthread_join(early, &result);

  std::printf("total = %d, tried = %d, pthread_exit gave %ld\n", total, tried, reinterpret_cast<long>(result));
  return total == 210 && tried && result == reinterpret_cast<void*>(42) ? 0 : 1;
}
