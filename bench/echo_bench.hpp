// echo_bench's pieces (bench/echo_bench*.cpp, docs/performance.md): the three models, the
// options, one measurement's figures, how a measurement is made and how results are shown.
//   echo_bench_measure.cpp   the servers in a forked child, the client, one measurement
//   echo_bench_report.cpp    the tables, the ratios and the SVG charts
//   echo_bench.cpp           the command line, the rounds of runs, main()
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace echo_bench {

using Clock = std::chrono::steady_clock;

// ------------------------------------------------------------------ the three models

enum class Model { thread_per_connection, executor, event_loop };
constexpr std::array<Model, 3> kModels{Model::thread_per_connection, Model::executor, Model::event_loop};

inline const char* name_of(Model model) {
  switch (model) {
    case Model::thread_per_connection: return "thread per connection";
    case Model::executor: return "executor";
    case Model::event_loop: return "event loop";
  }
  return "?";
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

// ------------------------------------------------------------------ measuring (echo_bench_measure.cpp)

// One run of `model` in the busy scenario: `count` connections, every one busy. A run
// that cannot be made (no listener, no fork) is a failed result, not an exception.
Result measure_busy(Model model, std::size_t count, const Options& options);

// One run of `model` in the idle scenario: `idle` silent connections, then
// options.active busy ones measured for options.window_s.
Result measure_idle(Model model, std::size_t idle, const Options& options);

// ------------------------------------------------------------------ showing (echo_bench_report.cpp)

// "12 345": thousands apart, for the tables.
std::string with_thousands(double value);

// The busy scenario's table and ratios, and its chart at options.svg.
void print_table(const std::vector<Result>& results, const Options& options);
void write_busy_chart(const std::vector<Result>& results, const Options& options);

// The idle scenario's table and ratios, and its chart at options.idle_svg.
void print_idle_table(const std::vector<Result>& results, const Options& options);
void write_idle_chart(const std::vector<Result>& results, const Options& options);

// The default chart path: `name` in the build directory (the executable is in
// BUILD/bench/), or the working directory if that cannot be read.
std::string default_chart_path(const char* name);

}  // namespace echo_bench
