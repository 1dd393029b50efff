// Tests for lab 04 — completion order. Built twice: against the student's starter
// (labs/04-completion-order) and against the reference solution
// (solutions/04-completion-order).
//
// Each suite is one grading criterion (tools/lab reads the suite names):
//   Correctness  the log is what the lab is about: one line per request, none lost or
//                doubled, IN REQUEST ORDER (no requests, one, many on a real pool), also
//                when the test makes the handlers finish last-to-first: a log written in
//                completion order fails it in every run, so the untouched starter earns
//                nothing
//   Determinism  the same log for 32 seeded task orders
//   RaceFree     run under the ExposureExecutor, where TSan sees any race between tasks
//   NoGlobals    the lab's object file holds no mutable static variable
//   Parallel     the requests really went through the executor, as several tasks at once
//
// The bug of this lab is not a data race: the starter's log is mutex-protected and
// TSan stays silent. It is an ORDER that depends on timing. Ordinary scheduling shows
// it only now and then, so one test takes the timing into its own hands (LastToFirst
// below) and makes the wrong order appear in every run.
#include "access_log.hpp"
#include "04-completion-order.data.hpp"

#include <labkit/testing.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <iterator>
#include <mutex>
#include <ostream>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace {

using lab04::Request;

using lab04::test_data::make_requests;

// The sequential reference: one loop, no threads, obviously right.
std::vector<std::string> serve_sequentially(const std::vector<Request>& requests) {
  std::vector<std::string> lines;
  for (const auto& request : requests) lines.push_back(lab04::handle_request(request));
  return lines;
}

// A log as the seeded Determinism test compares it. GoogleTest prints it as the
// request numbers of its lines (each line starts with its request's number), so a
// failure shows the order at a glance instead of sixteen whole lines.
struct LogOrder {
  std::vector<std::string> lines;
  bool operator==(const LogOrder&) const = default;
};

void PrintTo(const LogOrder& log, std::ostream* out) {
  *out << "lines for requests";
  for (const auto& line : log.lines) *out << ' ' << line.substr(0, line.find(' '));
}

// The request numbers of a log's lines, as they stand in it ("3 0 1 2"), or "?" for a
// line that answers no request: a short picture of the order, instead of whole lines.
std::string order_of(const std::vector<std::string>& expected, const std::vector<std::string>& got) {
  std::string order;
  for (const auto& line : got) {
    const auto match = std::find(expected.begin(), expected.end(), line);
    order += (order.empty() ? "" : " ") +
             (match == expected.end() ? std::string("?") : std::to_string(match - expected.begin()));
  }
  return order;
}

// Succeeds when `got` holds exactly the lines of `expected`, each as often, in ANY order.
::testing::AssertionResult same_lines_in_any_order(std::vector<std::string> expected,
                                                   std::vector<std::string> got) {
  std::sort(expected.begin(), expected.end());
  std::sort(got.begin(), got.end());
  if (got == expected) return ::testing::AssertionSuccess();
  std::vector<std::string> missing;
  std::vector<std::string> extra;
  std::set_difference(expected.begin(), expected.end(), got.begin(), got.end(), std::back_inserter(missing));
  std::set_difference(got.begin(), got.end(), expected.begin(), expected.end(), std::back_inserter(extra));
  auto failure = ::testing::AssertionFailure();
  failure << "the log holds " << got.size() << " lines, expected " << expected.size() << " (one per request)";
  for (std::size_t i = 0; i < missing.size() && i < 5; ++i) failure << "\n  missing:    " << missing[i];
  for (std::size_t i = 0; i < extra.size() && i < 5; ++i) failure << "\n  unexpected: " << extra[i];
  return failure;
}

// Succeeds when `got` is `expected`, line for line. When only the order differs, says
// so and shows the order the lines came out in.
::testing::AssertionResult same_log(const std::vector<std::string>& expected, const std::vector<std::string>& got) {
  if (got == expected) return ::testing::AssertionSuccess();
  if (auto same_lines = same_lines_in_any_order(expected, got); !same_lines) return same_lines;
  return ::testing::AssertionFailure()
         << "every line is there, but not in request order. The log lists the requests in this order:\n  "
         << order_of(expected, got) << "\n  (a correct log reads 0 1 2 3 ...)";
}

// The test's hand on the timing. Its handler makes requests that are handled AT THE
// SAME TIME finish last-to-first: the handler of request i does not return until the
// handler of request i+1 has returned (and then gives it a head start of a few ms to
// write its line). When all handlers overlap, they finish n-1, ..., 1, 0 — in every run,
// not by luck — and a log written in completion order is backwards.
//
// It never makes a correct program hang or crawl:
//   - a handler called on the thread that called serve_all (an executor that runs
//     tasks inline, one at a time) never waits: nothing else can be running;
//   - request i waits only for request i+1, so the waits form a chain that ends at
//     the last request, which never waits: no cycle, no deadlock;
//   - every wait has a deadline. If request i+1 has not started within kStartWait
//     (it is queued behind request i on a small pool, or in the same chunk), the
//     test gives up steering, for every handler at once, and lets them all run free.
class LastToFirst {
 public:
  explicit LastToFirst(std::size_t count)
      : started_(count, false), returned_(count, false), caller_(std::this_thread::get_id()) {}

  lab04::Handler handler() {
    return [this](const Request& request) { return handle(request); };
  }

  // The request numbers in the order their handlers returned.
  std::string finish_order() const {
    std::lock_guard<std::mutex> lock(m_);
    std::string order;
    for (int id : finish_order_) order += (order.empty() ? "" : " ") + std::to_string(id);
    return order;
  }

  bool gave_up() const {
    std::lock_guard<std::mutex> lock(m_);
    return gave_up_;
  }

 private:
  static constexpr std::chrono::milliseconds kStartWait{1000};
  static constexpr std::chrono::milliseconds kFinishWait{10000};
  static constexpr std::chrono::milliseconds kHeadStart{5};

  std::string handle(const Request& request) {
    const std::size_t i = static_cast<std::size_t>(request.id);
    {
      std::lock_guard<std::mutex> lock(m_);
      started_.at(i) = true;
    }
    cv_.notify_all();
    std::string line = lab04::handle_request(request);

    std::unique_lock<std::mutex> lock(m_);
    const bool has_next = i + 1 < started_.size();
    if (has_next && std::this_thread::get_id() != caller_ &&
        wait_or_give_up(lock, kStartWait, [&] { return started_[i + 1]; }) &&
        wait_or_give_up(lock, kFinishWait, [&] { return returned_[i + 1]; })) {
      // Request i+1 has returned; give its thread a moment to write its line first.
      lock.unlock();
      std::this_thread::sleep_for(kHeadStart);
      lock.lock();
    }
    returned_[i] = true;
    finish_order_.push_back(request.id);
    lock.unlock();
    cv_.notify_all();
    return line;
  }

  // Waits until `ready()`, for at most `limit`. True if it came; on expiry, stops the
  // steering for every handler (and wakes them) and returns false.
  template <class Ready>
  bool wait_or_give_up(std::unique_lock<std::mutex>& lock, std::chrono::milliseconds limit, Ready ready) {
    // A system_clock deadline: with steady_clock, libstdc++ waits in
    // pthread_cond_clockwait, which clang 14's ThreadSanitizer does not intercept.
    const auto deadline = std::chrono::system_clock::now() + limit;
    cv_.wait_until(lock, deadline, [&] { return gave_up_ || ready(); });
    if (gave_up_) return false;
    if (ready()) return true;
    gave_up_ = true;
    cv_.notify_all();
    return false;
  }

  mutable std::mutex m_;  // guards everything below
  std::condition_variable cv_;
  std::vector<bool> started_;
  std::vector<bool> returned_;
  std::vector<int> finish_order_;
  bool gave_up_ = false;
  const std::thread::id caller_;  // the thread that calls serve_all
};

// Checks that the test data itself is what the other tests assume: every kind of
// answer appears, and no two requests share a line.
TEST(Correctness, TestDataCoversEveryKindOfLine) {
  const auto lines = serve_sequentially(make_requests(200));
  std::set<std::string> statuses;
  for (const auto& line : lines) {
    // "<id> <client> \"<method> <path>\" <status> <bytes>": the status is the next-to-last field.
    const auto bytes_at = line.rfind(' ');
    const auto status_at = line.rfind(' ', bytes_at - 1) + 1;
    statuses.insert(line.substr(status_at, bytes_at - status_at));
  }
  EXPECT_EQ(statuses, (std::set<std::string>{"200", "403", "404", "405"}));
  EXPECT_EQ(std::set<std::string>(lines.begin(), lines.end()).size(), lines.size());
  EXPECT_EQ(lines[3], "3 10.0.0.4 \"GET /private/report-3\" 403 0");
}

// No requests: nothing is logged (and nothing crashes).
TEST(Correctness, NoRequests) {
  labkit::ThreadPoolExecutor executor(4);
  lab04::AccessLog log;
  lab04::serve_all({}, lab04::handle_request, log, executor);
  EXPECT_TRUE(log.lines().empty());
}

// One request: exactly its line.
TEST(Correctness, OneRequest) {
  labkit::ThreadPoolExecutor executor(4);
  lab04::AccessLog log;
  const std::vector<Request> requests = {{0, "127.0.0.1", "GET", "/private/salaries"}};
  lab04::serve_all(requests, lab04::handle_request, log, executor);
  EXPECT_EQ(log.lines(), (std::vector<std::string>{"0 127.0.0.1 \"GET /private/salaries\" 403 0"}));
}

// Many requests on a real pool: every request logged exactly once, none lost or
// doubled, in request order. (Timing alone scrambles a completion-order log only now
// and then; the next test makes it happen every time.)
TEST(Correctness, ManyRequestsEachLoggedOnceInRequestOrder) {
  const auto requests = make_requests(200);
  labkit::ThreadPoolExecutor executor(4);
  lab04::AccessLog log;
  lab04::serve_all(requests, lab04::handle_request, log, executor);
  EXPECT_TRUE(same_log(serve_sequentially(requests), log.lines()));
}

// The test makes the handlers finish last-to-first (see LastToFirst): in every run,
// a log written in completion order comes out backwards, while a log written in
// request order is still right.
TEST(Correctness, RequestOrderEvenWhenHandlersFinishLastToFirst) {
  const auto requests = make_requests(8);
  LastToFirst timing(requests.size());
  labkit::testing::ExposureExecutor executor;  // every task on its own thread: they overlap
  lab04::AccessLog log;
  lab04::serve_all(requests, timing.handler(), log, executor);
  EXPECT_TRUE(same_log(serve_sequentially(requests), log.lines()))
      << "\n  The test made the handlers finish in this order: " << timing.finish_order()
      << (timing.gave_up() ? "\n  (it gave up steering: the handlers did not overlap)" : "")
      << "\n  The log must follow the order the requests ARRIVED in, not the order they finished in.";
}

// Whatever order the tasks run in (32 seeded orders on the ShuffledExecutor), the log
// is in request order. A failure names the seed; LABKIT_SEED=<seed> replays just it.
TEST(Determinism, SameLogForEveryTaskOrder) {
  const auto requests = make_requests(16);
  EXPECT_TRUE(labkit::testing::same_result_for_all_seeds(
      LogOrder{serve_sequentially(requests)}, [&](labkit::Executor& executor) {
        lab04::AccessLog log;
        lab04::serve_all(requests, lab04::handle_request, log, executor);
        return LogOrder{log.lines()};
      }));
}

// Every task on its own thread, released together: ThreadSanitizer reports any data
// race between tasks (and the program exits 66). Every line must still be there.
TEST(RaceFree, UnderTheExposureExecutor) {
  const auto requests = make_requests(100);
  labkit::testing::ExposureExecutor executor;
  lab04::AccessLog log;
  lab04::serve_all(requests, lab04::handle_request, log, executor);
  EXPECT_TRUE(same_lines_in_any_order(serve_sequentially(requests), log.lines()));
}

// The discipline read off the compiled code: no global or static variable.
TEST(NoGlobals, NoMutableStaticsInTheLabCode) {
  EXPECT_TRUE(labkit::testing::has_no_mutable_statics(LAB_OBJECTS));
}

// A "fix" that handles every request on the calling thread is not a fix.
TEST(Parallel, RequestsRunAsSeveralTasks) {
  const auto requests = make_requests(20);
  labkit::testing::ExposureExecutor executor;
  lab04::AccessLog log;
  lab04::serve_all(requests, lab04::handle_request, log, executor);
  EXPECT_GE(executor.tasks_at_once(), 2u)
      << "not parallel: the requests must go through the executor as several tasks at once (submit them all, then wait)";
}

}  // namespace
