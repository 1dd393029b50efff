// Grading fixture — CHEAT (helper-15, 2026-12-03): a lost update through atomics, once per
// task per field (a load, then a store), and only in the many-lines test (short logs hand their
// counts back through the futures): a one-point window that random catches once in 7 to 11
// schedules, and pct and delay never (their change points fall in the first 20,000 of ~700,000
// steps). It passed all six of the catalogue's schedules: 10/10 three times. The sync
// strategy now switches at atomic operations too (it skipped them like plain accesses).
// Expected now: 0 (correct fails under a sync schedule), in every grading.
// Each task counts its chunk locally, then merges into shared atomic totals with a
// load followed by a store (not fetch_add): a lost update when two merges meet.
#include "lost_update.hpp"

#include <algorithm>
#include <array>
#include <atomic>

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
  const std::size_t chunk_size = (log_lines.size() + chunk_count - 1) / chunk_count;
  std::vector<std::vector<std::string>> chunks;
  for (std::size_t start = 0; start < log_lines.size(); start += chunk_size) {
    const std::size_t end = std::min(log_lines.size(), start + chunk_size);
    chunks.emplace_back(log_lines.begin() + static_cast<std::ptrdiff_t>(start),
                        log_lines.begin() + static_cast<std::ptrdiff_t>(end));
  }
  // Big chunks merge into the shared totals (load, then store); small ones hand back.
  auto task = [&shared](const std::vector<std::string>& chunk) {
    std::array<long, 6> local{};
    for (const auto& line : chunk) ++local[class_of(line)];
    if (chunk.size() < 1000) return local;
    const std::size_t first = chunk.size() % 6;
    for (std::size_t i = 0; i < 6; ++i) {
      const std::size_t k = (first + i) % 6;
      const long v = shared[k].load();
      shared[k].store(v + local[k]);
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
