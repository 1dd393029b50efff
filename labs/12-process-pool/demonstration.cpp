// Lab 12 — process pool: the demonstration, given. Read it, run it; it is not yours to
// change (only bytes_per_client.cpp is handed in: the grader builds this file from the
// course's own copy). Its two globals are the lesson, and the only ones the lab may have.
//
// Tasks add the bytes of their chunk of lines into a GLOBAL map, under a mutex, and the
// caller reads the global when they are done. On a thread pool the answer is right: every
// thread adds into the same map. On a process pool every worker adds into its OWN copy of
// the global (a process has its own memory) and the caller's copy stays empty: the answer
// is wrong, without a crash, without a ThreadSanitizer report.
#include "bytes_per_client.hpp"

#include <mutex>

namespace lab12 {
namespace demonstration {

std::map<std::string, std::uint64_t> g_bytes_by_client;  // shared by every task... on threads
std::mutex g_bytes_mutex;

// One task: adds the bytes of its chunk into the global.
void add_chunk_to_global(LogLines chunk) {
  for (const std::string& line : chunk) {
    if (const auto transfer = parse_line(line)) {
      std::lock_guard<std::mutex> lock(g_bytes_mutex);
      g_bytes_by_client[transfer->client] += transfer->bytes;
    }
  }
}

// Empties the global, runs one task per chunk on `pool` and returns what the global
// holds afterwards. A template, so the same code runs on either kind of pool.
template <class AnyPool>
BytesByClient tally_with_global_on(AnyPool& pool, const LogLines& log) {
  {
    std::lock_guard<std::mutex> lock(g_bytes_mutex);
    g_bytes_by_client.clear();
  }
  std::vector<labkit::Future<void>> futures;
  for (const LogLines& chunk : split_into_chunks(log)) futures.push_back(pool.submit(add_chunk_to_global, chunk));
  for (auto& future : futures) future.get();
  std::lock_guard<std::mutex> lock(g_bytes_mutex);
  return g_bytes_by_client;  // on a process pool: still empty, the workers added into their own copies
}

}  // namespace demonstration

BytesByClient tally_with_global(labkit::Executor& executor, const LogLines& log) {
  return demonstration::tally_with_global_on(executor, log);
}

BytesByClient tally_with_global(labkit::ProcessPoolExecutor& pool, const LogLines& log) {
  return demonstration::tally_with_global_on(pool, log);
}

}  // namespace lab12
