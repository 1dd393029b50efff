// Test data for lab 03-check-then-act, shared by its tests (tests/03-check-then-act.cpp) and its demo
// program (tests/03-check-then-act.demo.cpp), so both exercise the lab on the same input.
#pragma once

#include "resolver_cache.hpp"

#include <cstddef>
#include <iterator>
#include <random>
#include <string>
#include <vector>

namespace lab03::test_data {

// `distinct` different hostnames, each appearing `repeats` times, in an order shuffled
// with a fixed seed, as the links of a crawled page would name them.
inline std::vector<std::string> make_hostnames(std::size_t distinct, std::size_t repeats) {
  static constexpr const char* kDomains[] = {".example.com", ".example.net", ".example.org"};
  std::vector<std::string> hostnames;
  for (std::size_t r = 0; r < repeats; ++r) {
    for (std::size_t i = 0; i < distinct; ++i)
      hostnames.push_back("host" + std::to_string(i) + kDomains[i % std::size(kDomains)]);
  }
  std::shuffle(hostnames.begin(), hostnames.end(), std::mt19937(2026));
  return hostnames;
}

}  // namespace lab03::test_data
