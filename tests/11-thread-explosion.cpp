// Tests for lab 11 — thread explosion. Built twice: against the student's starter
// (labs/11-thread-explosion) and against the reference solution
// (solutions/11-thread-explosion).
//
// Each suite is one grading criterion (tools/lab reads the suite names):
//   Correctness  the responses equal a plain loop's, in connection order (no
//                connections, one, many)
//   Determinism  the same responses whatever order the tasks run in (32 seeded orders)
//   RaceFree     run under the ExposureExecutor, where TSan sees any race between tasks
//   NoGlobals    the lab's object file holds no mutable static variable
//   Bounded      the handlers run on at most max_workers() threads (+ kSlack), and the
//                process never has more than that many threads beyond those it had
//                before serve() (read from /proc/self/status)
//   Parallel     the connections really went through the executor, as several tasks at once
#include "server.hpp"

#include <labkit/testing.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace {

using lab11::Connection;
using lab11::Response;

// What a bounded server may use beyond max_workers(): the calling thread, and one
// helper thread, say. Thread-per-connection exceeds it by hundreds.
constexpr std::size_t kSlack = 2;

// The real server gets 5000 connections at once; under ThreadSanitizer, where every
// thread is much dearer, this many keeps the test program within a few seconds.
constexpr std::size_t kManyConnections = 2000;

// `count` connections with different ids and paths (so a response in the wrong place
// shows), mixing every kind of answer: pages (200), a POST now and then (405) and
// malformed request lines (400).
std::vector<Connection> make_connections(std::size_t count) {
  std::vector<Connection> connections;
  for (std::size_t i = 0; i < count; ++i) {
    const int id = static_cast<int>(i);
    const std::string n = std::to_string(i);
    if (i % 13 == 5) {
      connections.push_back({id, "POST /forms/" + n + " HTTP/1.1"});
    } else if (i % 17 == 11) {
      connections.push_back({id, "GET"});
    } else {
      connections.push_back({id, "GET /articles/" + n + " HTTP/1.1"});
    }
  }
  return connections;
}

// The sequential reference: one loop, no threads, obviously right.
std::vector<Response> serve_sequentially(const std::vector<Connection>& connections) {
  std::vector<Response> responses;
  for (const auto& connection : connections) responses.push_back(lab11::handle_request(connection));
  return responses;
}

// Compares two lists of responses and, when they differ, names the first position
// that holds the wrong one, rather than printing hundreds of responses.
::testing::AssertionResult same_responses(const std::vector<Response>& expected,
                                          const std::vector<Response>& got) {
  if (got.size() != expected.size()) {
    return ::testing::AssertionFailure() << "expected " << expected.size() << " responses, got " << got.size();
  }
  for (std::size_t i = 0; i < expected.size(); ++i) {
    if (got[i] == expected[i]) continue;
    return ::testing::AssertionFailure() << "response " << i << " is wrong\n  expected: " << expected[i]
                                         << "\n  got:      " << got[i];
  }
  return ::testing::AssertionSuccess();
}

// How many threads this process has right now, as the kernel counts them (the
// "Threads:" line of /proc/self/status): running, waiting or sleeping, every thread
// that has not exited yet.
std::size_t threads_in_process() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Threads:", 0) == 0) return std::stoul(line.substr(8));
  }
  ADD_FAILURE() << "no Threads: line in /proc/self/status";
  return 0;
}

// ------------------------------------------------------------------ Correctness

// Checks that the test data itself is what the other tests assume: every kind of
// answer appears, and no two connections get the same body.
TEST(Correctness, TestDataCoversEveryKindOfResponse) {
  const auto responses = serve_sequentially(make_connections(300));
  std::set<int> statuses;
  std::set<std::string> pages;
  for (const auto& response : responses) {
    statuses.insert(response.status);
    if (response.status == 200) EXPECT_TRUE(pages.insert(response.body).second) << response;
  }
  EXPECT_EQ(statuses, (std::set<int>{200, 400, 405}));
  EXPECT_GT(pages.size(), 200u);
}

// No connections, no responses (and no crash).
TEST(Correctness, NoConnections) {
  labkit::ThreadPoolExecutor executor(4);
  EXPECT_TRUE(lab11::serve({}, lab11::handle_request, executor).empty());
}

// One connection gets exactly its response.
TEST(Correctness, OneConnection) {
  labkit::ThreadPoolExecutor executor(4);
  const std::vector<Connection> connections = {{7, "GET /index.html HTTP/1.1"}};
  EXPECT_TRUE(same_responses(serve_sequentially(connections), lab11::serve(connections, lab11::handle_request, executor)));
}

// Many connections on a real pool: every response present, in connection order.
TEST(Correctness, ManyConnectionsInOrder) {
  const auto connections = make_connections(300);
  labkit::ThreadPoolExecutor executor(4);
  EXPECT_TRUE(same_responses(serve_sequentially(connections), lab11::serve(connections, lab11::handle_request, executor)));
}

// ------------------------------------------------------------------ Determinism

// Whatever order the tasks finish in, the responses come back in connection order.
TEST(Determinism, SameResponsesForEveryTaskOrder) {
  const auto connections = make_connections(16);
  EXPECT_TRUE(labkit::testing::same_result_for_all_seeds(
      serve_sequentially(connections),
      [&](labkit::Executor& executor) { return lab11::serve(connections, lab11::handle_request, executor); }));
}

// ------------------------------------------------------------------ RaceFree

// Every task on its own thread, released together: if two tasks write the same
// memory, ThreadSanitizer reports a data race and the program exits 66.
TEST(RaceFree, UnderTheExposureExecutor) {
  const auto connections = make_connections(200);
  labkit::testing::ExposureExecutor executor;
  EXPECT_TRUE(same_responses(serve_sequentially(connections), lab11::serve(connections, lab11::handle_request, executor)));
}

// ------------------------------------------------------------------ NoGlobals

// The discipline read off the compiled code: no global or static variable.
TEST(NoGlobals, NoMutableStaticsInTheLabCode) {
  EXPECT_TRUE(labkit::testing::has_no_mutable_statics(LAB_OBJECTS));
}

// ------------------------------------------------------------------ Bounded

// Counts the distinct threads the handlers ran on. Each handler writes only its own
// connection's slot, and the slots are read after serve() has returned: no race, and
// no lock that could change how the code under test schedules its threads. While a
// thread has not been joined its id cannot be reused, so thread-per-connection shows
// up as one id per connection, in every run.
TEST(Bounded, HandlersRunOnAtMostMaxWorkersThreads) {
  const auto connections = make_connections(kManyConnections);
  labkit::ThreadPoolExecutor executor(4);
  std::vector<std::thread::id> ran_on(connections.size());
  const auto responses = lab11::serve(
      connections,
      [&ran_on](const Connection& connection) {
        ran_on[static_cast<std::size_t>(connection.id)] = std::this_thread::get_id();
        return lab11::handle_request(connection);
      },
      executor);
  EXPECT_TRUE(same_responses(serve_sequentially(connections), responses));
  const std::set<std::thread::id> threads(ran_on.begin(), ran_on.end());
  EXPECT_LE(threads.size(), executor.max_workers() + kSlack)
      << "thread explosion: " << connections.size() << " connections were handled on " << threads.size()
      << " different threads; a server bounded by max_workers() = " << executor.max_workers()
      << " uses at most " << executor.max_workers() + kSlack
      << ". Submit each connection to the executor as a task instead of starting a thread for it.";
}

// The threads alive at once, as the kernel counts them. Each handler stands for a slow
// client: it holds its connection for up to kSlowClient, or until every connection is
// being handled at the same time, whichever comes first (a controlled yield point).
// Thread-per-connection gets every handler going within a few thread creations, and
// each handler reads the thread count of the process while the others are alive. A
// bounded server never has them all going at once: each handler waits its kSlowClient
// and the next ones follow, max_workers() at a time.
TEST(Bounded, ThreadsAliveStayWithinMaxWorkers) {
  static constexpr auto kSlowClient = std::chrono::milliseconds(150);
  const auto connections = make_connections(16);
  labkit::ThreadPoolExecutor executor(4);
  ASSERT_GT(connections.size(), executor.max_workers() + kSlack);

  // Only atomics: counting must add no lock that could order the handlers' threads.
  std::atomic<std::size_t> running{0};       // handlers in progress now
  std::atomic<std::size_t> most_running{0};  // the most at once
  std::atomic<std::size_t> most_threads{0};  // the most threads the process had, seen by a handler
  std::atomic<bool> all_at_once{false};      // every connection was being handled at one moment
  const auto raise_to = [](std::atomic<std::size_t>& most, std::size_t value) {
    std::size_t seen = most.load();
    while (value > seen && !most.compare_exchange_weak(seen, value)) {
    }
  };

  const std::size_t threads_before = threads_in_process();
  const auto responses = lab11::serve(
      connections,
      [&](const Connection& connection) {
        const auto give_up = std::chrono::steady_clock::now() + kSlowClient;
        const std::size_t now_running = running.fetch_add(1) + 1;
        raise_to(most_running, now_running);
        raise_to(most_threads, threads_in_process());
        if (now_running == connections.size()) all_at_once.store(true);
        while (!all_at_once.load() && std::chrono::steady_clock::now() < give_up)
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
        raise_to(most_threads, threads_in_process());
        running.fetch_sub(1);
        return lab11::handle_request(connection);
      },
      executor);
  EXPECT_TRUE(same_responses(serve_sequentially(connections), responses));

  const std::size_t extra_threads = most_threads.load() > threads_before ? most_threads.load() - threads_before : 0;
  EXPECT_LE(most_running.load(), executor.max_workers() + kSlack)
      << "thread explosion: " << most_running.load() << " of " << connections.size()
      << " connections were being handled at the same time; max_workers() = " << executor.max_workers();
  EXPECT_LE(extra_threads, executor.max_workers() + kSlack)
      << "thread explosion: the process had " << threads_before << " threads before serve() and "
      << most_threads.load() << " during it (" << extra_threads << " more, each with its own stack); a server "
      << "bounded by max_workers() = " << executor.max_workers() << " adds at most "
      << executor.max_workers() + kSlack;
}

// ------------------------------------------------------------------ Parallel

// A "fix" that handles every connection on the calling thread is not a fix.
TEST(Parallel, ConnectionsRunAsSeveralTasks) {
  const auto connections = make_connections(20);
  labkit::testing::ExposureExecutor executor;
  lab11::serve(connections, lab11::handle_request, executor);
  EXPECT_GE(executor.tasks_at_once(), 2u)
      << "not parallel: the connections must go through the executor as several tasks at once (submit them all, then wait)";
}

}  // namespace
