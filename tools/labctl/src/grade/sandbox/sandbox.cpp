// run_sandboxed, labctl's side: prepare, start init (sandbox_inside.cpp), watch the
// clocks, the pipes and /proc, enforce the limits, collect the result. See sandbox.hpp for
// the design and docs/grading.md for what it defends against.
#include "grade/sandbox/sandbox.hpp"

#include "base/errors.hpp"
#include "base/process.hpp"  // find_in_path
#include "grade/sandbox/sandbox_inside.hpp"

#include <fmt/format.h>

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace labctl {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace sandbox_inside;

const char* step_words(int step) {
  switch (step) {
    case kStepPrivileges: return "drop privileges";
    case kStepLimits: return "set resource limits";
    case kStepFds: return "set up file descriptors";
    case kStepWorkdir: return "enter the staging directory";
    case kStepFork: return "fork";
  }
  return "set up";
}

// ------------------------------------------------------------ before clone

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (auto& s : strings) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

void make_pipe(int& read_end, int& write_end) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw Error(fmt::format("cannot create a pipe: {}", std::strerror(errno)));
  read_end = fds[0];
  write_end = fds[1];
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

// ------------------------------------------------------------------ labctl's side

// One look at the sandbox's processes, from labctl's /proc.
struct Sample {
  int processes = 0;
  long threads = 0;
  unsigned long long cpu_ticks = 0;  // user+system, with reaped children's
};

// Fields after the command name in /proc/PID/stat, numbered as in proc(5) from 3 (state).
std::vector<std::string> stat_fields(const fs::path& stat_file) {
  std::ifstream in(stat_file);
  std::string text;
  std::getline(in, text);
  const auto paren = text.rfind(')');
  std::vector<std::string> fields;
  if (paren == std::string::npos) return fields;
  std::istringstream rest(text.substr(paren + 1));
  std::string field;
  while (rest >> field) fields.push_back(field);
  return fields;
}

unsigned long long field_number(const std::vector<std::string>& fields, int proc5_number) {
  const auto index = static_cast<std::size_t>(proc5_number - 3);
  if (index >= fields.size()) return 0;
  return std::strtoull(fields[index].c_str(), nullptr, 10);
}

std::string link_target(const fs::path& link) {
  char buffer[128];
  const auto length = ::readlink(link.c_str(), buffer, sizeof buffer);
  return length > 0 ? std::string(buffer, static_cast<std::size_t>(length)) : std::string();
}

// How labctl tells the sandbox's processes from the machine's others.
struct Membership {
  pid_t init = 0;
  std::string pid_namespace;  // "pid:[4026532…]" when the sandbox has its own
  bool by_uid = false;        // labctl root, no PID namespace: processes of uid
  uid_t uid = 0;
  pid_t group = 0;            // else: the program's process group

  bool contains(pid_t pid, const fs::path& dir, const std::vector<std::string>& fields) const {
    if (pid == init) return false;
    if (!pid_namespace.empty()) return link_target(dir / "ns" / "pid") == pid_namespace;
    if (by_uid) {
      struct stat info {};
      return ::stat(dir.c_str(), &info) == 0 && info.st_uid == uid;
    }
    return group > 0 && static_cast<pid_t>(field_number(fields, 5)) == group;
  }
};

Sample take_sample(const Membership& members) {
  Sample sample;
  const auto init_fields = stat_fields(fs::path("/proc") / std::to_string(members.init) / "stat");
  sample.cpu_ticks = field_number(init_fields, 16) + field_number(init_fields, 17);
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return sample;
  while (const dirent* entry = ::readdir(proc)) {
    const char* name = entry->d_name;
    if (name[0] < '1' || name[0] > '9') continue;
    const pid_t pid = static_cast<pid_t>(std::strtol(name, nullptr, 10));
    const fs::path dir = fs::path("/proc") / name;
    std::vector<std::string> fields;
    if (members.pid_namespace.empty() && !members.by_uid) fields = stat_fields(dir / "stat");
    if (!members.contains(pid, dir, fields)) continue;
    if (fields.empty()) fields = stat_fields(dir / "stat");
    if (fields.empty()) continue;  // gone meanwhile
    ++sample.processes;
    sample.threads += static_cast<long>(field_number(fields, 20));
    for (int field : {14, 15, 16, 17}) sample.cpu_ticks += field_number(fields, field);
  }
  ::closedir(proc);
  return sample;
}

void chown_tree(const fs::path& root, uid_t uid, gid_t gid) {
  if (::lchown(root.c_str(), uid, gid) != 0) {
    throw Error(fmt::format("cannot hand {} to uid {}: {}", root.string(), uid, std::strerror(errno)));
  }
  std::error_code error;
  for (fs::recursive_directory_iterator it(root, error), end; !error && it != end; it.increment(error)) {
    if (::lchown(it->path().c_str(), uid, gid) != 0) {
      throw Error(fmt::format("cannot hand {} to uid {}: {}", it->path().string(), uid, std::strerror(errno)));
    }
  }
}

bool write_text(const fs::path& file, const std::string& text) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  return ok;
}

// Starts init in the strongest isolation the kernel grants, recording which in `plan`
// and `result`. Returns init's pid.
pid_t start_init(Plan& plan, SandboxResult& result, bool try_namespaces) {
  std::vector<unsigned long> attempts;
  if (try_namespaces) {
    const unsigned long user = plan.as_root ? 0 : CLONE_NEWUSER;
    // IPC: System V shared memory, semaphores and message queues outlive their process;
    // in a namespace of its own they go with it, and no two sandboxes share any.
    attempts = {user | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWIPC, user | CLONE_NEWPID | CLONE_NEWNS};
    if (plan.as_root) attempts.push_back(CLONE_NEWNS);
  }
  attempts.push_back(0);

  for (const unsigned long flags : attempts) {
    plan.pid_ns = (flags & CLONE_NEWPID) != 0;
    plan.mount_ns = (flags & CLONE_NEWNS) != 0;
    plan.user_ns = (flags & CLONE_NEWUSER) != 0;
    plan.net_ns = (flags & CLONE_NEWNET) != 0;
    if (plan.user_ns) make_pipe(plan.sync_r, plan.sync_w);
    const pid_t pid = clone_with(flags);
    if (pid == 0) become_init(plan);
    if (pid < 0) {
      const int error = errno;
      close_fd(plan.sync_r);
      close_fd(plan.sync_w);
      if (error == EPERM || error == EINVAL || error == ENOSPC || error == EUSERS || error == EACCES) continue;
      throw Error(fmt::format("cannot start {}: {}", plan.program, std::strerror(error)));
    }
    if (plan.user_ns) {
      // The program keeps labctl's uid inside, so it has no capabilities after exec.
      const fs::path proc = fs::path("/proc") / std::to_string(pid);
      const bool mapped = write_text(proc / "setgroups", "deny") &&
                          write_text(proc / "uid_map", fmt::format("{0} {0} 1", ::getuid())) &&
                          write_text(proc / "gid_map", fmt::format("{0} {0} 1", ::getgid()));
      close_fd(plan.sync_r);
      if (!mapped) {
        ::kill(pid, SIGKILL);
        close_fd(plan.sync_w);
        ::waitpid(pid, nullptr, 0);
        continue;
      }
      close_fd(plan.sync_w);  // no write: nothing to raise SIGPIPE if init is gone
    }
    result.pid_isolated = plan.pid_ns;
    result.network_isolated = (flags & CLONE_NEWNET) != 0;
    return pid;
  }
  throw Error(fmt::format("cannot start {}: no way to fork", plan.program));  // unreachable: flags 0 is tried
}

// Reads what is there (the fd is non-blocking); false at EOF or error.
bool read_into(int fd, std::string& sink, std::uintmax_t cap, std::uintmax_t& total) {
  char buffer[65536];
  while (true) {
    const auto got = ::read(fd, buffer, sizeof buffer);
    if (got > 0) {
      const auto bytes = static_cast<std::uintmax_t>(got);
      if (total < cap) sink.append(buffer, static_cast<std::size_t>(std::min(bytes, cap - total)));
      total += bytes;
      continue;
    }
    if (got == 0) return false;
    if (errno == EINTR) continue;
    return errno == EAGAIN;
  }
}

std::string bytes_words(std::uintmax_t bytes) {
  if (bytes >= (1u << 20) && bytes % (1u << 20) == 0) return fmt::format("{} MiB", bytes >> 20);
  if (bytes >= (1u << 10) && bytes % (1u << 10) == 0) return fmt::format("{} KiB", bytes >> 10);
  return fmt::format("{} bytes", bytes);
}

}  // namespace

std::string SandboxResult::limit_words() const {
  switch (limit) {
    case Limit::none: return {};
    case Limit::wall_time: return fmt::format("wall-time limit ({} s)", limit_value);
    case Limit::cpu_time: return fmt::format("CPU-time limit ({} s)", limit_value);
    case Limit::output: return fmt::format("output limit ({})", bytes_words(limit_value));
    case Limit::file_size: return fmt::format("file-size limit ({})", bytes_words(limit_value));
    case Limit::threads: return fmt::format("thread limit ({})", limit_value);
  }
  return {};
}

SandboxResult run_sandboxed(const SandboxSpec& spec) {
  if (spec.argv.empty()) throw Error("internal: run_sandboxed without a program");
  Plan plan;
  plan.program = find_in_path(spec.argv[0]);  // before clone: "not found" is a clear error
  if (plan.program.empty() || ::access(plan.program.c_str(), X_OK) != 0) {
    throw Error(fmt::format("cannot run {}: {}", spec.argv[0], plan.program.empty() ? "not found in PATH" : std::strerror(errno)));
  }
  std::error_code error;
  if (!fs::is_directory(spec.workdir, error)) {
    throw Error(fmt::format("cannot run {}: no staging directory {}", spec.argv[0], spec.workdir.string()));
  }
  plan.as_root = ::geteuid() == 0;
  plan.uid = plan.as_root ? spec.uid : ::getuid();
  plan.gid = plan.as_root ? spec.gid : ::getgid();
  if (plan.as_root && (spec.uid == 0 || spec.gid == 0)) throw Error("internal: the sandbox never runs a program as root");
  if (plan.as_root) chown_tree(spec.workdir, spec.uid, spec.gid);
  plan.workdir = fs::absolute(spec.workdir).string();
  plan.argv_strings = spec.argv;
  plan.argv = c_strings(plan.argv_strings);
  for (const auto& [name, value] : spec.env) {
    if (name != kResultFdVariable) plan.env_strings.push_back(name + "=" + value);
  }
  if (spec.result_channel) plan.env_strings.push_back(fmt::format("{}={}", kResultFdVariable, kResultFd));
  plan.env = c_strings(plan.env_strings);
  for (const auto& path : spec.hidden) {
    const fs::path absolute = fs::absolute(path);
    if (fs::is_directory(absolute, error)) {
      plan.hidden_dirs.push_back(absolute.string());
    } else if (fs::exists(absolute, error)) {
      plan.hidden_files.push_back(absolute.string());
    }
  }
  plan.cpu_seconds = static_cast<rlim_t>(std::max<long long>(1, spec.cpu.count()));
  plan.file_bytes = static_cast<rlim_t>(spec.max_file_bytes);

  plan.null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (plan.null_fd < 0) throw Error(fmt::format("cannot open /dev/null: {}", std::strerror(errno)));
  make_pipe(plan.out_r, plan.out_w);
  if (spec.result_channel) make_pipe(plan.chan_r, plan.chan_w);
  make_pipe(plan.status_r, plan.status_w);
  // Every fd this call opened is closed on every way out.
  struct Closer {
    Plan& plan;
    ~Closer() {
      for (int* fd : {&plan.null_fd, &plan.out_r, &plan.out_w, &plan.chan_r, &plan.chan_w, &plan.status_r,
                      &plan.status_w, &plan.sync_r, &plan.sync_w}) {
        close_fd(*fd);
      }
    }
  } closer{plan};

  SandboxResult result;
  const auto started = Clock::now();
  // nproc: in a user namespace init (same uid) counts too.
  plan.nproc = static_cast<rlim_t>(std::max(1, spec.max_threads) + (plan.as_root ? 0 : 1));
  const pid_t init = start_init(plan, result, spec.namespaces);
  // If anything below throws, the sandbox must not outlive this call.
  bool init_reaped = false;
  struct Reaper {
    pid_t init;
    bool& reaped;
    ~Reaper() {
      if (reaped) return;
      ::kill(init, SIGKILL);
      ::waitpid(init, nullptr, 0);
    }
  } reaper{init, init_reaped};
  close_fd(plan.null_fd);
  close_fd(plan.out_w);
  close_fd(plan.chan_w);
  close_fd(plan.status_w);

  Membership members;
  members.init = init;
  if (plan.pid_ns) members.pid_namespace = link_target(fs::path("/proc") / std::to_string(init) / "ns" / "pid");
  members.by_uid = !plan.pid_ns && plan.as_root;
  members.uid = plan.uid;
  // Without the namespace's link (init already gone) nothing is sampled: nothing to see.
  if (plan.pid_ns && members.pid_namespace.empty()) members.pid_namespace = "gone";

  for (int fd : {plan.out_r, plan.chan_r, plan.status_r}) {
    if (fd >= 0) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  }

  // Kills the whole program: init in a PID namespace takes everyone with it; otherwise
  // the program's group and (root) its uid, and init reports as usual.
  pid_t program_pid = 0;
  Sample last;
  auto kill_everything = [&] {
    if (plan.pid_ns) {
      last = take_sample(members);  // for leftover_killed: who dies with init
      ::kill(init, SIGKILL);
      return;
    }
    if (program_pid > 0) ::kill(-program_pid, SIGKILL);
    if (plan.as_root) kill_uid(plan);
  };

  const auto deadline = started + spec.wall;
  const long ticks_per_second = ::sysconf(_SC_CLK_TCK);
  const auto cpu_ticks = static_cast<unsigned long long>(plan.cpu_seconds) * static_cast<unsigned long long>(ticks_per_second);
  const auto sample_every = std::chrono::milliseconds(10);
  auto next_sample = started + std::chrono::milliseconds(5);
  std::uintmax_t output_total = 0, channel_total = 0;
  bool output_open = true, channel_open = plan.chan_r >= 0, status_open = true;
  bool killed = false;
  std::string status_bytes;
  int exec_error = 0, setup_error = 0, setup_step = 0, final_status = 0, hidden_ok = -1;
  bool have_final = false;

  auto set_limit = [&](Limit limit, std::uintmax_t value) {
    if (result.limit != Limit::none) return;
    result.limit = limit;
    result.limit_value = value;
  };

  // Until init is gone (its status pipe at EOF), then until the program's pipes are at EOF
  // too: at once with a PID namespace (everyone is dead); without one a process that
  // escaped may hold them, so that wait is bounded.
  Clock::time_point drain_until{};
  while (status_open || ((output_open || channel_open) && Clock::now() < drain_until)) {
    const auto now = Clock::now();
    auto wait = std::min(next_sample, deadline) - now;
    if (!status_open) wait = drain_until - now;
    std::array<pollfd, 3> fds{};
    fds[0] = {status_open ? plan.status_r : -1, POLLIN, 0};
    fds[1] = {output_open ? plan.out_r : -1, POLLIN, 0};
    fds[2] = {channel_open ? plan.chan_r : -1, POLLIN, 0};
    const int timeout = static_cast<int>(std::max<long long>(0, std::chrono::ceil<std::chrono::milliseconds>(wait).count()));
    ::poll(fds.data(), fds.size(), timeout);

    if (output_open && fds[1].revents != 0) {
      output_open = read_into(plan.out_r, result.output, spec.max_output_bytes, output_total);
      if (output_total > spec.max_output_bytes && !killed) {
        set_limit(Limit::output, spec.max_output_bytes);
        kill_everything();
        killed = true;
      }
    }
    if (channel_open && fds[2].revents != 0) {
      channel_open = read_into(plan.chan_r, result.channel, spec.max_channel_bytes, channel_total);
    }
    if (status_open && fds[0].revents != 0) {
      std::uintmax_t ignored = 0;
      status_open = read_into(plan.status_r, status_bytes, 1 << 16, ignored);
      while (status_bytes.size() >= sizeof(Record)) {
        Record record;
        std::memcpy(&record, status_bytes.data(), sizeof record);
        status_bytes.erase(0, sizeof record);
        switch (record.kind) {
          case kStarted: program_pid = record.value; break;
          case kHidden: hidden_ok = record.value; break;
          case kConfined: result.writes_confined = record.value == 1; break;
          case kSetupError: setup_error = record.value; setup_step = record.extra; break;
          case kExecError: exec_error = record.value; break;
          case kFinal:
            have_final = true;
            final_status = record.value;
            result.leftover_killed = record.extra;
            break;
        }
      }
      if (!members.by_uid && members.pid_namespace.empty()) members.group = program_pid;
    }
    if (!status_open) {  // init is gone: only draining is left
      if (drain_until == Clock::time_point{}) {
        drain_until = Clock::now() + (plan.pid_ns ? std::chrono::milliseconds(2000) : std::chrono::milliseconds(200));
      }
      continue;
    }

    if (Clock::now() >= deadline && !killed) {
      set_limit(Limit::wall_time, static_cast<std::uintmax_t>(spec.wall.count()));
      kill_everything();
      killed = true;
    }
    if (Clock::now() >= next_sample && !killed) {
      next_sample = Clock::now() + sample_every;
      last = take_sample(members);
      if (last.threads >= spec.max_threads) {
        set_limit(Limit::threads, static_cast<std::uintmax_t>(spec.max_threads));
      } else if (last.cpu_ticks >= cpu_ticks) {
        set_limit(Limit::cpu_time, plan.cpu_seconds);
      }
      if (result.limit != Limit::none) {
        kill_everything();
        killed = true;
      }
    }
  }

  int init_status = 0;
  while (::waitpid(init, &init_status, 0) < 0 && errno == EINTR) {
  }
  init_reaped = true;
  result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);

  if (exec_error != 0) throw Error(fmt::format("cannot run {}: {}", plan.program, std::strerror(exec_error)));
  if (setup_step != 0) {
    throw Error(fmt::format("cannot run {}: cannot {}: {}", plan.program, step_words(setup_step), std::strerror(setup_error)));
  }

  result.unprivileged = plan.as_root || plan.uid != 0;
  result.hidden_enforced = hidden_ok == 1;
  if (plan.pid_ns && killed) result.leftover_killed = std::max(0, last.processes - 1);

  if (result.limit == Limit::wall_time) {
    result.status = ExitStatus::timed_out(static_cast<int>(spec.wall.count()));
  } else if (have_final) {
    if (WIFSIGNALED(final_status)) {
      result.status = ExitStatus::signalled(WTERMSIG(final_status));
      if (WTERMSIG(final_status) == SIGXCPU) set_limit(Limit::cpu_time, plan.cpu_seconds);
      if (WTERMSIG(final_status) == SIGXFSZ) set_limit(Limit::file_size, spec.max_file_bytes);
    } else {
      result.status = ExitStatus::exited(WEXITSTATUS(final_status));
    }
  } else {
    // init killed (by labctl at a limit, or from outside): the program went with it.
    result.status = ExitStatus::signalled(WIFSIGNALED(init_status) ? WTERMSIG(init_status) : SIGKILL);
  }
  return result;
}

}  // namespace labctl
