// Lab 04 — completion order. The interface the tests call: do not change this file.
#pragma once

#include <labkit/executor.hpp>
#include <labkit/simulate.hpp>

#include <cstdint>
#include <functional>
#include <mutex>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace lab04 {

/// One HTTP request that reached the server. `id` numbers the requests in the order
/// they arrived: 0, 1, 2, ...
struct Request {
  int id = 0;
  std::string client;  ///< the client's address, "10.0.0.7"
  std::string method = "GET";
  std::string path;    ///< "/index.html"

  bool operator==(const Request&) const = default;
};

inline std::ostream& operator<<(std::ostream& out, const Request& r) {
  return out << '#' << r.id << ' ' << r.client << ' ' << r.method << ' ' << r.path;
}

/// Handles one request on a SIMULATED server (no network, no files) and returns its
/// access-log line, "<id> <client> \"<method> <path>\" <status> <bytes>":
///   17 10.0.0.7 "GET /index.html" 200 5120
/// The answer is a pure function of the request, the same on every call and thread:
///   a method other than GET or HEAD   -> 405, 0 bytes
///   a path starting with /private/    -> 403, 0 bytes
///   a path ending with /missing       -> 404, 0 bytes
///   anything else                     -> 200, a page size computed from the path
///                                        (0 bytes for HEAD, which sends no body)
/// Some requests take the server longer than others (up to ~10x), as on a real server.
inline std::string handle_request(const Request& request) {
  // The server's "work": between 40 and 400 rounds of checksum, depending on the path.
  const int rounds = 40 + static_cast<int>(labkit::simulate::checksum(request.path, 1) % 361);
  const std::uint32_t page = labkit::simulate::checksum(request.method + ' ' + request.path, rounds);

  const auto ends_with = [](const std::string& text, const std::string& suffix) {
    return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  int status = 200;
  std::uint32_t bytes = 0;
  if (request.method != "GET" && request.method != "HEAD") {
    status = 405;
  } else if (request.path.rfind("/private/", 0) == 0) {
    status = 403;
  } else if (ends_with(request.path, "/missing")) {
    status = 404;
  } else if (request.method == "GET") {
    bytes = 256 + page % 20000;
  }
  return std::to_string(request.id) + ' ' + request.client + " \"" + request.method + ' ' + request.path +
         "\" " + std::to_string(status) + ' ' + std::to_string(bytes);
}

/// What serve_all() calls for each request: handles it and returns its log line. The
/// server passes handle_request; the tests pass their own, to control how long each
/// request takes.
using Handler = std::function<std::string(const Request&)>;

/// The server's access log: lines appended one at a time. Safe to use from several
/// threads at once — every member takes the log's mutex, so no line is ever lost or
/// torn. (Safe is not the same as in order: see the handout.)
class AccessLog {
 public:
  /// Appends one line at the end of the log.
  void append(std::string line) {
    std::lock_guard<std::mutex> lock(m_);
    lines_.push_back(std::move(line));
  }
  /// A copy of every line so far, oldest first.
  std::vector<std::string> lines() const {
    std::lock_guard<std::mutex> lock(m_);
    return lines_;
  }

 private:
  mutable std::mutex m_;
  std::vector<std::string> lines_;
};

/// Handles every request with `handle` and appends its line to `log`: one line per
/// request, IN REQUEST ORDER — the i-th line appended answers requests[i], however long
/// each request takes. Must use `executor` to run the handlers in several tasks, and
/// must leave the same log as a plain loop, every time.
void serve_all(const std::vector<Request>& requests, const Handler& handle, AccessLog& log,
               labkit::Executor& executor);

}  // namespace lab04
