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
#include <future>  // std::future_error, as std::future throws it
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

// ---- the one block a task lives in
//
// A submitted task costs one allocation: the callable with its arguments, the slot for its
// outcome and the signal that it has finished live in one block (TaskBlock below), which
// the task's Future and the executor's queue share through an intrusive count. (The first
// version used a std::promise, a shared completion object and a task object: four
// allocations and two type erasures per task. docs/performance.md has the figures.)

// The part of the block that does not depend on the result's type: the count of owners,
// and the completion signal that Future::wait() and as_completed() wait on.
//
// Everything here is ordered by the one mutex, and nothing by an atomic. This header is
// compiled into code that the explorer instruments (the lab's) and into code it does not
// (the tests'), and the linker keeps ONE copy of each inline function: an atomic's
// ordering would be invisible to the explorer in the uninstrumented copy, while a mutex
// is seen in both (the explorer interposes pthread_mutex_*). With an atomic "done" flag
// read without the mutex, lab 09's reference was reported racing under the explorer (its
// read of a result against the worker's write of it); with an atomic count of owners, a
// worker freeing the block after the caller had moved the result out would be too.
class Completion {
 public:
  Completion(const Completion&) = delete;
  Completion& operator=(const Completion&) = delete;

  // One owner fewer; the last one frees the block. Under the mutex: whatever an owner did
  // with the block happens before the last owner destroys it.
  void release() noexcept {
    bool last = false;
    {
      std::lock_guard<std::mutex> lock(m_);
      last = --owners_ == 0;
    }
    if (last) destroy();
  }

  // Marks the task finished and runs the observers registered so far. The outcome is set,
  // and the callable destroyed, before this: see TaskBlock::run(). The caller still owns
  // the block, so it is alive for the notify after the unlock.
  void complete() noexcept {
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
  // True once complete() has run.
  bool done() const {
    std::lock_guard<std::mutex> lock(m_);
    return done_;
  }
  // Blocks until complete(). Calls the executor's driver first: executors that hold tasks
  // back until somebody waits (the test executors) release them here.
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
  // Set once, before the task is queued.
  void set_driver(std::function<void()> driver) { driver_ = std::move(driver); }

 protected:
  explicit Completion(int owners) noexcept : owners_(owners) {}
  ~Completion() = default;
  // Frees the whole block (called by the last release()).
  virtual void destroy() noexcept = 0;

 private:
  mutable std::mutex m_;  // guards the three below
  mutable std::condition_variable cv_;
  int owners_;
  bool done_ = false;
  std::vector<std::function<void()>> observers_;
  std::function<void()> driver_;
};

// The outcome of a task: a value (nothing, for void) or an exception.
template <class R>
class Outcome : public Completion {
 public:
  void set_value(R value) { value_.emplace(std::move(value)); }
  void set_exception(std::exception_ptr error) noexcept { error_ = std::move(error); }
  // After done(): the value, moved out, or the exception, rethrown. Once.
  R take() {
    if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
    return std::move(*value_);
  }

 protected:
  using Completion::Completion;
  ~Outcome() = default;

 private:
  std::optional<R> value_;
  std::exception_ptr error_;
};

template <>
class Outcome<void> : public Completion {
 public:
  void set_value() noexcept {}
  void set_exception(std::exception_ptr error) noexcept { error_ = std::move(error); }
  void take() {
    if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
  }

 protected:
  using Completion::Completion;
  ~Outcome() = default;

 private:
  std::exception_ptr error_;
};

// An owning pointer to a block, for the Future and whoever else keeps one: moving it moves
// the ownership, destroying it releases it.
template <class State>
class Owner {
 public:
  Owner() noexcept = default;
  explicit Owner(State* adopted) noexcept : state_(adopted) {}  // takes over one ownership
  Owner(Owner&& other) noexcept : state_(std::exchange(other.state_, nullptr)) {}
  Owner& operator=(Owner&& other) noexcept {
    if (this != &other) {
      reset();
      state_ = std::exchange(other.state_, nullptr);
    }
    return *this;
  }
  ~Owner() { reset(); }
  void reset() noexcept {
    if (state_ != nullptr) std::exchange(state_, nullptr)->release();
  }
  State* get() const noexcept { return state_; }
  State* operator->() const noexcept { return state_; }
  explicit operator bool() const noexcept { return state_ != nullptr; }

 private:
  State* state_ = nullptr;
};

// A queued unit of work, as an executor sees it: run() it exactly once, or cancel() it
// instead. The queue owns it through a TaskPtr, which releases the block when dropped.
class Task {
 public:
  virtual void run() noexcept = 0;
  virtual void cancel() noexcept = 0;

 protected:
  ~Task() = default;

 private:
  friend struct ReleaseTask;
  virtual void release_task() noexcept = 0;
};
struct ReleaseTask {
  void operator()(Task* task) const noexcept { task->release_task(); }
};
using TaskPtr = std::unique_ptr<Task, ReleaseTask>;

// The block itself: callable, outcome and completion, owned by the Future and the queue.
// run() drops the callable (so its copies of the arguments) on its own thread BEFORE the
// completion is signalled, so whoever returns from Future::wait()/get() is ordered after
// that. Dropping it after complete() instead races with a caller that already reads the
// result: TSan reports it, for arguments or exceptions whose reference counts live inside
// libstdc++, where TSan sees no synchronisation.
template <class R, class Fn>
class TaskBlock final : public Outcome<R>, public Task {
 public:
  // Two owners: the Future and the queue.
  explicit TaskBlock(Fn&& fn) : Outcome<R>(2), fn_(std::in_place, std::move(fn)) {}

  void run() noexcept override {
    try {
      if constexpr (std::is_void_v<R>) {
        (*fn_)();
        this->set_value();
      } else {
        this->set_value((*fn_)());
      }
    } catch (...) {
      this->set_exception(std::current_exception());
    }
    fn_.reset();
    this->complete();
  }
  void cancel() noexcept override {
    this->set_exception(std::make_exception_ptr(CancelledError{}));
    fn_.reset();
    this->complete();
  }

 private:
  void release_task() noexcept override { this->release(); }
  void destroy() noexcept override { delete this; }
  std::optional<Fn> fn_;
};

// An outcome alone, for a task that runs elsewhere (labkit/process_pool.hpp keeps the
// request apart): owned by the Future and by whoever will set it.
template <class R>
class SharedOutcome final : public Outcome<R> {
 public:
  SharedOutcome() noexcept : Outcome<R>(2) {}

 private:
  void destroy() noexcept override { delete this; }
};

// How many chunks per worker map() cuts a long input into, when the executor chooses the
// chunk size: enough that a slow chunk does not leave the other workers idle for long, few
// enough that a task's own cost is spread over hundreds of items.
inline constexpr std::size_t kChunksPerWorker = 64;

// What map(fn, inputs) computes: the inputs' type and fn's result, which must be a value.
template <class F, class Range>
struct MapTypes {
  using Item = std::decay_t<decltype(*std::begin(std::declval<const Range&>()))>;
  using Result = std::invoke_result_t<std::decay_t<F>&, Item>;
  static_assert(!std::is_void_v<Result>,
                "labkit::map: the function must RETURN its result (the discipline: results "
                "come back through futures); use submit() for a task with no result");
};

// map() of both pools (this one and labkit/process_pool.hpp's), one task per input: every
// task waited for, the results in input order.
template <class Pool, class F, class Range>
auto map_on(Pool& pool, F&& fn, const Range& inputs) {
  using R = typename MapTypes<F, Range>::Result;
  const std::decay_t<F> shared_fn(std::forward<F>(fn));
  std::vector<Future<R>> futures;
  if constexpr (requires { std::size(inputs); }) futures.reserve(std::size(inputs));
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

// map() in chunks of `chunksize` inputs: map_on() over the chunks, each task running fn over
// its chunk in order, then the chunks' results joined. Every input is run; the exception of
// the first input that threw (in input order) leaves after every task has finished.
template <class Pool, class F, class Range>
auto map_in_chunks(Pool& pool, F&& fn, const Range& inputs, std::size_t chunksize) {
  using Item = typename MapTypes<F, Range>::Item;
  using R = typename MapTypes<F, Range>::Result;
  std::vector<std::vector<Item>> chunks;
  for (const auto& input : inputs) {
    if (chunks.empty() || chunks.back().size() == chunksize) {
      chunks.emplace_back();
      chunks.back().reserve(chunksize);
    }
    chunks.back().push_back(input);
  }
  // The chunk comes in by value (a task's own copy, as submit() gives every argument), and
  // each item goes to fn as an rvalue, as it would as a task's argument of its own.
  auto run_chunk = [fn = std::decay_t<F>(std::forward<F>(fn))](std::vector<Item> chunk) {
    std::vector<R> results;
    results.reserve(chunk.size());
    std::exception_ptr first_error;
    for (auto& item : chunk) {
      try {
        results.push_back(fn(std::move(item)));
      } catch (...) {
        if (!first_error) first_error = std::current_exception();
      }
    }
    if (first_error) std::rethrow_exception(first_error);
    return results;
  };
  std::vector<R> results;
  for (auto& chunk_results : map_on(pool, run_chunk, chunks))
    for (auto& result : chunk_results) results.push_back(std::move(result));
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
    if (taken_) throw std::future_error(std::future_errc::no_state);
    taken_ = true;
    return state_->take();
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
  bool done() const { return state_ && state_->done(); }
  /// True while the future still holds a result to get().
  bool valid() const noexcept { return state_ && !taken_; }

 private:
  template <class>
  friend class AsCompleted;
  friend class Executor;
  friend class ProcessPoolExecutor;
  // Takes over one ownership of `state`.
  explicit Future(detail::Outcome<T>* state) noexcept : state_(state) {}
  const detail::Completion& completion() const {
    if (!state_) throw std::future_error(std::future_errc::no_state);
    return *state_.get();
  }

  detail::Owner<detail::Outcome<T>> state_;
  bool taken_ = false;  // get() has been called
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
    auto* block = new detail::TaskBlock<R, decltype(call)>(std::move(call));  // owned twice:
    Future<R> future(block);                                                  // by the future
    detail::TaskPtr queued(block);                                            // and by the queue
    if (auto wake = driver()) block->set_driver(std::move(wake));
    schedule(std::move(queued));  // throws ExecutorShutdown: the queue's share is let go
    submitted_.fetch_add(1);
    return future;
  }

  /// Runs `fn(x)` for every x in `inputs` as tasks and returns the results in INPUT
  /// order, however the tasks were scheduled. Each task takes `chunksize` inputs (the
  /// last one what is left) and runs fn over them in order; 0, the default, lets the
  /// executor choose: the ThreadPoolExecutor takes one input per task below 128 inputs
  /// per worker, and beyond cuts about 64 chunks per worker (100,000 trivial inputs
  /// then cost a few hundred tasks, not 100,000); the test executors of
  /// labkit/testing.hpp always take one, so every input is a task of its own. Python's
  /// Executor.map has the same parameter.
  /// Blocks until every task has finished. Every input is run; if any threw, rethrows
  /// the exception of the first such input (in input order) after all have finished,
  /// so no task outlives the call. Throws ExecutorShutdown after shutdown().
  /// [[nodiscard]]: the results are what map() is for; dropping them computed them for
  /// nothing (and a map() run for its side effects shares state between tasks).
  template <class F, class Range>
  [[nodiscard]] auto map(F&& fn, const Range& inputs, std::size_t chunksize = 0) {
    if (chunksize == 0) chunksize = default_chunksize(std::distance(std::begin(inputs), std::end(inputs)));
    if (chunksize <= 1) return detail::map_on(*this, std::forward<F>(fn), inputs);
    return detail::map_in_chunks(*this, std::forward<F>(fn), inputs, chunksize);
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

 private:
  // Private, not protected: a derived executor overrides these (a private virtual can be
  // overridden), and only submit() and map() above call them. Protected, code handed an
  // Executor& could derive a class of its own just to reach schedule() and hand the pool
  // tasks that never went through submit(): do-nothing tasks that look like parallel work
  // (the grading fixtures forged_tasks_via_schedule and alias_door). The language's one
  // way past `private`, an explicit instantiation, is refused in lab files (grade/source_check).

  /// Takes ownership of one task: runs it or, at shutdown with cancel, cancels it.
  /// Must throw ExecutorShutdown (and keep nothing) once shut down.
  /// The block is shared with the task's Future; dropping the TaskPtr lets go of the
  /// executor's share.
  virtual void schedule(detail::TaskPtr task) = 0;

  /// A function every Future of this executor calls before it blocks. Executors
  /// that run tasks eagerly return an empty function (the default).
  virtual std::function<void()> driver() { return {}; }

  /// How many inputs one task of map() takes when the caller leaves it to the executor,
  /// for `inputs` inputs: 1 here (every input a task of its own, as the test executors
  /// need to see every pair of inputs unordered).
  virtual std::size_t default_chunksize(std::ptrdiff_t /*inputs*/) const { return 1; }

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
    std::deque<detail::TaskPtr> cancelled;
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

 private:
  void schedule(detail::TaskPtr task) override {
    bool wake = false;
    {
      std::lock_guard<std::mutex> lock(m_);
      if (shut_down_) throw ExecutorShutdown{};
      queue_.push_back(std::move(task));
      if (idle_ < queue_.size() && workers_.size() < max_workers_) {
        workers_.emplace_back([this] { work(); });
      } else {
        wake = idle_ != 0;  // every worker busy: the first to finish takes it anyway
      }
    }
    // Woken after the unlock, the worker finds the lock free instead of blocking on it
    // at once (a context switch per task fewer on a round trip).
    if (wake) cv_.notify_one();
  }

  /// One input per task below 2 * kChunksPerWorker inputs per worker; beyond, about
  /// kChunksPerWorker chunks per worker.
  std::size_t default_chunksize(std::ptrdiff_t inputs) const override {
    const std::size_t chunks = detail::kChunksPerWorker * max_workers_;
    return std::max<std::size_t>(1, static_cast<std::size_t>(std::max<std::ptrdiff_t>(inputs, 0)) / chunks);
  }

  void work() {
    std::unique_lock<std::mutex> lock(m_);
    for (;;) {
      if (queue_.empty()) {
        if (shut_down_) return;
        ++idle_;
        cv_.wait(lock, [this] { return shut_down_ || !queue_.empty(); });
        --idle_;
        if (queue_.empty()) return;  // shut down and nothing left to do
      }
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
  std::deque<detail::TaskPtr> queue_;
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
      if (!futures[i].state_) throw std::invalid_argument("labkit::as_completed: an empty future");
      futures[i].state_->on_complete([q, i] {
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
      if (future.state_ && !future.state_->done()) future.state_->drive();
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
