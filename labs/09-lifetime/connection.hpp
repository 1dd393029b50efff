// Lab 09 — lifetime. The interface the tests call: do not change this file.
#pragma once

#include <labkit/executor.hpp>
#include <labkit/simulate.hpp>

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

namespace lab09 {

/// One request on a keep-alive connection: a method and a path.
struct Request {
  std::string method = "GET";
  std::string path;

  bool operator==(const Request&) const = default;
};

/// The server's answer to one Request.
struct Response {
  int status = 0;
  std::string body;

  bool operator==(const Response&) const = default;
};

/// Everything one connection produced, handed back when it closes.
struct Transcript {
  std::vector<Response> responses;      ///< the i-th answers the i-th request
  std::vector<std::string> access_log;  ///< one line per request, in request order

  bool operator==(const Transcript&) const = default;
};

inline std::ostream& operator<<(std::ostream& out, const Response& r) {
  return out << r.status << " \"" << r.body << "\"";
}

/// Prints the number of responses and every log line (the log shows the statuses too).
inline std::ostream& operator<<(std::ostream& out, const Transcript& t) {
  out << "{" << t.responses.size() << " responses; access log:";
  for (const auto& line : t.access_log) out << "\n    " << (line.empty() ? "(empty line)" : line);
  return out << "}";
}

/// Where access-log lines get their time from: returns a timestamp such as
/// "[22/Nov/2026:10:00:00 +0000]". A server passes its real clock; the tests pass
/// their own. It may be called from any thread, and takes a moment, as a real clock may.
using Clock = std::function<std::string()>;

/// The SIMULATED server: the answer to one request is a pure function of it (no
/// network, nothing shared), computed slowly, as real work takes a while.
///   a method other than GET        -> 405, body "method not allowed"
///   GET /status/NNN (100..599)     -> status NNN, body "status NNN"
///   GET anything else              -> 200, a small page naming the path, with a checksum
inline Response respond(const Request& request) {
  const std::uint32_t work = labkit::simulate::checksum(request.method + " " + request.path, 300);
  if (request.method != "GET") return {405, "method not allowed"};
  const std::string status_prefix = "/status/";
  if (request.path.rfind(status_prefix, 0) == 0 && request.path.size() == status_prefix.size() + 3) {
    int code = 0;
    bool digits = true;
    for (std::size_t i = status_prefix.size(); i < request.path.size(); ++i) {
      digits = digits && request.path[i] >= '0' && request.path[i] <= '9';
      code = code * 10 + (request.path[i] - '0');
    }
    if (digits && code >= 100 && code <= 599) return {code, "status " + std::to_string(code)};
  }
  return {200, "<p>" + request.path + "</p><!-- " + std::to_string(work % 100000) + " -->"};
}

/// One access-log line, in a shortened Common Log Format: the time, the request line,
/// the status and the size of the response body in bytes:
///   [22/Nov/2026:10:00:00 +0000] "GET /index.html HTTP/1.1" 200 27
inline std::string access_log_line(const std::string& timestamp, const Request& request,
                                   const Response& response) {
  return timestamp + " \"" + request.method + " " + request.path + " HTTP/1.1\" " +
         std::to_string(response.status) + " " + std::to_string(response.body.size());
}

/// Serves every request of one connection and returns its transcript when the
/// connection closes: the responses and the access log, both in request order, every
/// log line stamped with a time from `clock`. Must use `executor` to serve the requests
/// in several tasks, must return what a plain loop returns, and must leave NOTHING
/// running when it returns: every task it started has finished by then.
Transcript serve_connection(const std::vector<Request>& requests, const Clock& clock, labkit::Executor& executor);

}  // namespace lab09
