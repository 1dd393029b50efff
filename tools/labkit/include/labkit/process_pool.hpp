// labkit/process_pool.hpp — run short tasks in a bounded set of worker processes.
//
// Modelled on Python's concurrent.futures.ProcessPoolExecutor, with the surface of
// labkit::ThreadPoolExecutor (submit, map, shutdown, max_workers) and the same Future:
//
//     labkit::ProcessPoolExecutor pool{4};
//     labkit::Future<int> f = pool.submit(parse, request);   // request is copied to a worker
//     int n = f.get();                                       // the result is copied back
//     std::vector<int> all = pool.map(parse, requests);      // input order, always
//
// What differs, and why it is the point of lab 12: a worker is another process, with its
// own copy of every global. A task that adds into a global adds into the worker's copy, and
// the caller never sees it. Only what goes in through submit()'s arguments and comes out
// through the Future travels. Code that follows the executor discipline gives the same
// answer on both pools; code that shares globals does not.
//
// Hence the compile-time rules of submit():
//   - the task is a function (pointer) or a lambda that captures nothing: captured state
//     would silently be a stale copy in the worker. Pass the data as arguments instead.
//   - arguments and the result are serialisable (labkit/serial.hpp): trivially copyable
//     types without pointers, std::string, std::vector, std::pair, std::tuple of those.
//
// How it works: the constructor forks one helper process, the pool's fork server; every
// worker is a fork() of the fork server, so the code (and the address of every function)
// is the same as here, and the memory is a copy of this process's as it was when the pool
// was constructed. A per-type invoker, instantiated by submit(), is sent by address with
// the task's bytes; the worker calls it, and it decodes the arguments, runs the task and
// encodes the result. One keeper thread per worker, in this process, sends the worker one
// task at a time over a socket pair and waits for the answer. Neither the fork server nor
// a worker runs a thread of its own (ThreadSanitizer forbids threads in the child of a
// threaded process).
//
// Why a fork server instead of forking each worker from here: a fork() of a threaded
// process copies every lock as it is at that instant. clang 14's ThreadSanitizer does not
// take its allocator's locks around fork(), so a worker forked while a keeper thread was
// inside malloc hung at its first allocation (about one test run in 40, reproduced and
// traced with gdb). The fork server is forked once, in the constructor, before this pool
// has any thread; it is single-threaded, so every fork it makes is safe. (Python's
// "forkserver" start method exists for the same reason.) Under clang 14's TSan, construct
// a pool while no other thread is busy allocating: that one fork can still meet the hang.
//
// Not an Executor: `labkit::Executor&` accepts any callable with any captures, which a
// process pool cannot run. Code that should run on both pools is written once as a
// template on the pool type (see labs/12-process-pool).
#pragma once

#include <labkit/executor.hpp>
#include <labkit/serial.hpp>

#include <fcntl.h>
#include <signal.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <exception>
#include <future>
#include <iterator>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace labkit {

/// Stored in the future of a task whose worker process died before it answered (a crash,
/// a signal, exit() called by the task): get() throws it. what() names the worker's pid
/// and how it ended ("killed by signal 6 (Aborted)", "exited with status 3"). The pool has
/// already reaped that worker; the next task gets a new one.
class WorkerCrashed : public std::runtime_error {
 public:
  /// `how` says how the worker ended, for what().
  explicit WorkerCrashed(const std::string& how) : std::runtime_error(how) {}
};

/// Stored in the future of a task that threw in its worker process: get() throws it, with
/// the original exception's what() as its own. (The exception object itself cannot cross
/// processes; its type is lost, its message is not.)
class RemoteTaskError : public std::runtime_error {
 public:
  /// `message` is the what() of the exception the task threw.
  explicit RemoteTaskError(const std::string& message) : std::runtime_error(message) {}
};

namespace detail {

// The frames on a worker's socket: an 8-byte length, then that many bytes.
//   request: the invoker's address, then the task (callable and arguments) as written
//            by serial::write.
//   reply:   one status byte, then the result (kValue), or the exception's message (kError).
inline constexpr char kValue = 0;
inline constexpr char kError = 1;
// A frame longer than this is taken for a corrupt length (and fails the task).
inline constexpr std::uint64_t kMaxFrame = std::uint64_t{1} << 32;

// Writes all of `bytes`. MSG_NOSIGNAL: a dead peer is an error return, not a SIGPIPE that
// would kill the whole test program. False if the peer is gone.
inline bool send_all(int fd, const char* bytes, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::send(fd, bytes, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// Reads exactly `size` bytes. False on end of file or error (the peer is gone).
inline bool recv_all(int fd, char* bytes, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::recv(fd, bytes, size, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// Sends one frame: its length, then `body`. False if the peer is gone.
inline bool send_frame(int fd, const std::string& body) {
  const std::uint64_t size = body.size();
  return send_all(fd, reinterpret_cast<const char*>(&size), sizeof size) && send_all(fd, body.data(), body.size());
}

// False if the peer is gone (or sent a corrupt length) before a whole frame arrived.
inline bool recv_frame(int fd, std::string& body) {
  std::uint64_t size = 0;
  if (!recv_all(fd, reinterpret_cast<char*>(&size), sizeof size) || size > kMaxFrame) return false;
  body.assign(static_cast<std::size_t>(size), '\0');
  return recv_all(fd, body.data(), body.size());
}

// Runs one task in the worker: reads the callable and arguments from `in`, appends the
// encoded result to `out`. One instantiation per task type, made by submit(); its address
// is valid in the worker because the worker is a fork() of a fork() of the process that
// took it: the same program at the same addresses.
using Invoker = void (*)(serial::Reader& in, std::string& out);

template <class R, class Fn, class... Args>
void invoke_task(serial::Reader& in, std::string& out) {
  Fn fn = serial::read<Fn>(in);
  auto args = serial::read<std::tuple<Args...>>(in);
  if constexpr (std::is_void_v<R>) {
    std::apply(fn, std::move(args));
  } else {
    serial::write<R>(out, std::apply(fn, std::move(args)));
  }
}

// Closes every descriptor but stdin/out/err and `keep`. A forked child holds copies of
// all its parent's descriptors; the parent's ends of other workers' sockets among them
// would keep those workers from ever seeing end of file.
inline void close_all_but(int keep) {
  const unsigned fd = static_cast<unsigned>(keep);
  if (fd > 3) ::close_range(3, fd - 1, 0);
  ::close_range(fd + 1, ~0U, 0);
}

// The worker process: answers requests on `fd` until the parent closes it, then _exits.
// It starts no thread and returns to none of the parent's code: _exit, not exit, so the
// copies of the parent's atexit handlers, static destructors and stdio buffers stay unrun.
[[noreturn]] inline void worker_main(int fd) {
  close_all_but(fd);
  std::string request;
  std::string reply;
  while (recv_frame(fd, request)) {
    reply.assign(1, kValue);
    try {
      serial::Reader in(request);
      const auto invoker = serial::read<Invoker>(in);
      invoker(in, reply);
    } catch (const std::exception& error) {
      reply.assign(1, kError);
      reply.append(error.what());
    } catch (...) {
      reply.assign(1, kError);
      reply.append("the task threw something that is not a std::exception");
    }
    if (!send_frame(fd, reply)) break;
  }
  ::_exit(0);
}

// The fork server's protocol, on its control socket. The pool sends a Command; for
// kSpawn the server answers with the new worker's pid (or -errno) and, with a pid, passes
// the pool's end of the worker's socket (SCM_RIGHTS); for kReap it waits for that worker
// to end and answers with its wait status. When the pool closes the control socket, the
// server reaps whatever children it still has and _exits.
struct Command {
  char kind;
  pid_t pid;
};
inline constexpr char kSpawn = 'S';
inline constexpr char kReap = 'R';

// Sends `number` and, if `fd` >= 0, the descriptor `fd` with it.
inline bool send_number(int socket, std::int64_t number, int fd = -1) {
  iovec data{&number, sizeof number};
  msghdr message{};
  message.msg_iov = &data;
  message.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  if (fd >= 0) {
    message.msg_control = control;
    message.msg_controllen = sizeof control;
    cmsghdr* header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(header), &fd, sizeof fd);
  }
  ssize_t sent;
  do {
    sent = ::sendmsg(socket, &message, MSG_NOSIGNAL);
  } while (sent < 0 && errno == EINTR);
  return sent == static_cast<ssize_t>(sizeof number);
}

// Receives what send_number sent: false if the peer is gone. `fd` gets the descriptor that
// came with it (close-on-exec), or -1.
inline bool recv_number(int socket, std::int64_t& number, int& fd) {
  fd = -1;
  iovec data{&number, sizeof number};
  msghdr message{};
  message.msg_iov = &data;
  message.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  message.msg_control = control;
  message.msg_controllen = sizeof control;
  ssize_t received;
  do {
    received = ::recvmsg(socket, &message, MSG_CMSG_CLOEXEC);
  } while (received < 0 && errno == EINTR);
  if (received != static_cast<ssize_t>(sizeof number)) return false;
  for (cmsghdr* header = CMSG_FIRSTHDR(&message); header != nullptr; header = CMSG_NXTHDR(&message, header)) {
    if (header->cmsg_level == SOL_SOCKET && header->cmsg_type == SCM_RIGHTS) std::memcpy(&fd, CMSG_DATA(header), sizeof fd);
  }
  return true;
}

// The fork server: single-threaded, it forks workers and reaps them when asked.
[[noreturn]] inline void fork_server_main(int control) {
  close_all_but(control);
  Command command{};
  while (recv_all(control, reinterpret_cast<char*>(&command), sizeof command)) {
    if (command.kind == kSpawn) {
      int ends[2];
      if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0) {
        send_number(control, -errno);
        continue;
      }
      const pid_t pid = ::fork();
      if (pid == 0) {
        ::close(ends[0]);
        worker_main(ends[1]);  // closes `control` too: it keeps ends[1] only
      }
      const int error = errno;
      ::close(ends[1]);
      send_number(control, pid > 0 ? pid : -error, pid > 0 ? ends[0] : -1);
      ::close(ends[0]);
    } else if (command.kind == kReap) {
      int status = 0;
      while (::waitpid(command.pid, &status, 0) < 0 && errno == EINTR) {
      }
      send_number(control, status);
    }
  }
  while (::waitpid(-1, nullptr, 0) > 0 || errno == EINTR) {
  }
  ::_exit(0);
}

// How a reaped worker ended, for WorkerCrashed::what().
inline std::string describe_end(pid_t pid, int status) {
  std::string how = "labkit: worker process " + std::to_string(pid);
  if (WIFSIGNALED(status)) {
    const int signal = WTERMSIG(status);
    const char* name = ::sigdescr_np(signal);  // thread-safe, unlike strsignal
    how += " was killed by signal " + std::to_string(signal) + " (" + (name ? name : "unknown signal") + ")";
  } else if (WIFEXITED(status)) {
    how += " exited with status " + std::to_string(WEXITSTATUS(status));
  } else {
    how += " ended";
  }
  return how + " before its task finished";
}

// One submitted task, as the parent keeps it: the request to send, and its share of the
// outcome that the reply (or the worker's death) sets. As TaskBlock in executor.hpp, the
// outcome is set before the completion is signalled and nothing else of the task's is
// touched after, so the caller, once woken, may take the result while the keeper thread
// lets go of its share (the last owner frees the block).
class RemoteTask {
 public:
  explicit RemoteTask(std::string request) : request_(std::move(request)) {}
  virtual ~RemoteTask() = default;
  const std::string& request() const noexcept { return request_; }
  // The worker answered: decode its reply into the outcome.
  void answer(const std::string& reply) noexcept {
    try {
      if (reply.empty()) throw serial::Truncated{};
      if (reply[0] == kError) throw RemoteTaskError(reply.substr(1));
      serial::Reader in(std::string_view(reply).substr(1));
      set_value(in);
    } catch (...) {
      set_error(std::current_exception());
    }
    complete();
  }
  // No answer will come: `error` is what get() throws. Pass the only reference to it, and
  // no temporary exception object in the same expression: whatever refers to the exception
  // still after complete() would race with the caller reading it (its message is a shared,
  // reference-counted string in libstdc++).
  void fail(std::exception_ptr error) noexcept {
    set_error(std::move(error));
    complete();
  }

 protected:
  virtual void set_value(serial::Reader& in) = 0;
  virtual void set_error(std::exception_ptr error) noexcept = 0;
  virtual void complete() noexcept = 0;

 private:
  std::string request_;
};

template <class R>
class RemoteTaskImpl final : public RemoteTask {
 public:
  RemoteTaskImpl(std::string request, Owner<SharedOutcome<R>> outcome)
      : RemoteTask(std::move(request)), outcome_(std::move(outcome)) {}

 protected:
  // Decodes first: if that throws, nothing is set and set_error() follows.
  void set_value(serial::Reader& in) override {
    if constexpr (std::is_void_v<R>) {
      outcome_->set_value();
    } else {
      outcome_->set_value(serial::read<R>(in));
    }
  }
  void set_error(std::exception_ptr error) noexcept override { outcome_->set_exception(std::move(error)); }
  void complete() noexcept override { outcome_->complete(); }

 private:
  Owner<SharedOutcome<R>> outcome_;
};

// A task may be a function pointer or an empty, trivially copyable class (a lambda that
// captures nothing): nothing of it stays behind in the parent.
template <class Fn>
inline constexpr bool is_stateless_callable_v =
    (std::is_pointer_v<Fn> && std::is_function_v<std::remove_pointer_t<Fn>>) ||
    (std::is_class_v<Fn> && std::is_empty_v<Fn> && std::is_trivially_copyable_v<Fn>);

}  // namespace detail

/// A pool of at most max_workers worker processes that run tasks from one FIFO queue.
/// Workers are forked as work arrives, not all up front, and each runs one task at a time.
/// A worker that dies turns into a WorkerCrashed in its task's future and is replaced.
/// The destructor calls shutdown(true): every worker is reaped, no descriptor is left open.
class ProcessPoolExecutor {
 public:
  /// `max_workers` = 0 picks std::thread::hardware_concurrency() (at least 1). Forks the
  /// pool's fork server (see the top of this header): the workers' memory is a copy of
  /// this process's as it is now. Throws std::system_error if it cannot.
  explicit ProcessPoolExecutor(std::size_t max_workers = 0)
      : max_workers_(max_workers != 0 ? max_workers : std::max(1u, std::thread::hardware_concurrency())) {
    start_fork_server();
  }
  ProcessPoolExecutor(const ProcessPoolExecutor&) = delete;
  ProcessPoolExecutor& operator=(const ProcessPoolExecutor&) = delete;

  /// Finishes the accepted tasks and reaps every worker (shutdown(true)).
  ~ProcessPoolExecutor() { shutdown(true); }

  /// Schedules `fn(args...)` in a worker process and returns the Future of its result.
  /// `fn` and every argument are copied to the worker as bytes (decay-copied first, as by
  /// std::thread); the result is copied back. Fails to compile unless `fn` is a function or
  /// a captureless lambda and the arguments and result are serialisable (labkit/serial.hpp).
  /// Never blocks on the task. Throws ExecutorShutdown after shutdown(). The future's get()
  /// throws RemoteTaskError if the task threw, WorkerCrashed if its worker died.
  /// [[nodiscard]]: the Future is the only way back from the worker process: to the result,
  /// to the task's failure (a throw, a crashed worker), and to knowing it has finished. A
  /// dropped Future leaves the task running unobserved and its failure unreported.
  template <class F, class... Args>
  [[nodiscard]] auto submit(F&& fn, Args&&... args) {
    using Fn = std::decay_t<F>;
    static_assert(detail::is_stateless_callable_v<Fn>,
                  "labkit::ProcessPoolExecutor::submit: the task must be a function or a lambda that "
                  "captures nothing. It runs in another process, where anything a lambda captured (or a "
                  "std::function holds) would be a stale copy that never comes back. Pass the data as "
                  "arguments to submit() instead.");
    static_assert((serial::is_serialisable_v<std::decay_t<Args>> && ...),
                  "labkit::ProcessPoolExecutor::submit: every argument must be serialisable, because it "
                  "is copied to another process. The rule: trivially copyable types without pointers, "
                  "std::string, std::vector, std::pair and std::tuple of those (a string literal is a "
                  "pointer: pass std::string). See labkit/serial.hpp.");
    using R = std::invoke_result_t<Fn&, std::decay_t<Args>...>;
    static_assert(std::is_void_v<R> || serial::is_serialisable_v<R>,
                  "labkit::ProcessPoolExecutor::submit: the task's result must be serialisable, because "
                  "it is copied back from another process. The rule: trivially copyable types without "
                  "pointers, std::string, std::vector, std::pair and std::tuple of those (a std::map: "
                  "return a std::vector of std::pair). See labkit/serial.hpp.");
    constexpr bool follows_the_rules = detail::is_stateless_callable_v<Fn> &&
                                       (serial::is_serialisable_v<std::decay_t<Args>> && ...) &&
                                       (std::is_void_v<R> || serial::is_serialisable_v<R>);
    if constexpr (follows_the_rules) {  // (otherwise only the message above, not pages of errors)
      std::string request;
      serial::write(request, &detail::invoke_task<R, Fn, std::decay_t<Args>...>);
      serial::write(request, static_cast<const Fn&>(fn));
      serial::write(request, std::tuple<std::decay_t<Args>...>(std::forward<Args>(args)...));
      auto* outcome = new detail::SharedOutcome<R>;               // owned twice:
      Future<R> future(outcome);                                  // by the future
      detail::Owner<detail::SharedOutcome<R>> task_share(outcome);  // and by the task
      schedule(std::make_unique<detail::RemoteTaskImpl<R>>(std::move(request), std::move(task_share)));
      submitted_.fetch_add(1);
      return future;
    }
  }

  /// Runs `fn(x)` for every x in `inputs` as separate tasks and returns the results in
  /// INPUT order. Blocks until every task has finished; if any failed, rethrows the
  /// exception of the first such input (in input order) after all have finished.
  /// The rules of submit() apply. Throws ExecutorShutdown after shutdown().
  /// [[nodiscard]]: the results are what map() is for (a task in another process can do
  /// nothing else useful: whatever it changes stays in the worker).
  template <class F, class Range>
  [[nodiscard]] auto map(F&& fn, const Range& inputs) {
    return detail::map_on(*this, std::forward<F>(fn), inputs);
  }

  /// Stops accepting tasks. With wait=true, blocks until every accepted task has finished
  /// and every worker process has exited and been reaped; with wait=false, returns at once
  /// and the workers finish in the background (the destructor, or a later shutdown(true),
  /// reaps them). With cancel_futures=true, tasks not yet sent to a worker are dropped and
  /// their futures throw CancelledError. Idempotent. A task that never returns keeps
  /// shutdown(true) waiting, as in Python.
  void shutdown(bool wait = true, bool cancel_futures = false) {
    std::deque<std::unique_ptr<detail::RemoteTask>> cancelled;
    {
      std::lock_guard<std::mutex> lock(m_);
      shut_down_ = true;
      if (cancel_futures) cancelled.swap(queue_);
    }
    cv_.notify_all();
    for (auto& task : cancelled) {
      std::exception_ptr cancelled_error = std::make_exception_ptr(CancelledError{});
      task->fail(std::move(cancelled_error));
    }
    if (!wait) return;
    std::lock_guard<std::mutex> join_lock(join_m_);
    std::vector<std::thread> keepers;
    {
      std::lock_guard<std::mutex> lock(m_);
      keepers.swap(keepers_);
    }
    for (auto& keeper : keepers) keeper.join();
    // Every worker has been reaped by now; the fork server sees end of file and exits.
    if (server_pid_ > 0) {
      ::close(control_);
      while (::waitpid(server_pid_, nullptr, 0) < 0 && errno == EINTR) {
      }
      server_pid_ = -1;
    }
  }

  /// The bound given at construction, or the hardware concurrency chosen for 0.
  std::size_t max_workers() const noexcept { return max_workers_; }

  /// How many tasks this pool has accepted so far (as Executor::tasks_submitted()).
  std::size_t tasks_submitted() const noexcept { return submitted_.load(); }

  /// The process ids of the workers alive right now (at most max_workers()), in no order.
  /// For tests and diagnostics: to check that workers are reaped, or to kill one.
  std::vector<pid_t> worker_pids() const {
    std::lock_guard<std::mutex> lock(m_);
    return {live_pids_.begin(), live_pids_.end()};
  }

 private:
  // One worker process as its keeper sees it: no process yet when pid == -1.
  struct Worker {
    pid_t pid = -1;
    int fd = -1;  // the parent's end of the socket pair
  };

  void schedule(std::unique_ptr<detail::RemoteTask> task) {
    std::lock_guard<std::mutex> lock(m_);
    if (shut_down_) throw ExecutorShutdown{};
    queue_.push_back(std::move(task));
    if (idle_ < queue_.size() && keepers_.size() < max_workers_) {
      keepers_.emplace_back([this] { keep(); });
    } else {
      cv_.notify_one();
    }
  }

  // A keeper thread: takes tasks from the queue and runs each on its own worker, started
  // when the first task arrives and again after it dies. At shutdown, with the
  // queue empty, it closes the socket (the worker sees end of file and exits) and reaps it.
  void keep() {
    Worker worker;
    std::unique_lock<std::mutex> lock(m_);
    for (;;) {
      ++idle_;
      cv_.wait(lock, [this] { return shut_down_ || !queue_.empty(); });
      --idle_;
      if (queue_.empty()) break;
      auto task = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      run_on(worker, *task);
      task.reset();
      lock.lock();
    }
    lock.unlock();
    if (worker.pid > 0) {
      ::close(worker.fd);
      reap(worker);
    }
  }

  // Sends one task to `worker` (starting it first if needed) and fulfils the task's
  // outcome with the reply, or with WorkerCrashed if the worker dies first.
  void run_on(Worker& worker, detail::RemoteTask& task) {
    if (worker.pid > 0 && has_ended(worker)) {
      // Died while idle (killed from outside, say): reaped already; the task gets a new one.
      ::close(worker.fd);
      worker = Worker{};
    }
    if (worker.pid <= 0) {
      std::exception_ptr start_error;
      try {
        worker = start_worker();
      } catch (...) {
        start_error = std::current_exception();
      }
      if (start_error) {  // outside the catch block: the exception is ours alone now
        task.fail(std::move(start_error));
        return;
      }
    }
    std::string reply;
    if (detail::send_frame(worker.fd, task.request()) && detail::recv_frame(worker.fd, reply)) {
      task.answer(reply);
      return;
    }
    // No whole answer: the worker is gone (or going). Closing our end makes sure it
    // cannot linger on a half-written frame; then wait for it and say how it ended.
    ::close(worker.fd);
    const int status = reap(worker);
    std::exception_ptr crashed = std::make_exception_ptr(WorkerCrashed(detail::describe_end(worker.pid, status)));
    task.fail(std::move(crashed));
    worker = Worker{};
  }

  void start_fork_server() {
    int ends[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0)
      throw std::system_error(errno, std::generic_category(), "labkit: socketpair for the fork server");
    const pid_t pid = ::fork();
    if (pid < 0) {
      const int error = errno;
      ::close(ends[0]);
      ::close(ends[1]);
      throw std::system_error(error, std::generic_category(), "labkit: fork of the fork server");
    }
    if (pid == 0) detail::fork_server_main(ends[1]);
    ::close(ends[1]);
    server_pid_ = pid;
    control_ = ends[0];
  }

  // One exchange with the fork server (keepers take turns). False if it is gone.
  bool ask_fork_server(char kind, pid_t pid, std::int64_t& answer, int& fd) {
    std::lock_guard<std::mutex> lock(control_m_);
    detail::Command command{};  // zeroed, padding too: all of it is sent
    command.kind = kind;
    command.pid = pid;
    return detail::send_all(control_, reinterpret_cast<const char*>(&command), sizeof command) &&
           detail::recv_number(control_, answer, fd);
  }

  Worker start_worker() {
    std::int64_t pid = 0;
    int fd = -1;
    if (!ask_fork_server(detail::kSpawn, 0, pid, fd))
      throw std::runtime_error("labkit: the process pool's fork server is gone; no worker can be started");
    if (pid <= 0 || fd < 0) {
      if (fd >= 0) ::close(fd);
      throw std::system_error(static_cast<int>(-pid), std::generic_category(), "labkit: fork of a worker process");
    }
    {
      std::lock_guard<std::mutex> lock(m_);
      live_pids_.insert(static_cast<pid_t>(pid));
    }
    return Worker{static_cast<pid_t>(pid), fd};
  }

  // True if the idle worker has ended (then it is reaped and forgotten). A live idle worker
  // never writes, so anything to read on its socket, or a hang-up, means it is gone.
  bool has_ended(Worker& worker) {
    pollfd watch{worker.fd, POLLIN, 0};
    if (::poll(&watch, 1, 0) <= 0) return false;
    reap(worker);
    return true;
  }

  // Asks the fork server to wait for the worker to end; returns its wait status.
  int reap(const Worker& worker) {
    std::int64_t status = 0;
    int unused_fd = -1;
    if (!ask_fork_server(detail::kReap, worker.pid, status, unused_fd)) status = 0;
    forget(worker.pid);
    return static_cast<int>(status);
  }

  void forget(pid_t pid) {
    std::lock_guard<std::mutex> lock(m_);
    live_pids_.erase(pid);
  }

  const std::size_t max_workers_;
  mutable std::mutex m_;                                    // guards everything below
  std::condition_variable cv_;                              // work arrived, or shut down
  std::deque<std::unique_ptr<detail::RemoteTask>> queue_;  // accepted, not yet sent
  std::vector<std::thread> keepers_;                        // one per worker slot
  std::set<pid_t> live_pids_;                               // forked and not yet reaped
  std::size_t idle_ = 0;                                    // keepers waiting for work
  bool shut_down_ = false;
  std::mutex join_m_;                                       // one joiner at a time
  std::atomic<std::size_t> submitted_{0};
  pid_t server_pid_ = -1;                                   // the fork server (-1 once reaped)
  int control_ = -1;                                        // our end of its control socket
  std::mutex control_m_;                                    // one exchange with it at a time
};

}  // namespace labkit
