// gdb's stacks of a hung test program, read and named (hang_stacks.hpp).
#include "run/hang_stacks.hpp"

#include "base/text.hpp"

#include <fmt/format.h>
#include <labkit/protocol.hpp>

#include <algorithm>
#include <charconv>
#include <filesystem>

namespace labctl {
namespace {

bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

// "lab10::transfer(lab10::Transfer const&, std::function<bool (X const&)> const&)" ->
// "lab10::transfer()": every bracketed group emptied, so a frame fits on a line.
std::string short_function(std::string_view full) {
  std::string out;
  int parens = 0;
  int angles = 0;
  for (char c : full) {
    if (c == '(') {
      if (parens++ == 0 && angles == 0) out += '(';
    } else if (c == ')') {
      if (parens > 0 && --parens == 0 && angles == 0) out += ')';
    } else if (c == '<' && parens == 0) {
      if (angles++ == 0) out += "<…>";
    } else if (c == '>' && parens == 0 && angles > 0) {
      --angles;
    } else if (parens == 0 && angles == 0) {
      out += c;
    }
  }
  return out;
}

// One line of `bt` with `set print frame-arguments none`:
//   #8  0x000055555568db1f in lab10::transfer(X const&) (...) at /src/labs/10-deadlock/payments.cpp:45
//   #0  futex_wait (...) at ../sysdeps/nptl/futex-internal.h:146
//   #15 0x00007ffff7cd44a3 in ?? () from /lib/x86_64-linux-gnu/libstdc++.so.6
std::optional<StackFrame> parse_gdb_frame(std::string_view line) {
  if (!line.starts_with("#")) return std::nullopt;
  std::size_t at = line.find_first_of(' ');
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view rest = trim(line.substr(at));
  if (rest.starts_with("0x")) {
    const auto in = rest.find(" in ");
    if (in == std::string_view::npos) return std::nullopt;
    rest = rest.substr(in + 4);
  }
  StackFrame frame;
  std::string_view function = rest;
  if (const auto where = rest.rfind(" at "); where != std::string_view::npos) {
    function = rest.substr(0, where);
    const std::string_view location = rest.substr(where + 4);
    const auto colon = location.rfind(':');
    int number = 0;
    if (colon != std::string_view::npos &&
        std::from_chars(location.data() + colon + 1, location.data() + location.size(), number).ec == std::errc{}) {
      frame.file = std::string(location.substr(0, colon));
      frame.line = number;
    }
  } else if (const auto from = rest.rfind(" from "); from != std::string_view::npos) {
    function = rest.substr(0, from);
  }
  // The arguments: " (...)" or " ()" at the end.
  if (const auto args = function.rfind(" ("); args != std::string_view::npos && function.ends_with(")")) {
    function = function.substr(0, args);
  }
  frame.function = short_function(function);
  return frame;
}

// What a thread was doing: the innermost frames until its first frame in the student's code
// (or in the tests), read for the waits the course's hangs are made of.
ThreadActivity activity_of(const std::vector<StackFrame>& frames) {
  bool future = false, join = false, lock = false, wait = false, sleep = false;
  for (const auto& frame : frames) {
    const std::string& f = frame.function;
    if (contains(frame.file, "/labs/") || contains(frame.file, "/tests/")) break;
    future = future || contains(f, "labkit::detail::Completion::wait") || contains(f, "labkit::Future") ||
             contains(f, "std::__basic_future") || contains(f, "std::future");
    join = join || contains(f, "pthread_join") || contains(f, "std::thread::join");
    lock = lock || contains(f, "pthread_mutex_lock") || contains(f, "__lll_lock_wait") ||
           contains(f, "pthread_mutex_timedlock") || contains(f, "std::mutex::lock");
    wait = wait || contains(f, "pthread_cond_") || contains(f, "condition_variable::wait") ||
           contains(f, "futex_wait") || contains(f, "__atomic_wait");
    sleep = sleep || contains(f, "nanosleep") || contains(f, "usleep") || contains(f, "sleep_for");
  }
  if (future) return ThreadActivity::awaiting_future;
  if (join) return ThreadActivity::joining;
  if (lock) return ThreadActivity::locking;
  if (wait) return ThreadActivity::waiting;
  if (sleep) return ThreadActivity::sleeping;
  return ThreadActivity::running;
}

bool tools_only(const ThreadStack& thread) {
  return std::any_of(thread.frames.begin(), thread.frames.end(), [](const StackFrame& f) {
    return contains(f.function, "__tsan::BackgroundThread") ||
           (contains(f.file, "gtest_main.cpp") && contains(f.function, "watch")) ||
           contains(f.function, "labkit::detail::print_stacks_if_asked");
  });
}

bool in_code(const StackFrame& frame, std::string_view code_dir) {
  return !code_dir.empty() && contains(frame.file, code_dir);
}

bool has_code(const ThreadStack& thread, std::string_view code_dir) {
  return std::any_of(thread.frames.begin(), thread.frames.end(),
                     [&](const StackFrame& f) { return in_code(f, code_dir); });
}

std::string_view activity_words(ThreadActivity activity) {
  switch (activity) {
    case ThreadActivity::locking: return "waiting for a mutex";
    case ThreadActivity::waiting: return "waiting on a condition variable";
    case ThreadActivity::awaiting_future: return "waiting for a future's result";
    case ThreadActivity::joining: return "waiting for another thread to end (join)";
    case ThreadActivity::sleeping: return "sleeping";
    case ThreadActivity::running: return "running";
  }
  return "running";
}

}  // namespace

std::vector<ThreadStack> parse_hang_stacks(std::string_view output) {
  std::vector<ThreadStack> threads;
  const auto begin = output.find(labkit::protocol::kStacksBegin);
  if (begin == std::string_view::npos) return threads;
  std::string_view section = output.substr(begin);
  if (const auto end = section.find(labkit::protocol::kStacksEnd); end != std::string_view::npos) {
    section = section.substr(0, end);
  }
  for (const auto raw : split_lines(section)) {
    const std::string_view line = trim(raw);
    if (line.starts_with("Thread ") && line.ends_with(":")) {
      ThreadStack thread;
      // "Thread 6 (Thread 0x7ffff2dfb6c0 (LWP 13589) "lab10_starter"):" -> "Thread 6 (LWP 13589)"
      const auto space = line.find(' ', 7);
      thread.name = std::string(line.substr(0, space));
      if (const auto lwp = line.find("(LWP "); lwp != std::string_view::npos) {
        const auto close = line.find(')', lwp);
        if (close != std::string_view::npos) thread.name += " " + std::string(line.substr(lwp, close - lwp + 1));
      }
      threads.push_back(std::move(thread));
    } else if (!threads.empty()) {
      if (auto frame = parse_gdb_frame(line)) threads.back().frames.push_back(std::move(*frame));
    }
  }
  std::vector<ThreadStack> kept;
  for (auto& thread : threads) {
    if (thread.frames.empty() || tools_only(thread)) continue;
    thread.activity = activity_of(thread.frames);
    thread.in_pool_task = std::any_of(thread.frames.begin(), thread.frames.end(), [](const StackFrame& f) {
      return contains(f.function, "labkit::ThreadPoolExecutor::work");
    }) && std::any_of(thread.frames.begin(), thread.frames.end(), [](const StackFrame& f) {
      // TaskBlock<...>::run() (TaskImpl<...>::run() in labkit before issue 18's executor)
      return contains(f.function, "labkit::detail::TaskBlock") || contains(f.function, "labkit::detail::TaskImpl");
    });
    kept.push_back(std::move(thread));
  }
  return kept;
}

std::optional<HangPattern> hang_pattern(const std::vector<ThreadStack>& threads, std::string_view code_dir) {
  int locking = 0, waiting = 0, starving = 0;
  const ThreadStack* looping = nullptr;
  for (const auto& thread : threads) {
    if (!has_code(thread, code_dir)) continue;
    switch (thread.activity) {
      case ThreadActivity::locking: ++locking; break;
      case ThreadActivity::waiting: ++waiting; break;
      case ThreadActivity::awaiting_future:
        if (thread.in_pool_task) ++starving;
        break;
      case ThreadActivity::running:
        if (looping == nullptr) looping = &thread;
        break;
      default: break;
    }
  }
  if (locking >= 2) {
    return HangPattern{"lock cycle",
                       fmt::format("{} threads each wait for a mutex another of them holds, so none goes on: take "
                                   "locks in one fixed order, or better, give each task its own data so it needs none",
                                   locking)};
  }
  if (starving > 0) {
    return HangPattern{"pool starvation",
                       "a task running on the pool waits for the future of another task, which cannot start while "
                       "every worker is busy waiting: submit all the tasks from the caller and wait there, never "
                       "inside a task"};
  }
  if (waiting > 0) {
    return HangPattern{"lost wake-up",
                       "a thread waits on a condition variable that nobody will signal (the notify came before the "
                       "wait, or never): wait with a predicate on state changed under the same mutex, or let the "
                       "future carry the result"};
  }
  if (looping != nullptr) {
    std::string where;
    for (const auto& frame : looping->frames) {
      if (in_code(frame, code_dir)) {
        where = fmt::format(" in {}:{}", file_name_of(frame.file), frame.line);
        break;
      }
    }
    return HangPattern{"endless loop",
                       fmt::format("a thread is still running your code{}: a loop whose condition never changes "
                                   "(a flag another thread never sets, or sets where this one cannot see it)",
                                   where)};
  }
  return std::nullopt;
}

std::vector<std::string> describe_threads(const std::vector<ThreadStack>& threads, std::string_view code_dir,
                                          const ReportSources& sources) {
  std::vector<std::string> lines;
  for (const auto& thread : threads) {
    if (!has_code(thread, code_dir)) continue;
    lines.push_back(fmt::format("{}: {}{}", thread.name, activity_words(thread.activity),
                                thread.in_pool_task ? " (a task on the pool)" : ""));
    int shown = 0;
    for (const auto& frame : thread.frames) {
      if (!in_code(frame, code_dir)) continue;
      lines.push_back(fmt::format("  {}:{}  in {}", file_name_of(frame.file), frame.line, frame.function));
      if (const std::string* text = sources.find(frame.file); text != nullptr && frame.line > 0) {
        const auto all = split_lines(*text);
        if (static_cast<std::size_t>(frame.line) <= all.size()) {
          lines.push_back("    | " + std::string(trim(all[static_cast<std::size_t>(frame.line) - 1])));
        }
      }
      if (++shown == 4) break;
    }
  }
  return lines;
}

}  // namespace labctl
