// The code that runs inside the sandbox, between clone() and execve(): the namespace's
// init and the program's setup (sandbox_inside.hpp).
//
// Rules for everything here. labctl may grade with several threads (grade --jobs), and the
// child of a clone() has one thread but a copy of the others' glibc state: so only
// async-signal-safe system calls on memory prepared beforehand, no malloc, no stdio, no
// exceptions; and raw system calls where glibc's wrappers take locks or act on every
// thread (fork's malloc locks, setresuid's signal to each thread), which could wait
// forever on a lock another thread held at the time of the clone.
//
// Why this is not base/process's fork/exec engine (run_process, PipedProcess): the sandbox
// starts its program with clone() and namespace flags, not fork(); between the two sits
// work of its own (an init that mounts, reaps and reports; the uid drop, rlimits and fd
// placement before execve), all under the rules above; and labctl's side waits on init's
// status pipe, not on the program's pid. What is common is shared: the argv and envp arrays
// (base's CStringVector, built before clone), the program's lookup (resolve_program),
// the pipes (make_pipe) and the reading of wait statuses (exit_status_of).
#include "grade/sandbox/sandbox_inside.hpp"

#include "grade/sandbox/sandbox.hpp"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

namespace labctl::sandbox_inside {

// The raw system call, without a new stack: the child continues on a copy of this one,
// like fork, so init needs no stack of its own.
pid_t clone_with(unsigned long flags) {
  return static_cast<pid_t>(::syscall(SYS_clone, flags | SIGCHLD, nullptr, nullptr, nullptr, 0));
}

namespace {

// fork() without glibc's fork handlers.
pid_t raw_fork() { return clone_with(0); }

// Brings up the fresh network namespace's own loopback interface, which starts down:
// lab 13 serves and connects on 127.0.0.1 inside its tests. It reaches nothing outside
// the namespace (the machine's loopback is another interface, in another namespace).
// Best effort: if it fails, lab 13's tests say "Cannot assign requested address".
void bring_up_loopback() {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  ifreq request{};
  request.ifr_name[0] = 'l';
  request.ifr_name[1] = 'o';
  if (::ioctl(fd, SIOCGIFFLAGS, &request) == 0) {
    request.ifr_flags = static_cast<short>(request.ifr_flags | IFF_UP);
    ::ioctl(fd, SIOCSIFFLAGS, &request);
  }
  ::close(fd);
}

// setgroups({}), setresgid(gid), setresuid(uid) for this thread only (the only one).
bool become_user(uid_t uid, gid_t gid) {
  return ::syscall(SYS_setgroups, 0, nullptr) == 0 && ::syscall(SYS_setresgid, gid, gid, gid) == 0 &&
         ::syscall(SYS_setresuid, uid, uid, uid) == 0;
}

void send(int fd, int kind, int value, int extra = 0) {
  const Record record{kind, value, extra};
  [[maybe_unused]] auto written = ::write(fd, &record, sizeof record);  // < PIPE_BUF: atomic
}

[[noreturn]] void fail_setup(const Plan& plan, int step) {
  send(plan.status_w, kSetupError, errno, step);
  ::_exit(127);
}

// Closes every fd except those in `keep` (unsorted, -1 entries ignored): init must not
// hold other sandboxes' pipes, which labctl's other threads may have open right now.
void close_all_except(std::array<int, 6> keep) {
  std::sort(keep.begin(), keep.end());
  unsigned int from = 0;
  for (int fd : keep) {
    if (fd < 0) continue;
    if (static_cast<unsigned int>(fd) > from) ::syscall(SYS_close_range, from, static_cast<unsigned int>(fd) - 1, 0);
    from = static_cast<unsigned int>(fd) + 1;
  }
  if (::syscall(SYS_close_range, from, ~0U, 0) != 0) {
    for (unsigned int fd = from; fd < 4096; ++fd) ::close(static_cast<int>(fd));  // kernels before 5.9
  }
}

// True when the directory at `fd` lists nothing but "." and "..".
bool directory_is_empty(int fd) {
  alignas(8) char buffer[4096];
  const long bytes = ::syscall(SYS_getdents64, fd, buffer, sizeof buffer);
  if (bytes < 0) return true;  // unreadable is as good as empty
  for (long offset = 0; offset < bytes;) {
    // struct linux_dirent64: ino (8), off (8), reclen (2), type (1), name.
    unsigned short length = 0;
    std::memcpy(&length, buffer + offset + 16, sizeof length);
    const char* name = buffer + offset + 19;
    const bool dot = name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'));
    if (!dot) return false;
    offset += length;
  }
  return true;
}

// Run as the program's uid, just before exec: can it read any hidden path?
bool hidden_paths_unreadable(const Plan& plan) {
  for (const auto& dir : plan.hidden_dirs) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
      // Not listable; but with search permission its files could still be opened by name.
      if (::access(dir.c_str(), X_OK) == 0) return false;
      continue;
    }
    const bool empty = directory_is_empty(fd);
    ::close(fd);
    if (!empty) return false;
  }
  for (const auto& file : plan.hidden_files) {
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) continue;
    char byte;
    const auto got = ::read(fd, &byte, 1);
    ::close(fd);
    if (got > 0) return false;
  }
  return true;
}

// Puts `from` at fd `to` (clearing close-on-exec unless `cloexec`).
bool place_fd(int from, int to, bool cloexec) {
  if (from == to) return ::fcntl(to, F_SETFD, cloexec ? FD_CLOEXEC : 0) == 0;
  return ::dup3(from, to, cloexec ? O_CLOEXEC : 0) == to;
}

// Sets a resource limit, never above the one labctl itself runs under (raising a hard
// limit needs privileges, and the tighter one should win anyway).
bool lower_limit(int resource, rlim_t soft, rlim_t hard) {
  rlimit current{};
  if (::getrlimit(resource, &current) != 0) return false;
  const rlimit wanted{std::min(soft, std::min(hard, current.rlim_max)), std::min(hard, current.rlim_max)};
  return ::setrlimit(resource, &wanted) == 0;
}

// The program's process, from fork to exec.
[[noreturn]] void become_program(const Plan& plan) {
  ::setpgid(0, 0);
  // Dispositions labctl set (ignored signals survive exec) and its blocked signals.
  for (int signal = 1; signal < NSIG; ++signal) ::signal(signal, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);

  if (plan.as_root) {
    if (!become_user(plan.uid, plan.gid)) fail_setup(plan, kStepPrivileges);
  }
  // No setuid binary (su, mount, ...) can give privileges back.
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) fail_setup(plan, kStepPrivileges);

  const bool nproc = plan.as_root || plan.user_ns;
  if (!lower_limit(RLIMIT_CPU, plan.cpu_seconds, plan.cpu_seconds + 1) ||  // SIGXCPU, a second later SIGKILL
      !lower_limit(RLIMIT_FSIZE, plan.file_bytes, plan.file_bytes) || !lower_limit(RLIMIT_CORE, 0, 0) ||
      (plan.memory_bytes > 0 && !lower_limit(RLIMIT_AS, plan.memory_bytes, plan.memory_bytes)) ||
      // Without a uid or user namespace of its own, the count would include labctl's own
      // processes: then only the grader's watch bounds the threads.
      (nproc && !lower_limit(RLIMIT_NPROC, plan.nproc, plan.nproc))) {
    fail_setup(plan, kStepLimits);
  }

  send(plan.status_w, kHidden, hidden_paths_unreadable(plan) ? 1 : 0);

  if (::chdir(plan.workdir.c_str()) != 0) fail_setup(plan, kStepWorkdir);

  // fds: first out of the way (above anything we place), then into their places.
  const int null_fd = ::fcntl(plan.null_fd, F_DUPFD_CLOEXEC, 10);
  const int out_fd = ::fcntl(plan.out_w, F_DUPFD_CLOEXEC, 10);
  const int chan_fd = plan.chan_w >= 0 ? ::fcntl(plan.chan_w, F_DUPFD_CLOEXEC, 10) : -1;
  const int status_high = ::fcntl(plan.status_w, F_DUPFD_CLOEXEC, 10);
  if (null_fd < 0 || out_fd < 0 || status_high < 0 || (plan.chan_w >= 0 && chan_fd < 0)) fail_setup(plan, kStepFds);
  const int status_fd = chan_fd >= 0 ? kResultFd + 1 : kResultFd;
  if (!place_fd(null_fd, STDIN_FILENO, false) || !place_fd(out_fd, STDOUT_FILENO, false) ||
      !place_fd(out_fd, STDERR_FILENO, false) || (chan_fd >= 0 && !place_fd(chan_fd, kResultFd, false)) ||
      !place_fd(status_high, status_fd, true)) {
    fail_setup(plan, kStepFds);
  }
  if (::syscall(SYS_close_range, static_cast<unsigned int>(status_fd + 1), ~0U, 0) != 0) {
    for (int fd = status_fd + 1; fd < 4096; ++fd) ::close(fd);
  }

  ::execve(plan.program.c_str(), plan.argv.data(), plan.env.data());
  send(status_fd, kExecError, errno);
  ::_exit(127);
}

void pause_briefly() {
  const timespec millisecond{0, 1'000'000};
  ::nanosleep(&millisecond, nullptr);
}

}  // namespace

// In a sandbox without a PID namespace, labctl root: every process of the sandbox uid
// dies (a process may signal its own uid's processes, so a helper does it as that uid).
void kill_uid(const Plan& plan) {
  const pid_t killer = raw_fork();
  if (killer == 0) {
    if (become_user(plan.uid, plan.gid)) ::kill(-1, SIGKILL);
    ::_exit(0);
  }
  if (killer > 0) ::waitpid(killer, nullptr, 0);
}

namespace {

// In init's private mount namespace: every mount read-only but the staging directory
// (bound onto itself first, so it is a mount of its own) and a fresh /dev/shm, so the
// program can write nothing anywhere else: no fake result files in /tmp, no changes to
// the instructor's tree or another submission, whatever their permissions.
bool confine_writes(const Plan& plan) {
  if (::mount(plan.workdir.c_str(), plan.workdir.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0) return false;
  mount_attr read_only{};
  read_only.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID;
  if (::syscall(SYS_mount_setattr, AT_FDCWD, "/", AT_RECURSIVE, &read_only, sizeof read_only) != 0) return false;
  mount_attr writable{};
  writable.attr_clr = MOUNT_ATTR_RDONLY;
  if (::syscall(SYS_mount_setattr, AT_FDCWD, plan.workdir.c_str(), AT_RECURSIVE, &writable, sizeof writable) != 0) {
    return false;
  }
  // POSIX shared memory and semaphores live here; small, and gone with the namespace.
  ::mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=16m,mode=1777");
  return true;
}

// labctl closes its end of the sync pipe once init's uid/gid maps are written (and kills
// init if it cannot write them): EOF means go.
void wait_for_maps(const Plan& plan) {
  char ignored;
  while (::read(plan.sync_r, &ignored, 1) < 0 && errno == EINTR) {
  }
  ::close(plan.sync_r);
}

// The program's view of the files, in init's private mount namespace: writes confined,
// hidden paths covered, the namespace's own /proc. Returns 1 if writes are confined.
int prepare_mounts(const Plan& plan) {
  if (!plan.mount_ns || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return 0;
  const int confined = confine_writes(plan) ? 1 : 0;
  const unsigned long locked = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
  for (const auto& dir : plan.hidden_dirs) ::mount("tmpfs", dir.c_str(), "tmpfs", locked, "size=4k,mode=0555");
  for (const auto& file : plan.hidden_files) {
    if (::mount("/dev/null", file.c_str(), nullptr, MS_BIND, nullptr) == 0) {
      ::mount(nullptr, file.c_str(), nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY, nullptr);
    }
  }
  // The namespace's own /proc: the program sees only its own processes.
  if (plan.pid_ns) ::mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr);
  return confined;
}

// Reaps children until the program itself ends: its wait status.
int wait_for_program(pid_t program) {
  while (true) {
    int status = 0;
    const pid_t done = ::waitpid(-1, &status, __WALL);
    if (done == program) return status;
    if (done < 0 && errno != EINTR) return 0;  // cannot happen: the program is our child
  }
}

// Kills and reaps whatever the program left: how many processes that was.
int end_leftovers(const Plan& plan, pid_t program) {
  int leftover = 0;
  if (plan.pid_ns) {
    ::kill(-1, SIGKILL);  // everyone in the namespace but init
    while (true) {
      const pid_t done = ::waitpid(-1, nullptr, __WALL);
      if (done > 0) {
        ++leftover;
      } else if (errno != EINTR) {
        return leftover;  // ECHILD: all reaped
      }
    }
  }
  ::kill(-program, SIGKILL);
  if (plan.as_root) kill_uid(plan);
  // Reparented orphans (subreaper); bounded, as one may have escaped both kills.
  for (int tries = 0; tries < 50; ++tries) {
    const pid_t done = ::waitpid(-1, nullptr, __WALL | WNOHANG);
    if (done > 0) {
      ++leftover;
      continue;
    }
    if (done < 0) break;
    pause_briefly();
  }
  return leftover;
}

}  // namespace

// The sandbox's init: sets up the namespaces' view, starts the program, waits for it,
// then kills and reaps whatever it left, and reports.
[[noreturn]] void become_init(const Plan& plan) {
  close_all_except({plan.null_fd, plan.out_w, plan.chan_w, plan.status_w, plan.sync_r, -1});
  // If labctl dies, so does init, and with it (PID namespace) the whole program.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  if (plan.user_ns) wait_for_maps(plan);
  ::setsid();
  if (plan.net_ns) bring_up_loopback();
  // Without a PID namespace, orphans of the program still come back to init.
  ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  send(plan.status_w, kConfined, prepare_mounts(plan));

  const pid_t program = raw_fork();
  if (program < 0) fail_setup(plan, kStepFork);
  if (program == 0) become_program(plan);
  ::setpgid(program, program);
  send(plan.status_w, kStarted, program);
  // init keeps none of the program's pipes: their EOF must mean "every writer is gone".
  ::close(plan.null_fd);
  ::close(plan.out_w);
  if (plan.chan_w >= 0) ::close(plan.chan_w);

  const int status = wait_for_program(program);
  const int leftover = end_leftovers(plan, program);
  send(plan.status_w, kFinal, status, leftover);
  ::_exit(0);
}

}  // namespace labctl::sandbox_inside
