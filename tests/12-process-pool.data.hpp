// Test data for lab 12-process-pool, shared by its tests (tests/12-process-pool.cpp) and its
// demo program (tests/12-process-pool.demo.cpp), so both exercise the lab on the same input.
#pragma once

#include "bytes_per_client.hpp"

#include <cstddef>
#include <random>
#include <string>
#include <vector>

namespace lab12::test_data {

// A synthetic access log of `count` lines from 37 clients (IPv4 and IPv6), with sizes drawn
// from a fixed seed. Every eleventh line is malformed and every thirteenth sent no body
// ("-"), so the parser's every path is taken.
inline LogLines make_log(std::size_t count) {
  std::mt19937 rng(2026);
  LogLines lines;
  lines.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    if (i % 11 == 10) {
      lines.push_back("garbage line " + std::to_string(i) + " x");
      continue;
    }
    const std::size_t client = i % 37;
    const std::string address =
        client % 5 == 0 ? "2001:db8::" + std::to_string(client) : "198.51.100." + std::to_string(client);
    const std::string bytes = i % 13 == 12 ? "-" : std::to_string(rng() % 100000);
    lines.push_back(address + " - - [02/Dec/2026:06:00:00 +0000] \"GET /files/" + std::to_string(i) +
                    " HTTP/1.1\" 200 " + bytes);
  }
  return lines;
}

// The sequential reference: one loop, no tasks, obviously right.
inline BytesByClient tally_sequentially(const LogLines& log) {
  BytesByClient totals;
  for (const std::string& line : log) {
    if (const auto transfer = parse_line(line)) totals[transfer->client] += transfer->bytes;
  }
  return totals;
}

}  // namespace lab12::test_data
