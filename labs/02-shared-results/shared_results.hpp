// Lab 02 — shared results. The interface the tests call: do not change this file.
#pragma once

#include <labkit/executor.hpp>
#include <labkit/simulate.hpp>

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace lab02 {

/// One HTTP request to send: a method and an absolute URL, "http://host/path".
struct Request {
  std::string method = "GET";
  std::string url;

  bool operator==(const Request&) const = default;
};

/// The answer to one Request. `url` says which request it answers.
struct Response {
  std::string url;
  int status = 0;
  std::string body;

  bool operator==(const Response&) const = default;
};

inline std::ostream& operator<<(std::ostream& out, const Request& r) {
  return out << r.method << ' ' << r.url;
}

inline std::ostream& operator<<(std::ostream& out, const Response& r) {
  return out << "{" << r.url << " -> " << r.status << " \"" << r.body << "\"}";
}

namespace detail {

// Eight lowercase hex digits, as an ETag shows a checksum.
inline std::string to_hex(std::uint32_t value) {
  constexpr char kDigits[] = "0123456789abcdef";
  std::string text(8, '0');
  for (int i = 7; i >= 0; --i, value >>= 4) text[static_cast<std::size_t>(i)] = kDigits[value & 0xf];
  return text;
}

}  // namespace detail

/// Fetches one request from a SIMULATED server: there is no network, and the response
/// is a pure function of the request, the same on every call and on every thread.
///   URL not of the form "http://host/..."   -> 400, body "bad request"
///   a method other than GET                  -> 405, body "method not allowed"
///   GET http://host/status/NNN (100..599)    -> status NNN, body "status NNN"
///                                               (a ?query or #fragment is ignored)
///   GET anything else                        -> 200, an HTML body naming host and path
///                                               with an ETag-like checksum of the URL
/// Some URLs take the server longer than others (up to ~10x), as on a real network.
inline Response fetch(const Request& request) {
  Response response;
  response.url = request.url;

  constexpr char kScheme[] = "http://";
  const std::string scheme(kScheme);
  const std::size_t path_start =
      request.url.rfind(scheme, 0) == 0 ? request.url.find('/', scheme.size()) : std::string::npos;
  if (path_start == std::string::npos || path_start == scheme.size()) {
    response.status = 400;
    response.body = "bad request";
    return response;
  }
  if (request.method != "GET") {
    response.status = 405;
    response.body = "method not allowed";
    return response;
  }

  const std::string host = request.url.substr(scheme.size(), path_start - scheme.size());
  // The path, without a query ("?...") or fragment ("#...").
  const std::string path = request.url.substr(path_start, request.url.find_first_of("?#") - path_start);
  // The server's "latency": between 40 and 400 rounds of checksum, depending on the URL.
  const int rounds = 40 + static_cast<int>(labkit::simulate::checksum(request.url, 1) % 361);
  const std::uint32_t etag = labkit::simulate::checksum(request.url, rounds);

  const std::string status_prefix = "/status/";
  if (path.rfind(status_prefix, 0) == 0 && path.size() == status_prefix.size() + 3) {
    int code = 0;
    bool digits = true;
    for (std::size_t i = status_prefix.size(); i < path.size(); ++i) {
      digits = digits && path[i] >= '0' && path[i] <= '9';
      code = code * 10 + (path[i] - '0');
    }
    if (digits && code >= 100 && code <= 599) {
      response.status = code;
      response.body = "status " + std::to_string(code);
      return response;
    }
  }
  response.status = 200;
  response.body = "<html><h1>" + host + "</h1><p>" + path + "</p><!-- etag " + detail::to_hex(etag) +
                  " --></html>";
  return response;
}

/// Fetches every request and returns the responses IN REQUEST ORDER: the i-th response
/// answers the i-th request. Must use `executor` to fetch in several tasks, and must
/// return what a plain loop of fetch() calls returns, every time.
std::vector<Response> fetch_all(const std::vector<Request>& requests, labkit::Executor& executor);

}  // namespace lab02
