// pool_cost: what one trivial task costs on three thread pools of two workers, in counts that
// do not depend on the machine's load (issue 18): heap allocations and bytes per task,
// counted here, and instructions per task, counted by callgrind around this program
// (tools/bench-pools). The pools, each used as a student would use it, a result coming back
// through a future:
//   labkit    labkit::ThreadPoolExecutor: submit() → labkit::Future
//   asio      Debian's asio::thread_pool: asio::post(pool, asio::use_future(fn)) → std::future
//   textbook  one mutex, one condition variable, a deque of std::packaged_task → std::future
//   process   labkit::ProcessPoolExecutor: submit() to a worker process → labkit::Future (held
//             against Python's ProcessPoolExecutor, bench/python_pool.py; wall time only)
//
//   pool_cost --pool labkit|asio|textbook|process --tasks N [--mode batch|roundtrip|map]
//
// batch: N submits, then every get(); roundtrip: submit then get, N times; map (labkit only):
// one map() over N inputs, chunked as the pool chooses. Prints one line:
//   pool=labkit mode=batch tasks=N allocations=A bytes=B seconds=S
// (allocations and bytes counted between the pool's start and its shutdown, so the pool's own
// setup is in them once; tools/bench-pools takes the difference of two sizes per task).
#include <labkit/executor.hpp>
#include <labkit/process_pool.hpp>

#include <asio/post.hpp>
#include <asio/thread_pool.hpp>
#include <asio/use_future.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <new>
#include <string>
#include <thread>
#include <vector>

namespace {

std::atomic<bool> g_counting{false};
std::atomic<long long> g_allocations{0};
std::atomic<long long> g_bytes{0};

}  // namespace

// Every allocation of the program passes here; only those while g_counting count.
void* operator new(std::size_t size) {
  if (g_counting.load(std::memory_order_relaxed)) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    g_bytes.fetch_add(static_cast<long long>(size), std::memory_order_relaxed);
  }
  if (void* memory = std::malloc(size == 0 ? 1 : size)) return memory;
  throw std::bad_alloc();
}
void operator delete(void* memory) noexcept { std::free(memory); }
void operator delete(void* memory, std::size_t) noexcept { std::free(memory); }

namespace {

// The textbook pool: what a course would write on a whiteboard.
class TextbookPool {
 public:
  explicit TextbookPool(int workers) {
    for (int i = 0; i < workers; ++i) threads_.emplace_back([this] { work(); });
  }
  ~TextbookPool() {
    {
      std::lock_guard<std::mutex> lock(m_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& thread : threads_) thread.join();
  }
  template <class F>
  auto submit(F fn) {
    std::packaged_task<decltype(fn())()> task(std::move(fn));
    auto future = task.get_future();
    {
      std::lock_guard<std::mutex> lock(m_);
      queue_.emplace_back(std::move(task));
    }
    cv_.notify_one();
    return future;
  }

 private:
  void work() {
    for (;;) {
      std::packaged_task<int()> task;
      {
        std::unique_lock<std::mutex> lock(m_);
        cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
        if (queue_.empty()) return;
        task = std::move(queue_.front());
        queue_.pop_front();
      }
      task();
    }
  }
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<std::packaged_task<int()>> queue_;
  std::vector<std::thread> threads_;
  bool stop_ = false;
};

int trivial(int x) { return x + 1; }

// Runs `tasks` tasks through `submit` (which returns a future of int) as the mode says and
// returns the sum of the answers, so that no pool can skip the work.
template <class Submit>
long long run(Submit submit, long long tasks, bool batch) {
  long long sum = 0;
  if (batch) {
    std::vector<decltype(submit(0))> futures;
    futures.reserve(static_cast<std::size_t>(tasks));
    for (long long i = 0; i < tasks; ++i) futures.push_back(submit(static_cast<int>(i)));
    for (auto& future : futures) sum += future.get();
  } else {
    for (long long i = 0; i < tasks; ++i) sum += submit(static_cast<int>(i)).get();
  }
  return sum;
}

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr, "pool_cost: %s\nusage: pool_cost --pool labkit|asio|textbook|process --tasks N [--mode batch|roundtrip|map]\n",
               why);
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  std::string pool;
  std::string mode = "batch";
  long long tasks = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--pool") == 0) pool = argv[i + 1];
    else if (std::strcmp(argv[i], "--mode") == 0) mode = argv[i + 1];
    else if (std::strcmp(argv[i], "--tasks") == 0) tasks = std::atoll(argv[i + 1]);
    else usage("unknown option");
  }
  if (argc % 2 == 0) usage("an option without its value");
  if (tasks <= 0) usage("--tasks must be a positive number");
  if (mode != "batch" && mode != "roundtrip" && mode != "map") usage("--mode is batch, roundtrip or map");
  if (mode == "map" && pool != "labkit") usage("--mode map is for --pool labkit (the others have no map)");
  const bool batch = mode == "batch";
  std::vector<int> inputs;  // map's inputs, made before counting starts
  if (mode == "map") {
    inputs.resize(static_cast<std::size_t>(tasks));
    for (std::size_t i = 0; i < inputs.size(); ++i) inputs[i] = static_cast<int>(i);
  }
  long long sum = 0;
  const auto started = std::chrono::steady_clock::now();
  g_counting = true;
  if (mode == "map") {
    labkit::ThreadPoolExecutor executor(2);
    for (int result : executor.map(trivial, inputs)) sum += result;
    executor.shutdown(true);
  } else if (pool == "labkit") {
    labkit::ThreadPoolExecutor executor(2);
    sum = run([&](int x) { return executor.submit(trivial, x); }, tasks, batch);
    executor.shutdown(true);
  } else if (pool == "asio") {
    asio::thread_pool executor(2);
    sum = run([&](int x) { return asio::post(executor, asio::use_future([x] { return trivial(x); })); }, tasks, batch);
    executor.join();
  } else if (pool == "textbook") {
    TextbookPool executor(2);
    sum = run([&](int x) { return executor.submit([x] { return trivial(x); }); }, tasks, batch);
  } else if (pool == "process") {
    labkit::ProcessPoolExecutor executor(2);
    sum = run([&](int x) { return executor.submit(trivial, x); }, tasks, batch);
    executor.shutdown(true);
  } else {
    usage("--pool is labkit, asio, textbook or process");
  }
  g_counting = false;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const long long expected = tasks * (tasks - 1) / 2 + tasks;
  if (sum != expected) {
    std::fprintf(stderr, "pool_cost: wrong sum %lld, expected %lld\n", sum, expected);
    return 1;
  }
  std::printf("pool=%s mode=%s tasks=%lld allocations=%lld bytes=%lld seconds=%.6f\n", pool.c_str(), mode.c_str(),
              tasks, g_allocations.load(), g_bytes.load(), seconds);
  return 0;
}
