// Lab 12 — process pool: the reference solution.
//
// What changed, and why:
//   - Part (2), tally_on(): no task touches the global any more. tally_chunk() gets its
//     chunk of lines as an argument, tallies it into a local map and RETURNS it, as a
//     std::vector of (client, bytes) pairs because a process pool can copy that between
//     processes and not a std::map. The caller adds the partial tallies up. Nothing is
//     shared, so the answer is the same on a thread pool, on a process pool, in any
//     task order, and ThreadSanitizer has nothing to report.
//   - Part (3): `using Pool = labkit::ProcessPoolExecutor;` — the one line that moves the
//     program's tasks into worker processes. Part (2) needed no other change for it.
//   - Part (1), the demonstration (labs/12-process-pool/demonstration.cpp, not a file the
//     student hands in), is unchanged: still right on threads, wrong on processes.
#include "bytes_per_client.hpp"

#include <unistd.h>

#include <cstddef>

namespace lab12 {

// (3) Where the program's tasks run. Changed: worker processes, now that part (2) keeps
// the discipline.
using Pool = labkit::ProcessPoolExecutor;

namespace {

constexpr std::size_t kWorkers = 4;

pid_t current_pid() { return ::getpid(); }

}  // namespace

// ---------------------------------------------------------------- (2) with the discipline

namespace {

// One client's bytes in a partial tally. A vector of these is serialisable; a map is not.
using ClientBytes = std::vector<std::pair<std::string, std::uint64_t>>;

// One task. Changed: the chunk comes in as the argument, the partial tally goes out as
// the result; nothing else is touched.
ClientBytes tally_chunk(LogLines chunk) {
  BytesByClient partial;
  for (const std::string& line : chunk) {
    if (const auto transfer = parse_line(line)) partial[transfer->client] += transfer->bytes;
  }
  return {partial.begin(), partial.end()};
}

}  // namespace

// Tallies `log` with tasks on `pool`, a thread pool (any labkit::Executor) or a process
// pool: the same code for both. Changed: one tally_chunk task per chunk, through map(),
// and the partial tallies added up here, on the calling thread.
template <class AnyPool>
BytesByClient tally_on(AnyPool& pool, const LogLines& log) {
  BytesByClient totals;
  for (const ClientBytes& partial : pool.map(tally_chunk, split_into_chunks(log))) {
    for (const auto& [client, bytes] : partial) totals[client] += bytes;
  }
  return totals;
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
