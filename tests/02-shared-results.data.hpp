// Test data for lab 02-shared-results, shared by its tests (tests/02-shared-results.cpp) and its demo
// program (tests/02-shared-results.demo.cpp), so both exercise the lab on the same input.
#pragma once

#include "shared_results.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace lab02::test_data {

// `count` requests, all with different URLs (so a response in the wrong place shows),
// mixing every kind of answer the simulated server gives: pages (200), /status/404 and
// /status/503, a POST (405) and malformed URLs (400).
inline std::vector<Request> make_requests(std::size_t count) {
  std::vector<Request> requests;
  for (std::size_t i = 0; i < count; ++i) {
    const std::string host = "http://host" + std::to_string(i % 7) + ".example";
    const std::string n = std::to_string(i);
    if (i % 17 == 11) {
      requests.push_back({"GET", "ftp://files.example/pub/" + n});
    } else if (i % 13 == 5) {
      requests.push_back({"POST", host + "/form/" + n});
    } else if (i % 10 == 3) {
      requests.push_back({"GET", host + "/status/404?try=" + n});
    } else if (i % 10 == 7) {
      requests.push_back({"GET", host + "/status/503#" + n});
    } else {
      requests.push_back({"GET", host + "/page/" + n});
    }
  }
  return requests;
}

}  // namespace lab02::test_data
