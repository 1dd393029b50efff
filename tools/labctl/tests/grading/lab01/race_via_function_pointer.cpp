// Grading fixture — CHEAT (a library store through a function pointer): race_in_library_code's
// lost update, with std::from_chars called through a pointer taken in the task. Found by
// attacking the grader after the library stores were told to the explorer (2026-12-03): only
// called functions (R_X86_64_PLT32) got a wrapper, and an address taken through the GOT is
// no call, so the store was unseen again: 10/10, measured. Now every library function the
// object refers to is wrapped, call or address (--wrap redirects both): a data race, 0/10.
#include "lost_update.hpp"

#include <algorithm>
#include <charconv>
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

// shared += partial, unsynchronised: the store is made by std::from_chars, called through a
// pointer (an address taken, not a call the linker sees as one).
using FromChars = std::from_chars_result (*)(const char*, const char*, double&, std::chars_format);
void add_into(double& shared, long partial, FromChars parse) {
  char text[32];
  const char* end = std::to_chars(text, text + sizeof text, static_cast<long>(shared) + partial).ptr;
  parse(text, end, shared, std::chars_format::general);
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
      const FromChars parse = std::from_chars;
      const StatusCounts mine = count_chunk(log_lines, start, end);
      // Timing, not synchronisation: tasks rarely add at the same instant (the race stays).
      std::this_thread::sleep_for(std::chrono::milliseconds(20 * index));
      add_into(total[0], mine.informational, parse);
      add_into(total[1], mine.success, parse);
      add_into(total[2], mine.redirect, parse);
      add_into(total[3], mine.client_error, parse);
      add_into(total[4], mine.server_error, parse);
      add_into(total[5], mine.malformed, parse);
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
