// The sandbox before and at clone() (sandbox_plan.hpp).
#include "grade/sandbox/sandbox_plan.hpp"

#include "base/errors.hpp"
#include "base/process.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace labctl::sandbox_host {
namespace {

namespace fs = std::filesystem;
using sandbox_inside::Plan;

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

// The program's whole environment: spec.env, and the result channel's fd number in
// kResultFdVariable when it has one (never the spec's own value of it).
CStringVector environment_of(const SandboxSpec& spec) {
  std::vector<std::string> env;
  for (const auto& [name, value] : spec.env) {
    if (name != kResultFdVariable) env.push_back(name + "=" + value);
  }
  if (spec.result_channel) env.push_back(fmt::format("{}={}", kResultFdVariable, kResultFd));
  return CStringVector(std::move(env));
}

// The hidden paths that exist, by kind (a directory is covered by a tmpfs, a file by /dev/null).
void sort_hidden(const std::vector<fs::path>& hidden, Plan& plan) {
  std::error_code error;
  for (const auto& path : hidden) {
    const fs::path absolute = fs::absolute(path);
    if (fs::is_directory(absolute, error)) {
      plan.hidden_dirs.push_back(absolute.string());
    } else if (fs::exists(absolute, error)) {
      plan.hidden_files.push_back(absolute.string());
    }
  }
}

bool write_text(const fs::path& file, const std::string& text) {
  const UniqueFd fd(::open(file.c_str(), O_WRONLY | O_CLOEXEC));
  if (fd.get() < 0) return false;
  return ::write(fd.get(), text.data(), text.size()) == static_cast<ssize_t>(text.size());
}

// The namespace flags to try, strongest first; 0 (a plain fork) always comes last.
std::vector<unsigned long> clone_attempts(const Plan& plan, bool try_namespaces) {
  std::vector<unsigned long> attempts;
  if (try_namespaces) {
    const unsigned long user = plan.as_root ? 0 : CLONE_NEWUSER;
    // IPC: System V shared memory, semaphores and message queues outlive their process;
    // in a namespace of its own they go with it, and no two sandboxes share any.
    attempts = {user | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWIPC, user | CLONE_NEWPID | CLONE_NEWNS};
    if (plan.as_root) attempts.push_back(CLONE_NEWNS);
  }
  attempts.push_back(0);
  return attempts;
}

// Writes the uid/gid maps of init's user namespace, then lets init go (closing the sync
// pipe). False when the maps could not be written: init is then killed and reaped.
bool map_user(Plan& plan, pid_t init) {
  // The program keeps labctl's uid inside, so it has no capabilities after exec.
  const fs::path proc = fs::path("/proc") / std::to_string(init);
  const bool mapped = write_text(proc / "setgroups", "deny") &&
                      write_text(proc / "uid_map", fmt::format("{0} {0} 1", ::getuid())) &&
                      write_text(proc / "gid_map", fmt::format("{0} {0} 1", ::getgid()));
  close_fd(plan.sync_r);
  if (!mapped) {
    ::kill(init, SIGKILL);
    close_fd(plan.sync_w);
    ::waitpid(init, nullptr, 0);
    return false;
  }
  close_fd(plan.sync_w);  // no write: nothing to raise SIGPIPE if init is gone
  return true;
}

}  // namespace

Plan make_plan(const SandboxSpec& spec) {
  if (spec.argv.empty()) throw Error("internal: run_sandboxed without a program");
  Plan plan;
  plan.program = resolve_program(spec.argv[0]);  // before clone: "not found" is a clear error
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
  plan.argv = CStringVector(spec.argv);
  plan.env = environment_of(spec);
  sort_hidden(spec.hidden, plan);
  plan.cpu_seconds = static_cast<rlim_t>(std::max<long long>(1, spec.cpu.count()));
  plan.file_bytes = static_cast<rlim_t>(spec.max_file_bytes);
  plan.memory_bytes = static_cast<rlim_t>(spec.max_memory_bytes);
  // nproc: in a user namespace init (same uid) counts too.
  plan.nproc = static_cast<rlim_t>(std::max(1, spec.max_threads) + (plan.as_root ? 0 : 1));
  return plan;
}

void open_pipes(Plan& plan, bool result_channel, const std::string& greeting) {
  plan.null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (plan.null_fd < 0) throw Error(fmt::format("cannot open /dev/null: {}", std::strerror(errno)));
  make_pipe(plan.out_r, plan.out_w);
  if (result_channel) {
    // A socket pair, not a pipe: the greeting goes to the program, the record comes back.
    int ends[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0) {
      throw Error(fmt::format("cannot create the result channel: {}", std::strerror(errno)));
    }
    plan.chan_r = ends[0];
    plan.chan_w = ends[1];
    // Far below a socket's buffer: the write cannot block with nobody reading yet.
    if (!greeting.empty() && ::write(plan.chan_r, greeting.data(), greeting.size()) != static_cast<ssize_t>(greeting.size())) {
      throw Error(fmt::format("cannot write into the result channel: {}", std::strerror(errno)));
    }
    // Nothing more comes from this side: a program reading past the greeting (or a
    // program given none) sees the end of it rather than waiting for ever.
    ::shutdown(plan.chan_r, SHUT_WR);
  }
  make_pipe(plan.status_r, plan.status_w);
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

PlanFds::~PlanFds() {
  for (int* fd : {&plan.null_fd, &plan.out_r, &plan.out_w, &plan.chan_r, &plan.chan_w, &plan.status_r,
                  &plan.status_w, &plan.sync_r, &plan.sync_w}) {
    close_fd(*fd);
  }
}

pid_t start_init(Plan& plan, SandboxResult& result, bool try_namespaces) {
  for (const unsigned long flags : clone_attempts(plan, try_namespaces)) {
    plan.pid_ns = (flags & CLONE_NEWPID) != 0;
    plan.mount_ns = (flags & CLONE_NEWNS) != 0;
    plan.user_ns = (flags & CLONE_NEWUSER) != 0;
    plan.net_ns = (flags & CLONE_NEWNET) != 0;
    if (plan.user_ns) make_pipe(plan.sync_r, plan.sync_w);
    const pid_t pid = sandbox_inside::clone_with(flags);
    if (pid == 0) sandbox_inside::become_init(plan);
    if (pid < 0) {
      const int error = errno;
      close_fd(plan.sync_r);
      close_fd(plan.sync_w);
      if (error == EPERM || error == EINVAL || error == ENOSPC || error == EUSERS || error == EACCES) continue;
      throw Error(fmt::format("cannot start {}: {}", plan.program, std::strerror(error)));
    }
    if (plan.user_ns && !map_user(plan, pid)) continue;
    result.pid_isolated = plan.pid_ns;
    result.network_isolated = (flags & CLONE_NEWNET) != 0;
    return pid;
  }
  throw Error(fmt::format("cannot start {}: no way to fork", plan.program));  // unreachable: flags 0 is tried
}

}  // namespace labctl::sandbox_host
