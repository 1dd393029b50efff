// Lab 01 — lost update.
//
// An access-log analyser counts requests per status class with four threads. Each
// thread does `++success` on counters that all threads share. `++` is three steps
// (load, add, store): two threads can load the same value and both store value+1,
// and one request is lost. ThreadSanitizer reports it as a data race.
//
// TODO: make count_status_classes race-free WITHOUT any shared counter:
//   - split the lines into chunks and count each chunk in its own task on `executor`
//     (executor.map or executor.submit), passing the chunk in as an argument;
//   - each task returns its own StatusCounts through its future;
//   - the caller adds the partial counts up.
// When you are done this file has no global (or static) variable left.
// `tools/lab hint 01` if you are stuck.
#include "lost_update.hpp"

#include <thread>

namespace lab01 {

// The bug: counters every thread writes to.
long g_informational = 0;
long g_success = 0;
long g_redirect = 0;
long g_client_error = 0;
long g_server_error = 0;
long g_malformed = 0;

static void count_line(const std::string& line) {
  switch (status_of(line) / 100) {
    case 1: ++g_informational; break;
    case 2: ++g_success; break;
    case 3: ++g_redirect; break;
    case 4: ++g_client_error; break;
    case 5: ++g_server_error; break;
    default: ++g_malformed; break;
  }
}

StatusCounts count_status_classes(const std::vector<std::string>& log_lines,
                                  labkit::Executor& executor) {
  (void)executor;  // TODO: use it instead of raw threads
  g_informational = g_success = g_redirect = g_client_error = g_server_error = g_malformed = 0;

  const std::size_t thread_count = 4;
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < thread_count; ++t) {
    threads.emplace_back([&log_lines, t, thread_count] {
      for (std::size_t i = t; i < log_lines.size(); i += thread_count) count_line(log_lines[i]);
    });
  }
  for (auto& thread : threads) thread.join();

  return {g_informational, g_success, g_redirect, g_client_error, g_server_error, g_malformed};
}

}  // namespace lab01
