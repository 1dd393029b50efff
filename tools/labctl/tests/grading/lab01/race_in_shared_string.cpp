// Grading fixture — CHEAT (a lost update kept as text, in shared strings): the lab's own
// bug, kept, with each shared total a std::string that every task parses (std::stol) and
// assigns (std::string::assign), so that most of each update runs in libstdc++'s compiled
// code. Tried right after the stores through library arguments were told to the explorer
// (2026-12-03), to see whether a library member's stores into its own object (not counted:
// docs/grading.md, "Known open") hide the race. They do not here: the string's inline members
// (its length, its data pointer) are compiled into the lab's object, instrumented, and the
// explorer reports the race on them in the first schedule: 0/10, race-free and correct.
#include "lost_update.hpp"

#include <algorithm>
#include <string>
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

// shared += partial, unsynchronised, the total kept as text: the load (std::stol reads the
// characters) and the store (std::string::assign writes them) are both libstdc++'s code.
void add_into(std::string& shared, long partial) { shared.assign(std::to_string(std::stol(shared) + partial)); }

}  // namespace

StatusCounts count_status_classes(const std::vector<std::string>& log_lines,
                                  labkit::Executor& executor) {
  std::string total[6] = {"0", "0", "0", "0", "0", "0"};  // shared by every task, no lock
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
  result.informational = std::stol(total[0]);
  result.success = std::stol(total[1]);
  result.redirect = std::stol(total[2]);
  result.client_error = std::stol(total[3]);
  result.server_error = std::stol(total[4]);
  result.malformed = std::stol(total[5]);
  return result;
}

}  // namespace lab01
