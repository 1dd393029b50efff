// Lab 09 — lifetime: the reference solution.
//
// What changed, and why:
//   - The Connection object, the latch and the detached threads are gone. Each request
//     is served by one SHORT task that answers it, stamps and formats its log line, and
//     RETURNS both. A task writes only its own locals and its return value, so nothing
//     that serve_connection owns can be written after serve_connection has returned.
//   - Everything a task needs goes in as a copy: map copies the lambda into every task,
//     and with it the clock the lambda captured by value; the request is the task's
//     argument. No task holds a reference into serve_connection's locals.
//   - executor.map returns only after EVERY task has finished, even when one of them
//     throws (it rethrows after all are done). So when serve_connection returns,
//     nothing it started is still running: that is the clean shutdown, and it needs no
//     shutdown() call on an executor that belongs to the caller.
//   - The transcript is built on the calling thread from the results, in request order.
#include "connection.hpp"

namespace lab09 {

namespace {

// What one task hands back: the response and the log line for one request.
struct Exchange {
  Response response;
  std::string log_line;
};

// One short task: everything it reads came in as arguments; everything it produces
// goes out as its return value.
Exchange serve_one(const Request& request, const Clock& clock) {
  Exchange exchange;
  exchange.response = respond(request);
  exchange.log_line = access_log_line(clock(), request, exchange.response);
  return exchange;
}

}  // namespace

Transcript serve_connection(const std::vector<Request>& requests, const Clock& clock, labkit::Executor& executor) {
  const std::vector<Exchange> exchanges =
      executor.map([clock](const Request& request) { return serve_one(request, clock); }, requests);

  Transcript transcript;
  transcript.responses.reserve(exchanges.size());
  transcript.access_log.reserve(exchanges.size());
  for (const Exchange& exchange : exchanges) {
    transcript.responses.push_back(exchange.response);
    transcript.access_log.push_back(exchange.log_line);
  }
  return transcript;
}

}  // namespace lab09
