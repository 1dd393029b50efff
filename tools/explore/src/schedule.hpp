// The schedule string and the few constants shared by the preload library
// (libracelab_explore.so) and its driver (labctl explore). Header-only and free of
// fmt and other libraries, so the preload library stays a plain libc + libstdc++ one.
//
// A schedule is everything the controlled scheduler's choices depend on: the strategy,
// its seed and, for PCT, the depth and the step estimate. Given the same program, the
// same input and the same schedule string, every run makes the same choices, so the
// same interleaving, so the same failure.
//
//   racelab-schedule:v1:random:seed=1234
//   racelab-schedule:v1:pct:seed=1234:depth=3:steps=500
//   racelab-schedule:v1:delay:seed=1234:delays=2:steps=500
// (delay: delay bounding, issue 16: a round-robin scheduler that runs each thread until it
// blocks, with `delays` deviations placed at random steps out of `steps`.)
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace labctl::explore {

// Environment variables the driver sets for the program it runs.
inline constexpr const char* kScheduleEnv = "RACELAB_SCHEDULE";        // the schedule string
inline constexpr const char* kTimeoutEnv = "RACELAB_EXPLORE_TIMEOUT";  // watchdog, in seconds
inline constexpr const char* kStatsEnv = "RACELAB_EXPLORE_STATS";      // file: steps taken, at exit
inline constexpr const char* kAllCpusEnv = "RACELAB_EXPLORE_ALL_CPUS";  // set: do not pin to one CPU
// File: one line per scheduling point, as it happens, tab-separated:
//   step  thread  event  object  module  offset  object_module  object_offset
// (event: create, join, exit, lock, trylock, unlock, wait, timedwait, signal, broadcast,
// yield, sleep, deadlock; object: the mutex or condition variable's address, or the thread
// created or joined, T<id>; module and offset: where the call came from, for addr2line;
// object_module and object_offset: where the object lies when it is a module's global
// (empty and 0x0 for the heap and stack), for its name from the module's symbols).
inline constexpr const char* kTraceEnv = "RACELAB_EXPLORE_TRACE";

// Exit codes of a run the library ends itself; chosen to be unlikely in test programs.
inline constexpr int kExitDeadlock = 97;  // every live thread blocked
inline constexpr int kExitSpin = 98;      // no scheduling point reached within the timeout
inline constexpr int kExitBadSchedule = 99;  // RACELAB_SCHEDULE unparsable, or a real pthread function not found
// Source mode (issue 16): a data race was seen (two accesses, one a write, from different
// threads, unordered by happens-before). Reported at once, even when the output is right.
inline constexpr int kExitRace = 96;

// Source mode: set to 0 to turn race detection off (points stay).
inline constexpr const char* kRacesEnv = "RACELAB_EXPLORE_RACES";

// Source mode: the library's function that makes a scheduling point before a call into
// uninstrumented code; the grader's generated wrappers call it by this name
// (tools/labctl/src/grade/library_call_points.hpp), tsan_entry.cpp defines it.
inline constexpr std::string_view kCallPointFunction = "racelab_explore_call_point";
// Source mode: the library's function the same wrappers call, after the point, for each
// argument through which the library function called may store (a `double&`, an `int*`):
// racelab_explore_library_write(address, size, caller) records that store as the calling
// thread's write at `caller` (the call's return address), for the race detector, as if the
// library code were instrumented.
inline constexpr std::string_view kLibraryWriteFunction = "racelab_explore_library_write";
// Source mode: the same for the object a library member function is called on (its `this`):
// racelab_explore_library_object_write(object, caller) records a one-byte write at the
// object, unless it lies in a shared library's own data (std::cout and the other standard
// streams, shared by every thread on purpose). A member's read-add-store of its object's
// state (a shared stream's seekp) is otherwise one point no schedule can split.
inline constexpr std::string_view kLibraryObjectWriteFunction = "racelab_explore_library_object_write";

// The first line of every message the library prints, so the driver and users can find it.
inline constexpr std::string_view kReportPrefix = "racelab-explore: ";

// sync: random, but control changes hands only at synchronisation (locks, condition
// variables, threads created, joined, ending; a thread spinning on memory yields): memory
// accesses and library calls are not choices. Two tasks whose critical sections are far
// apart in memory accesses (a count between a locked read and a locked write) then meet at
// their locks as often as random meets them at adjacent accesses.
enum class Strategy { random, pct, delay, sync };

struct Schedule {
  Strategy strategy = Strategy::random;
  std::uint64_t seed = 0;
  int depth = 3;             // PCT: D, so D-1 priority change points
  std::uint64_t steps = 1000;  // PCT and delay: estimate of the scheduling points in one run
  int delays = 2;            // delay: how many times the round-robin order is deviated from

  bool operator==(const Schedule&) const = default;
};

// The strategy's name in a schedule string and on labctl's command line.
inline const char* strategy_name(Strategy s) {
  return s == Strategy::pct ? "pct" : s == Strategy::delay ? "delay" : s == Strategy::sync ? "sync" : "random";
}

// What every schedule string starts with (the catalogue writes schedules without it).
inline constexpr std::string_view kSchedulePrefix = "racelab-schedule:v1:";

// "racelab-schedule:v1:random:seed=1234"; PCT adds ":depth=D:steps=K", delay
// ":delays=D:steps=K". The string is the whole schedule: replaying it needs nothing else.
inline std::string format_schedule(const Schedule& s) {
  std::string out(kSchedulePrefix);
  out += strategy_name(s.strategy);
  out += ":seed=" + std::to_string(s.seed);
  if (s.strategy == Strategy::pct) {
    out += ":depth=" + std::to_string(s.depth) + ":steps=" + std::to_string(s.steps);
  } else if (s.strategy == Strategy::delay) {
    out += ":delays=" + std::to_string(s.delays) + ":steps=" + std::to_string(s.steps);
  }
  return out;
}

namespace detail {
inline std::optional<std::uint64_t> parse_number(std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}
}  // namespace detail

// The inverse of format_schedule; nullopt for anything it would not have written
// (unknown version, strategy or field, a missing seed, depth outside 1..100, delays
// outside 0..100, steps 0). Strings written before delay bounding parse as they did.
inline std::optional<Schedule> parse_schedule(std::string_view text) {
  constexpr std::string_view head = "racelab-schedule:v1:";
  if (text.substr(0, head.size()) != head) return std::nullopt;
  text.remove_prefix(head.size());
  Schedule s;
  const auto colon = text.find(':');
  const std::string_view name = text.substr(0, colon);
  if (name == "random") s.strategy = Strategy::random;
  else if (name == "pct") s.strategy = Strategy::pct;
  else if (name == "delay") s.strategy = Strategy::delay;
  else if (name == "sync") s.strategy = Strategy::sync;
  else return std::nullopt;
  bool have_seed = false;
  text = colon == std::string_view::npos ? std::string_view{} : text.substr(colon + 1);
  while (!text.empty()) {
    const auto next = text.find(':');
    const std::string_view field = text.substr(0, next);
    text = next == std::string_view::npos ? std::string_view{} : text.substr(next + 1);
    const auto eq = field.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    const auto key = field.substr(0, eq);
    const auto value = detail::parse_number(field.substr(eq + 1));
    if (!value) return std::nullopt;
    if (key == "seed") {
      s.seed = *value;
      have_seed = true;
    } else if (key == "depth" && s.strategy == Strategy::pct && *value >= 1 && *value <= 100) {
      s.depth = static_cast<int>(*value);
    } else if (key == "delays" && s.strategy == Strategy::delay && *value <= 100) {
      s.delays = static_cast<int>(*value);
    } else if (key == "steps" && (s.strategy == Strategy::pct || s.strategy == Strategy::delay) && *value >= 1) {
      s.steps = *value;
    } else {
      return std::nullopt;
    }
  }
  if (!have_seed) return std::nullopt;
  return s;
}

}  // namespace labctl::explore
