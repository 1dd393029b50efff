// gdb's backtraces of a hung test program (hang_stacks.hpp).
#include "hang_stacks.hpp"

#include <labkit/protocol.hpp>

#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

extern char** environ;

namespace labkit::detail {

void print_stacks_if_asked() {
  const char* asked = std::getenv(protocol::kHangStacksEnv);
  if (asked == nullptr || std::strcmp(asked, "1") != 0) return;
  std::fflush(stdout);
  std::fprintf(stderr, "%.*s\n", static_cast<int>(protocol::kStacksBegin.size()), protocol::kStacksBegin.data());
  std::fflush(stderr);
  // Yama's ptrace_scope=1 (Ubuntu's default) lets only ancestors trace a process: allow gdb,
  // our child, explicitly.
  ::prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
  const std::string pid = std::to_string(::getpid());
  // One frame a line (no wrapping), arguments as "(...)": labctl reads it (run/hang_stacks.cpp).
  const char* argv[] = {"gdb", "-batch", "-nx", "-p", pid.c_str(), "-ex", "set width 0",
                        "-ex", "set print frame-arguments none", "-ex", "thread apply all bt", nullptr};
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_adddup2(&files, STDERR_FILENO, STDOUT_FILENO);  // all of it on stderr, in order
  pid_t child = -1;
  const int failed = posix_spawnp(&child, "gdb", &files, nullptr, const_cast<char* const*>(argv), environ);
  posix_spawn_file_actions_destroy(&files);
  if (failed == 0) {
    // gdb stops this process to read it and lets it go on detach; give up after 30 s.
    for (int waited_ms = 0;; waited_ms += 50) {
      int status = 0;
      if (::waitpid(child, &status, WNOHANG) != 0) break;
      if (waited_ms >= 30'000) {
        ::kill(child, SIGKILL);
        ::waitpid(child, &status, 0);
        break;
      }
      const timespec pause{0, 50'000'000};
      ::clock_nanosleep(CLOCK_MONOTONIC, 0, &pause, nullptr);
    }
  } else {
    std::fprintf(stderr, "(gdb could not be started: %s)\n", std::strerror(failed));
  }
  std::fprintf(stderr, "%.*s\n", static_cast<int>(protocol::kStacksEnd.size()), protocol::kStacksEnd.data());
  std::fflush(stderr);
}

}  // namespace labkit::detail
