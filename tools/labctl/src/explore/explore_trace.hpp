// `labctl explore --trace FILE`: turns the preload library's raw trace of a failing run (one
// tab-separated line per scheduling point, see RACELAB_EXPLORE_TRACE in schedule.hpp) into
// text a student can read: the scheduling points in the order they ran, which thread made
// each, on what, and from which source line (addr2line, where the program has debug info).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace labctl {

// One scheduling point of the raw trace.
struct TraceEvent {
  std::uint64_t step = 0;
  int thread = 0;
  std::string event;   // lock, unlock, create, ..., deadlock
  std::string object;  // a mutex's or condition variable's address, T<id>, or "-"
  std::string module;  // the file the call came from; empty when unknown
  std::uint64_t offset = 0;
  // Where the object lies when it is a module's global (empty for the heap and stack, and in
  // traces of the six-column form), and its name from that module's symbols once
  // name_trace_objects ran: "a_mutex", "lab10::g_accounts_lock", "g_table+16".
  std::string object_module;
  std::uint64_t object_offset = 0;
  std::string object_name;
  std::uint64_t repeats = 1;  // after collapse_repeats: how many identical points in a row this stands for
};

// The raw trace's events; malformed lines (a run killed mid-write) are skipped.
std::vector<TraceEvent> parse_trace(std::string_view raw);

// Runs of identical points in a row (the same thread making the same call on the same
// object from the same place: a sleep-polling loop makes hundreds of thousands) as one
// event each, with `repeats` set. The first one's step is kept.
std::vector<TraceEvent> collapse_repeats(std::vector<TraceEvent> events);

// The scheduling points `events` stand for (each counts `repeats` times).
std::uint64_t point_count(const std::vector<TraceEvent>& events);

// Source locations ("b_then_a() lock_order.cpp:23"), by (module, offset).
using TraceLocations = std::map<std::pair<std::string, std::uint64_t>, std::string>;

// Asks addr2line for every event's location; modules it cannot read, and addr2line's
// absence, leave locations out. `work_dir` holds addr2line's output while it runs.
TraceLocations locate_trace(const std::vector<TraceEvent>& events, const std::filesystem::path& work_dir);

// Names every event's object that is a module's global, from that module's symbols
// (llvm-symbolizer's DATA lookup: "(anonymous namespace)::" left out, "+N" inside a larger
// object). Objects of the heap or stack, unreadable modules and a missing symbolizer leave
// names empty: the readers then fall back to short names (m1, c1) or addresses.
void name_trace_objects(std::vector<TraceEvent>& events, const std::filesystem::path& work_dir);

// What a reader calls the event's object: its name, else the object as traced.
inline const std::string& object_words(const TraceEvent& event) {
  return event.object_name.empty() ? event.object : event.object_name;
}

// Where an event came from, for a reader: "file:line function()" from addr2line's
// answer (argument lists, "(anonymous namespace)::" and "[abi:cxx11]" left out: they
// drown the line number), else "module+0xoffset", else empty.
std::string trace_location(const TraceEvent& event, const TraceLocations& locations);

// The text written to --trace FILE: a heading with the schedule, then one line per event.
std::string format_trace(const std::vector<TraceEvent>& events, const TraceLocations& locations,
                         std::string_view schedule);

// addr2line's "function(args) file:line" as trace_location shows it (see there).
std::string readable_location(std::string_view located);

// The SVG written to --trace FILE.svg (explore_trace_svg.cpp): one column per thread, one
// row per scheduling point, so each thread's timeline reads downwards and a dashed line
// marks every hand-over of control from one thread to another. Only the last `max_events`
// points, of at most 12 threads, are drawn (a heading says how many came before): the
// failure is at the end, and the page (render_trace_html) has them all. `scope` says what
// `events` are when they are not the whole run, after their count ("in labs/01-lost-update/,
// of 5234 in the run"), so the drawing and the terminal count the same points.
std::string render_trace_svg(const std::vector<TraceEvent>& events, const TraceLocations& locations,
                             std::string_view schedule, std::size_t max_events = 400, std::string_view scope = "");

// What a beginner reads for each (collapsed) point, for the HTML page (explore_trace_words.cpp).
struct TracePointWords {
  std::string words;  // "asks for mutex m1 (held by T2)", "unlocks m1", "stuck: waits for m2 (held by T1)"
  std::string holds;  // the mutexes this thread holds when it makes the point: "m1, m2", or empty
  bool key = false;   // one of the points that matter to the failure (see explain_trace)
};

// Words for every event, in order. A global is called by its name (name_trace_objects);
// other objects get short names by kind, in order of first use
// (mutexes m1, m2...; condition variables c1...; memory x1...): an address says nothing to
// a reader, and the same name across rows shows it is the same object. A `lock` point is
// made before the call, so it says "asks for"; the thread holds the mutex from its next
// point on, until it unlocks. Key points: on a deadlock, each stuck thread's last request
// and the point where the holder of what it waits for took it; otherwise each thread's
// last point before the run ended.
std::vector<TracePointWords> explain_trace(const std::vector<TraceEvent>& events);

// What the HTML page shows above the points.
struct TracePage {
  std::string title;     // "lock_order under the explorer"
  std::string schedule;  // the failing run's schedule string
  std::string failure;   // why it failed: "deadlock (every live thread blocked)"
  std::string replay;    // the command that replays it
};

// The page written to --trace FILE.html (explore_trace_html.cpp): one self-contained file
// (inline CSS and JavaScript, no network), every point as a row under its thread's column,
// stepped through with the keyboard. The data is embedded as JSON with every '<', '>' and
// '&' escaped, so no name in the program can end the script or inject markup.
std::string render_trace_html(const std::vector<TraceEvent>& events, const TraceLocations& locations,
                              const TracePage& page);

// `text` as a JSON string literal (quotes included) that is safe inside an HTML <script>.
std::string json_string_for_html(std::string_view text);

// From addr2line -a -f -i -C output for the given offsets: each offset's location, the first
// frame (innermost first) that is not in a system header, else the innermost one.
std::map<std::uint64_t, std::string> parse_addr2line(std::string_view output);

}  // namespace labctl
