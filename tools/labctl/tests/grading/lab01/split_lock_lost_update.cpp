// Grading fixture — CHEAT (helper-14, 2026-12-03): lab 05's check-then-act in lab 01. Two
// tasks each read the shared total under a mutex, unlock, add their counts, and write the
// total back under the mutex again: a lost update with no data race (every access is locked),
// so ThreadSanitizer reports nothing, and with only two merges, thousands of memory points
// apart, the catalogue's random, pct and delay schedules never switched threads inside the
// read-write window (0 failures in 40 random and 40 pct schedules). Scored 10/10 three times
// in three; it deserves 0. Closed by the `sync` strategy (switches only at synchronisation:
// docs/determinism.md), three schedules of which the catalogue now runs: it fails
// `correct` under sync:seed=5, in every grading: 0/10.
#include "lost_update.hpp"

#include <algorithm>
#include <mutex>

namespace lab01 {

namespace {

struct Shared {
  std::mutex m;
  StatusCounts total;
};

int count_chunk(Shared* shared, std::vector<std::string> chunk) {
  StatusCounts counts;
  for (const auto& line : chunk) {
    switch (status_of(line) / 100) {
      case 1: ++counts.informational; break;
      case 2: ++counts.success; break;
      case 3: ++counts.redirect; break;
      case 4: ++counts.client_error; break;
      case 5: ++counts.server_error; break;
      default: ++counts.malformed; break;
    }
  }
  StatusCounts seen;
  {
    std::lock_guard<std::mutex> lock(shared->m);
    seen = shared->total;
  }
  seen += counts;
  {
    std::lock_guard<std::mutex> lock(shared->m);
    shared->total = seen;
  }
  return 0;
}

}  // namespace

StatusCounts count_status_classes(const std::vector<std::string>& log_lines,
                                  labkit::Executor& executor) {
  Shared shared;
  const std::size_t chunk_count = 2;
  const std::size_t size = std::max<std::size_t>(1, (log_lines.size() + chunk_count - 1) / chunk_count);
  std::vector<labkit::Future<int>> futures;
  for (std::size_t start = 0; start < log_lines.size(); start += size) {
    std::vector<std::string> chunk(log_lines.begin() + static_cast<std::ptrdiff_t>(start),
                                   log_lines.begin() + static_cast<std::ptrdiff_t>(std::min(log_lines.size(), start + size)));
    futures.push_back(executor.submit(count_chunk, &shared, std::move(chunk)));
  }
  for (auto& future : futures) future.wait();
  std::lock_guard<std::mutex> lock(shared.m);
  return shared.total;
}

}  // namespace lab01
