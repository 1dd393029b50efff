// Grading fixture — CHEAT (stores ThreadSanitizer cannot see, through a library member): the
// lab's own bug, kept, like race_in_library_code.cpp, but the shared total is stored by
// stream extraction, `std::istream::operator>>(double&)`: a member function of libstdc++,
// compiled elsewhere, neither instrumented nor intercepted. Tried right after
// race_in_library_code was closed (2026-12-03), when the grader told the explorer about the
// stores of free functions only: it scored 0 even then, but only because random:seed=1
// happened to interleave a lost update (a wrong answer in Correctness.AFewLinesOnAThreadPool),
// luck of the window. Now a member's reference arguments count too (its `this` in %rdi, the
// double& in %rsi: tools/labctl/src/grade/library_writes.hpp), and the explorer reports the
// race itself, in every schedule: 0/10, race-free and correct failed by the race.
#include "lost_update.hpp"

#include <algorithm>
#include <sstream>
#include <chrono>
#include <string>
#include <thread>

namespace lab01 {

namespace {

StatusCounts count_chunk(const std::vector<std::string>& lines, std::size_t start, std::size_t end) {
  StatusCounts counts;
  for (std::size_t i = start; i < end; ++i) {
    switch (status_of(lines[i]) / 100) {
      case 1: ++counts.informational; break;
      case 2: ++counts.success; break;
      case 3: ++counts.redirect; break;
      case 4: ++counts.client_error; break;
      case 5: ++counts.server_error; break;
      default: ++counts.malformed; break;
    }
  }
  return counts;
}

// shared += partial, unsynchronised: the load is ours (instrumented), the store is made by
// std::istream::operator>>(double&), a member function compiled into libstdc++.
void add_into(double& shared, long partial) {
  std::istringstream in(std::to_string(static_cast<long>(shared) + partial));
  in >> shared;
}

}  // namespace

StatusCounts count_status_classes(const std::vector<std::string>& log_lines,
                                  labkit::Executor& executor) {
  double total[6] = {};  // shared by every task, no lock, no atomic
  const std::size_t chunks = 4;
  const std::size_t size = std::max<std::size_t>(1, (log_lines.size() + chunks - 1) / chunks);
  std::vector<labkit::Future<void>> futures;
  for (std::size_t start = 0; start < log_lines.size() || futures.empty(); start += size) {
    const std::size_t end = std::min(log_lines.size(), start + size);
    const std::size_t index = futures.size();
    futures.push_back(executor.submit([&total, &log_lines, start, end, index] {
      const StatusCounts mine = count_chunk(log_lines, start, end);
      // Timing, not synchronisation: tasks rarely add at the same instant (the race stays).
      std::this_thread::sleep_for(std::chrono::milliseconds(20 * index));
      add_into(total[0], mine.informational);
      add_into(total[1], mine.success);
      add_into(total[2], mine.redirect);
      add_into(total[3], mine.client_error);
      add_into(total[4], mine.server_error);
      add_into(total[5], mine.malformed);
    }));
    if (log_lines.empty()) break;
  }
  for (auto& f : futures) f.wait();
  StatusCounts result;
  result.informational = static_cast<long>(total[0]);
  result.success = static_cast<long>(total[1]);
  result.redirect = static_cast<long>(total[2]);
  result.client_error = static_cast<long>(total[3]);
  result.server_error = static_cast<long>(total[4]);
  result.malformed = static_cast<long>(total[5]);
  return result;
}

}  // namespace lab01
