// Runs one program the way labctl runs students' test programs, builds and git: in its own
// process group (so a hung program and every thread or child it made can be killed
// together), with a wall-clock limit, stdin from /dev/null, stdout and stderr into a log
// (or stdout on a pipe, read as it comes). This is labctl's one fork/exec engine; the
// grading sandbox (grade/sandbox) starts its programs with clone() instead, but builds its
// argument vectors and resolves its program with the pieces declared here.
#pragma once

#include "base/exit_status.hpp"

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace labctl {

// A NULL-terminated array of C strings, as execve() takes for argv and envp, with the
// strings it points into. Built before fork (or clone), so the child only reads it: data()
// is safe to use between fork and exec. Copies and moves point into their own strings.
class CStringVector {
 public:
  CStringVector() { point(); }
  explicit CStringVector(std::vector<std::string> strings) : strings_(std::move(strings)) { point(); }
  CStringVector(const CStringVector& other) : strings_(other.strings_) { point(); }
  CStringVector(CStringVector&& other) noexcept : strings_(std::move(other.strings_)) { point(); }
  CStringVector& operator=(CStringVector other) noexcept {
    strings_ = std::move(other.strings_);
    point();
    return *this;
  }

  char* const* data() const { return pointers_.data(); }
  const std::vector<std::string>& strings() const { return strings_; }

 private:
  void point();

  std::vector<std::string> strings_;
  std::vector<char*> pointers_;  // into strings_, then nullptr
};

struct ProcessSpec {
  std::vector<std::string> argv;  // argv[0] is looked up in PATH when it has no '/'
  // Environment variables set only when the environment does not already have them, so
  // a user's own TSAN_OPTIONS (say) wins.
  std::vector<std::pair<std::string, std::string>> env_defaults;
  // When set, the program's WHOLE environment ("NAME=value" each) instead of labctl's
  // own; env_defaults are then not used.
  std::optional<std::vector<std::string>> env;
  std::filesystem::path log;  // stdout and stderr go here (created or truncated)
  // When set, stdout goes here instead and `log` gets only stderr (for programs whose
  // answer is their stdout, like the race demos).
  std::filesystem::path stdout_log;
  std::filesystem::path cwd;  // the child's working directory; empty: labctl's own
  std::chrono::seconds limit{120};
  // When not 0, the largest file the program may write (RLIMIT_FSIZE, its log included):
  // past it the kernel stops the program with SIGXFSZ. For tools run on a student's code
  // outside the grading sandbox, so that one file cannot fill the disk.
  std::uintmax_t max_file_bytes = 0;
  // When not 0, the most address space it may map (RLIMIT_AS): past it allocations fail.
  std::uintmax_t max_memory_bytes = 0;
};

struct ProcessResult {
  ExitStatus status;
  std::chrono::milliseconds elapsed{0};
};

// Throws labctl::Error when the program cannot be started at all (not found, log not
// writable, no such cwd); every way the program itself can end is a ProcessResult.
ProcessResult run_process(const ProcessSpec& spec);

// A program started with its stdout on a pipe that labctl reads as it comes (git's
// output, streamed into an archive reader): stderr goes to spec.log, spec.stdout_log is
// not used. Every read and finish() keep to spec.limit, counted from the start.
class PipedProcess {
 public:
  // Starts the program; throws labctl::Error as run_process does.
  explicit PipedProcess(const ProcessSpec& spec);
  PipedProcess(const PipedProcess&) = delete;
  PipedProcess& operator=(const PipedProcess&) = delete;
  // finish(), if not done yet.
  ~PipedProcess();

  // Reads stdout into `buffer`: bytes read, 0 at its end, -1 on an error or at the time
  // limit (then failure() says which).
  ssize_t read(char* buffer, std::size_t size);

  // All of stdout up to its end or `max_bytes` (small outputs only), "" after a failure.
  std::string read_all(std::size_t max_bytes = 64 * 1024);

  // Closes the pipe, waits for the program (to the time limit) and kills its group. The
  // second call returns the first one's result.
  ProcessResult finish();

  // Why reading stopped early ("git took longer than 60 s" style: "PROGRAM took longer
  // than N s", or the system's words); empty when it did not.
  const std::string& failure() const { return failure_; }

 private:
  std::string name_;  // argv[0], for messages
  std::chrono::seconds limit_;
  std::chrono::steady_clock::time_point started_;
  pid_t pid_ = -1;
  int out_ = -1;
  std::optional<ProcessResult> result_;
  std::string failure_;
};

// Makes Ctrl-C (SIGINT, SIGTERM, SIGHUP, SIGQUIT) kill the running children's process
// groups before labctl dies; run_process does it on its first call. `cleanup`, when given,
// runs first (async-signal-safe only: `watch` restores the terminal with it).
void install_signal_forwarding(void (*cleanup)() = nullptr);

// A program name looked up in PATH as execvp would (a name with a '/' is returned as it
// is); empty when it is not found. Decided before fork, so "not found" is a clear error.
std::string find_in_path(const std::string& program);

// find_in_path, for a program about to be started: throws labctl::Error "cannot run NAME:
// not found in PATH" (or why it cannot be executed) instead of returning "".
std::string resolve_program(const std::string& program);

// labctl's own environment, "NAME=value" each: what run_process passes on by default.
std::vector<std::string> inherited_environment();

// A file descriptor, closed at the end of its scope (-1: none).
class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    reset(other.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  // Closes the fd held, if any, and holds `fd` instead.
  void reset(int fd = -1);
  // Gives the fd up without closing it.
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

// A pipe whose both ends are close-on-exec; throws labctl::Error when there is none.
void make_pipe(int& read_end, int& write_end);

// How a wait status from waitpid() reads as an ExitStatus (exited or signalled).
ExitStatus exit_status_of(int wait_status);

// Reads a whole file; empty when it does not exist.
std::string read_file(const std::filesystem::path& file);

// Reads at most the first `max_bytes` of a file (a tool's log that may be huge, of which
// only the first error line is wanted); empty when it does not exist.
std::string read_file_head(const std::filesystem::path& file, std::size_t max_bytes);

}  // namespace labctl
