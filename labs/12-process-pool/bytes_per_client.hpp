// Lab 12 — process pool. The interface the tests call: do not change this file.
#pragma once

#include <labkit/executor.hpp>
#include <labkit/process_pool.hpp>

#include <sys/types.h>

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace lab12 {

/// Lines of a web server's access log, in the common log format:
///   203.0.113.7 - - [02/Dec/2026:06:00:00 +0000] "GET /index.html HTTP/1.1" 200 5120
/// The first field is the client's address, the last the bytes sent ("-" for none).
using LogLines = std::vector<std::string>;

/// Bytes sent to each client address: what the tally computes.
using BytesByClient = std::map<std::string, std::uint64_t>;

/// One parsed line: the client's address and the bytes sent to it.
struct Transfer {
  std::string client;
  std::uint64_t bytes = 0;
};

/// Parses one access-log line. A line without a client field, or whose last field is
/// neither a number nor "-", is not a transfer: std::nullopt (the tally skips it).
inline std::optional<Transfer> parse_line(const std::string& line) {
  const auto client_end = line.find(' ');
  const auto last_space = line.rfind(' ');
  if (client_end == std::string::npos || client_end == 0 || last_space == client_end) return std::nullopt;
  const std::string bytes_field = line.substr(last_space + 1);
  Transfer transfer{line.substr(0, client_end), 0};
  if (bytes_field == "-") return transfer;
  const char* end = bytes_field.data() + bytes_field.size();
  const auto [stop, error] = std::from_chars(bytes_field.data(), end, transfer.bytes);
  if (error != std::errc{} || stop != end || bytes_field.empty()) return std::nullopt;
  return transfer;
}

/// The log cut into chunks of 50 lines (the last one shorter): one task each.
inline std::vector<LogLines> split_into_chunks(const LogLines& log) {
  constexpr std::size_t kLinesPerTask = 50;
  std::vector<LogLines> chunks;
  for (std::size_t start = 0; start < log.size(); start += kLinesPerTask) {
    const std::size_t end = std::min(log.size(), start + kLinesPerTask);
    chunks.emplace_back(log.begin() + static_cast<std::ptrdiff_t>(start), log.begin() + static_cast<std::ptrdiff_t>(end));
  }
  return chunks;
}

// (1) The demonstration, given in demonstration.cpp: tasks add the bytes of their chunk of
//     lines into a GLOBAL map (under a mutex), and the caller reads the global once they
//     have finished.

/// The demonstration's tally on a thread pool (or any labkit::Executor): right.
BytesByClient tally_with_global(labkit::Executor& executor, const LogLines& log);
/// The same code on a process pool: each worker adds into its OWN copy of the global.
BytesByClient tally_with_global(labkit::ProcessPoolExecutor& pool, const LogLines& log);

// (2) The same tally with the executor discipline: your work (the TODO in bytes_per_client.cpp).

/// Tallies `log` with tasks on `executor`; must equal a plain sequential loop's tally.
BytesByClient tally(labkit::Executor& executor, const LogLines& log);
/// The same code on a process pool; must give the same answer.
BytesByClient tally(labkit::ProcessPoolExecutor& pool, const LogLines& log);

// (3) The pool the program itself uses, chosen by ONE line of bytes_per_client.cpp.

/// tally() on a pool of the configured kind.
BytesByClient tally_on_configured_pool(const LogLines& log);
/// The process id a task sees when it runs on a pool of the configured kind: the
/// program's own on a thread pool, a worker's on a process pool.
pid_t pid_seen_by_a_configured_pool_task();

}  // namespace lab12
