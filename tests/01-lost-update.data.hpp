// Test data for lab 01-lost-update, shared by its tests (tests/01-lost-update.cpp) and its demo
// program (tests/01-lost-update.demo.cpp), so both exercise the lab on the same input.
#pragma once

#include "lost_update.hpp"

#include <cstddef>
#include <iterator>
#include <random>
#include <string>
#include <vector>

namespace lab01::test_data {

// A synthetic access log: `count` lines with statuses drawn from a fixed seed, and
// every seventh line malformed (no status), so every counter is exercised.
inline std::vector<std::string> make_log(std::size_t count) {
  static constexpr int kStatuses[] = {100, 200, 200, 200, 204, 301, 304, 404, 403, 500, 503};
  std::mt19937 rng(2026);
  std::vector<std::string> lines;
  for (std::size_t i = 0; i < count; ++i) {
    if (i % 7 == 6) {
      lines.push_back("garbage line " + std::to_string(i));
      continue;
    }
    const int status = kStatuses[rng() % std::size(kStatuses)];
    lines.push_back("10.0.0." + std::to_string(i % 250) + " - - [22/Nov/2026:10:00:00 +0000] \"GET /item/" +
                    std::to_string(i) + " HTTP/1.1\" " + std::to_string(status) + " 512");
  }
  return lines;
}

}  // namespace lab01::test_data
