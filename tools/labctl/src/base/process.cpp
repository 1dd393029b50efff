#include "base/process.hpp"

#include "base/errors.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
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
using Clock = std::chrono::steady_clock;

constexpr std::array<int, 4> kStopSignals = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

// The process groups labctl is running right now, so that Ctrl-C (or a CI job being
// cancelled) stops them too: each is in its own group, so the terminal's SIGINT does not
// reach it, and without this a hung test program would outlive labctl. Several at once
// when threads run programs (grade --jobs); a fixed table, so the handler only reads.
std::array<std::atomic<pid_t>, 64> g_running_groups{};
std::atomic<void (*)()> g_cleanup{nullptr};

// Records `group` in a free slot (none free: it is not stopped by Ctrl-C, as before).
void remember_group(pid_t group) {
  for (auto& slot : g_running_groups) {
    pid_t free = 0;
    if (slot.compare_exchange_strong(free, group)) return;
  }
}

void forget_group(pid_t group) {
  for (auto& slot : g_running_groups) {
    pid_t mine = group;
    if (slot.compare_exchange_strong(mine, 0)) return;
  }
}

extern "C" void stop_children_and_die(int signal) {
  if (auto cleanup = g_cleanup.load()) cleanup();
  for (auto& slot : g_running_groups) {
    const pid_t group = slot.load();
    if (group > 0) {
      ::kill(-group, SIGKILL);
      ::waitpid(group, nullptr, 0);  // the group leader is the child: reap it, leave no zombie
    }
  }
  ::signal(signal, SIG_DFL);
  ::raise(signal);
}

}  // namespace

void install_signal_forwarding(void (*cleanup)()) {
  if (cleanup != nullptr) g_cleanup.store(cleanup);
  static std::atomic<bool> installed{false};
  if (installed.exchange(true)) return;
  for (int signal : kStopSignals) {
    struct sigaction action {};
    action.sa_handler = stop_children_and_die;
    sigemptyset(&action.sa_mask);
    ::sigaction(signal, &action, nullptr);
  }
}

void CStringVector::point() {
  pointers_.clear();
  for (auto& s : strings_) pointers_.push_back(s.data());
  pointers_.push_back(nullptr);
}

void UniqueFd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

void make_pipe(int& read_end, int& write_end) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw Error(fmt::format("cannot create a pipe: {}", std::strerror(errno)));
  read_end = fds[0];
  write_end = fds[1];
}

ExitStatus exit_status_of(int wait_status) {
  if (WIFSIGNALED(wait_status)) return ExitStatus::signalled(WTERMSIG(wait_status));
  return ExitStatus::exited(WEXITSTATUS(wait_status));
}

std::vector<std::string> inherited_environment() {
  std::vector<std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry) env.emplace_back(*entry);
  return env;
}

namespace {

// The child's environment: spec.env, or labctl's own with the defaults it lacks.
CStringVector environment_for(const ProcessSpec& spec) {
  if (spec.env) return CStringVector(*spec.env);
  std::vector<std::string> env = inherited_environment();
  for (const auto& [name, value] : spec.env_defaults) {
    if (std::getenv(name.c_str()) == nullptr) env.push_back(name + "=" + value);
  }
  return CStringVector(std::move(env));
}

// A log file for the child to write, created or truncated.
UniqueFd open_log(const fs::path& file) {
  UniqueFd fd(::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (fd.get() < 0) throw Error(fmt::format("cannot write {}: {}", file.string(), std::strerror(errno)));
  return fd;
}

// Where the child's stdin, stdout and stderr come from.
struct ChildIo {
  int in = -1;
  int out = -1;
  int err = -1;
};

// The resource limits a child gets (0: none), from its ProcessSpec.
struct ChildLimits {
  std::uintmax_t file_bytes = 0;
  std::uintmax_t memory_bytes = 0;
};

ChildLimits limits_of(const ProcessSpec& spec) { return {spec.max_file_bytes, spec.max_memory_bytes}; }

// Sets a resource limit (soft and hard) to `value` unless it is 0; async-signal-safe.
bool lower_limit(int resource, std::uintmax_t value) {
  if (value == 0) return true;
  const struct rlimit limit {
    static_cast<rlim_t>(value), static_cast<rlim_t>(value)
  };
  return ::setrlimit(resource, &limit) == 0;
}

// The child, from fork to exec: only async-signal-safe calls. A failure goes to
// `exec_error` (the pipe closed by a good exec) as an errno.
[[noreturn]] void exec_child(const std::string& program, const CStringVector& argv, const CStringVector& env,
                             ChildIo io, const fs::path& cwd, ChildLimits limits, int exec_error,
                             const sigset_t& previous_mask) {
  ::setpgid(0, 0);
  if (!lower_limit(RLIMIT_FSIZE, limits.file_bytes) || !lower_limit(RLIMIT_AS, limits.memory_bytes)) {
    const int error = errno;  // never run the tool unbounded when a bound was asked for
    [[maybe_unused]] auto written = ::write(exec_error, &error, sizeof error);
    ::_exit(127);
  }
  ::dup2(io.in, STDIN_FILENO);
  ::dup2(io.out, STDOUT_FILENO);
  ::dup2(io.err, STDERR_FILENO);
  if (cwd.empty() || ::chdir(cwd.c_str()) == 0) {
    for (int signal : kStopSignals) ::signal(signal, SIG_DFL);
    ::pthread_sigmask(SIG_SETMASK, &previous_mask, nullptr);
    ::execve(program.c_str(), argv.data(), env.data());
  }
  const int error = errno;
  [[maybe_unused]] auto written = ::write(exec_error, &error, sizeof error);
  ::_exit(127);
}

// Starts `program` in a process group of its own (recorded for Ctrl-C, see above) and
// returns once it has exec'ed. Throws labctl::Error when it could not (no such cwd, exec
// refused), after reaping the child.
pid_t start_child(const std::string& program, const CStringVector& argv, const CStringVector& env, ChildIo io,
                  const fs::path& cwd, ChildLimits limits) {
  // exec() failing in the child is reported through this pipe, closed on a good exec.
  int exec_pipe[2];
  make_pipe(exec_pipe[0], exec_pipe[1]);
  UniqueFd exec_read(exec_pipe[0]);
  UniqueFd exec_write(exec_pipe[1]);
  // Ctrl-C waits until the child's group is recorded: arriving in between, it would find
  // no group to stop and the program would outlive labctl.
  sigset_t stop_signals;
  sigset_t previous_mask;
  sigemptyset(&stop_signals);
  for (int signal : kStopSignals) sigaddset(&stop_signals, signal);
  ::pthread_sigmask(SIG_BLOCK, &stop_signals, &previous_mask);
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int error = errno;
    ::pthread_sigmask(SIG_SETMASK, &previous_mask, nullptr);
    throw Error(fmt::format("cannot start {}: {}", argv.strings().front(), std::strerror(error)));
  }
  if (pid == 0) exec_child(program, argv, env, io, cwd, limits, exec_pipe[1], previous_mask);
  // Both sides set the group, so it exists whichever runs first.
  ::setpgid(pid, pid);
  remember_group(pid);
  ::pthread_sigmask(SIG_SETMASK, &previous_mask, nullptr);
  exec_write.reset();

  int exec_error = 0;
  if (::read(exec_read.get(), &exec_error, sizeof exec_error) == sizeof exec_error) {
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    forget_group(pid);
    throw Error(fmt::format("cannot run {}: {}", program, std::strerror(exec_error)));
  }
  return pid;
}

struct Waited {
  int wait_status = 0;
  bool timed_out = false;
};

// Waits for the child `pid` until `deadline`, killing its group there; then whatever the
// program left behind in its group (a stray child) goes with it.
Waited wait_and_kill_group(pid_t pid, Clock::time_point deadline) {
  // Poll for the end: simple, and a few milliseconds late is nothing next to a test run.
  Waited waited;
  auto pause = std::chrono::milliseconds(1);
  while (true) {
    const pid_t done = ::waitpid(pid, &waited.wait_status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) break;
    if (Clock::now() >= deadline) {
      waited.timed_out = true;
      ::kill(-pid, SIGKILL);
      while (::waitpid(pid, &waited.wait_status, 0) < 0 && errno == EINTR) {
      }
      break;
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(50));
  }
  ::kill(-pid, SIGKILL);
  forget_group(pid);
  return waited;
}

ProcessResult result_of(const Waited& waited, Clock::time_point started, std::chrono::seconds limit) {
  ProcessResult result;
  result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
  result.status = waited.timed_out ? ExitStatus::timed_out(static_cast<int>(limit.count()))
                                   : exit_status_of(waited.wait_status);
  return result;
}

}  // namespace

std::string resolve_program(const std::string& name) {
  const std::string program = find_in_path(name);
  if (program.empty() || ::access(program.c_str(), X_OK) != 0) {
    throw Error(fmt::format("cannot run {}: {}", name, program.empty() ? "not found in PATH" : std::strerror(errno)));
  }
  return program;
}

ProcessResult run_process(const ProcessSpec& spec) {
  if (spec.argv.empty()) throw Error("internal: run_process without a program");
  install_signal_forwarding();
  const std::string program = resolve_program(spec.argv[0]);
  const CStringVector argv(spec.argv);
  const CStringVector env = environment_for(spec);

  std::error_code ignored;
  fs::create_directories(spec.log.parent_path(), ignored);
  const UniqueFd log = open_log(spec.log);
  const UniqueFd out = spec.stdout_log.empty() ? UniqueFd() : open_log(spec.stdout_log);
  const UniqueFd null(::open("/dev/null", O_RDONLY | O_CLOEXEC));

  const auto started = Clock::now();
  const pid_t pid = start_child(program, argv, env, {null.get(), out.get() >= 0 ? out.get() : log.get(), log.get()},
                                spec.cwd, limits_of(spec));
  return result_of(wait_and_kill_group(pid, started + spec.limit), started, spec.limit);
}

PipedProcess::PipedProcess(const ProcessSpec& spec) : limit_(spec.limit), started_(Clock::now()) {
  if (spec.argv.empty()) throw Error("internal: PipedProcess without a program");
  install_signal_forwarding();
  name_ = spec.argv[0];
  const std::string program = resolve_program(spec.argv[0]);
  const CStringVector argv(spec.argv);
  const CStringVector env = environment_for(spec);
  const UniqueFd log = open_log(spec.log);
  const UniqueFd null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  int out[2];
  make_pipe(out[0], out[1]);
  UniqueFd out_read(out[0]);
  const UniqueFd out_write(out[1]);
  pid_ = start_child(program, argv, env, {null.get(), out_write.get(), log.get()}, spec.cwd, limits_of(spec));
  out_ = out_read.release();
}

PipedProcess::~PipedProcess() { finish(); }

ssize_t PipedProcess::read(char* buffer, std::size_t size) {
  const auto deadline = started_ + limit_;
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      failure_ = fmt::format("{} took longer than {} s", name_, limit_.count());
      return -1;
    }
    pollfd wait{out_, POLLIN, 0};
    const int ready = ::poll(&wait, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno != EINTR) {
      failure_ = std::strerror(errno);
      return -1;
    }
    if (ready <= 0) continue;
    const ssize_t got = ::read(out_, buffer, size);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) failure_ = std::strerror(errno);
    return got;
  }
}

std::string PipedProcess::read_all(std::size_t max_bytes) {
  std::string text;
  char buffer[4096];
  ssize_t got = 0;
  while (text.size() < max_bytes && (got = read(buffer, sizeof buffer)) > 0) {
    text.append(buffer, static_cast<std::size_t>(got));
  }
  return text;
}

ProcessResult PipedProcess::finish() {
  if (result_) return *result_;
  if (pid_ <= 0) return {};
  if (out_ >= 0) ::close(out_);
  out_ = -1;
  result_ = result_of(wait_and_kill_group(pid_, started_ + limit_), started_, limit_);
  return *result_;
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

std::string read_file_head(const fs::path& file, std::size_t max_bytes) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return {};
  std::string head(max_bytes, '\0');
  in.read(head.data(), static_cast<std::streamsize>(max_bytes));
  head.resize(static_cast<std::size_t>(in.gcount()));
  return head;
}

}  // namespace labctl
