// labkit/simulate.hpp — stand-ins for the work of the labs' simulated network services.
// Every lab runs in-process with no real network, so "a server takes a while to answer"
// is simulated by deterministic arithmetic: the same result on every run and thread.
#pragma once

#include <cstdint>
#include <string_view>

namespace labkit::simulate {

/// Stands in for the time a server spends on a request: an FNV-1a checksum of `text`,
/// computed `rounds` times over. Pure: touches nothing but its arguments. More rounds,
/// more time; the result depends only on `text` and `rounds`.
inline std::uint32_t checksum(std::string_view text, int rounds) {
  std::uint32_t hash = 2166136261u;  // FNV-1a offset basis
  for (int round = 0; round < rounds; ++round) {
    for (const char c : text) {
      hash ^= static_cast<unsigned char>(c);
      hash *= 16777619u;  // FNV-1a prime
    }
  }
  return hash;
}

}  // namespace labkit::simulate
