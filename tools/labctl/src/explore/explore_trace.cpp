// `labctl explore --trace FILE`: see explore_trace.hpp.
#include "explore/explore_trace.hpp"

#include "base/process.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <set>

namespace labctl {
namespace {

namespace fs = std::filesystem;

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    const auto end = text.find(separator, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

template <typename T>
bool parse_number(std::string_view text, T& value, int base = 10) {
  if (base == 16 && text.substr(0, 2) == "0x") text.remove_prefix(2);
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  return error == std::errc{} && end == text.data() + text.size() && !text.empty();
}

}  // namespace

std::vector<TraceEvent> parse_trace(std::string_view raw) {
  std::vector<TraceEvent> events;
  for (std::string_view line : split(raw, '\n')) {
    const auto fields = split(line, '\t');
    // Six fields from an explorer before objects had modules; eight since (schedule.hpp).
    if (fields.size() != 6 && fields.size() != 8) continue;
    TraceEvent event;
    if (!parse_number(fields[0], event.step) || !parse_number(fields[1], event.thread) ||
        !parse_number(fields[5], event.offset, 16) ||
        (fields.size() == 8 && !parse_number(fields[7], event.object_offset, 16))) {
      continue;
    }
    event.event = fields[2];
    event.object = fields[3];
    event.module = fields[4];
    if (fields.size() == 8) event.object_module = fields[6];
    events.push_back(std::move(event));
  }
  return events;
}

std::vector<TraceEvent> collapse_repeats(std::vector<TraceEvent> events) {
  std::vector<TraceEvent> collapsed;
  for (TraceEvent& event : events) {
    if (!collapsed.empty()) {
      TraceEvent& last = collapsed.back();
      if (last.thread == event.thread && last.event == event.event && last.object == event.object &&
          last.module == event.module && last.offset == event.offset) {
        last.repeats += event.repeats;
        continue;
      }
    }
    collapsed.push_back(std::move(event));
  }
  return collapsed;
}

std::uint64_t point_count(const std::vector<TraceEvent>& events) {
  std::uint64_t points = 0;
  for (const TraceEvent& event : events) points += event.repeats;
  return points;
}

std::map<std::uint64_t, std::string> parse_addr2line(std::string_view output) {
  std::map<std::uint64_t, std::string> located;
  std::uint64_t address = 0;
  bool have_address = false;
  std::vector<std::pair<std::string, std::string>> frames;  // function, file:line
  auto flush = [&] {
    if (!have_address || frames.empty()) return;
    const std::pair<std::string, std::string>* chosen = nullptr;
    for (const auto& frame : frames) {
      if (frame.second.rfind("??", 0) == 0) continue;
      if (!chosen) chosen = &frame;
      if (frame.second.rfind("/usr/", 0) != 0) {
        chosen = &frame;
        break;
      }
    }
    if (chosen) {
      std::string file = chosen->second;
      if (const auto paren = file.find(" ("); paren != std::string::npos) file.resize(paren);  // "(discriminator 1)"
      located[address] = fmt::format("{} {}", chosen->first, fs::path(file).filename().string());
    }
  };
  const auto lines = split(output, '\n');
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    if (line.substr(0, 2) == "0x") {
      flush();
      frames.clear();
      have_address = parse_number(line, address, 16);
    } else if (!line.empty() && i + 1 < lines.size()) {
      frames.emplace_back(std::string(line), std::string(lines[i + 1]));
      ++i;
    }
  }
  flush();
  return located;
}

TraceLocations locate_trace(const std::vector<TraceEvent>& events, const fs::path& work_dir) {
  TraceLocations locations;
  const std::string addr2line = find_in_path("addr2line");
  if (addr2line.empty()) return locations;
  std::map<std::string, std::set<std::uint64_t>> wanted;
  for (const TraceEvent& event : events) {
    if (!event.module.empty()) wanted[event.module].insert(event.offset);
  }
  for (const auto& [module, offsets] : wanted) {
    std::error_code error;
    if (!fs::is_regular_file(module, error)) continue;
    ProcessSpec spec;
    spec.argv = {addr2line, "-a", "-f", "-i", "-C", "-e", module};
    for (std::uint64_t offset : offsets) spec.argv.push_back(fmt::format("0x{:x}", offset));
    spec.stdout_log = work_dir / "addr2line.out";
    spec.log = work_dir / "addr2line.err";
    spec.limit = std::chrono::seconds(30);
    try {
      if (!run_process(spec).status.ok()) continue;
    } catch (...) {
      continue;  // locations are a help, not a requirement
    }
    for (const auto& [offset, where] : parse_addr2line(read_file(spec.stdout_log))) locations[{module, offset}] = where;
  }
  return locations;
}

void name_trace_objects(std::vector<TraceEvent>& events, const fs::path& work_dir) {
  std::string symbolizer = find_in_path("llvm-symbolizer-14");
  if (symbolizer.empty()) symbolizer = find_in_path("llvm-symbolizer");
  if (symbolizer.empty()) return;
  std::map<std::string, std::set<std::uint64_t>> wanted;
  for (const TraceEvent& event : events) {
    if (!event.object_module.empty()) wanted[event.object_module].insert(event.object_offset);
  }
  std::map<std::pair<std::string, std::uint64_t>, std::string> names;
  for (const auto& [module, offsets] : wanted) {
    std::error_code error;
    if (!fs::is_regular_file(module, error)) continue;
    ProcessSpec spec;
    spec.argv = {symbolizer, "--obj=" + module};
    for (std::uint64_t offset : offsets) spec.argv.push_back(fmt::format("DATA 0x{:x}", offset));
    spec.stdout_log = work_dir / "symbolizer.out";
    spec.log = work_dir / "symbolizer.err";
    spec.limit = std::chrono::seconds(30);
    try {
      if (!run_process(spec).status.ok()) continue;
    } catch (...) {
      continue;  // names are a help, not a requirement
    }
    // One block per address, in the order asked: the name, then "start size", then a blank line.
    const std::string answer = read_file(spec.stdout_log);
    const auto lines = split(answer, '\n');
    auto offset = offsets.begin();
    for (std::size_t i = 0; i + 1 < lines.size() && offset != offsets.end(); ++offset) {
      while (i < lines.size() && lines[i].empty()) ++i;
      if (i + 1 >= lines.size()) break;
      std::string name(lines[i]);
      const auto sizes = split(lines[i + 1], ' ');
      i += 2;
      std::uint64_t start = 0;
      if (name == "??" || name.empty() || sizes.empty() || !parse_number(sizes[0], start)) continue;
      for (const std::string_view noise : {"(anonymous namespace)::"}) {
        for (auto at = name.find(noise); at != std::string::npos; at = name.find(noise)) name.erase(at, noise.size());
      }
      if (*offset > start) name += fmt::format("+{}", *offset - start);
      names[{module, *offset}] = name;
    }
  }
  for (TraceEvent& event : events) {
    if (const auto it = names.find({event.object_module, event.object_offset}); it != names.end()) {
      event.object_name = it->second;
    }
  }
}

std::string readable_location(std::string_view located) {
  std::string where(located);
  for (const std::string_view noise : {"(anonymous namespace)::", "[abi:cxx11]"}) {
    for (auto at = where.find(noise); at != std::string::npos; at = where.find(noise)) where.erase(at, noise.size());
  }
  // The function's argument list: from the first '(' to its matching ')'.
  if (const auto open = where.find('('); open != std::string::npos) {
    int depth = 0;
    for (std::size_t i = open; i < where.size(); ++i) {
      if (where[i] == '(') ++depth;
      if (where[i] == ')' && --depth == 0) {
        where.erase(open + 1, i - open - 1);
        break;
      }
    }
  }
  // Template arguments: std::thread::_State_impl<...>::_M_run() says enough without them.
  for (auto open = where.find('<'); open != std::string::npos; open = where.find('<', open + 1)) {
    if (open >= 8 && where.compare(open - 8, 8, "operator") == 0) continue;
    int depth = 0;
    for (std::size_t i = open; i < where.size(); ++i) {
      if (where[i] == '<') ++depth;
      if (where[i] == '>' && --depth == 0) {
        where.replace(open + 1, i - open - 1, "…");
        break;
      }
    }
  }
  // "function file:line" → "file:line function": the line is what a reader looks for.
  const auto space = where.rfind(' ');
  if (space == std::string::npos || where.find(':', space) == std::string::npos) return where;
  return where.substr(space + 1) + " " + where.substr(0, space);
}

std::string trace_location(const TraceEvent& event, const TraceLocations& locations) {
  if (auto it = locations.find({event.module, event.offset}); it != locations.end()) return readable_location(it->second);
  if (event.module.empty()) return "";
  return fmt::format("{}+0x{:x}", fs::path(event.module).filename().string(), event.offset);
}

std::string format_trace(const std::vector<TraceEvent>& events, const TraceLocations& locations,
                         std::string_view schedule) {
  std::string out = fmt::format(
      "# {}\n# The scheduling points of the failing run, in the order they ran: only one thread\n"
      "# runs at a time, and it changes only at these calls. T0 is main, T1... in creation order.\n"
      "{:>6}  {:<20}  {:<9}  {:<16}  {}\n",
      schedule, "step", "thread", "call", "on", "from");
  for (const TraceEvent& event : events) {
    const std::string where = trace_location(event, locations);
    // Each thread's calls in its own column of indentation, so its timeline reads downwards.
    const std::string thread = fmt::format("{:>{}}T{}", "", 2 * std::min(event.thread, 8), event.thread);
    const std::string call = event.repeats > 1 ? fmt::format("{} ×{}", event.event, event.repeats) : event.event;
    out += fmt::format("{:>6}  {:<20}  {:<9}  {:<16}  {}\n", event.step, thread, call, object_words(event), where);
  }
  return out;
}

}  // namespace labctl
