// Lab 03 — check-then-act. The interface the tests call: do not change this file.
#pragma once

#include <labkit/executor.hpp>

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <unordered_map>
#include <vector>

namespace lab03 {

/// An IPv4 address, one byte per octet from the left: 10.1.2.3 is 0x0a010203.
struct Address {
  std::uint32_t ipv4 = 0;

  bool operator==(const Address&) const = default;
};

/// Prints the address in dotted form: 10.1.2.3.
inline std::ostream& operator<<(std::ostream& out, const Address& a) {
  return out << (a.ipv4 >> 24) << '.' << ((a.ipv4 >> 16) & 0xff) << '.' << ((a.ipv4 >> 8) & 0xff)
             << '.' << (a.ipv4 & 0xff);
}

/// Looks one hostname up and returns its address. Think of it as a DNS query: slow
/// (a network round trip), so a program should not ask twice for the same name. The
/// tests pass their own Resolver, which counts how often each name is looked up.
using Resolver = std::function<Address(const std::string& hostname)>;

/// A SIMULATED DNS lookup: no network, the answer is a pure function of the name, the
/// same on every call and on every thread. "localhost" is 127.0.0.1; any other name
/// gets an address in 10.0.0.0/8 computed from a checksum of the name, slowly, the way
/// a real lookup takes a while.
inline Address simulated_lookup(const std::string& hostname) {
  if (hostname == "localhost") return Address{0x7f000001};
  std::uint32_t hash = 2166136261u;  // FNV-1a, many times over: the "network delay"
  for (int round = 0; round < 300; ++round) {
    for (const char c : hostname) {
      hash ^= static_cast<unsigned char>(c);
      hash *= 16777619u;
    }
  }
  return Address{0x0a000000u | (hash & 0x00ffffffu)};
}

/// Resolves the hostnames of `hostnames`, which may repeat, and returns one entry per
/// distinct hostname (names are compared exactly as written). Must call `resolve`
/// exactly ONCE for each distinct hostname, must use `executor` to run the lookups in
/// several tasks, and must return what a plain loop returns, every time.
std::unordered_map<std::string, Address> resolve_all(const std::vector<std::string>& hostnames,
                                                     const Resolver& resolve,
                                                     labkit::Executor& executor);

}  // namespace lab03
