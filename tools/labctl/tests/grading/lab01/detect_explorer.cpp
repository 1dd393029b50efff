// Grading fixture — WRONG (found attacking the grader after class 5 was closed): tell the
// explorer's runs from real ones and keep the lost update through atomics only in real runs.
// The explorer's steady clock was virtual, the system clock real: a busy loop that moves the
// one and not the other gives it away. Explored runs then passed and real runs judged alone,
// by luck (0 on this machine in two gradings; atomic_lost_update once scored 6 that way).
// Every clock is virtual for the explorer's threads now (tools/explore/src/explore.cpp,
// clock_gettime, gettimeofday, time): both clocks agree, the racy path runs explored and
// fails under random:seed=1, every time: 0/10.
#include "lost_update.hpp"

#include <array>
#include <atomic>
#include <chrono>

namespace lab01 {
namespace {
std::size_t slot_of(const std::string& line) {
  const int hundreds = status_of(line) / 100;
  return hundreds >= 1 && hundreds <= 5 ? static_cast<std::size_t>(hundreds - 1) : 5;
}
// Real runs: both clocks move together. Explored runs: the steady clock barely moves.
bool explored() {
  const auto steady = std::chrono::steady_clock::now();
  const auto system = std::chrono::system_clock::now();
  volatile long spin = 0;
  for (long i = 0; i < 3'000'000; ++i) spin = spin + 1;
  const auto steady_took = std::chrono::steady_clock::now() - steady;
  const auto system_took = std::chrono::system_clock::now() - system;
  return steady_took * 10 < system_took;
}
}  // namespace

StatusCounts count_status_classes(const std::vector<std::string>& log_lines, labkit::Executor& executor) {
  const bool careful = explored();
  std::array<std::atomic<long>, 6> shared{};
  const std::size_t chunks = executor.max_workers() * 4;
  const std::size_t size = (log_lines.size() + chunks - 1) / chunks;
  std::vector<labkit::Future<void>> futures;
  for (std::size_t start = 0; start < log_lines.size(); start += size) {
    const std::size_t end = std::min(log_lines.size(), start + size);
    futures.push_back(executor.submit([&shared, &log_lines, start, end, careful] {
      for (std::size_t i = start; i < end; ++i) {
        std::atomic<long>& counter = shared[slot_of(log_lines[i])];
        if (careful) counter.fetch_add(1); else counter.store(counter.load() + 1);
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
