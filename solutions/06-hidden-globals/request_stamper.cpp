// Lab 06 — hidden globals: the reference solution.
//
// What changed, and why:
//   - strtok is gone. Its position lived in one hidden pointer that every thread moved;
//     here the position is a local variable (`start`), and std::string_view slices the
//     connection's bytes without copying or writing to them.
//   - srand/rand are gone. Each connection owns an IdGenerator seeded with its
//     id_seed: the same numbers rand() would give that connection on its own, from
//     state nobody else can touch.
//   - gmtime is gone. gmtime_r fills a std::tm that belongs to this task, not the one
//     static std::tm the C library hands to every caller.
//   - Raw threads are replaced by executor.map(): each Connection goes into its own task
//     as the argument, its responses come back through the future, in connection order.
// Nothing a task uses is shared with another task any more, visible or hidden, so what
// one connection gets no longer depends on what the others are doing.
#include "request_stamper.hpp"

namespace lab06 {

namespace {

// The request lines of `bytes`: the pieces between '\r' and '\n' characters, empty
// ones skipped. The views point into `bytes`.
std::vector<std::string_view> request_lines(std::string_view bytes) {
  constexpr std::string_view kLineBreaks = "\r\n";
  std::vector<std::string_view> lines;
  std::size_t start = bytes.find_first_not_of(kLineBreaks);
  while (start != std::string_view::npos) {
    const std::size_t end = bytes.find_first_of(kLineBreaks, start);
    lines.push_back(bytes.substr(start, end == std::string_view::npos ? end : end - start));
    start = end == std::string_view::npos ? end : bytes.find_first_not_of(kLineBreaks, end);
  }
  return lines;
}

// One task: serves one connection with state of its own (the IdGenerator, the std::tm).
std::vector<Response> serve_connection(const Connection& connection, const Handler& handler) {
  std::tm arrived{};
  ::gmtime_r(&connection.arrived_at, &arrived);
  const std::string date = format_http_date(arrived);
  IdGenerator ids(connection.id_seed);

  std::vector<Response> responses;
  for (const std::string_view line : request_lines(connection.bytes)) {
    Request request = parse_request_line(line);
    request.id = format_request_id(ids.next());
    request.date = date;
    responses.push_back(handler(request));
  }
  return responses;
}

}  // namespace

std::vector<std::vector<Response>> serve_all(const std::vector<Connection>& connections,
                                             const Handler& handler, labkit::Executor& executor) {
  // The handler is only read; map returns after every task has finished with it.
  return executor.map([&handler](const Connection& connection) { return serve_connection(connection, handler); },
                      connections);
}

}  // namespace lab06
