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
// Bounded: at most the connection counts asked for, each run stopped (the server killed)
// after --time-limit seconds, every socket on 127.0.0.1 with a kernel-chosen port.
//
//   echo_bench [--connections 100,1000,5000] [--requests 10] [--bytes 32] [--workers 16]
//              [--runs 3] [--time-limit 60] [--svg FILE]
//
// Each model runs --runs times at each count (interleaved with the others); the table and
// the chart show its median run by requests per second, and the range of that figure.
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
#include <optional>
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

// ------------------------------------------------------------------ the client

struct Options {
  std::vector<std::size_t> connection_counts{100, 1000, 5000};
  std::size_t requests = 10;
  std::size_t runs = 3;
  std::size_t bytes = 32;
  std::size_t workers = 16;
  double time_limit_s = 60;
  std::string svg;
};

struct Result {
  Model model{};
  std::size_t connections = 0;
  bool ok = false;
  std::string problem;          // why not ok
  double connect_ms = 0;        // connecting all C
  double exchange_ms = 0;       // every request answered and every connection closed
  double requests_per_s = 0;    // C * requests / exchange time
  double rps_min = 0, rps_max = 0;  // over the runs of this model (the median run is kept)
  double peak_rss_mib = 0;      // ru_maxrss of the server
  long peak_threads = 0;        // sampled from /proc/<pid>/status
  long voluntary_cs = 0, involuntary_cs = 0;
  long long threads_created = 0;
  double create_ms = 0;         // total time in pthread_create
};

// The "Threads:" figure of process `pid`, or -1 once it is gone.
long threads_of(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Threads:", 0) == 0) return std::stol(line.substr(8));
  }
  return -1;
}

// One connection as the client sees it.
struct ClientConnection {
  int fd = -1;
  enum class State { connecting, waiting_echo, closing, done } state = State::connecting;
  std::size_t answered = 0;  // requests echoed so far
  std::string expected;      // the echo awaited for the current request
  std::string received;
};

std::string request_text(std::size_t connection, std::size_t round, std::size_t bytes) {
  std::string line = fmt::format("c{} r{} ", connection, round);
  if (line.size() + 1 < bytes) line.append(bytes - 1 - line.size(), 'x');
  return line + '\n';
}

// Drives `count` connections to `port` until each has had its requests echoed and has
// been closed by the server, or `deadline`. Fills the timing fields of `result`.
// Calls `sample` about every millisecond.
template <class Sample>
void drive_clients(std::uint16_t port, std::size_t count, const Options& options, Clock::time_point deadline,
                   Result& result, Sample sample) {
  const int epoll = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll < 0) throw lab13::SocketError("epoll_create1", errno);
  std::vector<ClientConnection> connections(count);
  const auto watch = [&](std::size_t i, int op, std::uint32_t events) {
    epoll_event event{};
    event.events = events;
    event.data.u64 = i;
    if (::epoll_ctl(epoll, op, connections[i].fd, &event) != 0) throw lab13::SocketError("client epoll_ctl", errno);
  };
  const auto close_connection = [&](ClientConnection& c) {
    ::close(c.fd);  // also leaves the epoll set
    c.fd = -1;
    c.state = ClientConnection::State::done;
  };
  const auto send_request = [&](std::size_t i) {
    ClientConnection& c = connections[i];
    c.expected = request_text(i, c.answered, options.bytes);
    c.received.clear();
    c.state = ClientConnection::State::waiting_echo;
    if (!lab13::send_all(c.fd, c.expected)) throw lab13::SocketError("client send", errno);
  };

  const auto start = Clock::now();
  auto next_sample = start;
  const auto poll_once = [&](std::array<epoll_event, 512>& events) {
    const auto now = Clock::now();
    if (now >= next_sample) {
      sample();
      next_sample = now + std::chrono::milliseconds(1);
    }
    if (now >= deadline) throw std::runtime_error("time limit reached");
    const int ready = ::epoll_wait(epoll, events.data(), static_cast<int>(events.size()), 1);
    if (ready < 0 && errno != EINTR) throw lab13::SocketError("client epoll_wait", errno);
    return std::max(ready, 0);
  };
  std::array<epoll_event, 512> events;

  try {
    // Connect phase: every connection open (non-blocking connects, all at once).
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    std::size_t connected = 0;
    for (std::size_t i = 0; i < count; ++i) {
      connections[i].fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (connections[i].fd < 0) throw lab13::SocketError("client socket", errno);
      if (::connect(connections[i].fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 &&
          errno != EINPROGRESS)
        throw lab13::SocketError("client connect", errno);
      watch(i, EPOLL_CTL_ADD, EPOLLOUT);
    }
    while (connected < count) {
      const int ready = poll_once(events);
      for (int k = 0; k < ready; ++k) {
        const std::size_t i = events[static_cast<std::size_t>(k)].data.u64;
        ClientConnection& c = connections[i];
        if (c.state != ClientConnection::State::connecting) continue;
        int error = 0;
        socklen_t length = sizeof error;
        ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &error, &length);
        if (error != 0) throw lab13::SocketError("client connect", error);
        c.state = ClientConnection::State::waiting_echo;
        watch(i, EPOLL_CTL_MOD, EPOLLIN);
        ++connected;
      }
    }
    sample();  // every connection is open: the thread-per-connection server is at its peak
    const auto connected_at = Clock::now();
    result.connect_ms = std::chrono::duration<double, std::milli>(connected_at - start).count();

    // Exchange phase: all C open; each sends, waits for its echo, sends again.
    for (std::size_t i = 0; i < count; ++i) send_request(i);
    std::size_t done = 0;
    std::array<char, 4096> buffer;
    while (done < count) {
      const int ready = poll_once(events);
      for (int k = 0; k < ready; ++k) {
        const std::size_t i = events[static_cast<std::size_t>(k)].data.u64;
        ClientConnection& c = connections[i];
        if (c.state == ClientConnection::State::done) continue;
        const ssize_t got = ::recv(c.fd, buffer.data(), buffer.size(), 0);
        if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        if (c.state == ClientConnection::State::closing) {
          if (got == 0) {  // the server closed after our last request: this one is done
            close_connection(c);
            ++done;
            continue;
          }
          throw std::runtime_error(fmt::format("connection {}: bytes or an error after the last echo", i));
        }
        if (got <= 0) throw std::runtime_error(fmt::format("connection {}: closed before its echo", i));
        c.received.append(buffer.data(), static_cast<std::size_t>(got));
        if (c.received.size() < c.expected.size()) continue;
        if (c.received != c.expected)
          throw std::runtime_error(fmt::format("connection {}: wrong echo \"{}\"", i, c.received));
        if (++c.answered < options.requests) {
          send_request(i);
        } else {
          ::shutdown(c.fd, SHUT_WR);
          c.state = ClientConnection::State::closing;
        }
      }
    }
    result.exchange_ms = std::chrono::duration<double, std::milli>(Clock::now() - connected_at).count();
    result.requests_per_s = static_cast<double>(count * options.requests) / (result.exchange_ms / 1000.0);
  } catch (...) {
    for (auto& c : connections) {
      if (c.fd >= 0) ::close(c.fd);
    }
    ::close(epoll);
    throw;
  }
  ::close(epoll);
}

// One model at one connection count: fork the server, drive it, collect its figures.
Result measure(Model model, std::size_t count, const Options& options) {
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

  long peak_threads = 0;
  try {
    drive_clients(listener.port(), count, options, Clock::now() + limit, result,
                  [&] { peak_threads = std::max(peak_threads, threads_of(child)); });
    result.ok = true;
  } catch (const std::exception& error) {
    result.problem = error.what();
    ::kill(child, SIGKILL);
  }
  // The server exits by itself once every connection is closed; a last sample first.
  peak_threads = std::max(peak_threads, threads_of(child));
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

  result.peak_threads = peak_threads;
  result.peak_rss_mib = static_cast<double>(usage.ru_maxrss) / 1024.0;
  result.voluntary_cs = usage.ru_nvcsw;
  result.involuntary_cs = usage.ru_nivcsw;
  if (reported) {
    result.threads_created = report.threads_created;
    result.create_ms = static_cast<double>(report.create_ns) / 1e6;
    const auto expected_requests = static_cast<long long>(count * options.requests);
    if (result.ok && report.error[0] != '\0') {
      result.ok = false;
      result.problem = fmt::format("server: {}", report.error);
    } else if (result.ok && (report.connections != static_cast<long long>(count) || report.requests != expected_requests)) {
      result.ok = false;
      result.problem = fmt::format("server counted {} connections and {} requests, expected {} and {}",
                                   report.connections, report.requests, count, expected_requests);
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
    const auto find = [&](Model model) -> const Result* {
      for (const Result& r : results)
        if (r.connections == count && r.model == model && r.ok) return &r;
      return nullptr;
    };
    const Result* thread = find(Model::thread_per_connection);
    if (thread == nullptr) continue;
    for (const Model other_model : {Model::executor, Model::event_loop}) {
      const Result* other = find(other_model);
      if (other == nullptr) continue;
      const auto ratio = [](double a, double b) { return b > 0 ? fmt::format("{:.1f}x", a / b) : std::string("-"); };
      fmt::print("{:>11}  vs {:<12}  time per request {:>7}  peak RSS {:>7}  threads {:>7}  context switches {:>7}\n",
                 count, name_of(other_model), ratio(other->requests_per_s, thread->requests_per_s),
                 ratio(thread->peak_rss_mib, other->peak_rss_mib),
                 ratio(static_cast<double>(thread->peak_threads), static_cast<double>(other->peak_threads)),
                 ratio(static_cast<double>(thread->voluntary_cs + thread->involuntary_cs),
                       static_cast<double>(other->voluntary_cs + other->involuntary_cs)));
    }
  }
}

// A chart of four panels (requests per second, peak RSS, threads, context switches),
// one group of three bars per connection count. Threads and context switches span
// several orders of magnitude: their panels are logarithmic.
void write_svg(const std::vector<Result>& results, const Options& options) {
  constexpr std::array<const char*, 3> kColours{"#d95f02", "#1b9e77", "#7570b3"};
  struct Panel {
    const char* title;
    bool log;
    double (*value)(const Result&);
  };
  const std::array<Panel, 4> panels{{
      {"requests per second (higher is better)", false, [](const Result& r) { return r.requests_per_s; }},
      {"peak resident memory, MiB", false, [](const Result& r) { return r.peak_rss_mib; }},
      {"most threads at once (log scale)", true, [](const Result& r) { return static_cast<double>(r.peak_threads); }},
      {"context switches, voluntary + involuntary (log scale)", true,
       [](const Result& r) { return static_cast<double>(r.voluntary_cs + r.involuntary_cs); }},
  }};
  constexpr int kPanelWidth = 460, kPanelHeight = 260, kTop = 70, kLeft = 20, kBarWidth = 34, kGroupGap = 40;
  const int width = kLeft * 2 + kPanelWidth * 2 + 20;
  const int height = kTop + kPanelHeight * 2;

  auto out = fmt::output_file(options.svg);
  out.print("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" font-family=\"sans-serif\" "
            "font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
            width, height);
  out.print("<text x=\"{}\" y=\"24\" font-size=\"16\">echo server on loopback: {} request/response rounds of {} bytes "
            "per connection (executor: max_workers {})</text>\n",
            kLeft, options.requests, options.bytes, options.workers);
  for (std::size_t m = 0; m < kModels.size(); ++m) {
    out.print("<rect x=\"{}\" y=\"36\" width=\"14\" height=\"14\" fill=\"{}\"/><text x=\"{}\" y=\"48\">{}</text>\n",
              kLeft + static_cast<int>(m) * 200, kColours[m], kLeft + static_cast<int>(m) * 200 + 20, name_of(kModels[m]));
  }
  for (std::size_t p = 0; p < panels.size(); ++p) {
    const Panel& panel = panels[p];
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
    for (std::size_t g = 0; g < options.connection_counts.size(); ++g) {
      const std::size_t count = options.connection_counts[g];
      const int gx = x0 + 10 + static_cast<int>(g) * (3 * kBarWidth + kGroupGap);
      out.print("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{} connections</text>\n", gx + 3 * kBarWidth / 2,
                base + 18, count);
      for (std::size_t m = 0; m < kModels.size(); ++m) {
        const Result* found = nullptr;
        for (const Result& r : results)
          if (r.connections == count && r.model == kModels[m]) found = &r;
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

// The default chart path: echo-bench.svg in the build directory (the executable is in
// BUILD/bench/), or the working directory if that cannot be read.
std::string default_svg_path() {
  std::error_code error;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) return "echo-bench.svg";
  return (exe.parent_path().parent_path() / "echo-bench.svg").string();
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  options.svg = default_svg_path();
  CLI::App app{"echo_bench: thread per connection vs executor vs event loop, on loopback"};
  app.add_option("--connections", options.connection_counts, "concurrent connections, e.g. 100,1000,5000")
      ->delimiter(',')
      ->check(CLI::Range(std::size_t{1}, std::size_t{100000}));
  app.add_option("--requests", options.requests, "request/response rounds per connection")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1000}));
  app.add_option("--bytes", options.bytes, "bytes per request, newline included")
      ->check(CLI::Range(std::size_t{8}, std::size_t{4096}));
  app.add_option("--workers", options.workers, "the executor's max_workers")
      ->check(CLI::Range(std::size_t{1}, std::size_t{10000}));
  app.add_option("--runs", options.runs, "runs of each model at each count; the median is shown")
      ->check(CLI::Range(std::size_t{1}, std::size_t{25}));
  app.add_option("--time-limit", options.time_limit_s, "seconds before a run is stopped")
      ->check(CLI::Range(1.0, 3600.0));
  app.add_option("--svg", options.svg, "where to write the chart")->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& help) {
    return app.exit(help);
  } catch (const CLI::ParseError& error) {
    std::fprintf(stderr, "echo_bench: %s (--help lists the options)\n", error.what());
    return 2;
  }

  // A chart that cannot be written is found out now, not after the runs.
  try {
    fmt::output_file(options.svg).close();
  } catch (const std::exception& error) {
    std::fprintf(stderr, "echo_bench: cannot write the chart: %s\n", error.what());
    return 2;
  }

  // Every connection is a file descriptor on both sides (the client here, the server in
  // its child): raise the soft limit as far as the hard one allows, and say so when a
  // count cannot be had rather than failing half-way.
  rlimit files{};
  ::getrlimit(RLIMIT_NOFILE, &files);
  files.rlim_cur = files.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &files);
  ::signal(SIGPIPE, SIG_IGN);

  fmt::print("echo_bench: {} requests of {} bytes per connection, executor max_workers {}, {} s limit per run, "
             "{} cores, open files limit {}\n",
             options.requests, options.bytes, options.workers, options.time_limit_s, std::thread::hardware_concurrency(),
             static_cast<unsigned long long>(files.rlim_cur));
  std::vector<Result> results;
  bool all_ok = true;
  for (const std::size_t count : options.connection_counts) {
    constexpr std::size_t kSpareFiles = 64;  // the listener, pipes, epoll, stdio, /proc
    if (files.rlim_cur != RLIM_INFINITY && count + kSpareFiles > files.rlim_cur) {
      fmt::print(stderr, "echo_bench: {} connections cannot be had: they need {} open files, RLIMIT_NOFILE allows {}\n",
                 count, count + kSpareFiles, static_cast<unsigned long long>(files.rlim_cur));
      all_ok = false;
      continue;
    }
    // --runs rounds, each model once per round (so that a burst of load elsewhere falls
    // on all three alike); each model's median run by requests per second is kept.
    std::array<std::vector<Result>, kModels.size()> runs;
    for (std::size_t round = 0; round < options.runs; ++round) {
      for (std::size_t m = 0; m < kModels.size(); ++m) {
        fmt::print("  {} connections, {}, run {} of {} ...", count, name_of(kModels[m]), round + 1, options.runs);
        std::fflush(stdout);
        Result r;
        try {
          r = measure(kModels[m], count, options);
        } catch (const std::exception& error) {
          r.model = kModels[m];
          r.connections = count;
          r.problem = error.what();
        }
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
  }
  print_table(results, options);
  try {
    write_svg(results, options);
    fmt::print("\nchart: {}\n", options.svg);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "echo_bench: cannot write the chart %s: %s\n", options.svg.c_str(), error.what());
    return 2;
  }
  return all_ok ? 0 : 1;
}
