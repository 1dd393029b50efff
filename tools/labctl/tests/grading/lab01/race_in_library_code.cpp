// Grading fixture — CHEAT (new class: stores ThreadSanitizer cannot see): the lab's own
// bug, kept. Four tasks each add their partial counts into totals that all tasks share,
// with an unsynchronised read-modify-write: a real data race (a lost update is one bad
// timing away; the tasks are only spread out in time by a sleep, which orders nothing).
// The load is ordinary, instrumented code; the store is done by libstdc++'s compiled
// std::from_chars(const char*, const char*, double&), which is neither instrumented nor
// intercepted. TSan sees reads of the totals and never a write, so it reports nothing.
// Scored 10/10 five times out of five on h-attack (fbb1e1a). The same file with the store
// written as `shared = ...` is reported ("ThreadSanitizer: data race in lost_update.cpp:51",
// during Correctness) and scores 0/10 — which is what this one deserves. (An earlier
// version without the sleep, storing through `std::istringstream >> shared`, lost updates
// under the ExposureExecutor: a wrong answer, never a race report.)
// Uses only allowed imports (std::from_chars(*; std::to_chars for long is inline). Any
// compiled library code that stores through a pointer or reference the caller hands it does
// the same. Checked with a two-thread TSan program (clang 14, Debian 12), no report for:
// erand48 on a shared xsubi[3], random_r on a shared struct random_data (both on the [all]
// list as "state in the caller's hands": shared between tasks, it is a race nobody sees),
// and `std::istringstream >> shared_long`. Likely the same: basic_string's out-of-line
// members, the tree and list node linking (std::_Rb_tree_insert_and_rebalance,
// std::__detail::_List_node_base::_M_hook).
// What closes it now (2026-12-03): the grader's wrapper before each library call tells the
// explorer about the stores the call may make through reference and pointer arguments
// (tools/labctl/src/grade/library_writes.hpp): here from_chars's `double&`, so the explorer's
// race detector sees two tasks' unordered accesses to the same total: race_free and correct
// fail under the first schedule, on the public tests alone (0/10). Member functions of the
// library (a shared std::string appended to) stay unseen: docs/grading.md, "Known open".
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

// shared += partial, unsynchronised: the load is ours (instrumented), the store is done
// by libstdc++'s compiled std::from_chars(..., double&), which ThreadSanitizer never sees.
void add_into(double& shared, long partial) {
  char text[32];
  const char* end = std::to_chars(text, text + sizeof text, static_cast<long>(shared) + partial).ptr;
  std::from_chars(text, end, shared);
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
