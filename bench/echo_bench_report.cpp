// echo_bench: what a run of measurements looks like on the terminal (a table, the ratios)
// and as SVG charts. See echo_bench.hpp.
#include "echo_bench.hpp"
#include "echo_server.hpp"  // lab13::kIdleTimeout, named in the idle table

#include <fmt/core.h>
#include <fmt/os.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace echo_bench {

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

void write_busy_chart(const std::vector<Result>& results, const Options& options) {
  write_svg(results, busy_chart(options));
}

void write_idle_chart(const std::vector<Result>& results, const Options& options) {
  write_svg(results, idle_chart(options));
}

}  // namespace echo_bench
