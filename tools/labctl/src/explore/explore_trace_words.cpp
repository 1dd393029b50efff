// The HTML trace page's words for each scheduling point: see explain_trace() in
// explore_trace.hpp. Kept apart from the page itself so the words are unit-tested as words.
#include "explore/explore_trace.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

namespace labctl {
namespace {

bool is_lock(const std::string& event) {
  return event == "lock" || event == "trylock" || event == "rdlock" || event == "wrlock" || event == "unlock";
}
bool is_condition(const std::string& event) {
  return event == "wait" || event == "timedwait" || event == "signal" || event == "broadcast";
}
bool is_memory(const std::string& event) {
  return event == "read" || event == "write" || event == "load" || event == "store" || event == "rmw";
}

// Names for addresses: a global's own name when the trace has it (name_trace_objects), else
// a short one by kind, numbered in order of first use.
class Names {
 public:
  std::string of(const TraceEvent& event) {
    const std::string& object = event.object;
    if (object.empty() || object == "-" || object.rfind('T', 0) == 0) return object == "-" ? "" : object;
    if (auto it = names_.find(object); it != names_.end()) return it->second;
    if (!event.object_name.empty()) return names_.emplace(object, event.object_name).first->second;
    const std::string& kind = event.event;
    const char* prefix = is_lock(kind) ? "m" : is_condition(kind) ? "c" : is_memory(kind) ? "x" : "o";
    const std::string name = fmt::format("{}{}", prefix, ++counts_[prefix]);
    names_.emplace(object, name);
    return name;
  }
  // A name already given, or the object itself (a deadlock line's object has no kind of its own).
  std::string known(const std::string& object) {
    if (auto it = names_.find(object); it != names_.end()) return it->second;
    return object == "-" ? "" : object;
  }

 private:
  std::map<std::string, std::string> names_;
  std::map<std::string, int> counts_;
};

std::string joined(const std::set<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

}  // namespace

std::vector<TracePointWords> explain_trace(const std::vector<TraceEvent>& events) {
  std::vector<TracePointWords> out(events.size());
  Names names;
  std::map<std::string, int> owner;              // mutex name → the thread holding it
  std::map<std::string, std::size_t> taken_at;   // mutex name → the row of the lock point that took it
  std::map<int, std::size_t> pending;            // thread → its lock row not yet passed
  std::map<int, std::set<std::string>> held;     // thread → the mutexes it holds
  std::map<int, std::size_t> last_of;            // thread → its last row
  bool deadlock = false;

  for (std::size_t i = 0; i < events.size(); ++i) {
    const TraceEvent& event = events[i];
    const int thread = event.thread;
    // The thread's earlier lock request has been granted: it made another point since.
    if (auto it = pending.find(thread); it != pending.end() && event.event != "deadlock") {
      const std::string mutex = names.known(events[it->second].object);
      held[thread].insert(mutex);
      owner[mutex] = thread;
      taken_at[mutex] = it->second;
      pending.erase(it);
    }
    const std::string name = event.event == "deadlock" ? names.known(event.object) : names.of(event);
    auto held_by = [&](const std::string& mutex) -> std::string {
      auto it = owner.find(mutex);
      if (it == owner.end() || it->second == thread) return "";
      return fmt::format(" (held by T{})", it->second);
    };
    std::string words;
    const std::string& e = event.event;
    if (e == "lock") words = fmt::format("asks for mutex {}{}", name, held_by(name));
    else if (e == "trylock") words = fmt::format("tries mutex {}{}", name, held_by(name));
    else if (e == "rdlock") words = fmt::format("asks to read-lock {}{}", name, held_by(name));
    else if (e == "wrlock") words = fmt::format("asks to write-lock {}{}", name, held_by(name));
    else if (e == "unlock") words = fmt::format("unlocks {}", name);
    else if (e == "wait") words = fmt::format("waits on condition {} (its mutex let go meanwhile)", name);
    else if (e == "timedwait") words = fmt::format("waits, with a timeout, on condition {}", name);
    else if (e == "signal") words = fmt::format("signals condition {} (wakes one waiter)", name);
    else if (e == "broadcast") words = fmt::format("broadcasts condition {} (wakes every waiter)", name);
    else if (e == "create") words = fmt::format("starts thread {}", name);
    else if (e == "join") words = fmt::format("waits for {} to finish", name);
    else if (e == "exit") words = "ends";
    else if (e == "yield") words = "yields";
    else if (e == "sleep") words = "sleeps";
    else if (e == "read") words = fmt::format("reads {}", name);
    else if (e == "write") words = fmt::format("writes {}", name);
    else if (e == "load") words = fmt::format("atomic load of {}", name);
    else if (e == "store") words = fmt::format("atomic store to {}", name);
    else if (e == "rmw") words = fmt::format("atomic read-modify-write of {}", name);
    else if (e == "call") words = "calls a library function";
    else if (e == "deadlock") {
      words = name.rfind('T', 0) == 0 ? fmt::format("stuck: waits for {} to finish", name)
                                      : fmt::format("stuck: waits for {}{}", name, held_by(name));
    } else {
      words = name.empty() ? e : fmt::format("{} {}", e, name);
    }
    out[i].words = words;
    out[i].holds = joined(held[thread]);

    if (e == "lock" || e == "rdlock" || e == "wrlock") pending[thread] = i;
    if (e == "unlock") {
      held[thread].erase(name);
      owner.erase(name);
    }
    if (e == "deadlock") {
      deadlock = true;
      out[i].key = true;
      // What the stuck thread asked for, and where the thread holding that took it.
      if (auto it = pending.find(thread); it != pending.end()) out[it->second].key = true;
      if (auto it = taken_at.find(name); it != taken_at.end() && owner.count(name) > 0) out[it->second].key = true;
    } else {
      last_of[thread] = i;
    }
  }
  if (!deadlock) {
    for (const auto& [thread, row] : last_of) out[row].key = true;
  }
  return out;
}

}  // namespace labctl
