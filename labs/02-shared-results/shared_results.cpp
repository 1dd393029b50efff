// Lab 02 — shared results.
//
// A fetcher downloads a list of requests (from a simulated server: see fetch() in
// shared_results.hpp). To go faster it starts one thread per request, and every thread
// appends its response to the same global vector. push_back is not one step: it reads
// where the vector ends, builds the new element there, then moves the end forward. Two
// threads can read the same end and build into the same slot, so one response is lost
// or ends up a mix of two. And the responses come out in the order the threads happened
// to finish, not in the order of the requests. ThreadSanitizer reports a data race.
//
// TODO: make fetch_all race-free WITHOUT a shared results vector:
//   - fetch every request in a task of its own on `executor` (executor.map does
//     exactly that): the request goes into the task as its argument;
//   - each task RETURNS its Response through its future; map gives them back to you
//     in request order, however the tasks were scheduled;
//   - return that vector.
// When you are done this file has no global (or static) variable left.
// `tools/lab hint 02` if you are stuck.
#include "shared_results.hpp"

#include <thread>

namespace lab02 {

// The bug: one results vector that every thread appends to.
std::vector<Response> g_responses;

std::vector<Response> fetch_all(const std::vector<Request>& requests, labkit::Executor& executor) {
  (void)executor;  // TODO: use it instead of raw threads
  g_responses.clear();
  // Room for every response up front, so that push_back never moves the vector while
  // threads write to it. That makes a crash unlikely; it does not make the code correct.
  g_responses.reserve(requests.size());

  std::vector<std::thread> threads;
  for (const Request& request : requests) {
    threads.emplace_back([&request] { g_responses.push_back(fetch(request)); });
  }
  for (auto& thread : threads) thread.join();

  return g_responses;
}

}  // namespace lab02
