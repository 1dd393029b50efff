// Test data for lab 06-hidden-globals, shared by its tests (tests/06-hidden-globals.cpp) and its demo
// program (tests/06-hidden-globals.demo.cpp), so both exercise the lab on the same input.
#pragma once

#include "request_stamper.hpp"

#include <cstddef>
#include <ctime>
#include <iterator>
#include <string>
#include <vector>

namespace lab06::test_data {

// 2026-11-22 10:00:00 UTC: when every test connection arrives.
inline constexpr std::time_t kSomeMorning = 1795341600;

// `count` connections with `requests_each` request lines each. The targets name the
// connection and the request ("/conn3/req1"), so a response in the wrong place shows
// where it came from. Every connection has its own arrival time (a different day and
// time) and its own ID seed. Odd connections end lines with "\n", even ones with "\r\n";
// every fifth connection has a blank line in the middle and a malformed line
// ("BREW /coffee", two words) at the end, so empty pieces and malformed lines are used.
inline std::vector<Connection> make_connections(std::size_t count, std::size_t requests_each) {
  static constexpr const char* kMethods[] = {"GET", "GET", "HEAD", "POST", "GET", "DELETE"};
  std::vector<Connection> connections;
  for (std::size_t i = 0; i < count; ++i) {
    const std::string end_of_line = i % 2 == 0 ? "\r\n" : "\n";
    Connection connection;
    for (std::size_t k = 0; k < requests_each; ++k) {
      connection.bytes += std::string(kMethods[(i + k) % std::size(kMethods)]) + " /conn" + std::to_string(i) +
                          "/req" + std::to_string(k) + " HTTP/1.1" + end_of_line;
      if (i % 5 == 0 && k == requests_each / 2) connection.bytes += end_of_line;
    }
    if (i % 5 == 0) connection.bytes += "BREW /coffee" + end_of_line;
    connection.arrived_at = kSomeMorning + static_cast<std::time_t>(i) * (86'400 + 3'671);
    connection.id_seed = 1'000 + static_cast<unsigned>(i) * 7'919;
    connections.push_back(std::move(connection));
  }
  return connections;
}

// The tests' application: echoes everything it was given, so that any wrong field
// shows in the response. Pure: safe on any thread.
inline Response echo(const Request& request) {
  const std::string stamp = " id=" + request.id + " date=" + request.date;
  if (request.method.empty()) return {400, "malformed" + stamp};
  return {200, request.method + " " + request.target + " " + request.version + stamp};
}

}  // namespace lab06::test_data
