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
};

// The raw trace's events; malformed lines (a run killed mid-write) are skipped.
std::vector<TraceEvent> parse_trace(std::string_view raw);

// Source locations ("b_then_a() lock_order.cpp:23"), by (module, offset).
using TraceLocations = std::map<std::pair<std::string, std::uint64_t>, std::string>;

// Asks addr2line for every event's location; modules it cannot read, and addr2line's
// absence, leave locations out. `work_dir` holds addr2line's output while it runs.
TraceLocations locate_trace(const std::vector<TraceEvent>& events, const std::filesystem::path& work_dir);

// The text written to --trace FILE: a heading with the schedule, then one line per event.
std::string format_trace(const std::vector<TraceEvent>& events, const TraceLocations& locations,
                         std::string_view schedule);

// From addr2line -a -f -i -C output for the given offsets: each offset's location, the first
// frame (innermost first) that is not in a system header, else the innermost one.
std::map<std::uint64_t, std::string> parse_addr2line(std::string_view output);

}  // namespace labctl
