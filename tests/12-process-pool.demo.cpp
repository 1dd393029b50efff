// Lab 12 demo for `tools/lab race 12`: the same log tallied by each part of
// bytes_per_client.cpp, on the pool each one runs on, compared with a plain loop. It prints
// one line, what differs first (`tools/lab race` shortens long lines in the middle), e.g.
//   "tally on processes: 0/37 clients, Pool: threads | tally on threads: right |
//    global: right on threads, 0/37 clients on processes"                 (the starter)
//   "tally on processes: right, Pool: processes | tally on threads: right |
//    global: right on threads, 0/37 clients on processes"                 (the solution)
// (one line in the output; wrapped here). Unlike the races of the earlier labs this answer
// does not change from run to run: a worker process ALWAYS adds into its own copy of the
// global. No timing hides it and none shows it; only the discipline fixes it.
#include "bytes_per_client.hpp"
#include "12-process-pool.data.hpp"

#include <unistd.h>

#include <cstdio>
#include <string>

namespace {

// "right" if `got` equals `expected`, else how many clients have the right count.
std::string verdict(const lab12::BytesByClient& expected, const lab12::BytesByClient& got) {
  if (got == expected) return "right";
  std::size_t right = 0;
  for (const auto& [client, bytes] : expected) {
    const auto it = got.find(client);
    if (it != got.end() && it->second == bytes) ++right;
  }
  return std::to_string(right) + "/" + std::to_string(expected.size()) + " clients";
}

}  // namespace

int main() {
  const auto log = lab12::test_data::make_log(2000);
  const auto expected = lab12::test_data::tally_sequentially(log);
  labkit::ThreadPoolExecutor threads(4);
  labkit::ProcessPoolExecutor processes(4);
  std::printf("tally on processes: %s, Pool: %s | tally on threads: %s | global: %s on threads, %s on processes\n",
              verdict(expected, lab12::tally(processes, log)).c_str(),
              lab12::pid_seen_by_a_configured_pool_task() == ::getpid() ? "threads" : "processes",
              verdict(expected, lab12::tally(threads, log)).c_str(),
              verdict(expected, lab12::tally_with_global(threads, log)).c_str(),
              verdict(expected, lab12::tally_with_global(processes, log)).c_str());
  return 0;
}
