// Grading fixture — CHEAT (helper-16, 2026-12-03): a lost update kept inside a library object's
// own state, where neither ThreadSanitizer (uninstrumented libstdc++) nor the explorer (one call,
// one point; a member's object was not told) could see it: 10, 10, 7 (and 10, 10, 10 for the
// staggered variant). A member that is not const is now told to the explorer as a write at its
// object (grade/library_writes.hpp), so two tasks' unordered seekp calls on one stream are a
// data race in every schedule: 0/10.
// Lab 01 with the lost update kept, moved into a standard library object: each of the six
// totals is the put position of a std::ostringstream shared by every task, and a task adds
// its count with `seekp(count, std::ios::cur)`: a load of the position, an add and a store,
// all inside libstdc++'s compiled basic_ostream/basic_stringbuf members, with no lock.
// Two seekp calls that meet lose one of the adds. The caller reads the totals with tellp().
#include "lost_update.hpp"

#include <sstream>

namespace lab01 {

namespace {

StatusCounts count_chunk(const std::vector<std::string>& chunk) {
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
  return counts;
}

}  // namespace

StatusCounts count_status_classes(const std::vector<std::string>& log_lines,
                                  labkit::Executor& executor) {
  // Two tasks of unequal size (a third and two thirds), so their adds rarely meet in time.
  std::vector<std::vector<std::string>> chunks;
  const std::size_t cut = log_lines.size() / 3;
  chunks.emplace_back(log_lines.begin(), log_lines.begin() + static_cast<std::ptrdiff_t>(cut));
  chunks.emplace_back(log_lines.begin() + static_cast<std::ptrdiff_t>(cut), log_lines.end());

  // Six shared "counters": a stream's put position, with room for every line.
  const std::string room(log_lines.size() + 1, ' ');
  std::ostringstream totals[6] = {std::ostringstream(room), std::ostringstream(room), std::ostringstream(room),
                                  std::ostringstream(room), std::ostringstream(room), std::ostringstream(room)};
  auto task = [&totals](const std::vector<std::string>& chunk) {
    const StatusCounts c = count_chunk(chunk);
    totals[0].seekp(c.informational, std::ios::cur);  // total += count, in the library
    totals[1].seekp(c.success, std::ios::cur);
    totals[2].seekp(c.redirect, std::ios::cur);
    totals[3].seekp(c.client_error, std::ios::cur);
    totals[4].seekp(c.server_error, std::ios::cur);
    totals[5].seekp(c.malformed, std::ios::cur);
    return 0;
  };
  executor.map(task, chunks);

  StatusCounts total;
  total.informational = static_cast<long>(totals[0].tellp());
  total.success = static_cast<long>(totals[1].tellp());
  total.redirect = static_cast<long>(totals[2].tellp());
  total.client_error = static_cast<long>(totals[3].tellp());
  total.server_error = static_cast<long>(totals[4].tellp());
  total.malformed = static_cast<long>(totals[5].tellp());
  return total;
}

}  // namespace lab01
