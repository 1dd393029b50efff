// Running a helper program of labkit's tests as a child process (racy_pair, hang_examples):
// its exit status and its output, stdout and stderr together.
//
// The child is started with posix_spawn, so it inherits this process's personality (the
// launcher's `setarch -R`, where TSan needs it), and runs with the TSan options of every test
// program (a helper without the test main would not get them as defaults).
#pragma once

#include <labkit/protocol.hpp>

#include <gtest/gtest.h>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

extern char** environ;

namespace labkit::test_support {

struct ChildResult {
  int exit_code = -1;  // -1: did not exit normally (killed by a signal), or never started
  std::string output;  // stdout and stderr together
};

// Runs `program arguments...` with this process's environment plus `extra` ("NAME=value"),
// TSAN_OPTIONS fixed to the test programs' own. A child that cannot start fails the test.
inline ChildResult run_child(const std::string& program, const std::vector<std::string>& arguments,
                             const std::vector<std::string>& extra = {}) {
  ChildResult result;
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "pipe2: " << std::strerror(errno);
    return result;
  }
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e)
    if (std::strncmp(*e, "TSAN_OPTIONS=", 13) != 0) env_strings.emplace_back(*e);
  env_strings.emplace_back(std::string("TSAN_OPTIONS=") + labkit::protocol::kTsanOptions);
  env_strings.insert(env_strings.end(), extra.begin(), extra.end());
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);

  std::vector<std::string> words{program};
  words.insert(words.end(), arguments.begin(), arguments.end());
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDERR_FILENO);
  pid_t pid = 0;
  const int spawn_error = ::posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  if (spawn_error != 0) {
    ::close(pipe_fds[0]);
    ADD_FAILURE() << "posix_spawn " << program << ": " << std::strerror(spawn_error);
    return result;
  }
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(pipe_fds[0], buffer, sizeof buffer);
    if (n > 0) {
      result.output.append(buffer, static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  ::close(pipe_fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  return result;
}

}  // namespace labkit::test_support
