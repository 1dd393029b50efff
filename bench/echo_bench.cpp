// echo_bench — three ways to serve C concurrent TCP connections, measured side by side
// on the loopback interface (run by `tools/lab bench`; docs/performance.md):
//
//   thread per connection   accept, start a std::thread running lab13::echo_connection
//                           (the correct version of lab 13's starter: no shared state)
//   executor                lab 13's solution, lab13::serve on a labkit::ThreadPoolExecutor
//   event loop              lab 13's third way, lab13::serve_event_loop (one thread, epoll)
//
// All three speak the same protocol (lab13::EchoProtocol): the servers are the lab's own
// code, linked from lab13_solution_code, not written a second time here.
//
// One measurement: the server runs in a forked child, so that what the kernel counts for
// it is its own: peak resident memory (ru_maxrss) and voluntary / involuntary context
// switches (ru_nvcsw / ru_nivcsw) come from wait4(), and the most threads it had from its
// /proc/<pid>/status, sampled by the parent every millisecond. The client, in the parent,
// drives the C connections from one thread with epoll: it connects all C (the connect
// phase), then each connection sends a request line, waits for its echo, and again,
// `--requests` times, then closes its side and waits for the server to close. Requests per
// second count that second phase only, when all C connections are open. The time spent
// creating threads is measured inside the child by wrapping pthread_create (below).
//
// That is the busy scenario: every connection busy. The idle scenario asks whether
// connections that are open but silent cost the others: the client first opens I idle
// connections that send nothing, then A active ones (accepted last by every server) that
// do request/response for a --window of seconds, opened once the server has accepted
// them all. Both scenarios run unless --scenario picks one. It measures the active ones'
// requests per second and round trips, and the server's CPU time, context switches and
// the threads it scheduled at all during the window (from /proc/<pid>/stat and
// /proc/<pid>/task/*/status, read at its edges), beside the same whole-run figures as the
// busy scenario; I = 0 is the baseline. The window stays under lab 13's 5 s idle timeout,
// past which the servers close a silent connection; a run in which that happened anyway
// fails.
//
// Bounded: at most the connection counts asked for, each run stopped (the server killed)
// after --time-limit seconds, every socket on 127.0.0.1 with a kernel-chosen port.
//
//   echo_bench [--scenario busy,idle] [--connections 100,1000,5000] [--requests 10]
//              [--idle 0,1000,5000] [--active 16] [--window 2] [--bytes 32] [--workers 16]
//              [--runs 3] [--time-limit 60] [--svg FILE] [--idle-svg FILE]
//
// Each model runs --runs times at each count (interleaved with the others); the tables and
// the charts show its median run by requests per second, and the range of that figure.
//
// Exit status: 0 every run completed and every echo was right; 1 a run failed, timed out
// or could not have its connections; 2 bad options or environment.
#include "event_loop.hpp"

#include <labkit/executor.hpp>

#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <fmt/os.h>

#include <dlfcn.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

// ------------------------------------------------------------------ thread creation
// The time spent in pthread_create, and how many, in this process. Counted by the
// wrapper below, which every std::thread (ours, the executor's) goes through: the
// executable's own pthread_create comes first in the dynamic linker's search order.
std::atomic<long long> g_create_ns{0};
std::atomic<long long> g_created{0};

}  // namespace

extern "C" int pthread_create(pthread_t* thread, const pthread_attr_t* attributes, void* (*start)(void*),
                              void* argument) {
  using Real = int (*)(pthread_t*, const pthread_attr_t*, void* (*)(void*), void*);
  static const Real real = reinterpret_cast<Real>(::dlsym(RTLD_NEXT, "pthread_create"));
  const auto begin = Clock::now();
  const int result = real(thread, attributes, start, argument);
  g_create_ns.fetch_add(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - begin).count(),
                        std::memory_order_relaxed);
  if (result == 0) g_created.fetch_add(1, std::memory_order_relaxed);
  return result;
}

namespace {

// ------------------------------------------------------------------ the three servers

enum class Model { thread_per_connection, executor, event_loop };
constexpr std::array<Model, 3> kModels{Model::thread_per_connection, Model::executor, Model::event_loop};

const char* name_of(Model model) {
  switch (model) {
    case Model::thread_per_connection: return "thread per connection";
    case Model::executor: return "executor";
    case Model::event_loop: return "event loop";
  }
  return "?";
}

// What a correct thread-per-connection server looks like: each thread serves its own
// connection and writes only its own slot; the slots are read after every join.
lab13::ServerStats serve_thread_per_connection(const lab13::Listener& listener, std::size_t count) {
  std::vector<lab13::ConnectionStats> slots(count);
  std::vector<std::thread> threads;
  threads.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    const int fd = listener.accept();
    threads.emplace_back([&slot = slots[i], fd] { slot = lab13::echo_connection(fd); });
  }
  for (auto& thread : threads) thread.join();
  lab13::ServerStats stats;
  for (const auto& one : slots) {
    stats.per_connection.push_back(one);
    stats.connections += 1;
    stats.requests += one.requests;
    stats.bytes += one.bytes;
  }
  return stats;
}

// What the server child sends back to the parent through a pipe.
struct ChildReport {
  long long connections = 0, requests = 0, bytes = 0;
  long long threads_created = 0, create_ns = 0;
  char error[160] = {};
};

[[noreturn]] void run_server_child(Model model, const lab13::Listener& listener, std::size_t count,
                                   std::size_t workers, int report_fd) {
  ChildReport report;
  try {
    lab13::ServerStats stats;
    if (model == Model::thread_per_connection) {
      stats = serve_thread_per_connection(listener, count);
    } else if (model == Model::executor) {
      labkit::ThreadPoolExecutor executor(workers);
      stats = lab13::serve(executor, listener, count);
    } else {
      stats = lab13::serve_event_loop(listener, count);
    }
    report.connections = static_cast<long long>(stats.connections);
    report.requests = static_cast<long long>(stats.requests);
    report.bytes = static_cast<long long>(stats.bytes);
  } catch (const std::exception& error) {
    std::snprintf(report.error, sizeof report.error, "%s", error.what());
  }
  report.threads_created = g_created.load();
  report.create_ns = g_create_ns.load();
  [[maybe_unused]] const auto written = ::write(report_fd, &report, sizeof report);
  ::_exit(0);
}

// ------------------------------------------------------------------ options and results

// The two scenarios: "busy" keeps every connection busy (the connection counts); "idle"
// holds I idle connections open while A active ones do request/response for a window.
struct Options {
  std::vector<std::string> scenarios{"busy", "idle"};
  std::vector<std::size_t> connection_counts{100, 1000, 5000};
  std::size_t requests = 10;
  std::size_t runs = 3;
  std::size_t bytes = 32;
  std::size_t workers = 16;
  double time_limit_s = 60;
  std::string svg;
  std::vector<std::size_t> idle_counts{0, 1000, 5000};
  std::size_t active = 16;
  double window_s = 2;
  std::string idle_svg;

  bool runs_scenario(const std::string& name) const {
    return std::find(scenarios.begin(), scenarios.end(), name) != scenarios.end();
  }
};

struct Result {
  Model model{};
  std::size_t connections = 0;  // the server's connections (busy: C; idle: I + A)
  std::size_t idle = 0;         // of which idle (the idle scenario)
  bool ok = false;
  std::string problem;          // why not ok
  double connect_ms = 0;        // connecting all of them
  double exchange_ms = 0;       // busy: every request answered and every connection closed; idle: the window
  double requests_per_s = 0;    // requests answered / exchange time
  double rps_min = 0, rps_max = 0;  // over the runs of this model (the median run is kept)
  double peak_rss_mib = 0;      // ru_maxrss of the server
  long peak_threads = 0;        // sampled from /proc/<pid>/status
  long voluntary_cs = 0, involuntary_cs = 0;
  long long threads_created = 0;
  double create_ms = 0;         // total time in pthread_create
  double cpu_ms = 0;            // ru_utime + ru_stime of the server, its whole run
  long long requests_sent = 0;  // every request the client sent: what the server must have counted
  // The idle scenario's window (the active connections only):
  long long window_requests = 0;   // answered within the window
  std::size_t actives_served = 0;  // active connections that had at least one answer in it
  double p50_us = 0, p99_us = 0;   // round-trip times of those answers
  double window_cpu_ms = 0;        // server CPU time during the window
  long window_cs = 0;              // server context switches during the window, all its threads
  long window_threads_ran = 0;     // its threads that were switched in or out during the window
};

// ------------------------------------------------------------------ watching the server

// The "Threads:" figure of process `pid`, or -1 once it is gone.
long threads_of(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Threads:", 0) == 0) return std::stol(line.substr(8));
  }
  return -1;
}

// What the parent reads of the server child while it runs, from /proc. wait4() gives the
// same kind of figures only for the whole run; these bracket a window of it.
class ServerProbe {
 public:
  explicit ServerProbe(pid_t pid) : pid_(pid) {}

  // Called about every millisecond: keeps the most threads seen at once.
  void sample() { peak_threads_ = std::max(peak_threads_, threads_of(pid_)); }
  long peak_threads() const { return peak_threads_; }

  // User + system CPU time of all the process's threads so far, in ms (the kernel counts
  // it in clock ticks: 10 ms steps here). 0 if it cannot be read.
  double cpu_ms() const {
    std::ifstream stat_file("/proc/" + std::to_string(pid_) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
    const auto name_end = text.rfind(')');  // the command name may hold spaces: skip it
    if (name_end == std::string::npos) return 0;
    std::istringstream fields(text.substr(name_end + 1));
    std::string field;
    long long utime = 0, stime = 0;
    for (int index = 3; fields >> field; ++index) {  // field 3 is the state; 14, 15 utime, stime
      if (index == 14) utime = std::stoll(field);
      if (index == 15) {
        stime = std::stoll(field);
        break;
      }
    }
    return static_cast<double>(utime + stime) * 1000.0 / static_cast<double>(::sysconf(_SC_CLK_TCK));
  }

  // Voluntary + involuntary context switches of each thread it has now, by thread id.
  // (The process's own status file counts its main thread only.) Reads a file per
  // thread: called between phases, never while timing.
  std::map<std::string, long> context_switches() const {
    std::map<std::string, long> by_thread;
    std::error_code error;
    for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid_) + "/task", error)) {
      std::ifstream status(task.path() / "status");
      std::string line;
      long switches = 0;
      while (std::getline(status, line)) {
        if (line.rfind("voluntary_ctxt_switches:", 0) == 0 || line.rfind("nonvoluntary_ctxt_switches:", 0) == 0)
          switches += std::stol(line.substr(line.find(':') + 1));
      }
      by_thread[task.path().filename().string()] = switches;
    }
    return by_thread;
  }

 private:
  pid_t pid_;
  long peak_threads_ = 0;
};

// ------------------------------------------------------------------ the client

// One connection as the client sees it.
struct ClientConnection {
  int fd = -1;
  enum class State { connecting, idle, waiting_echo, closing, done } state = State::connecting;
  bool shut = false;         // our side is closed (shutdown SHUT_WR): no more requests
  std::size_t answered = 0;  // requests echoed so far
  std::string expected;      // the echo awaited for the current request
  std::string received;
  Clock::time_point sent_at;  // when the current request went out
};

std::string request_text(std::size_t connection, std::size_t round, std::size_t bytes) {
  std::string line = fmt::format("c{} r{} ", connection, round);
  if (line.size() + 1 < bytes) line.append(bytes - 1 - line.size(), 'x');
  return line + '\n';
}

// The client side of one run, on one thread: `count` non-blocking connections in one
// epoll set, the run's deadline, and the server probe, sampled about every millisecond
// while the client waits. Every socket is closed on the way out, exceptions included.
class Client {
 public:
  // What receive() found on a connection.
  enum class Arrival { nothing, part_of_echo, echo, end };

  Client(std::size_t count, Clock::time_point deadline, ServerProbe& probe)
      : connections_(count), deadline_(deadline), probe_(probe), epoll_(::epoll_create1(EPOLL_CLOEXEC)) {
    if (epoll_ < 0) throw lab13::SocketError("epoll_create1", errno);
  }
  ~Client() {
    for (auto& c : connections_) {
      if (c.fd >= 0) ::close(c.fd);
    }
    ::close(epoll_);
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  ClientConnection& operator[](std::size_t i) { return connections_[i]; }

  // Opens connections [first, last) to 127.0.0.1:`port`, all at once (non-blocking), and
  // returns when every one is connected; each is then watched for input, in state idle.
  void connect(std::uint16_t port, std::size_t first, std::size_t last) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    for (std::size_t i = first; i < last; ++i) {
      connections_[i].fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (connections_[i].fd < 0) throw lab13::SocketError("client socket", errno);
      if (::connect(connections_[i].fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 &&
          errno != EINPROGRESS)
        throw lab13::SocketError("client connect", errno);
      watch(i, EPOLL_CTL_ADD, EPOLLOUT);
    }
    for (std::size_t connected = first; connected < last;) {
      for (const std::size_t i : wait()) {
        ClientConnection& c = connections_[i];
        if (c.state != ClientConnection::State::connecting) continue;
        int error = 0;
        socklen_t length = sizeof error;
        ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &error, &length);
        if (error != 0) throw lab13::SocketError("client connect", error);
        c.state = ClientConnection::State::idle;
        watch(i, EPOLL_CTL_MOD, EPOLLIN);
        ++connected;
      }
    }
  }

  // Waits up to 1 ms for connections to be ready and returns their indexes. Samples the
  // server when a millisecond has passed; throws once the deadline has.
  const std::vector<std::size_t>& wait() {
    const auto now = Clock::now();
    if (now >= next_sample_) {
      probe_.sample();
      next_sample_ = now + std::chrono::milliseconds(1);
    }
    if (now >= deadline_) throw std::runtime_error("time limit reached");
    const int ready = ::epoll_wait(epoll_, events_.data(), static_cast<int>(events_.size()), 1);
    if (ready < 0 && errno != EINTR) throw lab13::SocketError("client epoll_wait", errno);
    ready_.clear();
    for (int k = 0; k < ready; ++k) ready_.push_back(events_[static_cast<std::size_t>(k)].data.u64);
    return ready_;
  }

  // Returns once the server has accepted every connection made so far. A connect()
  // completes when the kernel has the connection in the listener's queue, before the
  // server accepts it (and, thread per connection, starts its thread): without this, a
  // window opened right after connecting would also time the server's accepting. The
  // parent holds the listening socket too, and for one TCP_INFO gives that queue's length.
  void wait_until_accepted(const lab13::Listener& listener) {
    for (;;) {
      tcp_info info{};
      socklen_t length = sizeof info;
      if (::getsockopt(listener.fd(), IPPROTO_TCP, TCP_INFO, &info, &length) != 0)
        throw lab13::SocketError("getsockopt(TCP_INFO) on the listener", errno);
      if (info.tcpi_unacked == 0) return;  // a listener's tcpi_unacked: connections not yet accepted
      wait();
    }
  }

  // Sends connection i's next request (its `answered`-th) and waits for its echo.
  void send_request(std::size_t i, std::size_t bytes) {
    ClientConnection& c = connections_[i];
    c.expected = request_text(i, c.answered, bytes);
    c.received.clear();
    c.state = ClientConnection::State::waiting_echo;
    c.sent_at = Clock::now();
    if (!lab13::send_all(c.fd, c.expected)) throw lab13::SocketError("client send", errno);
    ++requests_sent_;
  }

  // Closes our side of connection i: the server sees the end of its input.
  void shut(std::size_t i) {
    ::shutdown(connections_[i].fd, SHUT_WR);
    connections_[i].shut = true;
  }

  // Reads what has arrived on connection i. An echo is checked byte for byte; bytes that
  // no request asked for, or a wrong echo, throw.
  Arrival receive(std::size_t i) {
    ClientConnection& c = connections_[i];
    std::array<char, 4096> buffer;
    const ssize_t got = ::recv(c.fd, buffer.data(), buffer.size(), 0);
    if (got < 0 && (errno == EAGAIN || errno == EINTR)) return Arrival::nothing;
    if (got < 0) throw lab13::SocketError(fmt::format("connection {}: recv", i), errno);
    if (got == 0) return Arrival::end;
    if (c.state != ClientConnection::State::waiting_echo)
      throw std::runtime_error(fmt::format("connection {}: bytes no request asked for", i));
    c.received.append(buffer.data(), static_cast<std::size_t>(got));
    if (c.received.size() < c.expected.size()) return Arrival::part_of_echo;
    if (c.received != c.expected)
      throw std::runtime_error(fmt::format("connection {}: wrong echo \"{}\"", i, c.received));
    ++c.answered;
    c.state = c.shut ? ClientConnection::State::closing : ClientConnection::State::idle;
    return Arrival::echo;
  }

  // Closes connection i (which also takes it out of the epoll set).
  void close(std::size_t i) {
    ::close(connections_[i].fd);
    connections_[i].fd = -1;
    connections_[i].state = ClientConnection::State::done;
  }

  long long requests_sent() const { return requests_sent_; }

 private:
  void watch(std::size_t i, int op, std::uint32_t events) {
    epoll_event event{};
    event.events = events;
    event.data.u64 = i;
    if (::epoll_ctl(epoll_, op, connections_[i].fd, &event) != 0) throw lab13::SocketError("client epoll_ctl", errno);
  }

  std::vector<ClientConnection> connections_;
  Clock::time_point deadline_;
  ServerProbe& probe_;
  int epoll_;
  std::array<epoll_event, 512> events_;
  std::vector<std::size_t> ready_;
  Clock::time_point next_sample_ = Clock::now();
  long long requests_sent_ = 0;
};

double milliseconds_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// The busy scenario: connects all `count` connections (the connect phase), then each
// sends a request, waits for its echo, and again, `options.requests` times, then closes
// its side and waits for the server to close. Requests per second count that second
// phase, while all `count` are open.
void drive_busy(Client& client, std::uint16_t port, std::size_t count, const Options& options, ServerProbe& probe,
                Result& result) {
  const auto start = Clock::now();
  client.connect(port, 0, count);
  probe.sample();  // every connection is open: the thread-per-connection server is at its peak
  result.connect_ms = milliseconds_since(start);

  const auto connected_at = Clock::now();
  for (std::size_t i = 0; i < count; ++i) client.send_request(i, options.bytes);
  for (std::size_t done = 0; done < count;) {
    for (const std::size_t i : client.wait()) {
      ClientConnection& c = client[i];
      if (c.state == ClientConnection::State::done) continue;
      switch (client.receive(i)) {
        case Client::Arrival::nothing:
        case Client::Arrival::part_of_echo: break;
        case Client::Arrival::end:  // the server closed: right only after our last request
          if (c.state != ClientConnection::State::closing)
            throw std::runtime_error(fmt::format("connection {}: closed before its echo", i));
          client.close(i);
          ++done;
          break;
        case Client::Arrival::echo:
          if (c.answered < options.requests) {
            client.send_request(i, options.bytes);
          } else {
            client.shut(i);
            c.state = ClientConnection::State::closing;
          }
          break;
      }
    }
  }
  result.exchange_ms = milliseconds_since(connected_at);
  result.requests_per_s = static_cast<double>(count * options.requests) / (result.exchange_ms / 1000.0);
  result.requests_sent = client.requests_sent();
}

// The value below which `fraction` of `values` lie (0 for none); sorts them.
double percentile(std::vector<double>& values, double fraction) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto index = static_cast<std::size_t>(fraction * static_cast<double>(values.size() - 1));
  return values[index];
}

// The context switches between two readings of every thread's count, and how many threads
// had any: a thread blocked throughout (in recv, say) has none, so it was not scheduled.
void count_switches(const std::map<std::string, long>& before, const std::map<std::string, long>& after,
                    Result& result) {
  for (const auto& [thread, switches] : after) {
    const auto earlier = before.find(thread);
    const long made = switches - (earlier == before.end() ? 0 : earlier->second);
    result.window_cs += made;
    result.window_threads_ran += made > 0 ? 1 : 0;
  }
}

// The idle scenario. Connections [0, idle) connect first and then send nothing: the
// long-lived quiet clients a server already holds when busy ones arrive. Connections
// [idle, idle + active) connect after them (so every server accepts them last) and do
// request/response, each with one request in flight, for `options.window_s` seconds.
// Then every connection closes its side; an active one first waits for its last echo
// (which may come only then: the executor serves them after the idle ones are gone).
// The figures of the window: requests answered in it and their round trips, how many
// active connections had any answer, and the server's CPU time and context switches.
void drive_idle(Client& client, const lab13::Listener& listener, std::size_t idle, const Options& options,
                ServerProbe& probe, Result& result) {
  const std::size_t total = idle + options.active;
  const auto start = Clock::now();
  client.connect(listener.port(), 0, idle);
  client.connect(listener.port(), idle, total);
  client.wait_until_accepted(listener);
  probe.sample();
  result.connect_ms = milliseconds_since(start);

  const double cpu_before = probe.cpu_ms();
  const auto switches_before = probe.context_switches();
  const auto window_start = Clock::now();
  const auto window_end = window_start + std::chrono::duration_cast<Clock::duration>(
                                             std::chrono::duration<double>(options.window_s));
  std::vector<double> round_trips_us;
  std::size_t closed_early = 0;  // idle connections the server closed inside the window
  for (std::size_t i = idle; i < total; ++i) client.send_request(i, options.bytes);

  bool window_open = true;
  for (std::size_t done = 0; done < total;) {
    if (window_open && Clock::now() >= window_end) {
      window_open = false;
      result.exchange_ms = milliseconds_since(window_start);
      result.window_cpu_ms = probe.cpu_ms() - cpu_before;
      count_switches(switches_before, probe.context_switches(), result);
      for (std::size_t i = 0; i < total; ++i) {
        if (client[i].state == ClientConnection::State::done) continue;
        client.shut(i);
        if (client[i].state == ClientConnection::State::idle) client[i].state = ClientConnection::State::closing;
      }
    }
    for (const std::size_t i : client.wait()) {
      ClientConnection& c = client[i];
      if (c.state == ClientConnection::State::done) continue;
      const Client::Arrival arrival = client.receive(i);
      if (arrival == Client::Arrival::end) {
        if (i < idle && c.state != ClientConnection::State::closing) {
          ++closed_early;  // the server gave up on it (its idle timeout): no longer held open
        } else if (c.state != ClientConnection::State::closing) {
          throw std::runtime_error(fmt::format("connection {}: closed before its echo", i));
        }
        client.close(i);
        ++done;
      } else if (arrival == Client::Arrival::echo && window_open) {
        const auto round_trip = std::chrono::duration<double, std::micro>(Clock::now() - c.sent_at).count();
        round_trips_us.push_back(round_trip);
        result.window_requests += 1;
        if (c.answered == 1) result.actives_served += 1;
        client.send_request(i, options.bytes);
      }
    }
  }
  if (closed_early > 0)
    throw std::runtime_error(fmt::format(
        "the server closed {} idle connections before the window ended (lab 13's idle timeout is {} ms): "
        "use a shorter --window",
        closed_early, lab13::kIdleTimeout.count()));
  result.requests_per_s = static_cast<double>(result.window_requests) / (result.exchange_ms / 1000.0);
  result.p50_us = percentile(round_trips_us, 0.50);
  result.p99_us = percentile(round_trips_us, 0.99);
  result.requests_sent = client.requests_sent();
}

// How a scenario's client drives one run, given the server's listening socket.
using Drive = std::function<void(Client&, const lab13::Listener&, ServerProbe&, Result&)>;

// One model serving `count` connections, driven by `drive`: fork the server, drive it,
// collect its figures, and check that it counted every connection and every request.
Result measure(Model model, std::size_t count, const Options& options, const Drive& drive) {
  Result result;
  result.model = model;
  result.connections = count;
  const auto limit = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.time_limit_s));
  const lab13::Listener listener(std::chrono::duration_cast<std::chrono::milliseconds>(limit));
  int report_pipe[2];
  if (::pipe2(report_pipe, O_CLOEXEC) != 0) throw lab13::SocketError("pipe", errno);

  std::fflush(nullptr);
  const pid_t child = ::fork();
  if (child < 0) throw lab13::SocketError("fork", errno);
  if (child == 0) {
    ::close(report_pipe[0]);
    run_server_child(model, listener, count, options.workers, report_pipe[1]);
  }
  ::close(report_pipe[1]);

  ServerProbe probe(child);
  try {
    Client client(count, Clock::now() + limit, probe);
    drive(client, listener, probe, result);
    result.ok = true;
  } catch (const std::exception& error) {
    result.problem = error.what();
    ::kill(child, SIGKILL);
  }
  // The server exits by itself once every connection is closed; a last sample first.
  probe.sample();
  // It has 10 s to do so (its threads end with their connections); then it is killed.
  int status = 0;
  rusage usage{};
  const auto reap_deadline = Clock::now() + std::chrono::seconds(10);
  for (;;) {
    const pid_t reaped = ::wait4(child, &status, WNOHANG, &usage);
    if (reaped == child || (reaped < 0 && errno != EINTR)) break;
    if (Clock::now() > reap_deadline) {
      ::kill(child, SIGKILL);
      while (::wait4(child, &status, 0, &usage) < 0 && errno == EINTR) {
      }
      if (result.ok) result.problem = "the server did not exit within 10 s of its last connection";
      result.ok = false;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ChildReport report;
  const bool reported = ::read(report_pipe[0], &report, sizeof report) == static_cast<ssize_t>(sizeof report);
  ::close(report_pipe[0]);

  const auto as_ms = [](const timeval& t) { return static_cast<double>(t.tv_sec) * 1e3 + t.tv_usec / 1e3; };
  result.peak_threads = probe.peak_threads();
  result.peak_rss_mib = static_cast<double>(usage.ru_maxrss) / 1024.0;
  result.voluntary_cs = usage.ru_nvcsw;
  result.involuntary_cs = usage.ru_nivcsw;
  result.cpu_ms = as_ms(usage.ru_utime) + as_ms(usage.ru_stime);
  if (reported) {
    result.threads_created = report.threads_created;
    result.create_ms = static_cast<double>(report.create_ns) / 1e6;
    if (result.ok && report.error[0] != '\0') {
      result.ok = false;
      result.problem = fmt::format("server: {}", report.error);
    } else if (result.ok &&
               (report.connections != static_cast<long long>(count) || report.requests != result.requests_sent)) {
      result.ok = false;
      result.problem = fmt::format("server counted {} connections and {} requests, expected {} and {}",
                                   report.connections, report.requests, count, result.requests_sent);
    }
  } else if (result.ok) {
    result.ok = false;
    result.problem = "the server sent no report";
  }
  return result;
}

// ------------------------------------------------------------------ output

std::string with_thousands(double value) {
  std::string digits = fmt::format("{:.0f}", value);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(static_cast<std::size_t>(i), " ");
  return digits;
}

// A ratio "2.5x", or "-" when there is nothing to divide by.
std::string ratio(double a, double b) { return b > 0 ? fmt::format("{:.1f}x", a / b) : std::string("-"); }

// The ok result of `model` at the point where `key` gives `value`, or nullptr.
template <class Key>
const Result* find_result(const std::vector<Result>& results, Model model, Key key, std::size_t value) {
  for (const Result& r : results)
    if (key(r) == value && r.model == model && r.ok) return &r;
  return nullptr;
}

void print_table(const std::vector<Result>& results, const Options& options) {
  fmt::print("\n{:>11}  {:<22} {:>10} {:>17} {:>10} {:>8} {:>10} {:>10} {:>9} {:>10} {:>10}\n", "connections", "model",
             "req/s", "(runs' range)", "peak RSS", "threads", "vol. cs", "invol. cs", "created", "create ms",
             "connect ms");
  for (const Result& r : results) {
    if (!r.ok) {
      fmt::print("{:>11}  {:<22} FAILED: {}\n", r.connections, name_of(r.model), r.problem);
      continue;
    }
    fmt::print("{:>11}  {:<22} {:>10} {:>17} {:>6.1f} MiB {:>8} {:>10} {:>10} {:>9} {:>10.1f} {:>10.1f}\n",
               r.connections, name_of(r.model), with_thousands(r.requests_per_s),
               fmt::format("{}-{}", with_thousands(r.rps_min), with_thousands(r.rps_max)), r.peak_rss_mib,
               r.peak_threads,
               with_thousands(static_cast<double>(r.voluntary_cs)),
               with_thousands(static_cast<double>(r.involuntary_cs)), r.threads_created, r.create_ms, r.connect_ms);
  }
  fmt::print("\n(each row: the median of {} runs by req/s; req/s: {} requests of {} bytes per connection, all\n"
             "connections open; threads: the most the server had at once; cs: context switches of the server\n"
             "process; created, create ms: threads it created and the time spent in pthread_create; executor\n"
             "max_workers = {})\n",
             options.runs, options.requests, options.bytes, options.workers);

  fmt::print("\nratios, thread per connection / the other model (> 1: thread per connection costs more)\n");
  for (const std::size_t count : options.connection_counts) {
    const auto connections_of = [](const Result& r) { return r.connections; };
    const auto find = [&](Model model) { return find_result(results, model, connections_of, count); };
    const Result* thread = find(Model::thread_per_connection);
    if (thread == nullptr) continue;
    for (const Model other_model : {Model::executor, Model::event_loop}) {
      const Result* other = find(other_model);
      if (other == nullptr) continue;
      fmt::print("{:>11}  vs {:<12}  time per request {:>7}  peak RSS {:>7}  threads {:>7}  context switches {:>7}\n",
                 count, name_of(other_model), ratio(other->requests_per_s, thread->requests_per_s),
                 ratio(thread->peak_rss_mib, other->peak_rss_mib),
                 ratio(static_cast<double>(thread->peak_threads), static_cast<double>(other->peak_threads)),
                 ratio(static_cast<double>(thread->voluntary_cs + thread->involuntary_cs),
                       static_cast<double>(other->voluntary_cs + other->involuntary_cs)));
    }
  }
}

// The server's CPU time in the window per request answered in it, in µs (0 if none was).
double cpu_per_request_us(const Result& r) {
  return r.window_requests > 0 ? r.window_cpu_ms * 1000.0 / static_cast<double>(r.window_requests) : 0.0;
}

void print_idle_table(const std::vector<Result>& results, const Options& options) {
  fmt::print("\n{:>10}  {:<22} {:>8} {:>15} {:>8} {:>9} {:>7} {:>10} {:>9} {:>9} {:>5} {:>10} {:>7} {:>9} {:>9}\n",
             "idle", "model", "req/s", "(runs' range)", "p50 µs", "p99 µs", "served", "window CPU",
             "CPU/req", "window cs", "ran", "peak RSS", "threads", "run CPU", "run cs");
  for (const Result& r : results) {
    const std::string idle = fmt::format("{} idle", r.idle);
    if (!r.ok) {
      fmt::print("{:>10}  {:<22} FAILED: {}\n", idle, name_of(r.model), r.problem);
      continue;
    }
    const bool answered = r.window_requests > 0;
    fmt::print("{:>10}  {:<22} {:>8} {:>15} {:>8} {:>9} {:>7} {:>7.0f} ms {:>9} {:>9} {:>5} {:>6.1f} MiB {:>7} {:>6.0f} ms {:>9}\n",
               idle, name_of(r.model), with_thousands(r.requests_per_s),
               fmt::format("{}-{}", with_thousands(r.rps_min), with_thousands(r.rps_max)),
               answered ? with_thousands(r.p50_us) : "-", answered ? with_thousands(r.p99_us) : "-",
               fmt::format("{}/{}", r.actives_served, options.active), r.window_cpu_ms,
               answered ? fmt::format("{:.1f} µs", cpu_per_request_us(r)) : std::string("-"),
               with_thousands(static_cast<double>(r.window_cs)), r.window_threads_ran, r.peak_rss_mib, r.peak_threads,
               r.cpu_ms,
               with_thousands(static_cast<double>(r.voluntary_cs + r.involuntary_cs)));
  }
  fmt::print("\n(each row: the median of {} runs by req/s; the idle connections connect first and send nothing,\n"
             "then {} active connections do request/response of {} bytes, one in flight each, for a {} s window;\n"
             "req/s, p50/p99 round trip, served (active connections with any answer), window CPU (user + system)\n"
             "and window cs (context switches, all threads): the server during the window; ran: its threads\n"
             "that were switched in or out during the window (a thread blocked throughout was never scheduled);\n"
             "run CPU, run cs: its whole run (wait4), connecting and closing included; executor max_workers = {})\n",
             options.runs, options.active, options.bytes, options.window_s, options.workers);

  // Why the executor may have answered nobody: say how long its active connections would wait.
  for (const Result& r : results) {
    if (r.ok && r.model == Model::executor && r.window_requests == 0 && r.idle > 0) {
      const auto batches = (r.idle + options.workers - 1) / options.workers;
      fmt::print("\nexecutor, {} idle: no active connection was answered in the window. The idle ones were accepted\n"
                 "first; each of the {} workers is held by one until lab 13's idle timeout ({} s) ends it, then takes\n"
                 "the next: the active ones would wait about {} x {} s = {} s.\n",
                 r.idle, options.workers, lab13::kIdleTimeout.count() / 1000, batches,
                 lab13::kIdleTimeout.count() / 1000, batches * static_cast<std::size_t>(lab13::kIdleTimeout.count()) / 1000);
    }
  }

  const auto idle_of = [](const Result& r) { return r.idle; };
  if (std::find(options.idle_counts.begin(), options.idle_counts.end(), 0) == options.idle_counts.end()) return;
  fmt::print("\nratios, with the idle connections / without (each model against itself; > 1: the idle ones cost)\n");
  for (const std::size_t idle : options.idle_counts) {
    if (idle == 0) continue;
    for (const Model model : kModels) {
      const Result* with = find_result(results, model, idle_of, idle);
      const Result* without = find_result(results, model, idle_of, 0);
      if (with == nullptr || without == nullptr) continue;
      fmt::print("{:>10}  {:<22} time per request {:>7}  CPU per request {:>7}  window cs {:>7}  peak RSS {:>7}  "
                 "threads {:>7}\n",
                 fmt::format("{} idle", idle), name_of(model),
                 with->requests_per_s > 0 ? ratio(without->requests_per_s, with->requests_per_s) : "none served",
                 with->window_requests > 0 ? ratio(cpu_per_request_us(*with), cpu_per_request_us(*without)) : "-",
                 ratio(static_cast<double>(with->window_cs), static_cast<double>(without->window_cs)),
                 ratio(with->peak_rss_mib, without->peak_rss_mib),
                 ratio(static_cast<double>(with->peak_threads), static_cast<double>(without->peak_threads)));
    }
  }
}

// One bar chart: four panels, one group of three bars (the models) per point of the
// scenario (a connection count, or an idle count).
struct Panel {
  const char* title;
  bool log;  // for figures that span several orders of magnitude
  double (*value)(const Result&);
};
struct Chart {
  std::string path;
  std::string title;
  std::vector<std::size_t> points;
  std::size_t (*point_of)(const Result&);
  const char* point_label;  // under each group, after the number
  std::array<Panel, 4> panels;
};

void write_svg(const std::vector<Result>& results, const Chart& chart) {
  constexpr std::array<const char*, 3> kColours{"#d95f02", "#1b9e77", "#7570b3"};
  constexpr int kPanelWidth = 460, kPanelHeight = 260, kTop = 70, kLeft = 20, kBarWidth = 34, kGroupGap = 40;
  const int width = kLeft * 2 + kPanelWidth * 2 + 20;
  const int height = kTop + kPanelHeight * 2;

  auto out = fmt::output_file(chart.path);
  out.print("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" font-family=\"sans-serif\" "
            "font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
            width, height);
  out.print("<text x=\"{}\" y=\"24\" font-size=\"16\">{}</text>\n", kLeft, chart.title);
  for (std::size_t m = 0; m < kModels.size(); ++m) {
    out.print("<rect x=\"{}\" y=\"36\" width=\"14\" height=\"14\" fill=\"{}\"/><text x=\"{}\" y=\"48\">{}</text>\n",
              kLeft + static_cast<int>(m) * 200, kColours[m], kLeft + static_cast<int>(m) * 200 + 20, name_of(kModels[m]));
  }
  for (std::size_t p = 0; p < chart.panels.size(); ++p) {
    const Panel& panel = chart.panels[p];
    const int x0 = kLeft + static_cast<int>(p % 2) * (kPanelWidth + 20);
    const int y0 = kTop + static_cast<int>(p / 2) * kPanelHeight;
    const int base = y0 + kPanelHeight - 50;  // the bars' baseline
    const int room = kPanelHeight - 90;       // the tallest bar
    double top = 0;
    for (const Result& r : results) {
      if (r.ok) top = std::max(top, panel.value(r));
    }
    const auto bar_height = [&](double v) {
      if (top <= 0 || v <= 0) return 0.0;
      if (panel.log) return room * std::log10(1 + v) / std::log10(1 + top);
      return room * v / top;
    };
    out.print("<text x=\"{}\" y=\"{}\" font-weight=\"bold\">{}</text>\n", x0, y0 + 14, panel.title);
    out.print("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"black\"/>\n", x0, base, x0 + kPanelWidth - 20, base);
    for (std::size_t g = 0; g < chart.points.size(); ++g) {
      const std::size_t point = chart.points[g];
      const int gx = x0 + 10 + static_cast<int>(g) * (3 * kBarWidth + kGroupGap);
      out.print("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{} {}</text>\n", gx + 3 * kBarWidth / 2, base + 18,
                point, chart.point_label);
      for (std::size_t m = 0; m < kModels.size(); ++m) {
        const Result* found = nullptr;
        for (const Result& r : results)
          if (chart.point_of(r) == point && r.model == kModels[m]) found = &r;
        const int bx = gx + static_cast<int>(m) * kBarWidth;
        if (found == nullptr || !found->ok) {
          out.print("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"10\">n/a</text>\n", bx + kBarWidth / 2,
                    base - 4);
          continue;
        }
        const double v = panel.value(*found);
        const double h = bar_height(v);
        out.print("<rect x=\"{}\" y=\"{:.1f}\" width=\"{}\" height=\"{:.1f}\" fill=\"{}\"/>\n", bx + 2, base - h,
                  kBarWidth - 4, h, kColours[m]);
        const std::string label = v >= 100 || v == std::floor(v) ? with_thousands(v) : fmt::format("{:.1f}", v);
        out.print("<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"middle\" font-size=\"9\">{}</text>\n", bx + kBarWidth / 2,
                  base - h - 3, label);
      }
    }
  }
  out.print("</svg>\n");
}

// The busy scenario's chart: requests per second, peak RSS, threads, context switches.
Chart busy_chart(const Options& options) {
  return {options.svg,
          fmt::format("echo server on loopback: {} request/response rounds of {} bytes per connection (executor: "
                      "max_workers {})",
                      options.requests, options.bytes, options.workers),
          options.connection_counts,
          [](const Result& r) { return r.connections; },
          "connections",
          {{
              {"requests per second (higher is better)", false, [](const Result& r) { return r.requests_per_s; }},
              {"peak resident memory, MiB", false, [](const Result& r) { return r.peak_rss_mib; }},
              {"most threads at once (log scale)", true,
               [](const Result& r) { return static_cast<double>(r.peak_threads); }},
              {"context switches, voluntary + involuntary (log scale)", true,
               [](const Result& r) { return static_cast<double>(r.voluntary_cs + r.involuntary_cs); }},
          }}};
}

// The idle scenario's chart: the active connections' requests per second, the server's
// CPU time per request and context switches in the window, and its peak RSS.
Chart idle_chart(const Options& options) {
  return {options.idle_svg,
          fmt::format("{} active connections for {} s beside I idle ones (executor: max_workers {})", options.active,
                      options.window_s, options.workers),
          options.idle_counts,
          [](const Result& r) { return r.idle; },
          "idle",
          {{
              {"active connections' requests per second", false, [](const Result& r) { return r.requests_per_s; }},
              {"server CPU time per request answered, µs", false, [](const Result& r) { return cpu_per_request_us(r); }},
              {"peak resident memory, MiB", false, [](const Result& r) { return r.peak_rss_mib; }},
              {"server context switches in the window (log scale)", true,
               [](const Result& r) { return static_cast<double>(r.window_cs); }},
          }}};
}

// The default chart path: `name` in the build directory (the executable is in
// BUILD/bench/), or the working directory if that cannot be read.
std::string default_chart_path(const char* name) {
  std::error_code error;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) return name;
  return (exe.parent_path().parent_path() / name).string();
}

// ------------------------------------------------------------------ running it

// Whether `count` connections fit the open-files limit (both the client here and the
// server child hold one descriptor per connection); says so on stderr when not.
bool files_allow(std::size_t count, const rlimit& files) {
  constexpr std::size_t kSpareFiles = 64;  // the listener, pipes, epoll, stdio, /proc
  if (files.rlim_cur == RLIM_INFINITY || count + kSpareFiles <= files.rlim_cur) return true;
  fmt::print(stderr, "echo_bench: {} connections cannot be had: they need {} open files, RLIMIT_NOFILE allows {}\n",
             count, count + kSpareFiles, static_cast<unsigned long long>(files.rlim_cur));
  return false;
}

// --runs rounds of the three models at one point, each model once per round (so that a
// burst of load elsewhere falls on all three alike). Appends each model's median run by
// requests per second, with the range, to `results`; false if any run failed.
bool run_point(const std::string& label, const Options& options, const std::function<Result(Model)>& measure_one,
               std::vector<Result>& results) {
  std::array<std::vector<Result>, kModels.size()> runs;
  for (std::size_t round = 0; round < options.runs; ++round) {
    for (std::size_t m = 0; m < kModels.size(); ++m) {
      fmt::print("  {}, {}, run {} of {} ...", label, name_of(kModels[m]), round + 1, options.runs);
      std::fflush(stdout);
      Result r = measure_one(kModels[m]);
      if (r.ok) {
        fmt::print(" {} req/s\n", with_thousands(r.requests_per_s));
      } else {
        fmt::print(" FAILED: {}\n", r.problem);
      }
      runs[m].push_back(r);
      // Let the previous server's sockets and threads go before the next one starts.
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
  bool all_ok = true;
  for (auto& model_runs : runs) {
    const auto failed = std::find_if(model_runs.begin(), model_runs.end(), [](const Result& r) { return !r.ok; });
    if (failed != model_runs.end()) {  // one failed run fails the model: say why
      results.push_back(*failed);
      all_ok = false;
      continue;
    }
    std::sort(model_runs.begin(), model_runs.end(),
              [](const Result& a, const Result& b) { return a.requests_per_s < b.requests_per_s; });
    Result median = model_runs[model_runs.size() / 2];
    median.rps_min = model_runs.front().requests_per_s;
    median.rps_max = model_runs.back().requests_per_s;
    results.push_back(median);
  }
  return all_ok;
}

// Runs `measure` and turns an exception (no listener, no fork) into a failed result.
Result measure_or_fail(Model model, std::size_t count, std::size_t idle, const Options& options, const Drive& drive) {
  Result r;
  try {
    r = measure(model, count, options, drive);
  } catch (const std::exception& error) {
    r.model = model;
    r.connections = count;
    r.problem = error.what();
  }
  r.idle = idle;
  return r;
}

bool run_busy(const Options& options, const rlimit& files) {
  std::vector<Result> results;
  bool all_ok = true;
  for (const std::size_t count : options.connection_counts) {
    if (!files_allow(count, files)) {
      all_ok = false;
      continue;
    }
    const Drive drive = [&](Client& client, const lab13::Listener& listener, ServerProbe& probe, Result& result) {
      drive_busy(client, listener.port(), count, options, probe, result);
    };
    all_ok &= run_point(fmt::format("{} connections", count), options,
                        [&](Model model) { return measure_or_fail(model, count, 0, options, drive); }, results);
  }
  print_table(results, options);
  write_svg(results, busy_chart(options));
  fmt::print("\nchart: {}\n", options.svg);
  return all_ok;
}

bool run_idle(const Options& options, const rlimit& files) {
  fmt::print("\nidle connections: {} active connections for {} s beside each count of idle ones\n", options.active,
             options.window_s);
  std::vector<Result> results;
  bool all_ok = true;
  for (const std::size_t idle : options.idle_counts) {
    const std::size_t count = idle + options.active;
    if (!files_allow(count, files)) {
      fmt::print(stderr, "echo_bench: so {} idle connections cannot be had beside {} active ones\n", idle,
                 options.active);
      all_ok = false;
      continue;
    }
    const Drive drive = [&](Client& client, const lab13::Listener& listener, ServerProbe& probe, Result& result) {
      drive_idle(client, listener, idle, options, probe, result);
    };
    all_ok &= run_point(fmt::format("{} idle + {} active", idle, options.active), options,
                        [&](Model model) { return measure_or_fail(model, count, idle, options, drive); }, results);
  }
  print_idle_table(results, options);
  write_svg(results, idle_chart(options));
  fmt::print("\nchart: {}\n", options.idle_svg);
  return all_ok;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  options.svg = default_chart_path("echo-bench.svg");
  options.idle_svg = default_chart_path("echo-bench-idle.svg");
  CLI::App app{"echo_bench: thread per connection vs executor vs event loop, on loopback"};
  app.add_option("--scenario", options.scenarios, "busy (every connection busy), idle (idle ones beside active ones)")
      ->delimiter(',')
      ->check(CLI::IsMember({"busy", "idle"}))
      ->capture_default_str();
  app.add_option("--connections", options.connection_counts, "busy: concurrent connections, e.g. 100,1000,5000")
      ->delimiter(',')
      ->check(CLI::Range(std::size_t{1}, std::size_t{100000}));
  app.add_option("--requests", options.requests, "busy: request/response rounds per connection")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1000}));
  app.add_option("--idle", options.idle_counts, "idle: idle connections held open, e.g. 0,1000,5000")
      ->delimiter(',')
      ->check(CLI::Range(std::size_t{0}, std::size_t{100000}));
  app.add_option("--active", options.active, "idle: active connections beside them")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1000}));
  // The window must end before lab 13's idle timeout (5 s) closes the idle connections.
  app.add_option("--window", options.window_s, "idle: seconds the active connections are measured (at most 3)")
      ->check(CLI::Range(0.1, 3.0));
  app.add_option("--bytes", options.bytes, "bytes per request, newline included")
      ->check(CLI::Range(std::size_t{8}, std::size_t{4096}));
  app.add_option("--workers", options.workers, "the executor's max_workers")
      ->check(CLI::Range(std::size_t{1}, std::size_t{10000}));
  app.add_option("--runs", options.runs, "runs of each model at each count; the median is shown")
      ->check(CLI::Range(std::size_t{1}, std::size_t{25}));
  app.add_option("--time-limit", options.time_limit_s, "seconds before a run is stopped")
      ->check(CLI::Range(1.0, 3600.0));
  app.add_option("--svg", options.svg, "where to write the busy scenario's chart")->capture_default_str();
  app.add_option("--idle-svg", options.idle_svg, "where to write the idle scenario's chart")->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& help) {
    return app.exit(help);
  } catch (const CLI::ParseError& error) {
    std::fprintf(stderr, "echo_bench: %s (--help lists the options)\n", error.what());
    return 2;
  }

  // A chart that cannot be written is found out now, not after the runs.
  for (const auto& [scenario, path] : {std::pair{"busy", options.svg}, std::pair{"idle", options.idle_svg}}) {
    if (!options.runs_scenario(scenario)) continue;
    try {
      fmt::output_file(path).close();
    } catch (const std::exception& error) {
      std::fprintf(stderr, "echo_bench: cannot write the chart: %s\n", error.what());
      return 2;
    }
  }

  // Every connection is a file descriptor on both sides (the client here, the server in
  // its child): raise the soft limit as far as the hard one allows, and say so when a
  // count cannot be had rather than failing half-way.
  rlimit files{};
  ::getrlimit(RLIMIT_NOFILE, &files);
  files.rlim_cur = files.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &files);
  ::signal(SIGPIPE, SIG_IGN);

  fmt::print("echo_bench: {} bytes per request, executor max_workers {}, {} s limit per run, {} cores, open files "
             "limit {}\n",
             options.bytes, options.workers, options.time_limit_s, std::thread::hardware_concurrency(),
             static_cast<unsigned long long>(files.rlim_cur));
  bool all_ok = true;
  try {
    if (options.runs_scenario("busy")) all_ok &= run_busy(options, files);
    if (options.runs_scenario("idle")) all_ok &= run_idle(options, files);
  } catch (const std::exception& error) {  // a chart that could not be written after all
    std::fprintf(stderr, "echo_bench: %s\n", error.what());
    return 2;
  }
  return all_ok ? 0 : 1;
}
