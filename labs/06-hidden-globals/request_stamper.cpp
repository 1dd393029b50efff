// Lab 06 — hidden globals.
//
// A small HTTP front end reads several pipelined request lines per connection, gives
// each request an ID and a Date, and hands it to the application's handler. It serves
// every connection on a thread of its own. There is no global variable in this file,
// and yet the threads share three of them: globals you did not write, inside the C
// library.
//   - std::strtok(text, ...) remembers where it stopped in ONE hidden pointer, and
//     strtok(nullptr, ...) carries on from there. Two threads splitting two texts move
//     the same pointer: one thread goes on splitting the OTHER connection's bytes, or
//     finds the end of them and stops early.
//   - std::srand / std::rand: ONE generator for the whole process. Another thread's
//     srand() restarts it, and its rand() calls take numbers out of our sequence.
//   - std::gmtime returns a pointer to ONE static std::tm. The next gmtime() call, on
//     any thread, overwrites what that pointer shows.
// Each is fine in a program with one thread. ThreadSanitizer barely helps: the C
// library is not instrumented, so it cannot see strtok's or rand's state change hands.
// The tests catch it another way: they hold one connection in the handler while another
// is served, and compare with a plain loop; and they read the list of C library
// functions your object file calls.
//
// TODO: make serve_all correct WITHOUT any hidden shared state:
//   - split the bytes with std::string_view (find_first_of / find_first_not_of with
//     "\r\n") instead of strtok; it does not even need a writable copy;
//   - draw the IDs from an IdGenerator (see request_stamper.hpp) that each connection
//     owns, seeded with connection.id_seed, instead of srand/rand;
//   - convert the time with gmtime_r(&time, &tm) into a std::tm of your own;
//   - serve each connection in a task of its own on `executor` (executor.map), the
//     Connection going in as the task's argument, its responses coming back through
//     the future.
// When you are done this file calls none of strtok, rand, srand or gmtime.
// `tools/lab hint 06` if you are stuck.
#include "request_stamper.hpp"

#include <cstring>
#include <thread>

namespace lab06 {

// Serves one connection. `bytes` is a writable copy of connection.bytes: strtok
// writes '\0' over each delimiter it finds.
static std::vector<Response> serve_connection(char* bytes, const Connection& connection,
                                              const Handler& handler) {
  // Every request of the connection arrived in the same read: convert the time once.
  const std::tm* arrived = std::gmtime(&connection.arrived_at);  // the bug: a shared static tm
  std::srand(connection.id_seed);                                  // the bug: one generator for all

  std::vector<Response> responses;
  // The bug: strtok(nullptr, ...) continues wherever the LAST strtok call, on any thread, stopped.
  for (char* line = std::strtok(bytes, "\r\n"); line != nullptr; line = std::strtok(nullptr, "\r\n")) {
    Request request = parse_request_line(line);
    request.id = format_request_id(static_cast<std::uint32_t>(std::rand()));
    request.date = format_http_date(*arrived);
    responses.push_back(handler(request));
  }
  return responses;
}

std::vector<std::vector<Response>> serve_all(const std::vector<Connection>& connections,
                                             const Handler& handler, labkit::Executor& executor) {
  (void)executor;  // TODO: use it instead of raw threads
  // Writable copies for strtok, kept until every thread has finished.
  std::vector<std::string> buffers;
  for (const Connection& connection : connections) buffers.push_back(connection.bytes);

  std::vector<std::vector<Response>> responses(connections.size());
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < connections.size(); ++i) {
    threads.emplace_back([&, i] { responses[i] = serve_connection(buffers[i].data(), connections[i], handler); });
  }
  for (auto& thread : threads) thread.join();
  return responses;
}

}  // namespace lab06
