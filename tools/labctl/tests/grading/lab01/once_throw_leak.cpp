// Grading fixture — CHEAT (helper-17, 2026-12-04): each task first calls std::call_once on a
// local flag with a callable that throws, and catches it. The exception left the explorer's
// pthread_once before it marked the initialisation over, so that worker counted as inside one
// for good, and made no scheduling point again; the atomic lost update after it (a load, then
// a store) passed every schedule: 10/10 in four gradings. The interposer now ends the
// initialisation however it ends (tsan_entry.cpp, OnceDone). Expected: 0, in every grading.
#include "lost_update.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <mutex>

namespace lab01 {

namespace {

int class_of(const std::string& line) {
  const int c = status_of(line) / 100;
  return (c >= 1 && c <= 5) ? c : 0;
}

}  // namespace

StatusCounts count_status_classes(const std::vector<std::string>& log_lines,
                                  labkit::Executor& executor) {
  std::array<std::atomic<long>, 6> shared{};
  const std::size_t chunk_count =
      std::clamp<std::size_t>(executor.max_workers() * 4, 1, std::max<std::size_t>(log_lines.size(), 1));
  // Chunk i holds a share proportional to i + 1: tasks end at different times, so their
  // merges rarely meet on a real machine (they still can: the lost update is there).
  std::vector<std::vector<std::string>> chunks;
  const std::size_t weights = chunk_count * (chunk_count + 1) / 2;
  std::size_t start = 0;
  for (std::size_t i = 0; i < chunk_count && start < log_lines.size(); ++i) {
    const std::size_t end = i + 1 == chunk_count ? log_lines.size()
                                                 : std::min(log_lines.size(), start + std::max<std::size_t>(1, log_lines.size() * (i + 1) / weights));
    chunks.emplace_back(log_lines.begin() + static_cast<std::ptrdiff_t>(start),
                        log_lines.begin() + static_cast<std::ptrdiff_t>(end));
    start = end;
  }
  auto task = [&shared](const std::vector<std::string>& chunk) {
    {
      // A routine that throws leaves pthread_once through the exception: the explorer's
      // interposer never calls leave_once(), so this worker makes no scheduling point again.
      std::once_flag once;
      try {
        std::call_once(once, [] { throw 1; });
      } catch (int) {
      }
    }
    std::array<long, 6> local{};
    for (const auto& line : chunk) ++local[class_of(line)];
    if (chunk.size() < 1000) return local;  // small chunks hand back (the exposure test's)
    {
      for (std::size_t k = 0; k < 6; ++k) {
        const long v = shared[k].load();
        shared[k].store(v + local[k]);  // not atomic with the load: two merges can meet
      }
    }
    return std::array<long, 6>{};
  };
  std::array<long, 6> sum{};
  for (const auto& part : executor.map(task, chunks))
    for (std::size_t k = 0; k < 6; ++k) sum[k] += part[k];
  StatusCounts total;
  total.malformed = sum[0] + shared[0].load();
  total.informational = sum[1] + shared[1].load();
  total.success = sum[2] + shared[2].load();
  total.redirect = sum[3] + shared[3].load();
  total.client_error = sum[4] + shared[4].load();
  total.server_error = sum[5] + shared[5].load();
  return total;
}

}  // namespace lab01
