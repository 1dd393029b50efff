// Lab 09 — lifetime: short tasks, clean shutdown.
//
// A keep-alive connection carries several requests. serve_connection answers each one
// on a thread of its own, and keeps the connection's state (the responses and the
// access log) in a Connection object that it owns. The client should not wait for the
// log, so each thread first stores its response and counts it as answered, and only
// THEN writes its access-log line. serve_connection waits until every request is
// answered, copies the transcript, and returns: the Connection is destroyed.
//
// The threads are detached: nothing waits for them to end, and nothing keeps the
// Connection alive for them. A thread that has not written its log line yet writes it
// into memory that has been freed (and may already belong to something else).
// ThreadSanitizer reports a heap-use-after-free, and the transcript's log is missing
// lines.
//
// TODO: make serve_connection leave nothing running when it returns:
//   - serve each request in a SHORT task on `executor`: the task answers the request,
//     asks `clock` for the time, formats the log line, and RETURNS both (for example
//     as a small struct { Response response; std::string log_line; }). It writes
//     nothing that serve_connection owns;
//   - give the task everything it needs as copies: the request and the clock go IN as
//     arguments (executor.map copies its function, with what the lambda captured by
//     value, into every task);
//   - wait for every result through the futures: executor.map returns only when every
//     task has finished, even when one of them throws. Build the transcript from the
//     results, in request order;
//   - delete the Connection, its mutex and condition variable, and the detached threads.
// Then no task outlives the call: nothing can touch serve_connection's memory after
// it has returned.
// `tools/lab hint 09` if you are stuck.
#include "connection.hpp"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

namespace lab09 {

namespace {

// The connection's state while it is served. serve_connection owns it.
struct Connection {
  explicit Connection(std::size_t requests) : responses(requests), access_log(requests) {}

  std::vector<Response> responses;
  std::vector<std::string> access_log;
  std::mutex m;                         // guards `answered`
  std::condition_variable all_answered; // signalled as `answered` grows
  std::size_t answered = 0;             // requests answered so far
};

}  // namespace

Transcript serve_connection(const std::vector<Request>& requests, const Clock& clock, labkit::Executor& executor) {
  (void)executor;  // TODO: use it instead of detached threads
  auto connection = std::make_unique<Connection>(requests.size());

  for (std::size_t i = 0; i < requests.size(); ++i) {
    // The thread gets a plain pointer to the connection: it does not keep it alive.
    std::thread([connection = connection.get(), request = requests[i], clock, i] {
      const Response response = respond(request);
      connection->responses[i] = response;
      {
        std::lock_guard<std::mutex> lock(connection->m);
        ++connection->answered;  // the client has its answer...
        connection->all_answered.notify_one();
      }
      // ...and the log line is written afterwards. Nobody waits for this part.
      connection->access_log[i] = access_log_line(clock(), request, response);
    }).detach();
  }

  // Wait until every request is answered (but not until every line is logged).
  std::unique_lock<std::mutex> lock(connection->m);
  connection->all_answered.wait(lock, [&] { return connection->answered == requests.size(); });
  return {connection->responses, connection->access_log};
}  // the Connection is destroyed here, while threads may still be writing its log

}  // namespace lab09
