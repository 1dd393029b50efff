// run_sandboxed, labctl's side: prepare (sandbox_plan.cpp), start init (sandbox_inside.cpp),
// watch the clocks, the pipes and /proc (proc_sample.cpp), enforce the limits, collect the
// result. See sandbox.hpp for the design and docs/grading.md for what it defends against.
#include "grade/sandbox/sandbox.hpp"

#include "base/errors.hpp"
#include "base/process.hpp"
#include "base/text.hpp"
#include "grade/sandbox/proc_sample.hpp"
#include "grade/sandbox/sandbox_inside.hpp"
#include "grade/sandbox/sandbox_plan.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

namespace labctl {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace sandbox_inside;
using namespace sandbox_host;

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

// What init said on the status pipe (sandbox_inside.hpp's Records).
struct InitReport {
  pid_t program = 0;
  int hidden_ok = -1;
  bool confined = false;
  int setup_error = 0;
  int setup_step = 0;
  int exec_error = 0;
  bool have_final = false;
  int final_status = 0;
  int leftover = 0;

  void take(const Record& record) {
    switch (record.kind) {
      case kStarted: program = record.value; break;
      case kHidden: hidden_ok = record.value; break;
      case kConfined: confined = record.value == 1; break;
      case kSetupError: setup_error = record.value; setup_step = record.extra; break;
      case kExecError: exec_error = record.value; break;
      case kFinal:
        have_final = true;
        final_status = record.value;
        leftover = record.extra;
        break;
    }
  }
};

// Kills init on every way out, unless reap() has waited for it.
class InitReaper {
 public:
  explicit InitReaper(pid_t init) : init_(init) {}
  InitReaper(const InitReaper&) = delete;
  InitReaper& operator=(const InitReaper&) = delete;
  // If anything throws, the sandbox must not outlive run_sandboxed.
  ~InitReaper() {
    if (reaped_) return;
    ::kill(init_, SIGKILL);
    ::waitpid(init_, nullptr, 0);
  }
  // Waits for init to end; its wait status.
  int reap() {
    int status = 0;
    while (::waitpid(init_, &status, 0) < 0 && errno == EINTR) {
    }
    reaped_ = true;
    return status;
  }

 private:
  pid_t init_;
  bool reaped_ = false;
};

// labctl's watch over a started sandbox: reads its pipes, keeps its clocks, samples its
// processes and kills it at a limit, until init is gone and the pipes are drained.
class Watch {
 public:
  Watch(const SandboxSpec& spec, const Plan& plan, pid_t init, Clock::time_point started, SandboxResult& result);
  // Until init is gone (its status pipe at EOF), then until the program's pipes are at EOF
  // too: at once with a PID namespace (everyone is dead); without one a process that
  // escaped may hold them, so that wait is bounded.
  void run();
  // The result, once init has ended with `init_status`. Throws labctl::Error when the
  // program could not be started (exec or setup failed).
  void conclude(int init_status);

 private:
  void wait_for_pipes();
  void read_output();
  void read_status();
  void keep_clocks();
  void kill_everything();
  void set_limit(Limit limit, std::uintmax_t value);

  const SandboxSpec& spec_;
  const Plan& plan_;
  pid_t init_;
  SandboxResult& result_;
  Membership members_;
  InitReport report_;
  Sample last_;
  Clock::time_point deadline_;
  Clock::time_point next_sample_;
  Clock::time_point drain_until_{};
  unsigned long long cpu_ticks_;
  std::array<pollfd, 3> fds_{};  // status, output, channel
  std::uintmax_t output_total_ = 0;
  std::uintmax_t channel_total_ = 0;
  bool output_open_ = true;
  bool channel_open_;
  bool status_open_ = true;
  bool killed_ = false;
  std::string status_bytes_;
};

Watch::Watch(const SandboxSpec& spec, const Plan& plan, pid_t init, Clock::time_point started,
             SandboxResult& result)
    : spec_(spec),
      plan_(plan),
      init_(init),
      result_(result),
      deadline_(started + spec.wall),
      next_sample_(started + std::chrono::milliseconds(5)),
      cpu_ticks_(static_cast<unsigned long long>(plan.cpu_seconds) *
                 static_cast<unsigned long long>(::sysconf(_SC_CLK_TCK))),
      channel_open_(plan.chan_r >= 0) {
  members_.init = init;
  if (plan.pid_ns) members_.pid_namespace = link_target(fs::path("/proc") / std::to_string(init) / "ns" / "pid");
  members_.by_uid = !plan.pid_ns && plan.as_root;
  members_.uid = plan.uid;
  // Without the namespace's link (init already gone) nothing is sampled: nothing to see.
  if (plan.pid_ns && members_.pid_namespace.empty()) members_.pid_namespace = "gone";
  for (int fd : {plan.out_r, plan.chan_r, plan.status_r}) {
    if (fd >= 0) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  }
}

void Watch::run() {
  while (status_open_ || ((output_open_ || channel_open_) && Clock::now() < drain_until_)) {
    wait_for_pipes();
    read_output();
    if (channel_open_ && fds_[2].revents != 0) {
      channel_open_ = read_into(plan_.chan_r, result_.channel, spec_.max_channel_bytes, channel_total_);
    }
    read_status();
    if (!status_open_) {  // init is gone: only draining is left
      if (drain_until_ == Clock::time_point{}) {
        drain_until_ = Clock::now() + (plan_.pid_ns ? std::chrono::milliseconds(2000) : std::chrono::milliseconds(200));
      }
      continue;
    }
    keep_clocks();
  }
}

// Polls the open pipes until one has something, or the next sample, the deadline or (when
// draining) the end of draining.
void Watch::wait_for_pipes() {
  const auto now = Clock::now();
  auto wait = std::min(next_sample_, deadline_) - now;
  if (!status_open_) wait = drain_until_ - now;
  fds_[0] = {status_open_ ? plan_.status_r : -1, POLLIN, 0};
  fds_[1] = {output_open_ ? plan_.out_r : -1, POLLIN, 0};
  fds_[2] = {channel_open_ ? plan_.chan_r : -1, POLLIN, 0};
  const int timeout =
      static_cast<int>(std::max<long long>(0, std::chrono::ceil<std::chrono::milliseconds>(wait).count()));
  ::poll(fds_.data(), fds_.size(), timeout);
}

void Watch::read_output() {
  if (!output_open_ || fds_[1].revents == 0) return;
  output_open_ = read_into(plan_.out_r, result_.output, spec_.max_output_bytes, output_total_);
  if (output_total_ > spec_.max_output_bytes && !killed_) {
    set_limit(Limit::output, spec_.max_output_bytes);
    kill_everything();
  }
}

void Watch::read_status() {
  if (!status_open_ || fds_[0].revents == 0) return;
  std::uintmax_t ignored = 0;
  status_open_ = read_into(plan_.status_r, status_bytes_, 1 << 16, ignored);
  while (status_bytes_.size() >= sizeof(Record)) {
    Record record;
    std::memcpy(&record, status_bytes_.data(), sizeof record);
    status_bytes_.erase(0, sizeof record);
    report_.take(record);
  }
  if (!members_.by_uid && members_.pid_namespace.empty()) members_.group = report_.program;
}

// The wall-time limit, and every few milliseconds the thread and CPU limits from /proc.
void Watch::keep_clocks() {
  if (Clock::now() >= deadline_ && !killed_) {
    set_limit(Limit::wall_time, static_cast<std::uintmax_t>(spec_.wall.count()));
    kill_everything();
  }
  if (Clock::now() < next_sample_ || killed_) return;
  next_sample_ = Clock::now() + std::chrono::milliseconds(10);
  last_ = take_sample(members_);
  if (last_.threads >= spec_.max_threads) {
    set_limit(Limit::threads, static_cast<std::uintmax_t>(spec_.max_threads));
  } else if (last_.cpu_ticks >= cpu_ticks_) {
    set_limit(Limit::cpu_time, plan_.cpu_seconds);
  }
  if (result_.limit != Limit::none) kill_everything();
}

// Kills the whole program: init in a PID namespace takes everyone with it; otherwise
// the program's group and (root) its uid, and init reports as usual.
void Watch::kill_everything() {
  killed_ = true;
  if (plan_.pid_ns) {
    last_ = take_sample(members_);  // for leftover_killed: who dies with init
    ::kill(init_, SIGKILL);
    return;
  }
  if (report_.program > 0) ::kill(-report_.program, SIGKILL);
  if (plan_.as_root) kill_uid(plan_);
}

void Watch::set_limit(Limit limit, std::uintmax_t value) {
  if (result_.limit != Limit::none) return;
  result_.limit = limit;
  result_.limit_value = value;
}

void Watch::conclude(int init_status) {
  if (report_.exec_error != 0) {
    throw Error(fmt::format("cannot run {}: {}", plan_.program, std::strerror(report_.exec_error)));
  }
  if (report_.setup_step != 0) {
    throw Error(fmt::format("cannot run {}: cannot {}: {}", plan_.program, step_words(report_.setup_step),
                            std::strerror(report_.setup_error)));
  }
  result_.writes_confined = report_.confined;
  result_.leftover_killed = report_.leftover;
  result_.unprivileged = plan_.as_root || plan_.uid != 0;
  result_.hidden_enforced = report_.hidden_ok == 1;
  if (plan_.pid_ns && killed_) result_.leftover_killed = std::max(0, last_.processes - 1);

  if (result_.limit == Limit::wall_time) {
    result_.status = ExitStatus::timed_out(static_cast<int>(spec_.wall.count()));
  } else if (report_.have_final) {
    result_.status = exit_status_of(report_.final_status);
    if (WIFSIGNALED(report_.final_status) && WTERMSIG(report_.final_status) == SIGXCPU) {
      set_limit(Limit::cpu_time, plan_.cpu_seconds);
    }
    if (WIFSIGNALED(report_.final_status) && WTERMSIG(report_.final_status) == SIGXFSZ) {
      set_limit(Limit::file_size, spec_.max_file_bytes);
    }
  } else {
    // init killed (by labctl at a limit, or from outside): the program went with it.
    result_.status = ExitStatus::signalled(WIFSIGNALED(init_status) ? WTERMSIG(init_status) : SIGKILL);
  }
}

}  // namespace

std::string SandboxResult::limit_words() const {
  switch (limit) {
    case Limit::none: return {};
    case Limit::wall_time: return fmt::format("wall-time limit ({} s)", limit_value);
    case Limit::cpu_time: return fmt::format("CPU-time limit ({} s)", limit_value);
    case Limit::output: return fmt::format("output limit ({})", size_words(limit_value));
    case Limit::file_size: return fmt::format("file-size limit ({})", size_words(limit_value));
    case Limit::threads: return fmt::format("thread limit ({})", limit_value);
  }
  return {};
}

SandboxResult run_sandboxed(const SandboxSpec& spec) {
  Plan plan = make_plan(spec);
  const PlanFds fds(plan);  // every fd this call opens is closed on every way out
  open_pipes(plan, spec.result_channel, spec.channel_greeting);

  SandboxResult result;
  const auto started = Clock::now();
  const pid_t init = start_init(plan, result, spec.namespaces);
  InitReaper reaper(init);
  // The sandbox's ends: init holds them now.
  close_fd(plan.null_fd);
  close_fd(plan.out_w);
  close_fd(plan.chan_w);
  close_fd(plan.status_w);

  Watch watch(spec, plan, init, started, result);
  watch.run();
  const int init_status = reaper.reap();
  result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
  watch.conclude(init_status);
  return result;
}

}  // namespace labctl
