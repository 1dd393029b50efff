// Lab 06 — hidden globals. The interface the tests call: do not change this file.
#pragma once

#include <labkit/executor.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace lab06 {

/// What one client sent on one connection, read in one go: several HTTP request lines
/// (pipelined requests), each ended by "\r\n" (or a bare "\n").
struct Connection {
  std::string bytes;           ///< e.g. "GET /a HTTP/1.1\r\nGET /b HTTP/1.1\r\n"
  std::time_t arrived_at = 0;  ///< when the bytes were read: seconds since 1970-01-01, UTC
  unsigned id_seed = 0;        ///< seeds this connection's request IDs (see IdGenerator)
};

/// One request line, parsed and stamped: what the handler is given.
struct Request {
  std::string method;   ///< "GET"; empty (with target and version) if the line is malformed
  std::string target;   ///< "/a"
  std::string version;  ///< "HTTP/1.1"
  std::string id;       ///< the request ID, 8 hex digits (format_request_id)
  std::string date;     ///< when the connection's bytes arrived, as an HTTP date (format_http_date)

  bool operator==(const Request&) const = default;
};

/// What the handler answers.
struct Response {
  int status = 0;
  std::string body;

  bool operator==(const Response&) const = default;
};

inline std::ostream& operator<<(std::ostream& out, const Response& r) {
  return out << "{" << r.status << " \"" << r.body << "\"}";
}

/// The application: turns one Request into its Response. The tests pass their own.
/// It may be called from several threads at once.
using Handler = std::function<Response(const Request&)>;

/// Splits "METHOD TARGET VERSION" (exactly three non-empty words, one space apart) into
/// method, target and version. Anything else is malformed: all three stay empty. Leaves
/// `id` and `date` empty. A pure function: no state, safe on any thread.
inline Request parse_request_line(std::string_view line) {
  Request request;
  const std::size_t first = line.find(' ');
  if (first == std::string_view::npos) return request;
  const std::size_t second = line.find(' ', first + 1);
  if (second == std::string_view::npos || line.find(' ', second + 1) != std::string_view::npos)
    return request;
  const std::string_view method = line.substr(0, first);
  const std::string_view target = line.substr(first + 1, second - first - 1);
  const std::string_view version = line.substr(second + 1);
  if (method.empty() || target.empty() || version.empty()) return request;
  request.method = method;
  request.target = target;
  request.version = version;
  return request;
}

/// A request ID as 8 lowercase hex digits: 0x1b2c3d -> "001b2c3d".
inline std::string format_request_id(std::uint32_t number) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text(8, '0');
  for (int i = 7; i >= 0; --i, number >>= 4) text[static_cast<std::size_t>(i)] = kDigits[number & 0xf];
  return text;
}

/// A broken-down UTC time as an HTTP date (RFC 9110, IMF-fixdate):
/// "Sun, 22 Nov 2026 10:00:00 GMT". Reads only the std::tm it is given.
inline std::string format_http_date(const std::tm& utc) {
  static constexpr char kDays[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr char kMonths[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char text[40];
  std::snprintf(text, sizeof text, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[(utc.tm_wday % 7 + 7) % 7],
                utc.tm_mday, kMonths[(utc.tm_mon % 12 + 12) % 12], utc.tm_year + 1900, utc.tm_hour,
                utc.tm_min, utc.tm_sec);
  return text;
}

/// The numbers request IDs are made from. IdGenerator(seed) gives exactly the numbers that
/// `std::srand(seed)` followed by `std::rand()`, `std::rand()`, ... gives in a program where
/// nothing else calls rand(), but its state lives in this object, not in a hidden global
/// of the C library. (rand()'s own generator, written out here: 34 numbers of state seeded
/// from the seed, then each number the sum of the ones 31 and 3 places back.) Each task can
/// own one: no sharing, no lock.
class IdGenerator {
 public:
  explicit IdGenerator(unsigned seed) {
    // As srand(seed) seeds rand(): the seed, then 30 steps of a multiplicative generator
    // (Schrage's method, modulo 2^31 - 1), then 310 numbers drawn and thrown away.
    std::int32_t word = static_cast<std::int32_t>(seed == 0 ? 1 : seed);
    state_[0] = word;
    for (int i = 1; i < kDegree; ++i) {
      const std::int64_t hi = word / 127773;
      const std::int64_t lo = word % 127773;
      std::int64_t next = 16807 * lo - 2836 * hi;
      if (next < 0) next += 2147483647;
      word = static_cast<std::int32_t>(next);
      state_[i] = word;
    }
    front_ = kSeparation;
    rear_ = 0;
    for (int i = 0; i < 10 * kDegree; ++i) next();
  }

  /// The next number, 0 .. 2^31-1.
  std::uint32_t next() {
    const std::uint32_t sum = static_cast<std::uint32_t>(state_[front_]) + static_cast<std::uint32_t>(state_[rear_]);
    state_[front_] = static_cast<std::int32_t>(sum);
    front_ = (front_ + 1) % kDegree;
    rear_ = (rear_ + 1) % kDegree;
    return sum >> 1;
  }

 private:
  static constexpr int kDegree = 31;     // the numbers of state
  static constexpr int kSeparation = 3;  // how far the two added numbers are apart
  std::int32_t state_[kDegree] = {};
  int front_ = 0;
  int rear_ = 0;
};

/// A tiny HTTP front end. For every connection, for every request line of its bytes:
///   - the request lines are the pieces of `bytes` between '\r' and '\n' characters;
///     empty pieces are skipped;
///   - method, target and version come from parse_request_line();
///   - `id` is the k-th number of IdGenerator(connection.id_seed) for the k-th request
///     line of the connection (counting from 0, malformed lines included), formatted
///     by format_request_id();
///   - `date` is connection.arrived_at in UTC, formatted by format_http_date(): every
///     request of a connection arrived in the same read, so they share it;
///   - the handler is called once with the Request, and its Response is kept.
/// Returns one vector per connection, in connection order, holding the responses in
/// request-line order. Must use `executor` to serve the connections in several tasks,
/// and must return what a plain loop returns, every time, whatever the other
/// connections are doing.
std::vector<std::vector<Response>> serve_all(const std::vector<Connection>& connections,
                                             const Handler& handler, labkit::Executor& executor);

}  // namespace lab06
