// Grading fixture — CORRECT CODE JUDGED WRONG (helper-15, 2026-12-03): right and race-free,
// locking with pthread_spin_lock, which the explorer does not model: it reported a data race
// and the lab scored 0/10 twice. pthread_spin_* is now off the allowed list (std::mutex does
// the job and is modelled): refused, with a line saying so, rather than judged racing.
// Correct and race-free: each task counts locally, then adds into shared totals under a
// pthread spin lock (an allowed import).
#include "lost_update.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <pthread.h>

namespace lab01 {

namespace {

int class_of(const std::string& line) {
  const int c = status_of(line) / 100;
  return (c >= 1 && c <= 5) ? c : 0;
}

}  // namespace

StatusCounts count_status_classes(const std::vector<std::string>& log_lines,
                                  labkit::Executor& executor) {
  std::array<long, 6> shared{};
  pthread_spinlock_t lock;
  pthread_spin_init(&lock, PTHREAD_PROCESS_PRIVATE);
  const std::size_t chunk_count =
      std::clamp<std::size_t>(executor.max_workers() * 4, 1, std::max<std::size_t>(log_lines.size(), 1));
  const std::size_t chunk_size = (log_lines.size() + chunk_count - 1) / chunk_count;
  std::vector<std::vector<std::string>> chunks;
  for (std::size_t start = 0; start < log_lines.size(); start += chunk_size) {
    const std::size_t end = std::min(log_lines.size(), start + chunk_size);
    chunks.emplace_back(log_lines.begin() + static_cast<std::ptrdiff_t>(start),
                        log_lines.begin() + static_cast<std::ptrdiff_t>(end));
  }
  auto task = [&shared, &lock](const std::vector<std::string>& chunk) {
    std::array<long, 6> local{};
    for (const auto& line : chunk) ++local[class_of(line)];
    pthread_spin_lock(&lock);
    for (std::size_t k = 0; k < 6; ++k) shared[k] += local[k];
    pthread_spin_unlock(&lock);
    return 0;
  };
  for (int done : executor.map(task, chunks)) (void)done;
  pthread_spin_destroy(&lock);
  StatusCounts total;
  total.malformed = shared[0];
  total.informational = shared[1];
  total.success = shared[2];
  total.redirect = shared[3];
  total.client_error = shared[4];
  total.server_error = shared[5];
  return total;
}

}  // namespace lab01
