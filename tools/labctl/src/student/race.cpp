#include "student/race.hpp"

#include "base/errors.hpp"
#include "explore/explore.hpp"
#include "base/process.hpp"
#include "student/race_chart.hpp"
#include "base/style.hpp"
#include "run/test_program.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <fstream>

namespace labctl {
namespace {

namespace fs = std::filesystem;

constexpr std::chrono::seconds kRunLimit{5};
constexpr std::chrono::seconds kConfigureLimit{1800};

std::string demo_target(const Lab& lab, const std::string& side) { return lab.target(side) + "_demo"; }

void configure_release(const fs::path& root, const fs::path& build, const char* why = "once") {
  std::fprintf(stderr, "racelab: configuring the release preset (%s)\n", why);
  ProcessSpec spec;
  spec.argv = {"cmake", "--preset", "release", "-B", fs::absolute(build).string()};
  spec.cwd = root;
  spec.log = runs_dir(build) / "configure.log";
  spec.limit = kConfigureLimit;
  const ProcessResult result = run_process(spec);
  if (!result.status.ok()) {
    std::string error = first_error_line(read_file(spec.log));
    if (error.empty()) error = "cmake " + result.status.describe();
    throw Error(fmt::format("cannot configure the release preset: {} (full log: {})", error, spec.log.string()));
  }
}

void build_demo(const fs::path& root, const fs::path& build, const std::string& target) {
  BuildResult result = build_target(build, target);
  if (!result.ok && read_file(result.log).find("unknown target") != std::string::npos) {
    // A demo added after the build was configured is not a target yet: configure again, once.
    configure_release(root, build, fmt::format("again: {} is new to it", target).c_str());
    result = build_target(build, target);
  }
  if (!result.ok) {
    throw Error(fmt::format("{} does not build: {} (full log: {})", target, result.error, result.log.string()));
  }
}

// Runs one side's demo `runs` times; the outcome of each run.
std::vector<std::string> run_side(const fs::path& program, const std::string& label, int runs,
                                  const fs::path& scratch) {
  if (!fs::exists(program)) {
    throw Error(fmt::format("demo program {} not found: build it (or run without --no-build)", program.string()));
  }
  const bool progress = stderr_is_terminal();
  std::vector<std::string> outcomes;
  outcomes.reserve(static_cast<std::size_t>(runs));
  ProcessSpec spec;
  spec.argv = {program.string()};
  spec.log = scratch / (program.filename().string() + ".stderr");
  spec.stdout_log = scratch / (program.filename().string() + ".stdout");
  spec.limit = kRunLimit;
  for (int i = 1; i <= runs; ++i) {
    if (progress) std::fprintf(stderr, "\r%s: run %d/%d ", label.c_str(), i, runs);
    const ProcessResult result = run_process(spec);
    outcomes.push_back(outcome_of(result.status, read_file(spec.stdout_log)));
  }
  if (progress) std::fprintf(stderr, "\r\x1b[K");
  return outcomes;
}

void check_svg_path(const fs::path& svg) {
  if (svg.empty()) return;
  if (svg.extension() != ".svg") {
    if (fs::exists(svg)) throw Error(fmt::format("{} exists and is not an .svg file: not overwriting it", svg.string()));
  }
  if (fs::is_directory(svg)) throw Error(fmt::format("{} is a directory, not a file name for the SVG", svg.string()));
}

constexpr int kTraceTail = 12;  // scheduling points shown in the terminal; the rest are in the files

// The points made from the lab's own files (labs/NN-slug/*, the student's code), and the
// deadlock lines that end a deadlocked run: what the student can act on. The executor's and
// the demo's own points (queue locks, joins, a sleep-polling deadline) are left out.
std::vector<TraceEvent> in_lab_code(const ExploreFinding& finding, const fs::path& lab_dir) {
  std::vector<std::string> names;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(lab_dir, error)) names.push_back(entry.path().filename().string());
  std::vector<TraceEvent> mine;
  for (const TraceEvent& event : finding.trace) {
    const std::string where = trace_location(event, finding.locations);
    const bool in_lab = std::any_of(names.begin(), names.end(), [&](const std::string& name) {
      return where.rfind(name + ":", 0) == 0;  // "file:line function()"
    });
    if (in_lab || event.event == "deadlock") mine.push_back(event);
  }
  return mine;
}

// format_trace's column heading and lines for the last `points` of `events`, without its
// comment lines (the schedule is printed above them).
std::string trace_rows(const std::vector<TraceEvent>& events, const TraceLocations& locations, int points) {
  const std::vector<TraceEvent> last(events.end() - std::min<std::ptrdiff_t>(points, std::ssize(events)), events.end());
  const std::string text = format_trace(last, locations, "");
  std::string rows;
  for (std::string_view rest = text; !rest.empty();) {
    const std::string_view line = rest.substr(0, rest.find('\n'));
    rest.remove_prefix(std::min(rest.size(), line.size() + 1));
    if (line.rfind('#', 0) != 0) rows += std::string(line) + "\n";
  }
  return rows;
}

// --explore: one side's demo under the explorer, a run failing when it prints anything but
// the reference's answer. Prints what was found; for the failing side, the last scheduling
// points, the trace files and the replay command. True when a schedule failed.
bool explore_side(const Lab& lab, const fs::path& lab_dir, const fs::path& program, const std::string& name, const std::string& expected,
                  const RaceOptions& options, const fs::path& scratch) {
  ExploreOptions explore;
  explore.command = {program.string()};
  explore.expect = expected;
  explore.schedules = options.schedules;
  explore.keep_trace = true;
  explore.progress = name + " under the explorer";
  const ExploreFinding finding = explore_quietly(explore);
  if (!finding.failed) {
    fmt::print("  {}: no failure in {} schedules: the same answer whatever the interleaving\n", name, finding.runs);
    return false;
  }
  const fs::path stem = scratch / fmt::format("lab{}-{}-explore", lab.number, name == "your code" ? "starter" : "solution");
  const std::vector<TraceEvent> mine = in_lab_code(finding, lab_dir);
  const std::vector<TraceEvent>& shown = mine.empty() ? finding.trace : mine;
  const fs::path text = fs::path(stem).concat(".trace");
  const fs::path svg = fs::path(stem).concat(".svg");
  {
    std::ofstream out(text, std::ios::binary | std::ios::trunc);
    out << format_trace(finding.trace, finding.locations, finding.schedule);
    std::ofstream drawing(svg, std::ios::binary | std::ios::trunc);
    // The drawing shows the lab's own points when there are any: a whole run is thousands of rows.
    drawing << render_trace_svg(shown, finding.locations, finding.schedule);
  }
  fmt::print("  {}: schedule {} of {} failed: {}\n", name, finding.schedule_index, options.schedules, finding.failure);
  fmt::print("  {}\n\n", finding.schedule);
  const std::size_t count = std::min<std::size_t>(kTraceTail, shown.size());
  const std::string which = mine.empty() ? fmt::format("The last {} of the run's {} scheduling points", count,
                                                       point_count(finding.trace))
                                         : fmt::format("The last {} scheduling points in labs/{}/ (of {} in the run)",
                                                       count, lab.slug, point_count(finding.trace));
  fmt::print("{}; one thread runs at a time,\nand control changes hands only at these calls:\n", which);
  fmt::print("{}\n", trace_rows(shown, finding.locations, kTraceTail));
  fmt::print("The whole interleaving: {} (text), {} (drawing)\n", text.string(), svg.string());
  fmt::print("Replay it, the same failure every time:\n  tools/lab explore --replay {} --expect {} -- {}\n",
             finding.schedule, shell_quote(expected), shell_quote(program.string()));
  return true;
}

}  // namespace

int run_race(const Workspace& workspace, const RaceOptions& options) {
  const Lab* lab = workspace.select({options.lab}).front();
  const fs::path source = workspace.root / "tests" / (lab->slug + ".demo.cpp");
  if (!fs::exists(source)) {
    throw Error(fmt::format("lab {} has no demo program yet (tests/{}.demo.cpp)", lab->number, lab->slug));
  }
  if (options.runs < 1) throw Error("--runs must be at least 1");
  check_svg_path(options.svg);

  const fs::path build = options.release_build.empty() ? workspace.root / "build" / "release" : options.release_build;
  std::vector<std::string> sides = {"solution"};
  if (!options.solution_only) sides.insert(sides.begin(), "starter");
  if (!options.no_build) {
    if (!fs::is_regular_file(build / "CMakeCache.txt")) configure_release(workspace.root, build);
    for (const auto& side : sides) build_demo(workspace.root, build, demo_target(*lab, side));
  }

  const fs::path scratch = runs_dir(build);
  std::error_code ignored;
  fs::create_directories(scratch, ignored);

  Chart chart;
  chart.lab = lab->number;
  Tally reference;
  std::vector<ChartSide> chart_sides;
  for (const auto& side : sides) {
    const std::string name = side == "solution" ? "reference" : "your code";
    const auto outcomes =
        run_side(test_program_path(build, demo_target(*lab, side)), name, options.runs, scratch);
    chart_sides.push_back({name, count_outcomes(outcomes)});
  }
  chart.sides = std::move(chart_sides);
  const Tally& solution = chart.sides.back().tally;
  if (!solution.rows.empty()) chart.reference = solution.rows.front().outcome;

  const Style style = Style::for_stdout();
  Paint paint;
  if (style.colour()) paint = {"\x1b[32m", "\x1b[31m", "\x1b[0m"};
  std::fputs(render_text(chart, paint).c_str(), stdout);
  std::fputs("\n", stdout);
  std::fputs(style(summary_line(chart), Tone::bold).c_str(), stdout);
  std::fputs("\n", stdout);

  if (!options.svg.empty()) {
    std::ofstream out(options.svg, std::ios::binary | std::ios::trunc);
    out << render_svg(chart);
    out.close();
    if (!out) throw Error(fmt::format("cannot write {}", options.svg.string()));
    std::printf("chart: %s\n", options.svg.string().c_str());
  }
  if (options.explore) {
    fmt::print("\nUnder the explorer: one thread at a time, each interleaving chosen by a seed, a run failing\n"
               "when it prints anything but \"{}\":\n", chart.reference);
    std::fflush(stdout);
    bool reference_failed = false;
    for (const auto& side : sides) {
      const std::string name = side == "solution" ? "reference" : "your code";
      const bool failed = explore_side(*lab, workspace.root / "labs" / lab->slug,
                                       test_program_path(build, demo_target(*lab, side)), name, chart.reference,
                                       options, scratch);
      reference_failed = reference_failed || (failed && side == "solution");
      std::fflush(stdout);
    }
    // A correct program can only fail here when the explorer cannot steer it: a thread
    // blocked in a call that is not a scheduling point (accept, recv, a worker process's
    // pipe) holds the only turn, and the watchdog ends the run.
    if (reference_failed) {
      fmt::print("\nThe reference fails under the explorer too, so these failures say nothing about your code:\n"
                 "this demo waits in calls the explorer does not control (sockets, worker processes; see\n"
                 "docs/determinism.md, Limits). Use the chart above and tools/lab check {} instead.\n",
                 lab->number);
    }
  }
  std::fflush(stdout);
  return kExitOk;
}

}  // namespace labctl
