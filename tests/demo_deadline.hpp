// For the demo programs of labs whose starter can hang (03, 07, 10): run the lab's call
// with a deadline, and past it print the run's one outcome line and end at once, so that
// `tools/lab race` counts a hang as an answer instead of waiting for it.
#pragma once

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>
#include <utility>

namespace demo {

// Runs `call()` on a thread of its own and returns its result. If it has not returned
// within `limit`, prints `hang_line` as the outcome and ends with _exit(0): the stuck
// threads can be neither joined nor stopped, and a hang is an answer like any other.
template <class Call>
auto call_or_report_hang(std::chrono::milliseconds limit, const char* hang_line, Call call) {
  decltype(call()) result{};
  std::atomic<bool> done{false};
  std::thread caller([&] {
    result = call();
    done.store(true, std::memory_order_release);
  });
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done.load(std::memory_order_acquire)) {
    if (std::chrono::steady_clock::now() > deadline) {
      std::printf("%s\n", hang_line);
      std::fflush(stdout);
      _exit(0);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  caller.join();
  return result;
}

}  // namespace demo
