// For the explorer's watchdog (issue 7): a thread that busy-waits on an atomic flag without
// ever reaching a scheduling point. Plain runs finish (main sets the flag at once); under
// the explorer, when the spinner is chosen before main sets the flag, nothing else can
// run, and the watchdog must report the spin within the timeout instead of hanging.
#include <atomic>
#include <chrono>
#include <thread>

namespace {
std::atomic<bool> go{false};
}

int main() {
  std::thread spinner([] {
    while (!go.load()) {
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(1));
  go.store(true);
  spinner.join();
  return 0;
}
