// Lab 12 — process pool.
//
// A log analyser adds up the bytes a web server sent to each client address. The work
// splits into chunks of lines, one task each, and the tasks can run on a thread pool or,
// to use every core without sharing any memory, on a process pool: labkit's
// ProcessPoolExecutor forks worker processes and runs each task in one of them.
//
// The lab has three parts:
//   (1) the DEMONSTRATION, given in demonstration.cpp (read it; it is not yours to
//       change): tasks add into a global map. On a thread pool the answer is right. On a
//       process pool every worker adds into its OWN copy of the global (a process has its
//       own memory) and the caller's copy stays empty: the answer is wrong, without a
//       crash, without a ThreadSanitizer report.
//   (2) in this file, the same tally, to be written with the executor discipline: TODO.
//   (3) in this file, the ONE line that chooses where the program's tasks run: TODO, last.
//
// TODO, in this order:
//   - rewrite tally_on() in part (2) so that no task touches a global: each task gets
//     its chunk of lines as an ARGUMENT, tallies it into a local variable and RETURNS
//     that partial tally; the caller adds the partial tallies up. A process pool copies
//     arguments and results between processes, so they must be serialisable: a
//     std::vector of std::pair<std::string, std::uint64_t> is, a std::map is not.
//   - then change the line `using Pool = ...` below to labkit::ProcessPoolExecutor.
//     Nothing else should need to change: that is the point.
// `tools/lab hint 12` if you are stuck.
#include "bytes_per_client.hpp"

#include <unistd.h>

#include <cstddef>

namespace lab12 {

// (3) Where the program's tasks run.
// TODO (last step): labkit::ProcessPoolExecutor, once part (2) keeps the discipline.
using Pool = labkit::ThreadPoolExecutor;

namespace {

constexpr std::size_t kWorkers = 4;

pid_t current_pid() { return ::getpid(); }

}  // namespace

// ---------------------------------------------------------------- (2) with the discipline

// Tallies `log` with tasks on `pool`, a thread pool (any labkit::Executor) or a process
// pool: the same code for both.
template <class AnyPool>
BytesByClient tally_on(AnyPool& pool, const LogLines& log) {
  // TODO: this still does it the demonstration's way, through the global, so it is
  // right on threads and wrong on processes. Write a task function that takes a chunk
  // (LogLines, from split_into_chunks(log)) and returns its own partial tally, run it on
  // `pool` (pool.map or pool.submit), and add the partial tallies up here.
  return tally_with_global(pool, log);
}

BytesByClient tally(labkit::Executor& executor, const LogLines& log) { return tally_on(executor, log); }

BytesByClient tally(labkit::ProcessPoolExecutor& pool, const LogLines& log) { return tally_on(pool, log); }

// ---------------------------------------------------------------- (3) the configured pool

BytesByClient tally_on_configured_pool(const LogLines& log) {
  Pool pool(kWorkers);
  return tally(pool, log);
}

pid_t pid_seen_by_a_configured_pool_task() {
  Pool pool(1);
  return pool.submit(current_pid).get();
}

}  // namespace lab12
