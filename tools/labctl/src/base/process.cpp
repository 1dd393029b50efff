#include "base/process.hpp"

#include "base/errors.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace labctl {
namespace {

namespace fs = std::filesystem;

// The process group labctl is running right now, so that Ctrl-C (or a CI job being
// cancelled) stops it too: it is in its own group, so the terminal's SIGINT does not
// reach it, and without this a hung test program would outlive labctl.
std::atomic<pid_t> g_running_group{0};
std::atomic<void (*)()> g_cleanup{nullptr};

extern "C" void stop_child_and_die(int signal) {
  if (auto cleanup = g_cleanup.load()) cleanup();
  const pid_t group = g_running_group.load();
  if (group > 0) {
    ::kill(-group, SIGKILL);
    ::waitpid(group, nullptr, 0);  // the group leader is the child: reap it, leave no zombie
  }
  ::signal(signal, SIG_DFL);
  ::raise(signal);
}

}  // namespace

void install_signal_forwarding(void (*cleanup)()) {
  if (cleanup != nullptr) g_cleanup.store(cleanup);
  static bool installed = false;
  if (installed) return;
  installed = true;
  for (int signal : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) {
    struct sigaction action {};
    action.sa_handler = stop_child_and_die;
    sigemptyset(&action.sa_mask);
    ::sigaction(signal, &action, nullptr);
  }
}

namespace {

std::vector<std::string> child_environment(const ProcessSpec& spec) {
  std::vector<std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry) env.emplace_back(*entry);
  for (const auto& [name, value] : spec.env_defaults) {
    if (std::getenv(name.c_str()) == nullptr) env.push_back(name + "=" + value);
  }
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (auto& s : strings) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

}  // namespace

ProcessResult run_process(const ProcessSpec& spec) {
  if (spec.argv.empty()) throw Error("internal: run_process without a program");
  install_signal_forwarding();

  std::vector<std::string> argv = spec.argv;
  const std::string program = find_in_path(argv[0]);
  if (program.empty() || ::access(program.c_str(), X_OK) != 0) {
    throw Error(fmt::format("cannot run {}: {}", argv[0], program.empty() ? "not found in PATH" : std::strerror(errno)));
  }
  std::vector<std::string> env = child_environment(spec);
  std::vector<char*> c_argv = c_strings(argv);
  std::vector<char*> c_env = c_strings(env);

  std::error_code ignored;
  fs::create_directories(spec.log.parent_path(), ignored);
  const int log_fd = ::open(spec.log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) throw Error(fmt::format("cannot write {}: {}", spec.log.string(), std::strerror(errno)));
  int out_fd = log_fd;
  if (!spec.stdout_log.empty()) {
    out_fd = ::open(spec.stdout_log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out_fd < 0) {
      ::close(log_fd);
      throw Error(fmt::format("cannot write {}: {}", spec.stdout_log.string(), std::strerror(errno)));
    }
  }
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  // exec() failing in the child is reported through this pipe, closed on a good exec.
  int exec_pipe[2];
  if (::pipe2(exec_pipe, O_CLOEXEC) != 0) throw Error(fmt::format("cannot create a pipe: {}", std::strerror(errno)));

  const auto started = std::chrono::steady_clock::now();
  // Ctrl-C waits until the child's group is recorded: arriving in between, it would find
  // no group to stop and the program would outlive labctl.
  sigset_t stop_signals;
  sigset_t previous_mask;
  sigemptyset(&stop_signals);
  for (int signal : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) sigaddset(&stop_signals, signal);
  ::pthread_sigmask(SIG_BLOCK, &stop_signals, &previous_mask);
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::pthread_sigmask(SIG_SETMASK, &previous_mask, nullptr);
    throw Error(fmt::format("cannot start {}: {}", argv[0], std::strerror(errno)));
  }
  if (pid == 0) {
    // The child: only async-signal-safe calls from here to exec.
    ::setpgid(0, 0);
    ::dup2(null_fd, STDIN_FILENO);
    ::dup2(out_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    if (!spec.cwd.empty() && ::chdir(spec.cwd.c_str()) != 0) {
      const int error = errno;
      [[maybe_unused]] auto written = ::write(exec_pipe[1], &error, sizeof error);
      ::_exit(127);
    }
    for (int signal : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) ::signal(signal, SIG_DFL);
    ::pthread_sigmask(SIG_SETMASK, &previous_mask, nullptr);
    ::execve(program.c_str(), c_argv.data(), c_env.data());
    const int error = errno;
    [[maybe_unused]] auto written = ::write(exec_pipe[1], &error, sizeof error);
    ::_exit(127);
  }
  // Both sides set the group, so it exists whichever runs first.
  ::setpgid(pid, pid);
  g_running_group.store(pid);
  ::pthread_sigmask(SIG_SETMASK, &previous_mask, nullptr);
  ::close(exec_pipe[1]);
  ::close(log_fd);
  if (out_fd != log_fd) ::close(out_fd);
  if (null_fd >= 0) ::close(null_fd);

  int exec_error = 0;
  const bool exec_failed = ::read(exec_pipe[0], &exec_error, sizeof exec_error) == sizeof exec_error;
  ::close(exec_pipe[0]);

  // Poll for the end: simple, and a few milliseconds late is nothing next to a test run.
  const auto deadline = started + spec.limit;
  int wait_status = 0;
  bool timed_out = false;
  auto pause = std::chrono::milliseconds(2);
  while (true) {
    const pid_t done = ::waitpid(pid, &wait_status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      timed_out = true;
      ::kill(-pid, SIGKILL);
      while (::waitpid(pid, &wait_status, 0) < 0 && errno == EINTR) {
      }
      break;
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(50));
  }
  // Whatever the program left behind in its group (a stray child) goes with it.
  ::kill(-pid, SIGKILL);
  g_running_group.store(0);

  ProcessResult result;
  result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  if (exec_failed) throw Error(fmt::format("cannot run {}: {}", program, std::strerror(exec_error)));
  if (timed_out) {
    result.status = ExitStatus::timed_out(static_cast<int>(spec.limit.count()));
  } else if (WIFSIGNALED(wait_status)) {
    result.status = ExitStatus::signalled(WTERMSIG(wait_status));
  } else {
    result.status = ExitStatus::exited(WEXITSTATUS(wait_status));
  }
  return result;
}

std::string find_in_path(const std::string& program) {
  if (program.find('/') != std::string::npos) return program;
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const fs::path candidate = fs::path(dir.empty() ? "." : dir) / program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return {};
}

std::string read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return {};
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace labctl
