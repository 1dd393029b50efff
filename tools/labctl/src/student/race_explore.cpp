#include "student/race_explore.hpp"

#include "explore/explore.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string_view>

namespace labctl {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kTraceTail = 12;  // scheduling points shown in the terminal; the rest are in the files

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

// format_trace's column heading and lines for the shown points of `events` (shown_points),
// without its comment lines (the schedule is printed above them): a ⚑ marks a point that
// matters to the failure, and a "…" line says how many points a gap leaves out.
std::string trace_rows(const std::vector<TraceEvent>& events, const TraceLocations& locations, std::size_t points) {
  const std::vector<TracePointWords> words = explain_trace(events);
  const std::vector<std::size_t> shown = shown_points(words, points);
  std::vector<TraceEvent> picked;
  for (std::size_t i : shown) picked.push_back(events[i]);
  const std::string text = format_trace(picked, locations, "");
  std::string rows;
  std::size_t row = 0;  // the picked event the next line is of (the first line is the heading)
  bool heading = true;
  for (std::string_view rest = text; !rest.empty();) {
    const std::string_view line = rest.substr(0, rest.find('\n'));
    rest.remove_prefix(std::min(rest.size(), line.size() + 1));
    if (line.rfind('#', 0) == 0) continue;
    if (heading) {
      rows += "  " + std::string(line) + "\n";
      heading = false;
      continue;
    }
    const std::size_t index = shown[row];
    const std::size_t before = row == 0 ? 0 : shown[row - 1] + 1;
    if (index > before) rows += fmt::format("       … {} point{} left out\n", index - before, index - before == 1 ? "" : "s");
    rows += (words[index].key ? "⚑ " : "  ") + std::string(line) + "\n";
    ++row;
  }
  return rows;
}

// --explore: one side's demo under the explorer, a run failing when it prints anything but
// the reference's answer. Prints what was found; for the failing side, the last scheduling
// points, the trace files and the replay command. True when a schedule failed.
bool explore_side(const Lab& lab, const fs::path& lab_dir, const RaceDemo& demo, const std::string& expected,
                  const RaceOptions& options, const fs::path& scratch) {
  const std::string& name = demo.name;
  ExploreOptions explore;
  explore.command = {demo.program.string()};
  explore.expect = expected;
  explore.schedules = options.schedules;
  explore.keep_trace = true;
  explore.progress = name + " under the explorer";
  const ExploreFinding finding = explore_quietly(explore);
  if (!finding.failed) {
    fmt::print("  {}: no failure in {} schedules: the same answer whatever the interleaving\n", name, finding.runs);
    return false;
  }
  const fs::path stem = scratch / fmt::format("lab{}-{}-explore", lab.number, demo.side);
  const std::vector<TraceEvent> mine = in_lab_code(finding, lab_dir);
  const std::vector<TraceEvent>& shown = mine.empty() ? finding.trace : mine;
  const fs::path text = fs::path(stem).concat(".trace");
  const fs::path svg = fs::path(stem).concat(".svg");
  const fs::path page = fs::path(stem).concat(".html");
  const std::string replay = fmt::format("tools/lab explore --replay {} --expect {} -- {}", finding.schedule,
                                         shell_quote(expected), shell_quote(demo.program.string()));
  {
    std::ofstream out(text, std::ios::binary | std::ios::trunc);
    out << format_trace(finding.trace, finding.locations, finding.schedule);
    std::ofstream drawing(svg, std::ios::binary | std::ios::trunc);
    // The drawing shows the lab's own points when there are any: a whole run is thousands of rows.
    drawing << render_trace_svg(shown, finding.locations, finding.schedule, 400,
                                mine.empty() ? "" : fmt::format("in labs/{}/, of {} in the run", lab.slug,
                                                                point_count(finding.trace)));
    // The page has every point: the one that caused the failure may be long before the end.
    std::ofstream html(page, std::ios::binary | std::ios::trunc);
    html << render_trace_html(finding.trace, finding.locations,
                              {fmt::format("lab {}: {} under the explorer", lab.number, name), finding.schedule,
                               finding.failure, replay});
  }
  fmt::print("  {}: schedule {} of {} failed: {}\n", name, finding.schedule_index, options.schedules, finding.failure);
  fmt::print("  {}\n\n", finding.schedule);
  const std::size_t count = std::min(kTraceTail, shown.size());
  const std::string which = mine.empty() ? fmt::format("The last {} of the run's {} scheduling points", count,
                                                       point_count(finding.trace))
                                         : fmt::format("The last {} scheduling points in labs/{}/ (of {} in the run)",
                                                       count, lab.slug, point_count(finding.trace));
  fmt::print("{}, with the earlier ones that matter\nto the failure (⚑); one thread runs at a time, and control "
             "changes hands only at these calls:\n",
             which);
  fmt::print("{}\n", trace_rows(shown, finding.locations, kTraceTail));
  fmt::print("The whole interleaving: {} (text), {} (drawing),\n  {} (a page to step through in a browser)\n",
             text.string(), svg.string(), page.string());
  fmt::print("Replay it, the same failure every time:\n  {}\n", replay);
  return true;
}

}  // namespace

std::vector<std::size_t> shown_points(const std::vector<TraceEvent>& events, std::size_t points) {
  return shown_points(explain_trace(events), points);
}

std::vector<std::size_t> shown_points(const std::vector<TracePointWords>& words, std::size_t points) {
  constexpr std::size_t kEarlierKeyPoints = 6;
  const std::size_t window = words.size() - std::min(points, words.size());
  std::vector<std::size_t> shown;
  for (std::size_t i = window; i-- > 0 && shown.size() < kEarlierKeyPoints;) {
    if (words[i].key) shown.push_back(i);
  }
  std::reverse(shown.begin(), shown.end());
  for (std::size_t i = window; i < words.size(); ++i) shown.push_back(i);
  return shown;
}

void explore_demos(const Lab& lab, const fs::path& lab_dir, const std::vector<RaceDemo>& demos,
                   const std::string& expected, const RaceOptions& options, const fs::path& scratch) {
  fmt::print("\nUnder the explorer: one thread at a time, each interleaving chosen by a seed, a run failing\n"
             "when it prints anything but \"{}\":\n", expected);
  std::fflush(stdout);
  bool reference_failed = false;
  for (const RaceDemo& demo : demos) {
    const bool failed = explore_side(lab, lab_dir, demo, expected, options, scratch);
    reference_failed = reference_failed || (failed && demo.side == "solution");
    std::fflush(stdout);
  }
  // A correct program can only fail here when the explorer cannot steer it: a thread
  // blocked in a call that is not a scheduling point (accept, recv, a worker process's
  // pipe) holds the only turn, and the watchdog ends the run.
  if (reference_failed) {
    fmt::print("\nThe reference fails under the explorer too, so these failures say nothing about your code:\n"
               "this demo waits in calls the explorer does not control (sockets, worker processes; see\n"
               "docs/determinism.md, Limits). Use the chart above and tools/lab check {} instead.\n",
               lab.number);
  }
}

}  // namespace labctl
