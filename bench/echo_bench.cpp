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
//
// The pieces: echo_bench.hpp.
#include "echo_bench.hpp"

#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <fmt/os.h>

#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace echo_bench;

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

bool run_busy(const Options& options, const rlimit& files) {
  std::vector<Result> results;
  bool all_ok = true;
  for (const std::size_t count : options.connection_counts) {
    if (!files_allow(count, files)) {
      all_ok = false;
      continue;
    }
    all_ok &= run_point(fmt::format("{} connections", count), options,
                        [&](Model model) { return measure_busy(model, count, options); }, results);
  }
  print_table(results, options);
  write_busy_chart(results, options);
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
    all_ok &= run_point(fmt::format("{} idle + {} active", idle, options.active), options,
                        [&](Model model) { return measure_idle(model, idle, options); }, results);
  }
  print_idle_table(results, options);
  write_idle_chart(results, options);
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
