// Grading fixture — WRONG (class 5 of the grading issue: a race ThreadSanitizer cannot see).
// Executor-based, no globals, but every task adds each line into counters all tasks share,
// as an atomic load followed by an atomic store: two tasks that load the same value both
// store value+1, and one count is lost. Every access is atomic, so TSan reports nothing;
// whether an update is lost depends on the timing of the run. It scored 0, 0, 0, 6, 0 over
// five regrades when only real runs judged it. On the explorer (each atomic a scheduling
// point, the catalogue's schedules) the counts come out wrong on every regrade: 0/10.
#include "lost_update.hpp"

#include <array>
#include <atomic>

namespace lab01 {

namespace {

// The slot of `line` in the shared counters (the order of StatusCounts' fields).
std::size_t slot_of(const std::string& line) {
  const int hundreds = status_of(line) / 100;
  return hundreds >= 1 && hundreds <= 5 ? static_cast<std::size_t>(hundreds - 1) : 5;
}

}  // namespace

StatusCounts count_status_classes(const std::vector<std::string>& log_lines,
                                  labkit::Executor& executor) {
  std::array<std::atomic<long>, 6> shared{};  // shared by every task through the capture
  const std::size_t chunks = executor.max_workers() * 4;
  const std::size_t size = (log_lines.size() + chunks - 1) / chunks;
  std::vector<labkit::Future<void>> futures;
  for (std::size_t start = 0; start < log_lines.size(); start += size) {
    const std::size_t end = std::min(log_lines.size(), start + size);
    futures.push_back(executor.submit([&shared, &log_lines, start, end] {
      for (std::size_t i = start; i < end; ++i) {
        std::atomic<long>& counter = shared[slot_of(log_lines[i])];
        counter.store(counter.load() + 1);  // the lost update: not one fetch_add
      }
    }));
  }
  for (auto& future : futures) future.get();
  StatusCounts total;
  total.informational = shared[0].load();
  total.success = shared[1].load();
  total.redirect = shared[2].load();
  total.client_error = shared[3].load();
  total.server_error = shared[4].load();
  total.malformed = shared[5].load();
  return total;
}

}  // namespace lab01
