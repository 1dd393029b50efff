// Lab 01 — lost update. The interface the tests call: do not change this file.
#pragma once

#include <labkit/executor.hpp>

#include <cctype>
#include <ostream>
#include <string>
#include <vector>

namespace lab01 {

/// How many requests of an access log fell into each HTTP status class.
struct StatusCounts {
  long informational = 0;  ///< 1xx
  long success = 0;        ///< 2xx
  long redirect = 0;       ///< 3xx
  long client_error = 0;   ///< 4xx
  long server_error = 0;   ///< 5xx
  long malformed = 0;      ///< lines without a readable status code

  bool operator==(const StatusCounts&) const = default;
  StatusCounts& operator+=(const StatusCounts& other) {
    informational += other.informational;
    success += other.success;
    redirect += other.redirect;
    client_error += other.client_error;
    server_error += other.server_error;
    malformed += other.malformed;
    return *this;
  }
};

inline std::ostream& operator<<(std::ostream& out, const StatusCounts& c) {
  return out << "{1xx=" << c.informational << " 2xx=" << c.success << " 3xx=" << c.redirect
             << " 4xx=" << c.client_error << " 5xx=" << c.server_error << " malformed=" << c.malformed
             << "}";
}

/// The status code of one line in Common Log Format, or 0 if it has none:
///   127.0.0.1 - - [22/Nov/2026:10:00:00 +0000] "GET /index.html HTTP/1.1" 200 512
/// (the first field after the closing quote of the request).
inline int status_of(const std::string& line) {
  // The status follows the request, which is the only quoted field.
  const auto request_end = line.rfind('"');
  if (request_end == std::string::npos) return 0;
  std::size_t pos = request_end + 1;
  while (pos < line.size() && line[pos] == ' ') ++pos;
  if (pos + 3 > line.size()) return 0;
  int status = 0;
  for (std::size_t i = pos; i < pos + 3; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(line[i]))) return 0;
    status = status * 10 + (line[i] - '0');
  }
  if (pos + 3 < line.size() && line[pos + 3] != ' ') return 0;
  return status;
}

/// Counts `log_lines` per status class. Must use `executor` to spread the work over
/// several tasks, and must return the same counts as a plain loop, every time.
StatusCounts count_status_classes(const std::vector<std::string>& log_lines,
                                  labkit::Executor& executor);

}  // namespace lab01
