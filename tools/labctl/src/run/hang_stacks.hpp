// What each thread was doing when a test hung, and which hang the course teaches it is.
// The test program prints gdb's backtraces of every thread when the student loop asks
// (labkit/protocol.hpp: kHangStacksEnv, kStacksBegin, kStacksEnd); this reads them.
//
// "deadlock" alone told a student nothing: a task waiting for another task's future in a
// full pool, a wait nobody signals and an endless loop all ended the same way. The threads'
// stacks tell them apart, by what the innermost frames are doing (waiting for a mutex, a
// condition variable, a future, a join, or running the student's own code).
#pragma once

#include "run/tsan_report.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace labctl {

// One frame of gdb's backtrace.
struct StackFrame {
  std::string function;  // short: "lab10::transfer()", arguments left out
  std::string file;      // as gdb printed it, "" when unknown
  int line = 0;
};

// What a thread was doing, from its innermost frames.
enum class ThreadActivity {
  locking,         // waiting for a mutex
  waiting,         // waiting on a condition variable (not for a future)
  awaiting_future, // waiting for a future's result
  joining,         // waiting for another thread to end
  sleeping,        // in a sleep
  running,         // none of those: running code
};

struct ThreadStack {
  std::string name;  // "Thread 6 (LWP 13589)"
  std::vector<StackFrame> frames;  // innermost first
  ThreadActivity activity = ThreadActivity::running;
  bool in_pool_task = false;  // a labkit executor's worker running a task
};

// The threads between kStacksBegin and kStacksEnd in `output`, or none. Threads that only
// the tools own (ThreadSanitizer's background thread, the watchdog) are left out.
std::vector<ThreadStack> parse_hang_stacks(std::string_view output);

// The hang, when it is one the course teaches.
struct HangPattern {
  std::string words;        // "lock cycle", "pool starvation", "lost wake-up", "endless loop"
  std::string explanation;  // one sentence: what happened and what to do
};

// The pattern of `threads`, looking at the frames in the student's folder (`code_dir`,
// "labs/10-deadlock/"): two or more threads waiting for mutexes is a lock cycle; a pool
// task waiting for a future is pool starvation; a wait on a condition variable nobody
// signals is a lost wake-up; a thread running in the student's code is an endless loop.
std::optional<HangPattern> hang_pattern(const std::vector<ThreadStack>& threads, std::string_view code_dir);

// Ready-to-print lines, indented: each thread with a frame in `code_dir`, what it was doing,
// and its frames there (file:line, function, and the source line when `sources` has it).
std::vector<std::string> describe_threads(const std::vector<ThreadStack>& threads, std::string_view code_dir,
                                          const ReportSources& sources);

}  // namespace labctl
