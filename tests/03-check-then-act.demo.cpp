// Lab 03 demo for `tools/lab race 03`: one call of resolve_all on a pool of 4 workers,
// for 300 hostnames, 60 distinct names 5 times each in a shuffled order (the tests'
// make_hostnames; the same list on every run), with a resolver that counts its lookups.
// It prints one line: the cache's size, how many names map to the right address, and
// how many lookups were made, e.g.
//   "60 entries, 60/60 names right, 60 lookups (each name once)"   (every correct run)
//   "60 entries, 60/60 names right, 64 lookups (4 repeated)"        (check-then-act)
//   "hung: stuck inside the shared map after 2 s"
// The starter checks the shared cache without the lock: two threads can both see a name
// missing and both look it up, so the count of lookups changes from run to run (here,
// 4 runs in 5 made repeated lookups; the cache itself came out right in all of 1,000).
// The same unlocked check reads the map while another thread inserts into it, which is
// undefined behaviour: under TSan a thread of the starter now and then loops forever
// inside the map (never seen in 1,000 plain runs, but possible). So the call runs on a
// thread of its own, and after 2 s without an answer the demo prints the "hung" line and
// ends at once (_exit: the stuck thread cannot be joined).
#include "resolver_cache.hpp"
#include "demo_deadline.hpp"
#include "03-check-then-act.data.hpp"


#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

using lab03::test_data::make_hostnames;

}  // namespace

int main() {
  const std::vector<std::string> hostnames = make_hostnames(60, 5);
  std::unordered_map<std::string, lab03::Address> expected;
  for (const auto& hostname : hostnames) expected.emplace(hostname, lab03::simulated_lookup(hostname));

  std::atomic<int> lookups{0};
  const lab03::Resolver counting_lookup = [&lookups](const std::string& hostname) {
    lookups.fetch_add(1, std::memory_order_relaxed);
    return lab03::simulated_lookup(hostname);
  };

  const auto got = demo::call_or_report_hang(std::chrono::seconds(2), "hung: stuck inside the shared map after 2 s", [&] {
    labkit::ThreadPoolExecutor executor(4);
    return lab03::resolve_all(hostnames, counting_lookup, executor);
  });

  std::size_t right = 0;
  for (const auto& [hostname, address] : expected) {
    const auto found = got.find(hostname);
    if (found != got.end() && found->second == address) ++right;
  }
  const int made = lookups.load();
  const int repeated = made - static_cast<int>(expected.size());
  std::string line = std::to_string(got.size()) + " entries, " + std::to_string(right) + "/" +
                     std::to_string(expected.size()) + " names right, " + std::to_string(made) + " lookups ";
  line += repeated == 0 ? "(each name once)"
          : repeated > 0 ? "(" + std::to_string(repeated) + " repeated)"
                         : "(" + std::to_string(-repeated) + " too few)";
  std::printf("%s\n", line.c_str());
  return 0;
}
