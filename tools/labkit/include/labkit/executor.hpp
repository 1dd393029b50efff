// labkit/executor.hpp — run short tasks on a bounded set of threads.
//
// Modelled on Python's concurrent.futures.ThreadPoolExecutor. The discipline it
// teaches: all data goes INTO a task through submit()'s arguments (decay-copied,
// like std::thread), and all results come OUT through the returned Future. A task
// that follows it touches no global variable, so it cannot race with another task,
// and the executor behind it (this thread pool, or the process pool of
// labkit/process_pool.hpp) can be swapped without changing the answer.
//
//     labkit::ThreadPoolExecutor ex{4};
//     labkit::Future<int> f = ex.submit(parse, request);   // data goes in here
//     int n = f.get();                                     // the result comes out here
//     std::vector<int> all = ex.map(parse, requests);      // input order, always
//     ex.shutdown();                                       // the destructor does it too
//
// Labs take a `labkit::Executor&`, so tests can hand them an instrumented executor
// (see labkit/testing.hpp) and no lab needs a global.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <future>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace labkit {

/// Thrown by submit() (and map()) once shutdown() has been called on the executor.
class ExecutorShutdown : public std::runtime_error {
 public:
  ExecutorShutdown() : std::runtime_error("labkit: cannot submit a task after shutdown()") {}
};

/// Stored in the future of a task that shutdown(..., cancel_futures=true) removed from
/// the queue before it started: get() throws it.
class CancelledError : public std::runtime_error {
 public:
  CancelledError() : std::runtime_error("labkit: the task was cancelled before it started") {}
};

template <class T>
class Future;  // below; detail::map_on() returns its results

namespace detail {

// The completion signal shared by a task and its Future. Kept apart from std::future
// so that as_completed() can be told when a task ends, in the order tasks end.
class Completion {
 public:
  // Marks the task finished and runs the observers registered so far.
  void complete() {
    std::vector<std::function<void()>> observers;
    {
      std::lock_guard<std::mutex> lock(m_);
      done_ = true;
      observers.swap(observers_);
    }
    cv_.notify_all();
    for (auto& observer : observers) observer();
  }
  // Runs `observer` when the task finishes (at once, here, if it already has).
  void on_complete(std::function<void()> observer) {
    {
      std::lock_guard<std::mutex> lock(m_);
      if (!done_) {
        observers_.push_back(std::move(observer));
        return;
      }
    }
    observer();
  }
  bool done() const {
    std::lock_guard<std::mutex> lock(m_);
    return done_;
  }
  // Blocks until complete(). Calls the executor's driver first: executors that
  // hold tasks back until somebody waits (the test executors) release them here.
  void wait() const {
    drive();
    std::unique_lock<std::mutex> lock(m_);
    cv_.wait(lock, [this] { return done_; });
  }
  template <class Rep, class Period>
  bool wait_for(std::chrono::duration<Rep, Period> timeout) const {
    drive();
    std::unique_lock<std::mutex> lock(m_);
    return cv_.wait_for(lock, timeout, [this] { return done_; });
  }
  void drive() const {
    if (driver_) driver_();
  }
  void set_driver(std::function<void()> driver) { driver_ = std::move(driver); }

 private:
  mutable std::mutex m_;
  mutable std::condition_variable cv_;
  bool done_ = false;
  std::vector<std::function<void()>> observers_;
  std::function<void()> driver_;  // set once, before the task is queued
};

// A queued unit of work: run() it exactly once, or cancel() it instead.
class Task {
 public:
  virtual ~Task() = default;
  virtual void run() noexcept = 0;
  virtual void cancel() noexcept = 0;
};

// Runs the callable once and publishes its outcome. Before the completion is signalled,
// the task drops everything it holds on its own thread: the callable (so its copies of
// the arguments) and its reference to the result's shared state. Whoever returns from
// Future::wait()/get() is therefore ordered after those releases, and the last owner of
// the result (or of the exception a task threw) is always the caller. Dropping them
// after complete() instead races with a caller that already reads the result: TSan
// reports it, for exceptions whose reference count lives inside libstdc++.
template <class R, class Fn>
class TaskImpl final : public Task {
 public:
  TaskImpl(Fn fn, std::promise<R> promise, std::shared_ptr<Completion> signal)
      : fn_(std::in_place, std::move(fn)), promise_(std::move(promise)), signal_(std::move(signal)) {}
  void run() noexcept override {
    {
      std::promise<R> promise(std::move(promise_));
      try {
        if constexpr (std::is_void_v<R>) {
          (*fn_)();
          promise.set_value();
        } else {
          promise.set_value((*fn_)());
        }
      } catch (...) {
        promise.set_exception(std::current_exception());
      }
      fn_.reset();
    }  // the promise lets go of the shared state here
    signal_->complete();
  }
  void cancel() noexcept override {
    {
      std::promise<R> promise(std::move(promise_));
      promise.set_exception(std::make_exception_ptr(CancelledError{}));
      fn_.reset();
    }
    signal_->complete();
  }

 private:
  std::optional<Fn> fn_;
  std::promise<R> promise_;
  std::shared_ptr<Completion> signal_;
};

// map() of both pools (this one and labkit/process_pool.hpp's): one task per input through
// the pool's own submit(), every task waited for, the results in input order.
template <class Pool, class F, class Range>
auto map_on(Pool& pool, F&& fn, const Range& inputs) {
  using Item = std::decay_t<decltype(*std::begin(inputs))>;
  using R = std::invoke_result_t<std::decay_t<F>&, Item>;
  static_assert(!std::is_void_v<R>,
                "labkit::map: the function must RETURN its result (the discipline: results "
                "come back through futures); use submit() for a task with no result");
  const std::decay_t<F> shared_fn(std::forward<F>(fn));
  std::vector<Future<R>> futures;
  try {
    for (const auto& input : inputs) futures.push_back(pool.submit(shared_fn, input));
  } catch (...) {
    // Shut down (by another thread) part-way: the tasks already accepted still finish
    // before the exception leaves, as map() promises.
    for (auto& future : futures) future.wait();
    throw;
  }
  for (auto& future : futures) future.wait();
  std::vector<R> results;
  results.reserve(futures.size());
  for (auto& future : futures) results.push_back(future.get());
  return results;
}

}  // namespace detail

class ProcessPoolExecutor;  // labkit/process_pool.hpp: makes Futures too, but is not an Executor

/// The result of a submitted task, delivered once. Move-only, like std::future.
template <class T>
class Future {
 public:
  /// An empty future: valid() is false.
  Future() = default;

  /// Blocks until the task has finished, then returns its result or rethrows the
  /// exception it ended with (CancelledError if it was cancelled). Call it once:
  /// afterwards valid() is false, and a second get() throws std::future_error
  /// (no_state), as it does on an empty (default-constructed or moved-from) future.
  /// [[nodiscard]]: the result is the reason the task exists (the discipline: results
  /// come back through futures); a get() whose value is dropped waits and rethrows, but
  /// throws the answer away. To only wait, call wait(). (Future<void>::get() returns
  /// nothing, so nothing is checked there.)
  [[nodiscard]] T get() {
    completion().wait();
    return future_.get();
  }
  /// Blocks until the task has finished, without taking the result.
  /// Throws std::future_error (no_state) on an empty future.
  void wait() const { completion().wait(); }
  /// Waits at most `timeout`; true if the task has finished.
  /// Throws std::future_error (no_state) on an empty future.
  template <class Rep, class Period>
  bool wait_for(std::chrono::duration<Rep, Period> timeout) const {
    return completion().wait_for(timeout);
  }
  /// True once the task has finished (with a value, an exception or cancelled). Never blocks.
  bool done() const { return signal_ && signal_->done(); }
  /// True while the future still holds a result to get().
  bool valid() const noexcept { return future_.valid(); }

 private:
  template <class>
  friend class AsCompleted;
  friend class Executor;
  friend class ProcessPoolExecutor;
  Future(std::future<T> future, std::shared_ptr<detail::Completion> signal)
      : future_(std::move(future)), signal_(std::move(signal)) {}
  const detail::Completion& completion() const {
    if (!signal_) throw std::future_error(std::future_errc::no_state);
    return *signal_;
  }

  std::future<T> future_;
  std::shared_ptr<detail::Completion> signal_;
};

/// What every executor offers. Labs and their tests depend on this interface only,
/// so a test can pass an instrumented executor where the program passes a pool.
class Executor {
 public:
  Executor() = default;
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;
  virtual ~Executor() = default;

  /// Schedules `fn(args...)` and returns the Future of its result. `fn` and every
  /// argument are decay-copied into the task, as by std::thread: the task owns its
  /// data, and the caller may change or destroy its own copies at once. (Pass
  /// std::ref(x) to share x on purpose; you then own the race.) Never blocks on
  /// the task. Throws ExecutorShutdown after shutdown().
  /// [[nodiscard]]: the Future is the only way to the task's result, to an exception it
  /// threw, and to knowing it has finished. A task whose Future is dropped runs
  /// unobserved: its exception is lost and nothing orders what it wrote before the
  /// caller reads it (a data race TSan reports, or a wrong answer). Keep the Future and
  /// get() it (or wait() on it).
  template <class F, class... Args>
  [[nodiscard]] auto submit(F&& fn, Args&&... args) {
    auto call = [fn = std::decay_t<F>(std::forward<F>(fn)),
                 args = std::make_tuple(std::forward<Args>(args)...)]() mutable {
      return std::apply(fn, std::move(args));
    };
    using R = std::invoke_result_t<decltype(call)&>;
    std::promise<R> promise;
    auto future = promise.get_future();
    auto signal = std::make_shared<detail::Completion>();
    signal->set_driver(driver());
    accept(std::make_unique<detail::TaskImpl<R, decltype(call)>>(std::move(call), std::move(promise),
                                                                  signal));
    return Future<R>(std::move(future), std::move(signal));
  }

  /// Runs `fn(x)` for every x in `inputs` as separate tasks and returns the results
  /// in INPUT order, however the tasks were scheduled. Blocks until every task has
  /// finished; if any threw, rethrows the exception of the first such input (in
  /// input order) after all have finished, so no task outlives the call.
  /// Throws ExecutorShutdown after shutdown().
  /// [[nodiscard]]: the results are what map() is for; dropping them computed them for
  /// nothing (and a map() run for its side effects shares state between tasks).
  template <class F, class Range>
  [[nodiscard]] auto map(F&& fn, const Range& inputs) {
    return detail::map_on(*this, std::forward<F>(fn), inputs);
  }

  /// Stops accepting tasks. With wait=true, blocks until every accepted task has
  /// finished and the worker threads have exited; with wait=false, returns at once
  /// and the tasks still finish in the background. With cancel_futures=true, tasks
  /// that have not started are dropped and their futures throw CancelledError.
  /// Idempotent: later calls only add what they ask for (a wait, a cancel).
  virtual void shutdown(bool wait = true, bool cancel_futures = false) = 0;

  /// How many tasks may run at once: the bound given or chosen at construction.
  virtual std::size_t max_workers() const noexcept = 0;

  /// How many tasks this executor has accepted so far. Tests use it to check that
  /// work was really split into several tasks.
  std::size_t tasks_submitted() const noexcept { return submitted_.load(); }

 protected:
  /// Takes ownership of one task: runs it or, at shutdown with cancel, cancels it.
  /// Must throw ExecutorShutdown (and keep nothing) once shut down.
  virtual void schedule(std::unique_ptr<detail::Task> task) = 0;

  /// A function every Future of this executor calls before it blocks. Executors
  /// that run tasks eagerly return an empty function (the default).
  virtual std::function<void()> driver() { return {}; }

 private:
  void accept(std::unique_ptr<detail::Task> task) {
    schedule(std::move(task));
    submitted_.fetch_add(1);
  }
  std::atomic<std::size_t> submitted_{0};
};

/// A pool of at most max_workers threads that run tasks from one FIFO queue. Threads
/// are started as work arrives, not all up front. The destructor calls shutdown(true).
class ThreadPoolExecutor final : public Executor {
 public:
  /// `max_workers` = 0 picks std::thread::hardware_concurrency() (at least 1).
  explicit ThreadPoolExecutor(std::size_t max_workers = 0)
      : max_workers_(max_workers != 0 ? max_workers
                                      : std::max(1u, std::thread::hardware_concurrency())) {}

  /// Waits for all accepted tasks to finish (shutdown(true)).
  ~ThreadPoolExecutor() override { shutdown(true); }

  /// As Executor::shutdown(). Queued tasks still run after a shutdown without cancel,
  /// wait or not. Throws std::logic_error, and changes nothing, if called with
  /// wait=true from one of the pool's own tasks (a worker cannot join itself).
  void shutdown(bool wait = true, bool cancel_futures = false) override {
    std::deque<std::unique_ptr<detail::Task>> cancelled;
    {
      std::lock_guard<std::mutex> lock(m_);
      if (wait) {
        for (auto& worker : workers_) {
          if (worker.get_id() == std::this_thread::get_id())
            throw std::logic_error("labkit: shutdown(wait=true) called from one of the pool's own tasks");
        }
      }
      shut_down_ = true;
      if (cancel_futures) cancelled.swap(queue_);
    }
    cv_.notify_all();
    for (auto& task : cancelled) task->cancel();
    if (!wait) return;
    std::lock_guard<std::mutex> join_lock(join_m_);
    std::vector<std::thread> workers;
    {
      std::lock_guard<std::mutex> lock(m_);
      workers.swap(workers_);
    }
    for (auto& worker : workers) worker.join();
  }

  /// The bound given at construction, or the hardware concurrency chosen for 0.
  std::size_t max_workers() const noexcept override { return max_workers_; }

 protected:
  void schedule(std::unique_ptr<detail::Task> task) override {
    std::lock_guard<std::mutex> lock(m_);
    if (shut_down_) throw ExecutorShutdown{};
    queue_.push_back(std::move(task));
    if (idle_ < queue_.size() && workers_.size() < max_workers_) {
      workers_.emplace_back([this] { work(); });
    } else {
      cv_.notify_one();
    }
  }

 private:
  void work() {
    std::unique_lock<std::mutex> lock(m_);
    for (;;) {
      ++idle_;
      cv_.wait(lock, [this] { return shut_down_ || !queue_.empty(); });
      --idle_;
      if (queue_.empty()) return;  // shut down and nothing left to do
      auto task = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      task->run();
      task.reset();
      lock.lock();
    }
  }

  const std::size_t max_workers_;
  std::mutex m_;                 // guards everything below
  std::condition_variable cv_;   // work arrived, or shut down
  std::deque<std::unique_ptr<detail::Task>> queue_;
  std::vector<std::thread> workers_;
  std::size_t idle_ = 0;         // workers waiting for work
  bool shut_down_ = false;
  std::mutex join_m_;            // one joiner at a time
};

/// The range returned by as_completed(): iterate it to get each future as its task
/// finishes, in completion order. Blocks in operator++ / begin() until one more is done.
/// Iterate it once; the loop body may get() (or move out) the future it is given.
template <class T>
class AsCompleted {
 public:
  /// Watches every future of `futures` (not copied: the vector must outlive the range
  /// and keep its size). Does not block. Throws std::invalid_argument if one of them is
  /// empty (default-constructed or moved from).
  explicit AsCompleted(std::vector<Future<T>>& futures) : futures_(futures) {
    auto q = queue_;
    for (std::size_t i = 0; i < futures.size(); ++i) {
      if (!futures[i].signal_) throw std::invalid_argument("labkit::as_completed: an empty future");
      futures[i].signal_->on_complete([q, i] {
        {
          std::lock_guard<std::mutex> lock(q->m);
          q->ready.push_back(i);
        }
        q->cv.notify_one();
      });
    }
  }

  /// An input iterator over the futures in completion order.
  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = Future<T>;
    using difference_type = std::ptrdiff_t;
    using pointer = Future<T>*;
    using reference = Future<T>&;

    /// The future that finished: an element of the watched vector, already done.
    reference operator*() const { return owner_->futures_[current_]; }
    /// The same future, for `it->get()`.
    pointer operator->() const { return &owner_->futures_[current_]; }
    /// Moves to the next future to finish: blocks until one more has finished (and
    /// first releases tasks that a test executor holds until somebody waits).
    iterator& operator++() {
      advance();
      return *this;
    }
    /// Equal when as many futures remain to be yielded (end(): none).
    bool operator==(const iterator& other) const { return remaining_ == other.remaining_; }
    /// The negation of operator==.
    bool operator!=(const iterator& other) const { return !(*this == other); }

   private:
    friend class AsCompleted;
    iterator(AsCompleted* owner, std::size_t remaining) : owner_(owner), remaining_(remaining) {}
    void advance() {
      if (remaining_ == 0) return;
      --remaining_;
      if (remaining_ == 0) return;
      current_ = owner_->next();
    }
    AsCompleted* owner_;
    std::size_t remaining_;  // futures not yet yielded, the current one included
    std::size_t current_ = 0;
  };

  /// Blocks until the first future has finished (unless there are none) and returns
  /// an iterator to it. Call it once.
  iterator begin() {
    iterator it(this, futures_.size() + 1);
    it.advance();
    return it;
  }
  /// The end of the range: reached after every future has been yielded once.
  iterator end() { return iterator(this, 0); }

 private:
  struct Queue {
    std::mutex m;
    std::condition_variable cv;
    std::deque<std::size_t> ready;
  };
  std::size_t next() {
    // Release tasks that an executor holds until somebody waits. A future the loop body
    // has already moved out of the vector is empty: skip it.
    for (auto& future : futures_)
      if (future.signal_ && !future.signal_->done()) future.signal_->drive();
    std::unique_lock<std::mutex> lock(queue_->m);
    queue_->cv.wait(lock, [this] { return !queue_->ready.empty(); });
    std::size_t index = queue_->ready.front();
    queue_->ready.pop_front();
    return index;
  }
  std::vector<Future<T>>& futures_;
  std::shared_ptr<Queue> queue_ = std::make_shared<Queue>();
};

/// Yields each future of `futures` once, as its task finishes (completion order,
/// not input order), blocking until the next one is done:
///
///     for (auto& done : labkit::as_completed(futures)) handle(done.get());
///
/// The vector must outlive the loop and must not be resized during it.
/// [[nodiscard]]: the range does nothing until it is iterated.
template <class T>
[[nodiscard]] AsCompleted<T> as_completed(std::vector<Future<T>>& futures) {
  return AsCompleted<T>(futures);
}

}  // namespace labkit
