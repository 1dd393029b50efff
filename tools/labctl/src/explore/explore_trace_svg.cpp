// `labctl explore --trace FILE.svg`: the failing interleaving drawn as swim lanes. See
// render_trace_svg() in explore_trace.hpp.
//
// Why lanes: the text trace lists the points in the order they ran, which is right for
// replaying in one's head but hides which thread was where. In the drawing each thread has
// a column, time goes down, and a dashed line crosses from one column to another exactly
// where the scheduler handed control over: the reader sees the preemption that caused the
// bug (say, T2 running between T1's check and T1's act) as a line crossing the gap.
#include "explore/explore_trace.hpp"
#include "base/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

namespace labctl {
namespace {

constexpr int kMargin = 16;
constexpr int kHeaderHeight = 64;  // title, schedule, omitted-points note
constexpr int kLaneHeaderHeight = 26;
constexpr int kLaneWidth = 270;
constexpr int kRowHeight = 32;  // two lines: the call, then where it came from
constexpr int kStepColumn = 56;  // the step numbers, left of the lanes
constexpr std::size_t kMaxLanes = 12;  // threads drawn side by side, at most
constexpr int kCharWidth = 7;  // a character of the 11 px monospace font, rounded up

// A fill per kind of call: blocking ones warm, releasing ones cool, the ending red.
const char* fill_of(const std::string& event) {
  if (event == "deadlock") return "#f4b6b0";
  if (event == "lock" || event == "trylock" || event == "wait" || event == "timedwait" || event == "join") {
    return "#fde3b0";
  }
  if (event == "unlock" || event == "signal" || event == "broadcast") return "#cfe3f7";
  if (event == "create" || event == "exit") return "#d5ecd4";
  return "#e8e8e8";
}

// "0x55e107b9b3a8" → "…b3a8": in a lane there is room for the part that tells two mutexes
// apart (the tooltip has the whole address).
std::string short_object(const std::string& object) {
  if (object.rfind("0x", 0) == 0 && object.size() > 6) return "…" + object.substr(object.size() - 4);
  return object == "-" ? "" : object;
}

}  // namespace

std::string render_trace_svg(const std::vector<TraceEvent>& events, const TraceLocations& locations,
                             std::string_view schedule, std::size_t max_events, std::string_view scope) {
  // The drawn part: the last entries, at most max_events of them and of at most kMaxLanes
  // threads (a run of a hundred threads would be a drawing a hundred lanes wide).
  std::size_t first = events.size();
  {
    std::set<int> threads;
    while (first > 0 && events.size() - first < max_events) {
      threads.insert(events[first - 1].thread);
      if (threads.size() > kMaxLanes) break;
      --first;
    }
  }
  // Lanes: every thread seen in the drawn part, in thread-number order (T0 = main first).
  std::map<int, int> lane_of;
  for (std::size_t i = first; i < events.size(); ++i) lane_of.emplace(events[i].thread, 0);
  int lane_count = 0;
  for (auto& [thread, lane] : lane_of) lane = lane_count++;

  const int rows = static_cast<int>(events.size() - first);
  const std::string what = scope.empty() ? "" : " " + std::string(scope);
  const std::string note =
      first == 0 ? fmt::format("{} scheduling points{}; one thread runs at a time, time goes down; a dashed line is "
                               "a hand-over of control",
                               point_count(events), what)
                 : fmt::format("the last {} of {} entries ({} scheduling points{}; the rest are in the text trace); "
                               "time goes down; a dashed line is a hand-over of control",
                               rows, events.size(), point_count(events), what);
  // Wide enough for the lanes, and for the heading's lines whole (SVG text does not wrap: a
  // line wider than the drawing was cut at its edge).
  const int heading_width = 2 * kMargin + kCharWidth * static_cast<int>(std::max(display_width(schedule),
                                                                                 display_width(note)));
  const int width = std::max(2 * kMargin + kStepColumn + std::max(lane_count, 1) * kLaneWidth, heading_width);
  const int top = kMargin + kHeaderHeight + kLaneHeaderHeight;
  const int height = top + rows * kRowHeight + kMargin;
  auto lane_x = [&](int thread) { return kMargin + kStepColumn + lane_of[thread] * kLaneWidth; };

  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "font-family=\"DejaVu Sans Mono, monospace\" font-size=\"11\">\n"
      "<title>racelab explore: the failing interleaving</title>\n"
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
      width, height);
  svg += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"15\" font-weight=\"bold\">The failing interleaving</text>\n",
                     kMargin, kMargin + 14);
  svg += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>\n", kMargin, kMargin + 34, xml_escape(schedule));
  svg += fmt::format("<text x=\"{}\" y=\"{}\" fill=\"#555\">{}</text>\n", kMargin, kMargin + 52, xml_escape(note));

  // Lane headings and guide lines.
  for (const auto& [thread, lane] : lane_of) {
    const int x = lane_x(thread);
    svg += fmt::format("<text x=\"{}\" y=\"{}\" font-weight=\"bold\">T{}{}</text>\n", x + 6,
                       kMargin + kHeaderHeight + 16, thread, thread == 0 ? " (main)" : "");
    svg += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#ddd\"/>\n", x + 2, top,
                       height - kMargin);
  }

  for (std::size_t i = first; i < events.size(); ++i) {
    const TraceEvent& event = events[i];
    const int row = static_cast<int>(i - first);
    const int y = top + row * kRowHeight;
    const int x = lane_x(event.thread);
    // A hand-over: the previous point was another thread's.
    if (i > first && events[i - 1].thread != event.thread) {
      const int from_x = lane_x(events[i - 1].thread) + kLaneWidth / 2;
      svg += fmt::format(
          "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#888\" stroke-dasharray=\"3,3\"/>\n", from_x,
          y - 2, x + kLaneWidth / 2, y + 2);
    }
    const std::string where = trace_location(event, locations);
    std::string label = fmt::format("{} {}", event.event,
                                    event.object_name.empty() ? short_object(event.object) : event.object_name);
    if (event.repeats > 1) label += fmt::format(" ×{}", event.repeats);
    svg += fmt::format("<text x=\"{}\" y=\"{}\" fill=\"#777\" text-anchor=\"end\">{}</text>\n",
                       kMargin + kStepColumn - 8, y + 15, event.step);
    svg += fmt::format("<g><title>{}</title>", xml_escape(fmt::format("step {}: T{} {} {} — {}", event.step,
                                                                       event.thread, event.event, event.object,
                                                                       where.empty() ? "no source line" : where)));
    svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"3\" fill=\"{}\" stroke=\"#999\"/>",
                       x + 4, y + 2, kLaneWidth - 8, kRowHeight - 4, fill_of(event.event));
    // The call, and under it where it came from (file:line, function), cut to the lane.
    const int columns = (kLaneWidth - 20) / 7;
    svg += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>", x + 9, y + 14, xml_escape(clip_end(label, columns)));
    if (!where.empty()) {
      svg += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"10\" fill=\"#444\">{}</text>", x + 9, y + 26,
                         xml_escape(clip_end(where, columns + 4)));
    }
    svg += "</g>\n";
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace labctl
