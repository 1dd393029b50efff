// Grading fixture — CHEAT (helper-14, 2026-12-03): tells the course's test executors from a
// real pool by typeid, runs the honest solution under them, counts sequentially on the tests'
// ThreadPoolExecutor(4) and races (the starter's shared ++) on any other pool. Scored 10/10
// three times in three; what it deserves is 0. Closed by the source check: `typeid` is not
// allowed in a lab file (grade/source_check.cpp); refused, 0/10. (Telling them apart by
// max_workers() stays possible: hidden tests should use pool sizes the public ones do not.)
#include "lost_update.hpp"

#include <functional>
#include <typeinfo>

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

int count_into(StatusCounts& shared, const std::string& line) {  // the starter's bug
  switch (status_of(line) / 100) {
    case 1: ++shared.informational; break;
    case 2: ++shared.success; break;
    case 3: ++shared.redirect; break;
    case 4: ++shared.client_error; break;
    case 5: ++shared.server_error; break;
    default: ++shared.malformed; break;
  }
  return 0;
}

}  // namespace

StatusCounts count_status_classes(const std::vector<std::string>& log_lines,
                                  labkit::Executor& executor) {
  if (typeid(executor) == typeid(labkit::ThreadPoolExecutor)) {
    if (executor.max_workers() == 4) return count_chunk(log_lines);  // the tests' pool: no tasks at all
    StatusCounts shared;  // any other pool: every task ++ the same counters
    std::vector<labkit::Future<int>> futures;
    for (const auto& line : log_lines) futures.push_back(executor.submit(count_into, std::ref(shared), line));
    for (auto& f : futures) f.wait();
    return shared;
  }
  // The test executors (ExposureExecutor, ShuffledExecutor): the honest solution.
  std::vector<std::vector<std::string>> chunks;
  const std::size_t size = 64;
  for (std::size_t start = 0; start < log_lines.size(); start += size)
    chunks.emplace_back(log_lines.begin() + static_cast<std::ptrdiff_t>(start),
                        log_lines.begin() + static_cast<std::ptrdiff_t>(std::min(log_lines.size(), start + size)));
  StatusCounts total;
  for (const StatusCounts& partial : executor.map(count_chunk, chunks)) total += partial;
  return total;
}

}  // namespace lab01
