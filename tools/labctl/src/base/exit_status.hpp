// How a program ended: exited with a code, killed by a signal, or stopped by a time limit.
// Every runner of programs (test programs, builds, the sandbox, the explorer) reports it,
// and every reader of runs (the verdict, the chart, the report) reads it.
#pragma once

#include <string>

namespace labctl {

// How a program ended.
struct ExitStatus {
  enum class Kind { exited, signalled, timed_out };
  Kind kind = Kind::exited;
  int code = 0;  // the exit code (exited), the signal (signalled), the limit in seconds (timed_out)

  static ExitStatus exited(int code) { return {Kind::exited, code}; }
  static ExitStatus signalled(int signal) { return {Kind::signalled, signal}; }
  static ExitStatus timed_out(int limit_seconds) { return {Kind::timed_out, limit_seconds}; }

  bool ok() const { return kind == Kind::exited && code == 0; }
  // "exited 1", "killed by SIGSEGV (segmentation fault)", "still running after 120 s"
  std::string describe() const;
};

// "SIGSEGV (segmentation fault)", "SIGKILL", "signal 42".
std::string signal_name(int signal);

}  // namespace labctl
