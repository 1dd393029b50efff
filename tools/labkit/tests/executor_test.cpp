// Tests of labkit::ThreadPoolExecutor and labkit::as_completed (labkit/executor.hpp).
//
// They run under ThreadSanitizer (the tsan preset) and ASan+UBSan (the asan preset).
// No test asserts on elapsed time: where an order must be forced, a Gate holds a task
// until the test opens it, so the outcome does not depend on how fast the machine is.
#include <labkit/executor.hpp>
#include <labkit/testing.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <numeric>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

// A one-shot barrier: wait() blocks until open() has been called (before or after).
class Gate {
 public:
  void open() {
    {
      std::lock_guard<std::mutex> lock(m_);
      open_ = true;
    }
    cv_.notify_all();
  }
  void wait() {
    std::unique_lock<std::mutex> lock(m_);
    cv_.wait(lock, [this] { return open_; });
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  bool open_ = false;
};

// Counts how many tasks are inside a region at once, and the most there ever were.
class Concurrency {
 public:
  void enter() {
    const int now = ++active_;
    int seen = high_water_.load();
    while (now > seen && !high_water_.compare_exchange_weak(seen, now)) {
    }
  }
  void leave() { --active_; }
  int high_water() const { return high_water_.load(); }

 private:
  std::atomic<int> active_{0};
  std::atomic<int> high_water_{0};
};

int square(int x) { return x * x; }

}  // namespace

// submit() runs the function with the given arguments and get() returns its value;
// a task with no result gives a Future<void>.
TEST(ThreadPoolExecutor, SubmitReturnsTheValue) {
  labkit::ThreadPoolExecutor ex{2};
  labkit::Future<int> f = ex.submit(square, 7);
  EXPECT_TRUE(f.valid());
  EXPECT_EQ(f.get(), 49);
  EXPECT_FALSE(f.valid());  // the result is delivered once

  auto g = ex.submit([](const std::string& a, const std::string& b) { return a + b; },
                     std::string("race"), "lab");
  EXPECT_EQ(g.get(), "racelab");

  std::atomic<bool> ran{false};
  labkit::Future<void> v = ex.submit([&ran] { ran = true; });
  v.get();
  EXPECT_TRUE(ran.load());
  EXPECT_TRUE(v.done());
}

// Arguments are decay-copied at submit(): the caller changes its variable after
// submitting and the task, which reads its argument only later, still sees the old
// value. std::ref shares the variable on purpose, so the task sees the new value.
TEST(ThreadPoolExecutor, ArgumentsAreDecayCopied) {
  labkit::ThreadPoolExecutor ex{2};
  Gate gate;
  int value = 1;
  std::string text = "before";
  auto by_copy = ex.submit(
      [&gate](int v, const std::string& s) {
        gate.wait();  // read the arguments only after the caller changed its own copies
        return std::to_string(v) + " " + s;
      },
      value, text);
  auto by_ref = ex.submit(
      [&gate](std::reference_wrapper<int> v) {
        gate.wait();
        return v.get();
      },
      std::ref(value));
  value = 2;         // after submit: the copy in by_copy must not change
  text = "after";
  gate.open();       // the gate orders these writes before the tasks' reads
  EXPECT_EQ(by_copy.get(), "1 before");
  EXPECT_EQ(by_ref.get(), 2);
}

// map() returns results in input order even when the tasks finish in the reverse
// order: input i waits until every input after it has finished.
TEST(ThreadPoolExecutor, MapKeepsInputOrderWhenEarlyInputsAreSlowest) {
  constexpr int kInputs = 4;
  labkit::ThreadPoolExecutor ex{kInputs};  // all inputs run at once, or the waits would block
  std::mutex m;
  std::condition_variable cv;
  std::vector<int> finished;  // completion order
  std::vector<int> inputs{0, 1, 2, 3};
  auto results = ex.map(
      [&](int i) {
        std::unique_lock<std::mutex> lock(m);
        cv.wait(lock, [&] { return static_cast<int>(finished.size()) == kInputs - 1 - i; });
        finished.push_back(i);
        cv.notify_all();
        return i * 10;
      },
      inputs);
  EXPECT_EQ(finished, (std::vector<int>{3, 2, 1, 0}));       // really finished last-first
  EXPECT_EQ(results, (std::vector<int>{0, 10, 20, 30}));     // still reported in input order
}

// map() rethrows the exception of the FIRST failing input in input order (not the first
// to be thrown in time), and only once every task has finished.
TEST(ThreadPoolExecutor, MapRethrowsTheFirstExceptionInInputOrderAfterAllFinished) {
  labkit::ThreadPoolExecutor ex{4};
  Gate four_threw;
  std::atomic<int> finished{0};
  std::vector<int> inputs{0, 1, 2, 3, 4, 5};
  auto task = [&](int i) -> int {
    struct Count {  // counts the task as finished however it ends
      std::atomic<int>& n;
      ~Count() { ++n; }
    } count{finished};
    if (i == 1) {
      four_threw.wait();  // input 1 throws only after input 4 has thrown
      throw std::runtime_error("input 1");
    }
    if (i == 4) {
      four_threw.open();
      throw std::runtime_error("input 4");
    }
    if (i == 5) std::this_thread::sleep_for(std::chrono::milliseconds(20));  // a straggler
    return i;
  };
  try {
    const std::vector<int> results = ex.map(task, inputs);
    FAIL() << "map() should have thrown, not returned " << results.size() << " results";
  } catch (const std::runtime_error& error) {
    EXPECT_STREQ(error.what(), "input 1");
    EXPECT_EQ(finished.load(), 6) << "map() threw before every task had finished";
  }
}

// An exception thrown by a task reaches the caller through get(), with its type and
// message, and does not harm the pool: the next task runs normally.
TEST(ThreadPoolExecutor, TaskExceptionReachesGet) {
  struct Custom : std::logic_error {
    using std::logic_error::logic_error;
  };
  labkit::ThreadPoolExecutor ex{1};
  auto f = ex.submit([]() -> int { throw std::runtime_error("parse failed"); });
  auto g = ex.submit([] { throw Custom("custom"); });
  auto h = ex.submit(square, 3);
  try {
    const int value = f.get();
    FAIL() << "get() should have thrown, not returned " << value;
  } catch (const std::runtime_error& error) {
    EXPECT_STREQ(error.what(), "parse failed");
  }
  EXPECT_THROW(g.get(), Custom);
  EXPECT_EQ(h.get(), 9);
}

// shutdown(wait=true) blocks until every accepted task has run, queued ones included.
TEST(ThreadPoolExecutor, ShutdownWaitRunsEveryAcceptedTask) {
  labkit::ThreadPoolExecutor ex{2};
  std::atomic<int> ran{0};
  std::vector<labkit::Future<void>> futures;
  for (int i = 0; i < 200; ++i) futures.push_back(ex.submit([&ran] { ++ran; }));
  ex.shutdown(/*wait=*/true);
  EXPECT_EQ(ran.load(), 200);
  for (auto& f : futures) EXPECT_TRUE(f.done());
}

// shutdown(wait=false) returns without waiting: the running task is still held at a
// gate that only this thread opens after shutdown() returned (if shutdown waited, the
// test would hang and the watchdog would fail it). The tasks still finish, and the
// destructor joins the workers.
TEST(ThreadPoolExecutor, ShutdownNoWaitReturnsAtOnceAndTasksStillFinish) {
  std::atomic<int> ran{0};
  std::vector<labkit::Future<int>> futures;
  Gate gate;  // outlives the executor
  {
    labkit::ThreadPoolExecutor ex{1};
    futures.push_back(ex.submit([&] {
      gate.wait();
      ++ran;
      return 0;
    }));
    for (int i = 1; i < 10; ++i) futures.push_back(ex.submit([&ran, i] {
      ++ran;
      return i;
    }));
    ex.shutdown(/*wait=*/false);
    EXPECT_EQ(ran.load(), 0);  // the one worker is still held by the first task
    gate.open();
  }  // ~ThreadPoolExecutor joins the workers
  EXPECT_EQ(ran.load(), 10);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(futures[i].get(), i);
}

// shutdown(wait=true, cancel_futures=true) drops the queued tasks, whose get() throws
// CancelledError, while the task already running completes normally.
TEST(ThreadPoolExecutor, ShutdownCancelFuturesCancelsQueuedTasks) {
  labkit::ThreadPoolExecutor ex{1};
  Gate started;
  Gate release;
  auto running = ex.submit([&] {
    started.open();
    release.wait();
    return 42;
  });
  std::vector<labkit::Future<int>> queued;
  for (int i = 0; i < 5; ++i) queued.push_back(ex.submit(square, i));
  started.wait();  // the one worker is busy: the five are still in the queue

  // shutdown(true, true) cancels the queue, then waits for the running task. Open its
  // gate only once the cancellation is visible, so this proves the order of the two.
  std::thread releaser([&] {
    while (!queued.back().done()) std::this_thread::yield();
    release.open();
  });
  ex.shutdown(/*wait=*/true, /*cancel_futures=*/true);
  releaser.join();

  EXPECT_EQ(running.get(), 42);
  for (auto& f : queued) {
    EXPECT_TRUE(f.done());
    EXPECT_THROW(ADD_FAILURE() << "get() returned " << f.get(), labkit::CancelledError);
  }
}

// shutdown() may be called any number of times, with any arguments: later calls only
// add what they ask for. After the three calls every task has either run or been
// cancelled (none lost, none left running), and a fourth call changes nothing.
TEST(ThreadPoolExecutor, ShutdownIsIdempotent) {
  labkit::ThreadPoolExecutor ex{2};
  std::atomic<int> ran{0};
  std::vector<labkit::Future<void>> futures;
  for (int i = 0; i < 20; ++i) futures.push_back(ex.submit([&ran] { ++ran; }));
  EXPECT_NO_THROW(ex.shutdown(/*wait=*/false));
  EXPECT_NO_THROW(ex.shutdown(/*wait=*/true, /*cancel_futures=*/true));
  EXPECT_NO_THROW(ex.shutdown(/*wait=*/true));
  int cancelled = 0;
  for (auto& f : futures) {
    ASSERT_TRUE(f.done());
    try {
      f.get();
    } catch (const labkit::CancelledError&) {
      ++cancelled;
    }
  }
  EXPECT_EQ(ran.load() + cancelled, 20);
  EXPECT_NO_THROW(ex.shutdown());
  EXPECT_EQ(ran.load() + cancelled, 20);
}

// submit() and map() after shutdown() throw ExecutorShutdown and accept nothing.
TEST(ThreadPoolExecutor, SubmitAfterShutdownThrows) {
  labkit::ThreadPoolExecutor ex{2};
  EXPECT_EQ(ex.submit(square, 2).get(), 4);
  ex.shutdown();
  EXPECT_THROW(auto refused = ex.submit(square, 3), labkit::ExecutorShutdown);
  EXPECT_THROW(auto refused = ex.map(square, std::vector<int>{1, 2}), labkit::ExecutorShutdown);
  EXPECT_EQ(ex.tasks_submitted(), 1u);
  try {
    auto refused = ex.submit(square, 4);
    ADD_FAILURE() << "submit() after shutdown() accepted a task";
  } catch (const labkit::ExecutorShutdown& error) {
    EXPECT_NE(std::string(error.what()).find("shutdown"), std::string::npos);
  }
}

// max_workers() reports the bound given, or for 0 the hardware concurrency (at least 1).
TEST(ThreadPoolExecutor, MaxWorkersReportsTheBound) {
  EXPECT_EQ(labkit::ThreadPoolExecutor{3}.max_workers(), 3u);
  EXPECT_EQ(labkit::ThreadPoolExecutor{1}.max_workers(), 1u);
  labkit::ThreadPoolExecutor automatic{0};
  EXPECT_GE(automatic.max_workers(), 1u);
  EXPECT_EQ(automatic.max_workers(), std::max(1u, std::thread::hardware_concurrency()));
  labkit::ThreadPoolExecutor by_default;
  EXPECT_EQ(by_default.max_workers(), automatic.max_workers());
}

// The pool never runs more than max_workers tasks at once (an atomic high-water mark
// over many short tasks), and it does use all of them: max_workers tasks that wait for
// each other at a latch can all finish only if they run at the same time.
TEST(ThreadPoolExecutor, NeverRunsMoreThanMaxWorkersAtOnce) {
  constexpr int kWorkers = 3;
  labkit::ThreadPoolExecutor ex{kWorkers};
  Concurrency concurrency;
  std::vector<labkit::Future<void>> futures;
  for (int i = 0; i < 300; ++i) {
    futures.push_back(ex.submit([&concurrency] {
      concurrency.enter();
      std::this_thread::yield();
      concurrency.leave();
    }));
  }
  for (auto& f : futures) f.get();
  EXPECT_GE(concurrency.high_water(), 1);
  EXPECT_LE(concurrency.high_water(), kWorkers);

  std::mutex m;
  std::condition_variable cv;
  int arrived = 0;
  Concurrency together;
  std::vector<labkit::Future<void>> latch;
  for (int i = 0; i < kWorkers; ++i) {
    latch.push_back(ex.submit([&] {
      together.enter();
      std::unique_lock<std::mutex> lock(m);
      ++arrived;
      cv.notify_all();
      cv.wait(lock, [&] { return arrived == kWorkers; });
      together.leave();
    }));
  }
  for (auto& f : latch) f.get();
  EXPECT_EQ(together.high_water(), kWorkers);
}

// Four threads submit to one executor at the same time; every result is correct and
// every submission was counted.
TEST(ThreadPoolExecutor, ConcurrentSubmittersGetTheirOwnResults) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 500;
  labkit::ThreadPoolExecutor ex{3};
  std::vector<std::int64_t> sums(kThreads, 0);
  std::vector<int> wrong(kThreads, 0);
  std::vector<std::thread> submitters;
  for (int t = 0; t < kThreads; ++t) {
    submitters.emplace_back([&ex, &sums, &wrong, t] {
      std::vector<labkit::Future<std::int64_t>> futures;
      for (int i = 0; i < kPerThread; ++i)
        futures.push_back(ex.submit([](int a, int b) { return std::int64_t{a} * 1000 + b; }, t, i));
      for (int i = 0; i < kPerThread; ++i) {
        const std::int64_t got = futures[i].get();
        if (got != std::int64_t{t} * 1000 + i) ++wrong[t];
        sums[t] += got;
      }
    });
  }
  for (auto& s : submitters) s.join();
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(wrong[t], 0) << "submitter " << t;
    EXPECT_EQ(sums[t], std::int64_t{t} * 1000 * kPerThread + kPerThread * (kPerThread - 1) / 2);
  }
  EXPECT_EQ(ex.tasks_submitted(), static_cast<std::size_t>(kThreads * kPerThread));
}

// 100 000 tiny tasks all complete, and their results add up to the right sum.
TEST(ThreadPoolExecutor, HundredThousandTinyTasks) {
  constexpr std::int64_t kTasks = 100'000;
  labkit::ThreadPoolExecutor ex{2};
  std::vector<labkit::Future<std::int64_t>> futures;
  futures.reserve(kTasks);
  for (std::int64_t i = 0; i < kTasks; ++i) futures.push_back(ex.submit([](std::int64_t x) { return x; }, i));
  std::int64_t sum = 0;
  for (auto& f : futures) sum += f.get();
  EXPECT_EQ(sum, kTasks * (kTasks - 1) / 2);
  EXPECT_EQ(ex.tasks_submitted(), static_cast<std::size_t>(kTasks));
}

// as_completed() yields a task that finished before one that is still running, even
// when the slow one was submitted first: the slow task is held at a gate that the loop
// opens only after it has received the fast one.
TEST(AsCompleted, YieldsTheFastTaskBeforeTheSlowOne) {
  labkit::ThreadPoolExecutor ex{2};
  Gate release_slow;
  std::vector<labkit::Future<std::string>> futures;
  futures.push_back(ex.submit([&release_slow] {
    release_slow.wait();
    return std::string("slow");
  }));
  futures.push_back(ex.submit([] { return std::string("fast"); }));
  std::vector<std::string> order;
  for (auto& done : labkit::as_completed(futures)) {
    order.push_back(done.get());
    release_slow.open();
  }
  EXPECT_EQ(order, (std::vector<std::string>{"fast", "slow"}));
}

// as_completed() yields every future exactly once, whatever the completion order, and
// nothing at all for an empty vector. Futures already done before the call count too.
TEST(AsCompleted, YieldsEveryFutureExactlyOnce) {
  constexpr int kTasks = 200;
  labkit::ThreadPoolExecutor ex{4};
  std::vector<labkit::Future<int>> futures;
  futures.push_back(ex.submit([] { return 0; }));
  futures.front().wait();  // finished before as_completed() is called
  for (int i = 1; i < kTasks; ++i) futures.push_back(ex.submit([](int x) { return x; }, i));
  std::multiset<int> seen;
  for (auto& done : labkit::as_completed(futures)) seen.insert(done.get());
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(kTasks));
  for (int i = 0; i < kTasks; ++i) EXPECT_EQ(seen.count(i), 1u) << i;

  std::vector<labkit::Future<int>> none;
  int iterations = 0;
  for (auto& done : labkit::as_completed(none)) {
    (void)done;
    ++iterations;
  }
  EXPECT_EQ(iterations, 0);
}

// An empty future (default-constructed or moved from) says so: valid() and done() are
// false and get()/wait() throw std::future_error; so does a second get().
TEST(Future, EmptyFutureThrowsFutureError) {
  labkit::Future<int> empty;
  EXPECT_FALSE(empty.valid());
  EXPECT_FALSE(empty.done());
  EXPECT_THROW(ADD_FAILURE() << "get() returned " << empty.get(), std::future_error);
  EXPECT_THROW(empty.wait(), std::future_error);
  EXPECT_THROW(empty.wait_for(std::chrono::milliseconds(1)), std::future_error);

  labkit::ThreadPoolExecutor ex{1};
  auto f = ex.submit(square, 5);
  labkit::Future<int> moved = std::move(f);
  EXPECT_THROW(ADD_FAILURE() << "get() returned " << f.get(), std::future_error);  // NOLINT(bugprone-use-after-move): on purpose
  EXPECT_EQ(moved.get(), 25);
  EXPECT_THROW(ADD_FAILURE() << "get() returned " << moved.get(), std::future_error);
}

// The body of an as_completed() loop may move the future out of the vector; the loop
// still yields every other future (it must not touch the emptied one).
TEST(AsCompleted, LoopBodyMayMoveTheFutureOut) {
  labkit::ThreadPoolExecutor ex{2};
  Gate release;
  std::vector<labkit::Future<int>> futures;
  futures.push_back(ex.submit([] { return 1; }));
  for (int i = 2; i <= 4; ++i) futures.push_back(ex.submit([&release, i] {
    release.wait();
    return i;
  }));
  std::vector<labkit::Future<int>> kept;
  int sum = 0;
  for (auto& done : labkit::as_completed(futures)) {
    kept.push_back(std::move(done));  // the first one finishes while the others are held
    release.open();
    sum += kept.back().get();
  }
  EXPECT_EQ(kept.size(), 4u);
  EXPECT_EQ(sum, 1 + 2 + 3 + 4);
}

// An executor that accepts `limit` tasks and then refuses, as if shut down by another
// thread part-way through a map(). Each accepted task runs on a thread of its own.
class RefusesAfter final : public labkit::Executor {
 public:
  explicit RefusesAfter(std::size_t limit) : limit_(limit) {}
  ~RefusesAfter() override { shutdown(); }
  void shutdown(bool = true, bool = false) override {
    std::vector<std::thread> threads;
    {
      std::lock_guard<std::mutex> lock(m_);
      threads.swap(threads_);
    }
    for (auto& t : threads) t.join();
  }
  std::size_t max_workers() const noexcept override { return limit_; }

 private:
  void schedule(labkit::detail::TaskPtr task) override {
    std::lock_guard<std::mutex> lock(m_);
    if (threads_.size() == limit_) throw labkit::ExecutorShutdown{};
    threads_.emplace_back([task = std::move(task)] { task->run(); });
  }

  const std::size_t limit_;
  std::mutex m_;
  std::vector<std::thread> threads_;
};

// When map() cannot submit every input (the executor was shut down part-way), it still
// waits for the tasks it did submit before the ExecutorShutdown leaves: no task of a
// map() outlives the call.
TEST(Executor, MapWaitsForAcceptedTasksWhenSubmissionFails) {
  RefusesAfter ex(3);
  std::atomic<int> finished{0};
  EXPECT_THROW(auto results = ex.map(
                   [&finished](int x) {
                     std::this_thread::sleep_for(std::chrono::milliseconds(20));  // stragglers
                     ++finished;
                     return x;
                   },
                   std::vector<int>{1, 2, 3, 4, 5}),
               labkit::ExecutorShutdown);
  EXPECT_EQ(finished.load(), 3);
}

// shutdown(wait=true) from one of the pool's own tasks would make a worker join itself:
// it throws std::logic_error instead and leaves the pool as it was (still accepting).
TEST(ThreadPoolExecutor, ShutdownWaitFromOwnTaskThrows) {
  labkit::ThreadPoolExecutor ex{2};
  auto f = ex.submit([&ex] {
    try {
      ex.shutdown(/*wait=*/true);
    } catch (const std::logic_error&) {
      return true;
    }
    return false;
  });
  EXPECT_TRUE(f.get());
  EXPECT_EQ(ex.submit(square, 6).get(), 36);
}

// tasks_submitted() counts every task accepted through submit() and map().
TEST(ThreadPoolExecutor, TasksSubmittedCounts) {
  labkit::ThreadPoolExecutor ex{2};
  EXPECT_EQ(ex.tasks_submitted(), 0u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(ex.submit(square, i).get(), i * i);
  EXPECT_EQ(ex.tasks_submitted(), 5u);
  EXPECT_EQ(ex.map(square, std::vector<int>{1, 2, 3}), (std::vector<int>{1, 4, 9}));
  EXPECT_EQ(ex.tasks_submitted(), 8u);
}

// map() with a chunksize runs that many inputs per task: 10 inputs in chunks of 3 are 4
// tasks (3, 3, 3 and the last 1), and the results still come back in input order.
TEST(ThreadPoolExecutor, MapInChunksKeepsInputOrder) {
  labkit::ThreadPoolExecutor ex{2};
  std::vector<int> inputs(10);
  std::iota(inputs.begin(), inputs.end(), 0);
  EXPECT_EQ(ex.map(square, inputs, 3), (std::vector<int>{0, 1, 4, 9, 16, 25, 36, 49, 64, 81}));
  EXPECT_EQ(ex.tasks_submitted(), 4u);
  EXPECT_EQ(ex.map(square, inputs, 100), ex.map(square, inputs, 1));  // one chunk, or one each
  EXPECT_EQ(ex.tasks_submitted(), 4u + 1u + 10u);
}

// Left to choose, the pool gives short inputs one task each (what a lab's few chunks need:
// each on a worker of its own) and cuts a long input into about 64 chunks per worker: a
// hundred thousand inputs on two workers are a few hundred tasks, not 100,000.
TEST(ThreadPoolExecutor, MapChoosesChunksOnlyForLongInputs) {
  labkit::ThreadPoolExecutor ex{2};
  std::vector<int> few(100);
  std::iota(few.begin(), few.end(), 0);
  (void)ex.map(square, few);
  EXPECT_EQ(ex.tasks_submitted(), 100u);

  std::vector<int> many(100'000);
  std::iota(many.begin(), many.end(), 0);
  const std::vector<int> results = ex.map([](int x) { return x % 7; }, many);
  ASSERT_EQ(results.size(), many.size());
  for (std::size_t i = 0; i < many.size(); ++i) ASSERT_EQ(results[i], many[i] % 7) << "input " << i;
  const std::size_t tasks = ex.tasks_submitted() - 100u;
  EXPECT_GE(tasks, 2u * 64u);
  EXPECT_LE(tasks, 2u * 64u + 1u);
}

// In chunks, every input still runs when one throws, and map() rethrows the exception of
// the first failing input in input order: inputs 2 and 7 throw, in different chunks of 4,
// input 7's chunk is made to throw first, and "input 2" is what leaves.
TEST(ThreadPoolExecutor, MapInChunksRunsEveryInputAndRethrowsTheFirstFailure) {
  labkit::ThreadPoolExecutor ex{2};
  Gate seven_threw;
  std::atomic<int> ran{0};
  std::vector<int> inputs(10);
  std::iota(inputs.begin(), inputs.end(), 0);
  auto task = [&](int i) -> int {
    ++ran;
    if (i == 2) {
      seven_threw.wait();
      throw std::runtime_error("input 2");
    }
    if (i == 7) {
      seven_threw.open();
      throw std::runtime_error("input 7");
    }
    return i;
  };
  try {
    const std::vector<int> results = ex.map(task, inputs, 4);
    FAIL() << "map() should have thrown, not returned " << results.size() << " results";
  } catch (const std::runtime_error& error) {
    EXPECT_STREQ(error.what(), "input 2");
    EXPECT_EQ(ran.load(), 10) << "an input after a failing one in its chunk was skipped";
  }
}

// The test executors never chunk on their own: each input is a task of its own, so
// ExposureExecutor can still show TSan every pair of inputs unordered.
TEST(Executor, TestExecutorsGiveEveryInputATaskOfItsOwn) {
  labkit::testing::ShuffledExecutor ex{7};
  std::vector<int> many(2'000);
  std::iota(many.begin(), many.end(), 0);
  (void)ex.map(square, many);
  EXPECT_EQ(ex.tasks_submitted(), many.size());
}

// The task's block is shared by its Future and the queue; whichever lets go last frees
// it. A future dropped before its task runs leaves the task to run and free the block; a
// future kept after get() keeps answering done() and wait(). (Under ASan a leak or a use
// after free here fails the test; under TSan a free unordered with the other side's use.)
TEST(Future, TheBlockOutlivesWhicheverSideLetsGoFirst) {
  labkit::ThreadPoolExecutor ex{1};
  Gate open;
  auto blocker = ex.submit([&open] { open.wait(); });
  std::atomic<int> ran{0};
  {
    auto dropped = ex.submit([&ran](std::string text) { ++ran; return text; }, std::string(100, 'x'));
  }  // dropped before it runs: the queue still owns the block
  auto kept = ex.submit([](std::string text) { return text + "!"; }, std::string("kept"));
  open.open();
  blocker.get();
  EXPECT_EQ(kept.get(), "kept!");
  EXPECT_FALSE(kept.valid());
  EXPECT_TRUE(kept.done());
  kept.wait();  // still fine after get()
  EXPECT_THROW((void)kept.get(), std::future_error);
  ex.shutdown();
  EXPECT_EQ(ran.load(), 1);
}
