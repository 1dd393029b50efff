// A classic bug for the explorer (issue 7): an order violation. main starts the worker and
// only then sets up the configuration the worker reads; every access holds the mutex, so
// there is no data race, but nothing makes the set-up come first. Plain runs show it only
// some of the time (it depends on how fast the machine starts a thread); the explorer finds
// it in a few schedules and replays it every time.
// Exits 1 when the worker found no configuration. Built with -DRACELAB_FIXED it is the
// fixed twin: the configuration is set up before the worker starts.
#include <cstdio>
#include <mutex>
#include <thread>

namespace {

struct Config {
  int workers = 4;
};

std::mutex config_mutex;
const Config* config = nullptr;
bool worker_saw_none = false;

void worker() {
  std::lock_guard<std::mutex> lock(config_mutex);
  if (config == nullptr) worker_saw_none = true;
}

void set_up(const Config& value) {
  std::lock_guard<std::mutex> lock(config_mutex);
  config = &value;
}

}  // namespace

int main() {
  static const Config value;
#ifdef RACELAB_FIXED
  set_up(value);
  std::thread t(worker);
#else
  std::thread t(worker);
  set_up(value);
#endif
  t.join();
  std::printf("worker %s the configuration\n", worker_saw_none ? "missed" : "saw");
  return worker_saw_none ? 1 : 0;
}
