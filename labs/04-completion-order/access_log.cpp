// Lab 04 — completion order.
//
// A server handles a batch of requests, one thread per request, and every thread
// appends its request's line to the access log. The log is thread-safe: append()
// takes a mutex, so no line is lost and ThreadSanitizer has nothing to report. And
// yet the log is wrong: each thread appends when ITS request is done, so the lines
// come out in the order the requests happened to FINISH, which changes from run to
// run, and not in the order they arrived. A race condition without a data race.
//
// TODO: make serve_all write the log in request order, every time:
//   - handle every request in a task of its own on `executor` (executor.map does
//     exactly that): the request goes into the task as its argument;
//   - each task RETURNS its line through its future instead of appending it;
//     executor.map gives the lines back in request order, however the tasks finished;
//   - then, on this thread, append the lines to `log` in that order.
// No task touches the log any more. `tools/lab hint 04` if you are stuck.
#include "access_log.hpp"

#include <thread>

namespace lab04 {

void serve_all(const std::vector<Request>& requests, const Handler& handle, AccessLog& log,
               labkit::Executor& executor) {
  (void)executor;  // TODO: use it instead of raw threads

  std::vector<std::thread> threads;
  for (const Request& request : requests) {
    // The bug: each thread logs its line the moment its own request is done.
    threads.emplace_back([&request, &handle, &log] { log.append(handle(request)); });
  }
  for (auto& thread : threads) thread.join();
}

}  // namespace lab04
