// echo_bench: one measurement. The server runs in a forked child (its rusage and /proc
// figures are its own); the client, here, drives the connections from one thread with
// epoll. See echo_bench.cpp for the whole picture, echo_bench.hpp for the pieces.
#include "echo_bench.hpp"
#include "event_loop.hpp"

#include <labkit/executor.hpp>

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

namespace echo_bench {
namespace {

// ------------------------------------------------------------------ thread creation
// The time spent in pthread_create, and how many, in this process. Counted by the
// wrapper below, which every std::thread (ours, the executor's) goes through: the
// executable's own pthread_create comes first in the dynamic linker's search order.
std::atomic<long long> g_create_ns{0};
std::atomic<long long> g_created{0};

}  // namespace
}  // namespace echo_bench

extern "C" int pthread_create(pthread_t* thread, const pthread_attr_t* attributes, void* (*start)(void*),
                              void* argument) {
  using Real = int (*)(pthread_t*, const pthread_attr_t*, void* (*)(void*), void*);
  static const Real real = reinterpret_cast<Real>(::dlsym(RTLD_NEXT, "pthread_create"));
  const auto begin = echo_bench::Clock::now();
  const int result = real(thread, attributes, start, argument);
  echo_bench::g_create_ns.fetch_add(std::chrono::duration_cast<std::chrono::nanoseconds>(echo_bench::Clock::now() - begin).count(),
                        std::memory_order_relaxed);
  if (result == 0) echo_bench::g_created.fetch_add(1, std::memory_order_relaxed);
  return result;
}

namespace echo_bench {
namespace {

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
  for (const auto& one : slots) stats.add(one);
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

}  // namespace

Result measure_busy(Model model, std::size_t count, const Options& options) {
  const Drive drive = [&](Client& client, const lab13::Listener& listener, ServerProbe& probe, Result& result) {
    drive_busy(client, listener.port(), count, options, probe, result);
  };
  return measure_or_fail(model, count, 0, options, drive);
}

Result measure_idle(Model model, std::size_t idle, const Options& options) {
  const Drive drive = [&](Client& client, const lab13::Listener& listener, ServerProbe& probe, Result& result) {
    drive_idle(client, listener, idle, options, probe, result);
  };
  return measure_or_fail(model, idle + options.active, idle, options, drive);
}

}  // namespace echo_bench
