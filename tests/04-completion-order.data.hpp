// Test data for lab 04-completion-order, shared by its tests (tests/04-completion-order.cpp) and its demo
// program (tests/04-completion-order.demo.cpp), so both exercise the lab on the same input.
#pragma once

#include "access_log.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace lab04::test_data {

// `count` requests numbered 0..count-1, from a handful of clients, mixing every kind
// of answer the simulated server gives: pages (200, GET and HEAD), /private/ (403),
// .../missing (404) and a DELETE (405). The id makes every line different.
inline std::vector<Request> make_requests(std::size_t count) {
  std::vector<Request> requests;
  for (std::size_t i = 0; i < count; ++i) {
    Request request;
    request.id = static_cast<int>(i);
    request.client = "10.0.0." + std::to_string(1 + i % 9);
    const std::string n = std::to_string(i);
    if (i % 11 == 4) {
      request.method = "DELETE";
      request.path = "/cart/" + n;
    } else if (i % 7 == 3) {
      request.path = "/private/report-" + n;
    } else if (i % 5 == 2) {
      request.path = "/shop/item-" + n + "/missing";
    } else if (i % 6 == 5) {
      request.method = "HEAD";
      request.path = "/shop/item-" + n;
    } else {
      request.path = "/shop/item-" + n;
    }
    requests.push_back(request);
  }
  return requests;
}

}  // namespace lab04::test_data
