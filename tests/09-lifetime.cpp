// Tests for lab 09 — lifetime. Built twice: against the student's starter
// (labs/09-lifetime) and against the reference solution (solutions/09-lifetime).
//
// Each suite is one grading criterion (tools/lab reads the suite names):
//   Correctness  the transcript equals a plain loop's (no requests, one, many)
//   Lifetime     nothing serve_connection started is still running when it returns
//   Determinism  the same transcript whatever order the tasks run in (32 seeded orders)
//   RaceFree     run under the ExposureExecutor, where TSan sees any race between tasks
//   NoGlobals    the lab's object file holds no mutable static variable
//   Parallel     the requests really went through the executor, as several tasks
//
// How the tests make a lifetime bug show up in every run, not once in a while:
// every call goes through serve_watched(), which hands serve_connection a clock that
// HOLDS each task asking it for the time until serve_connection either waits for its
// tasks (through a future of the executor it was given: get, wait, map, as_completed)
// or returns. Correct code waits, so its tasks go on at once. Code that returns
// without waiting gets its tasks back only after it has returned: whatever they then
// write into memory serve_connection owned is a heap-use-after-free, in every run.
// serve_connection runs on a thread of the test's own, which then waits, allocating
// nothing, until every other thread started during the call has ended: the freed
// memory is not handed out again while a late task still writes to it (the report
// would then be a data race, or a crash), and no late task runs on into the next test.
// Nothing here can hang: a hold gives up after kHoldLimit, and a call or a thread that
// does not end is reported as "[racelab watchdog] timeout" within seconds.
#include "connection.hpp"

#include <labkit/testing.hpp>

#include <gtest/gtest.h>

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

using lab09::Request;
using lab09::Response;
using lab09::Transcript;

// The time the test clock gives. Short enough for std::string to keep it inline: a
// task asking the clock allocates nothing before it touches the connection again.
constexpr char kTimestamp[] = "[10:00:00]";

// How long the clock holds a task before it gives up waiting for serve_connection to
// wait or return. Correct code never gets near it.
constexpr std::chrono::seconds kHoldLimit{3};

// How long the threads started during a call may keep running after it returned
// before the test calls it a hang.
constexpr std::chrono::seconds kThreadLimit{5};

// Once a hold has run out, later calls are not held (one slow test is enough).
std::atomic<bool> g_hold_disabled{false};

// ---------------------------------------------------------------- the watched clock

// What the test sees of one serve_connection call: the clock it hands in, whether the
// call has started waiting or has returned, and which clock calls came late.
class Watch : public std::enable_shared_from_this<Watch> {
 public:
  Watch() : open_(g_hold_disabled.load()) {}

  // The thread that calls serve_connection: its clock calls are never held. Set
  // before the call starts.
  void set_caller(std::thread::id caller) { caller_ = caller; }

  // The clock for serve_connection. Copies share this Watch.
  lab09::Clock clock() {
    return [self = shared_from_this()] { return self->tick(); };
  }

  // Somebody waits for a task of the executor: held tasks may go on.
  void open() {
    {
      std::lock_guard<std::mutex> lock(m_);
      open_.store(true);
    }
    cv_.notify_all();
  }

  // serve_connection has returned: held tasks go on, and every clock call from now on
  // is late.
  void returned() {
    {
      std::lock_guard<std::mutex> lock(m_);
      returned_.store(true);
      open_.store(true);
    }
    cv_.notify_all();
  }

  std::size_t late_calls() const { return late_.load(); }
  bool hold_expired() const { return hold_expired_.load(); }

 private:
  // One clock call. Lock-free once the hold is open, so that it adds no
  // synchronisation between tasks that could hide their races from TSan. Never holds
  // the thread that called serve_connection (a task run on it, by the ShuffledExecutor
  // or by a loop without threads, would wait for itself).
  std::string tick() {
    if (!open_.load(std::memory_order_acquire) && std::this_thread::get_id() != caller_) hold();
    if (returned_.load(std::memory_order_acquire)) late_.fetch_add(1, std::memory_order_relaxed);
    return kTimestamp;
  }

  void hold() {
    std::unique_lock<std::mutex> lock(m_);
    if (cv_.wait_for(lock, kHoldLimit, [this] { return open_.load(); })) return;
    open_.store(true);
    hold_expired_.store(true);
    g_hold_disabled.store(true);
    cv_.notify_all();
  }

  std::thread::id caller_;
  std::mutex m_;  // only for holding: the flags are atomics
  std::condition_variable cv_;
  std::atomic<bool> open_;
  std::atomic<bool> returned_{false};
  std::atomic<bool> hold_expired_{false};
  std::atomic<std::size_t> late_{0};
};

// ---------------------------------------------------------------- the executors

// Runs each task on another executor and tells the Watch when somebody waits for one
// (labkit calls an executor's driver before a future blocks). Waiting is also when the
// test executors release what they hold: the driver passes that on.
// (A "notify me when somebody waits" hook would belong in labkit/testing.hpp.)
class WatchedExecutor final : public labkit::Executor {
 public:
  WatchedExecutor(std::shared_ptr<Watch> watch, labkit::Executor& inner)
      : state_(std::make_shared<State>(std::move(watch), inner)) {}
  ~WatchedExecutor() override { shutdown(true); }

  // Stops accepting tasks; with wait=true, lets held tasks go and waits for them all.
  // cancel_futures is not passed on: in these tests every accepted task runs.
  void shutdown(bool wait = true, bool /*cancel_futures*/ = false) override {
    std::vector<std::shared_ptr<labkit::Future<void>>> pending;
    {
      std::lock_guard<std::mutex> lock(state_->m);
      state_->shut_down = true;
      if (wait) pending = state_->pending;
    }
    if (!wait) return;
    state_->somebody_waits();
    for (auto& future : pending) future->wait();
  }
  std::size_t max_workers() const noexcept override { return state_->inner.max_workers(); }

  // What a wait would do, without waiting: the hold opens, the inner executor lets
  // held tasks start. Allocates nothing when no task was submitted.
  void release_held() { state_->somebody_waits(); }

 private:
  void schedule(labkit::detail::TaskPtr task) override {
    std::lock_guard<std::mutex> lock(state_->m);
    if (state_->shut_down) throw labkit::ExecutorShutdown{};
    std::shared_ptr<labkit::detail::Task> shared(std::move(task));
    state_->pending.push_back(
        std::make_shared<labkit::Future<void>>(state_->inner.submit([shared] { shared->run(); })));
  }
  std::function<void()> driver() override {
    return [state = std::weak_ptr<State>(state_)] {
      if (auto alive = state.lock()) alive->somebody_waits();
    };
  }

  struct State {
    State(std::shared_ptr<Watch> w, labkit::Executor& i) : watch(std::move(w)), inner(i) {}
    // Opens the hold, then drives every unfinished inner future without blocking
    // (wait_for(0) calls the inner executor's driver and returns).
    void somebody_waits() {
      watch->open();
      std::vector<std::shared_ptr<labkit::Future<void>>> unfinished;
      {
        std::lock_guard<std::mutex> lock(m);
        for (const auto& future : pending)
          if (!future->done()) unfinished.push_back(future);
      }
      for (const auto& future : unfinished) future->wait_for(std::chrono::seconds(0));
    }
    std::shared_ptr<Watch> watch;
    labkit::Executor& inner;
    std::mutex m;  // guards what follows
    std::vector<std::shared_ptr<labkit::Future<void>>> pending;
    bool shut_down = false;
  };
  std::shared_ptr<State> state_;
};

// An executor like a pool with a free worker for every task: each task starts at once
// on a thread of its own, and the thread ends with the task. (A ThreadPoolExecutor
// keeps its threads after the call, and the tests must see every thread that the call
// started end.)
class ThreadPerTaskExecutor final : public labkit::Executor {
 public:
  ~ThreadPerTaskExecutor() override { shutdown(true); }
  void shutdown(bool wait = true, bool /*cancel_futures*/ = false) override {
    std::vector<std::thread> threads;
    {
      std::lock_guard<std::mutex> lock(m_);
      shut_down_ = true;
      if (wait) threads.swap(threads_);
    }
    for (auto& thread : threads) thread.join();
  }
  std::size_t max_workers() const noexcept override { return 64; }

 private:
  void schedule(labkit::detail::TaskPtr task) override {
    std::lock_guard<std::mutex> lock(m_);
    if (shut_down_) throw labkit::ExecutorShutdown{};
    threads_.emplace_back([task = std::shared_ptr<labkit::detail::Task>(std::move(task))] { task->run(); });
  }

  std::mutex m_;
  std::vector<std::thread> threads_;
  bool shut_down_ = false;
};

// ---------------------------------------------------------------- one watched call

// How many threads the process has, from /proc/self/stat (field 20), read into a
// buffer on the stack: no allocation. -1 if it cannot be read.
long live_threads() {
  char text[1024];
  const int fd = ::open("/proc/self/stat", O_RDONLY);
  if (fd < 0) return -1;
  const ssize_t size = ::read(fd, text, sizeof text - 1);
  ::close(fd);
  if (size <= 0) return -1;
  text[size] = '\0';
  const char* at = std::strrchr(text, ')');  // the end of field 2, the command (may hold blanks)
  if (at == nullptr) return -1;
  for (int field = 2; *at != '\0' && field < 20; ++at) {
    if (*at == ' ') ++field;
  }
  return std::strtol(at, nullptr, 10);
}

// Sleeps without telling TSan (clock_nanosleep is not intercepted), so that reports
// carry no "as if synchronized via sleep" note about this test's polling.
void pause_briefly() {
  timespec pause{0, 1'000'000};  // 1 ms
  ::clock_nanosleep(CLOCK_MONOTONIC, 0, &pause, nullptr);
}

// How long serve_connection may take before the test calls it a hang (a held task
// is let go after kHoldLimit, so correct code and the starter both return long before).
constexpr std::chrono::seconds kCallLimit{10};


// Waits, allocating nothing, until the process is back to `baseline` threads. After
// kThreadLimit, says which test and why, and ends the program as the watchdog does.
void wait_for_threads_to_end(long baseline) {
  const auto deadline = std::chrono::steady_clock::now() + kThreadLimit;
  while (live_threads() > baseline) {
    if (std::chrono::steady_clock::now() > deadline) {
      labkit::testing::end_as_hung("threads started during serve_connection were still running 5 s after it returned: a task "
                    "or thread that never ends. serve_connection must leave nothing running when it returns.");
    }
    pause_briefly();
  }
}

// What one watched call gave and what the test saw of it.
struct Served {
  Transcript transcript;
  std::size_t late_calls = 0;   // clock calls answered after serve_connection returned
  std::size_t tasks = 0;        // tasks submitted to the executor
};

// Calls serve_connection with a watched clock on a WatchedExecutor around `inner`,
// waits until every thread started during the call has ended, then shuts `inner` down.
//
// The call runs on a thread of its own, which stays alive and allocates nothing from
// the moment serve_connection returns until those threads have ended. So memory that
// serve_connection freed stays free (TSan's allocator keeps it with the thread that
// freed it until that thread allocates or ends) and a late task's first touch of it is
// reported as a heap-use-after-free, not as a read of somebody else's data. Also,
// every test then frees the connection from the same call stack, so ThreadSanitizer
// prints each distinct report once per program instead of once per test; and a call
// that never returns becomes a clear failure after kCallLimit instead of a hang.
Served serve_watched(const std::vector<Request>& requests, labkit::Executor& inner) {
  auto watch = std::make_shared<Watch>();
  const lab09::Clock clock = watch->clock();  // outlives every thread of the call
  auto executor = std::make_unique<WatchedExecutor>(watch, inner);
  Served served;
  std::exception_ptr error;
  std::atomic<bool> returned{false};
  std::atomic<bool> finished{false};

  const long baseline = live_threads();
  std::thread caller([&] {
    watch->set_caller(std::this_thread::get_id());
    try {
      served.transcript = lab09::serve_connection(requests, clock, *executor);
    } catch (...) {
      error = std::current_exception();
    }
    watch->returned();
    returned.store(true, std::memory_order_release);
    executor->release_held();
    if (baseline > 0) wait_for_threads_to_end(baseline + 1);  // all but this one
    finished.store(true, std::memory_order_release);
  });
  const auto deadline = std::chrono::steady_clock::now() + kCallLimit;
  while (!returned.load(std::memory_order_acquire)) {
    if (std::chrono::steady_clock::now() > deadline) {
      labkit::testing::end_as_hung("serve_connection had not returned after 10 s: it waits for something that never "
                    "happens. (A test executor starts tasks only once somebody waits for their futures.)");
    }
    pause_briefly();
  }
  while (!finished.load(std::memory_order_acquire)) pause_briefly();  // bounded by kThreadLimit
  caller.join();

  served.tasks = executor->tasks_submitted();
  executor.reset();
  inner.shutdown(true);
  served.late_calls = watch->late_calls();
  if (watch->hold_expired()) {
    ADD_FAILURE() << "a task waited " << kHoldLimit.count()
                  << " s for the time while serve_connection neither returned nor waited for it. These tests let "
                     "a task go on once serve_connection waits for it through the executor it was given "
                     "(future.get(), future.wait(), executor.map, labkit::as_completed); waiting any other way "
                     "(joining your own threads, polling done()) is not seen. Run the work as tasks on `executor` "
                     "and wait for their futures. (Later calls in this program are not held.)";
  }
  if (error) std::rethrow_exception(error);
  return served;
}

// ---------------------------------------------------------------- data and reference

// `count` requests on one connection, mixing every kind of answer: pages (200),
// /status/404 and /status/503, a POST (405), and /status paths that are not a status.
std::vector<Request> make_requests(std::size_t count) {
  std::vector<Request> requests;
  for (std::size_t i = 0; i < count; ++i) {
    const std::string n = std::to_string(i);
    if (i % 11 == 4) {
      requests.push_back({"POST", "/form/" + n});
    } else if (i % 7 == 2) {
      requests.push_back({"GET", "/status/404"});
    } else if (i % 7 == 5) {
      requests.push_back({"GET", "/status/503"});
    } else if (i % 13 == 9) {
      requests.push_back({"GET", "/status/9x9"});
    } else {
      requests.push_back({"GET", "/page/" + n});
    }
  }
  return requests;
}

// The sequential reference: one loop, no threads, obviously right.
Transcript serve_sequentially(const std::vector<Request>& requests) {
  Transcript transcript;
  for (const auto& request : requests) {
    transcript.responses.push_back(lab09::respond(request));
    transcript.access_log.push_back(lab09::access_log_line(kTimestamp, request, transcript.responses.back()));
  }
  return transcript;
}

// Compares two transcripts and, when they differ, names the first few responses and
// log lines that are wrong or missing, rather than printing everything.
::testing::AssertionResult same_transcript(const Transcript& expected, const Transcript& got) {
  if (got.responses.size() != expected.responses.size() || got.access_log.size() != expected.access_log.size()) {
    return ::testing::AssertionFailure()
           << "expected " << expected.responses.size() << " responses and " << expected.access_log.size()
           << " log lines, got " << got.responses.size() << " and " << got.access_log.size();
  }
  auto failure = ::testing::AssertionFailure();
  std::size_t wrong = 0;
  for (std::size_t i = 0; i < expected.responses.size(); ++i) {
    if (!(got.responses[i] == expected.responses[i]) && ++wrong <= 5) {
      failure << "\n  response " << i << ": " << ::testing::PrintToString(got.responses[i]) << ", expected "
              << ::testing::PrintToString(expected.responses[i]);
    }
    if (got.access_log[i] != expected.access_log[i] && ++wrong <= 5) {
      if (got.access_log[i].empty()) {
        failure << "\n  log line " << i << " is empty: it was not written before serve_connection returned";
      } else {
        failure << "\n  log line " << i << ": \"" << got.access_log[i] << "\", expected \""
                << expected.access_log[i] << "\"";
      }
    }
  }
  if (wrong == 0) return ::testing::AssertionSuccess();
  return failure << "\n  (" << wrong << " wrong)";
}

// Succeeds when nothing that serve_connection started ran on after it returned.
::testing::AssertionResult nothing_outlived_the_call(const Served& served, std::size_t requests) {
  if (served.late_calls == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << served.late_calls << " of " << requests
         << " requests were still being served after serve_connection had returned (they asked the clock for "
            "the time afterwards). Whatever they wrote then went into memory that serve_connection had already "
            "destroyed: that is ThreadSanitizer's heap-use-after-free. Wait for every task before returning.";
}

// ---------------------------------------------------------------- the tests

// Checks that the test data itself is what the other tests assume: every kind of
// answer occurs, and the log lines look as documented.
TEST(Correctness, TestDataCoversEveryKindOfResponse) {
  const Transcript reference = serve_sequentially(make_requests(60));
  std::vector<int> statuses;
  for (const auto& response : reference.responses) statuses.push_back(response.status);
  for (int status : {200, 404, 405, 503}) {
    EXPECT_NE(std::count(statuses.begin(), statuses.end(), status), 0) << "no response with status " << status;
  }
  EXPECT_EQ(lab09::access_log_line("[t]", {"GET", "/status/404"}, {404, "status 404"}),
            "[t] \"GET /status/404 HTTP/1.1\" 404 10");
  EXPECT_EQ(lab09::respond({"GET", "/status/9x9"}).status, 200);
}

// No requests: an empty transcript, and nothing left running.
TEST(Correctness, EmptyConnection) {
  ThreadPerTaskExecutor executor;
  EXPECT_TRUE(same_transcript({}, serve_watched({}, executor).transcript));
}

// One request: one response, one log line.
TEST(Correctness, OneRequest) {
  ThreadPerTaskExecutor executor;
  const std::vector<Request> requests = {{"GET", "/index.html"}};
  EXPECT_TRUE(same_transcript(serve_sequentially(requests), serve_watched(requests, executor).transcript));
}

// Many requests, each task started at once on its own thread: every response and
// every log line present, in request order.
TEST(Correctness, ManyRequestsInRequestOrder) {
  const auto requests = make_requests(40);
  ThreadPerTaskExecutor executor;
  EXPECT_TRUE(same_transcript(serve_sequentially(requests), serve_watched(requests, executor).transcript));
}

// The lesson of the lab: when serve_connection returns, every task it started has
// finished. The test clock holds each task that asks for the time until
// serve_connection waits for it or returns; a task still held at the return
// outlived the call.
TEST(Lifetime, NothingRunsAfterServeConnectionReturns) {
  const auto requests = make_requests(20);
  ThreadPerTaskExecutor executor;
  EXPECT_TRUE(nothing_outlived_the_call(serve_watched(requests, executor), requests.size()));
}

// Whatever order the tasks run in, the transcript is the same.
TEST(Determinism, SameTranscriptForEveryTaskOrder) {
  const auto requests = make_requests(12);
  EXPECT_TRUE(labkit::testing::same_result_for_all_seeds(
      serve_sequentially(requests),
      [&](labkit::Executor& shuffled) { return serve_watched(requests, shuffled).transcript; }));
}

// Every task on its own thread, released together: if two tasks touch the same
// memory, ThreadSanitizer reports a data race and the program exits 66.
TEST(RaceFree, UnderTheExposureExecutor) {
  const auto requests = make_requests(40);
  labkit::testing::ExposureExecutor executor;
  EXPECT_TRUE(same_transcript(serve_sequentially(requests), serve_watched(requests, executor).transcript));
}

// The discipline read off the compiled code: no global or static state.
TEST(NoGlobals, NoMutableStaticsInTheLabCode) {
  EXPECT_TRUE(labkit::testing::has_no_mutable_statics(LAB_OBJECTS));
}

// A "fix" that serves everything on the calling thread is not a fix.
TEST(Parallel, RequestsRunAsSeveralTasks) {
  const auto requests = make_requests(10);
  labkit::testing::ExposureExecutor executor;
  EXPECT_GE(serve_watched(requests, executor).tasks, 2u)
      << "not parallel: the requests must go through the executor as several tasks";
}

}  // namespace
