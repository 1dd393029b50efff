// Grading fixture — CHEAT (a library store the explorer was told wrongly): found by attacking
// the grader (2026-12-03, helper-11). Each task counts its chunk locally, then appends its
// counts as text to ONE shared buffer with std::strcat, no lock; the futures carry a dummy 0
// and the caller sums what the buffer holds. A lost update when two appends meet.
// Why it scored 10/10, twice: the explorer was told strcat stores 1 byte at its destination
// argument (shared + i, a different address per task), but strcat stores at the END of what
// the buffer holds, inside one uninstrumented call no schedule can split; and
// ThreadSanitizer does not intercept strcat, so the real runs saw nothing either (lost 1 time
// in 20 000 outside the grader). The class: C functions whose store is known only as they run
// (strcpy, strcat, strncat, sprintf, vsprintf, qsort). None of them is an allowed import any
// more (allowed_imports.txt): refused, 0/10.
#include "lost_update.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace lab01 {

StatusCounts count_status_classes(const std::vector<std::string>& log_lines,
                                  labkit::Executor& executor) {
  const std::size_t chunk_count =
      std::clamp<std::size_t>(executor.max_workers() * 4, 1, std::max<std::size_t>(log_lines.size(), 1));
  const std::size_t chunk_size = (log_lines.size() + chunk_count - 1) / chunk_count;

  std::vector<std::vector<std::string>> chunks;
  for (std::size_t start = 0; start < log_lines.size(); start += chunk_size) {
    const std::size_t end = std::min(log_lines.size(), start + chunk_size);
    chunks.emplace_back(log_lines.begin() + static_cast<std::ptrdiff_t>(start),
                        log_lines.begin() + static_cast<std::ptrdiff_t>(end));
  }
  // The shared board: a prefix of one letter per task, then the records.
  std::vector<char> board(chunks.size() + 128 * (chunks.size() + 1), 0);
  for (std::size_t i = 0; i < chunks.size(); ++i) board[i] = 'P';
  char* shared = board.data();

  std::vector<labkit::Future<int>> futures;
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    futures.push_back(executor.submit(
        [shared](std::size_t index, const std::vector<std::string>& chunk) {
          long c[6] = {0, 0, 0, 0, 0, 0};
          for (const auto& line : chunk) {
            switch (status_of(line) / 100) {
              case 1: ++c[0]; break;
              case 2: ++c[1]; break;
              case 3: ++c[2]; break;
              case 4: ++c[3]; break;
              case 5: ++c[4]; break;
              default: ++c[5]; break;
            }
          }
          char record[128];
          std::snprintf(record, sizeof record, "%ld %ld %ld %ld %ld %ld;", c[0], c[1], c[2], c[3], c[4], c[5]);
          std::strcat(shared + index, record);  // the unlocked append
          return 0;
        },
        i, chunks[i]));
  }
  for (auto& f : futures) f.get();

  StatusCounts total;
  const char* p = shared + chunks.size();
  while (*p) {
    char* e = nullptr;
    long v[6];
    for (long& x : v) { x = std::strtol(p, &e, 10); p = e; }
    total.informational += v[0]; total.success += v[1]; total.redirect += v[2];
    total.client_error += v[3]; total.server_error += v[4]; total.malformed += v[5];
    if (*p == ';') ++p;
  }
  return total;
}

}  // namespace lab01
