// Lab 11 — thread explosion. The interface the tests call: do not change this file.
#pragma once

#include <labkit/executor.hpp>

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

namespace lab11 {

/// One client connection, already accepted, with the request line it sent:
/// "GET /articles/17 HTTP/1.1". SIMULATED: there is no socket behind it.
struct Connection {
  int id = 0;
  std::string request;
};

/// What the server answers on one connection.
struct Response {
  int connection_id = 0;
  int status = 0;  ///< 200, 400 (malformed request) or 405 (not a GET)
  std::string body;

  bool operator==(const Response&) const = default;
};

/// Prints a response as "#17 200 page /articles/17 (etag 1a2b3c4d)".
inline std::ostream& operator<<(std::ostream& out, const Response& r) {
  return out << '#' << r.connection_id << ' ' << r.status << ' ' << r.body;
}

/// Handles one connection and returns its response. The tests pass their own, which
/// watch how many handlers run at once and on which threads.
using Handler = std::function<Response(const Connection&)>;

/// A SIMULATED request handler: parses the request line and renders the page. No
/// network, no files: the answer is a pure function of the request, the same on every
/// thread. Rendering costs a few tens of microseconds of CPU, as a small page does.
inline Response handle_request(const Connection& connection) {
  const std::string& line = connection.request;
  const auto first_space = line.find(' ');
  const auto second_space = first_space == std::string::npos ? first_space : line.find(' ', first_space + 1);
  if (second_space == std::string::npos || first_space == 0 || line[first_space + 1] != '/')
    return {connection.id, 400, "bad request"};
  if (line.compare(0, first_space, "GET") != 0) return {connection.id, 405, "method not allowed"};

  const std::string path = line.substr(first_space + 1, second_space - first_space - 1);
  std::uint32_t etag = 2166136261u;  // FNV-1a over the path, many times: the "rendering"
  for (int round = 0; round < 200; ++round) {
    for (const char c : path) {
      etag ^= static_cast<unsigned char>(c);
      etag *= 16777619u;
    }
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string etag_text(8, '0');
  for (int digit = 7; digit >= 0; --digit, etag >>= 4) etag_text[static_cast<std::size_t>(digit)] = kHex[etag & 0xf];
  return {connection.id, 200, "page " + path + " (etag " + etag_text + ")"};
}

/// Serves every connection: calls `handle` exactly once for each and returns the
/// responses in the order of `connections`. Must run the handlers as tasks on
/// `executor`, so that no more of them run at once, on no more threads, than
/// executor.max_workers() allows, however many connections arrive.
std::vector<Response> serve(const std::vector<Connection>& connections, const Handler& handle,
                            labkit::Executor& executor);

}  // namespace lab11
