// Source mode's memory side (issue 16): which memory is shared (so which accesses are
// scheduling points), happens-before by vector clocks, and the report of the first data
// race. Only the controlled thread that runs calls in here (the explorer runs one at a
// time), so nothing here needs a lock.
//
// Happens-before edges: thread create (parent → child), thread end → join, mutex unlock →
// next lock, condition signal → the waiter it wakes, atomics (a release store or RMW → an
// acquire load or RMW of the same location; seq_cst is both; relaxed ones through release
// and acquire fences), and __cxa_guard_release → __cxa_guard_acquire (function-local
// statics). A location's release clock is joined, never replaced, which orders a little
// more than C++ does (release sequences end at a plain store): a race may be missed that
// way, but none is reported that is not there.
//
// Per granule the detector keeps the last write and one read (lossy, like ThreadSanitizer's
// few shadow cells): a race is reported only for two accesses it saw, with overlapping bytes,
// from different threads, one a write, neither atomic, and unordered.
#include "runtime.hpp"
#include "schedule.hpp"
#include "shadow.hpp"
#include "vector_clock.hpp"

#include <dlfcn.h>
#include <link.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

namespace labctl::explore::rt {
namespace {

struct ThreadClocks {
  VectorClock now;             // the thread's present
  VectorClock fence_release;   // its clock at its last release fence (relaxed stores publish it)
  VectorClock fence_acquire;   // what its relaxed loads saw (an acquire fence takes it)
  bool released_by_fence = false;
};

std::vector<ThreadClocks*>* g_clocks = nullptr;
std::unordered_map<const void*, VectorClock>* g_sync = nullptr;  // mutexes, conditions, atomics
std::unordered_map<int, VectorClock>* g_ended = nullptr;         // a finished thread's last clock
ShadowTable* g_shadow = nullptr;
bool g_detect = true;  // RACELAB_EXPLORE_RACES=0 turns reports off

// The writable segments (data and bss) of the modules loaded at start: global variables.
struct Range {
  std::uintptr_t begin, end;
};
std::vector<Range>* g_globals = nullptr;

int add_module_globals(dl_phdr_info* info, std::size_t, void*) {
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& segment = info->dlpi_phdr[i];
    if (segment.p_type != PT_LOAD || (segment.p_flags & PF_W) == 0) continue;
    const std::uintptr_t begin = info->dlpi_addr + segment.p_vaddr;
    g_globals->push_back({begin, begin + segment.p_memsz});
  }
  return 0;
}

// A global is shared from the start: the first thread to touch it is rarely the only one
// that will, and waiting for a second toucher would leave the first thread's accesses
// without points (a worker that runs its whole loop before the other starts). Stack and
// heap memory is shared once a second thread touches it.
bool is_global(std::uintptr_t address) {
  for (const Range& r : *g_globals) {
    if (address >= r.begin && address < r.end) return true;
  }
  return false;
}

void start() {
  if (g_clocks) return;
  g_clocks = new std::vector<ThreadClocks*>;
  g_sync = new std::unordered_map<const void*, VectorClock>;
  g_ended = new std::unordered_map<int, VectorClock>;
  g_shadow = new ShadowTable;
  g_globals = new std::vector<Range>;
  dl_iterate_phdr(add_module_globals, nullptr);
  if (const char* races = std::getenv(kRacesEnv); races && std::strcmp(races, "0") == 0) g_detect = false;
}

ThreadClocks& clocks(int thread) {
  start();
  const auto t = static_cast<std::size_t>(thread);
  if (g_clocks->size() <= t) g_clocks->resize(t + 1, nullptr);
  ThreadClocks*& c = (*g_clocks)[t];
  if (!c) {
    c = new ThreadClocks;
    c->now.set(thread, 1);  // tick 0 means "nothing known": every thread starts at 1
  }
  return *c;
}

// The thread's present becomes its past: what it did so far is what a release publishes.
void tick(ThreadClocks& c, int thread) { c.now.set(thread, c.now.get(thread) + 1); }

bool acquires(int order) { return order == __ATOMIC_CONSUME || order == __ATOMIC_ACQUIRE || order >= __ATOMIC_ACQ_REL; }
bool releases(int order) { return order == __ATOMIC_RELEASE || order >= __ATOMIC_ACQ_REL; }

std::uint8_t byte_mask(std::uintptr_t granule_start, std::uintptr_t address, std::size_t size) {
  const std::uintptr_t begin = std::max(address, granule_start);
  const std::uintptr_t end = std::min(address + size, granule_start + 8);
  if (end <= begin) return 0;
  return static_cast<std::uint8_t>(((1u << (end - begin)) - 1u) << (begin - granule_start));
}

// The fast path's memory: the calling thread's last granule (valid while the table's
// generation is unchanged) and its clocks.
__thread std::uintptr_t t_last_start = 1;  // never a granule start (those are multiples of 8)
__thread Granule* t_last_granule = nullptr;
__thread std::uint64_t t_last_generation = 0;
__thread ThreadClocks* t_clocks = nullptr;
__thread int t_clocks_thread = -1;

Granule* granule_of(std::uintptr_t start) {
  if (start == t_last_start && t_last_generation == g_shadow->generation()) return t_last_granule;
  Granule* g = g_shadow->find(start);
  t_last_start = start;
  t_last_granule = g;
  t_last_generation = g_shadow->generation();
  return g;
}

ThreadClocks& my_clocks(int thread) {
  if (t_clocks_thread != thread) {
    t_clocks = &clocks(thread);
    t_clocks_thread = thread;
  }
  return *t_clocks;
}

// ---- the report

// The first of llvm-symbolizer-14, llvm-symbolizer and addr2line found in PATH; empty: none.
std::string find_symbolizer() {
  const char* path = std::getenv("PATH");
  for (const char* tool : {"llvm-symbolizer-14", "llvm-symbolizer", "addr2line"}) {
    std::string dirs = path ? path : "/usr/bin";
    for (std::size_t at = 0; at <= dirs.size();) {
      const std::size_t colon = std::min(dirs.find(':', at), dirs.size());
      const std::string candidate = dirs.substr(at, colon - at) + "/" + tool;
      if (access(candidate.c_str(), X_OK) == 0) return candidate;
      at = colon + 1;
    }
  }
  return "";
}

// What the symbolizer says about `offsets` in `module`, one block per address: its frames
// (innermost first), each a function line and a file:line line. With `data`: the global's
// name, then its start and size.
std::vector<std::vector<std::string>> run_symbolizer(const char* module, const std::vector<std::uintptr_t>& offsets,
                                                     bool data) {
  std::vector<std::vector<std::string>> blocks;
  const std::string tool = find_symbolizer();
  const bool llvm = tool.find("llvm-symbolizer") != std::string::npos;
  if (tool.empty() || (data && !llvm)) return blocks;
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) return blocks;
  std::vector<std::string> words;
  if (llvm) {
    words = {tool, "-f", "-C", std::string("--obj=") + module};
  } else {
    words = {tool, "-f", "-C", "-e", module};  // one frame per address: two lines, no blank line
  }
  for (std::uintptr_t offset : offsets) {
    char address[64];
    std::snprintf(address, sizeof address, data ? "DATA 0x%lx" : "0x%lx", static_cast<unsigned long>(offset));
    words.emplace_back(address);
  }
  std::vector<const char*> argv;
  for (const std::string& word : words) argv.push_back(word.c_str());
  argv.push_back(nullptr);
  // The symbolizer must not run under the explorer (nor write this run's trace and stats):
  // its environment is ours without LD_PRELOAD and the RACELAB_ variables.
  std::vector<const char*> envp;
  for (char** e = environ; *e; ++e) {
    if (std::strncmp(*e, "LD_PRELOAD=", 11) != 0 && std::strncmp(*e, "RACELAB_", 8) != 0) envp.push_back(*e);
  }
  envp.push_back(nullptr);
  const pid_t child = fork();
  if (child == 0) {
    dup2(pipe_fds[1], 1);
    close(pipe_fds[0]);
    const int null = open("/dev/null", O_WRONLY);
    if (null >= 0) dup2(null, 2);
    execve(argv[0], const_cast<char* const*>(argv.data()), const_cast<char* const*>(envp.data()));
    _exit(127);
  }
  close(pipe_fds[1]);
  std::string out;
  char buffer[512];
  for (ssize_t n; (n = read(pipe_fds[0], buffer, sizeof buffer)) > 0;) out.append(buffer, static_cast<std::size_t>(n));
  close(pipe_fds[0]);
  if (child > 0) waitpid(child, nullptr, 0);
  std::istringstream in(out);
  std::vector<std::string> block;
  for (std::string line; std::getline(in, line);) {
    if (llvm && line.empty()) {
      blocks.push_back(block);
      block.clear();
      continue;
    }
    block.push_back(line);
    if (!llvm && block.size() == 2) {
      blocks.push_back(block);
      block.clear();
    }
  }
  return blocks;
}

std::string base_name(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Whether `pc` is in this library (the explorer's thread trampoline: not the program's).
bool is_ours(const void* pc) {
  Dl_info mine{};
  Dl_info theirs{};
  return pc && dladdr(reinterpret_cast<const void*>(&is_ours), &mine) != 0 && dladdr(pc, &theirs) != 0 &&
         mine.dli_fbase == theirs.dli_fbase;
}

// Where each code address in `pcs` is, for a person: "file.cpp:12 in function()". One
// symbolizer run per module for all of them. An instrumentation call the optimiser merged
// (a loop folded into one add) has line 0: then the nearest instruction after it (the
// access itself), or else before it, in the same function that has a line says where.
std::vector<std::string> describe_code(const std::vector<const void*>& pcs) {
  constexpr std::uintptr_t kBack = 24;
  constexpr std::uintptr_t kAhead = 8;
  constexpr std::size_t kTries = kBack + 1 + kAhead;
  std::vector<std::string> out(pcs.size(), "an unknown place");
  std::vector<std::string> modules(pcs.size());
  std::vector<std::uintptr_t> offsets(pcs.size());
  for (std::size_t i = 0; i < pcs.size(); ++i) {
    Dl_info info{};
    if (!pcs[i] || dladdr(pcs[i], &info) == 0 || !info.dli_fname) continue;
    modules[i] = info.dli_fname;
    offsets[i] = reinterpret_cast<std::uintptr_t>(pcs[i]) - reinterpret_cast<std::uintptr_t>(info.dli_fbase) - 1;
    char text[600];
    std::snprintf(text, sizeof text, "%s+0x%lx", base_name(modules[i]).c_str(), static_cast<unsigned long>(offsets[i]));
    out[i] = text;
  }
  for (std::size_t first = 0; first < pcs.size(); ++first) {
    if (modules[first].empty() || (first > 0 && std::find(modules.begin(), modules.begin() + static_cast<long>(first),
                                                          modules[first]) != modules.begin() + static_cast<long>(first))) {
      continue;  // no module, or its module was done with an earlier address
    }
    std::vector<std::size_t> mine;
    std::vector<std::uintptr_t> asked;
    for (std::size_t i = first; i < pcs.size(); ++i) {
      if (modules[i] != modules[first]) continue;
      mine.push_back(i);
      const std::uintptr_t o = offsets[i];
      // The call itself, then the instructions after it (the access it instruments comes
      // right after the call), then those before it.
      for (std::uintptr_t ahead = 0; ahead <= kAhead; ++ahead) asked.push_back(o + ahead);
      for (std::uintptr_t back = 1; back <= kBack; ++back) asked.push_back(o >= back ? o - back : o);
    }
    const auto answer = run_symbolizer(modules[first].c_str(), asked, false);
    std::size_t next = 0;
    for (std::size_t i : mine) {
      std::string first_function;
      std::string file;
      std::string found;
      for (std::size_t t = 0; t < kTries; ++t, ++next) {
        if (next >= answer.size() || answer[next].size() < 2) continue;
        std::string function = answer[next][0];  // the innermost frame (an inlined function's own)
        std::string line = answer[next][1];
        if (!found.empty()) continue;
        if (first_function.empty()) first_function = function;
        if (function != first_function || line.rfind("??", 0) == 0 || line.empty()) continue;
        // "/path/file.cpp:12:5" or "/path/file.cpp:12 (discriminator 1)": keep file:line.
        line = base_name(line.substr(0, line.find(' ')));
        if (std::count(line.begin(), line.end(), ':') > 1) line = line.substr(0, line.rfind(':'));
        if (file.empty()) file = line.substr(0, line.rfind(':'));
        if (line.size() > 2 && line.compare(line.size() - 2, 2, ":0") == 0) continue;
        found = line + " in " + function;
      }
      if (!found.empty()) out[i] = found;
      else if (!file.empty()) out[i] = file + " in " + first_function;
    }
  }
  return out;
}

// What the memory at `address` is: a global's name (from the symbol table), else its address.
std::string describe_memory(std::uintptr_t address) {
  char text[600];
  Dl_info info{};
  if (dladdr(reinterpret_cast<const void*>(address), &info) != 0 && info.dli_fname) {
    const auto offset = address - reinterpret_cast<std::uintptr_t>(info.dli_fbase);
    const auto out = run_symbolizer(info.dli_fname, {offset}, true);
    const std::string name = out.empty() || out[0].empty() ? "" : out[0][0];
    if (!name.empty() && name != "??") {
      std::snprintf(text, sizeof text, "'%s' (%#lx, a global of %s)", name.c_str(), static_cast<unsigned long>(address),
                    base_name(info.dli_fname).c_str());
      return text;
    }
  }
  std::snprintf(text, sizeof text, "%#lx (heap or stack)", static_cast<unsigned long>(address));
  return text;
}

void report_line(const std::string& text) {
  std::fprintf(stderr, "%.*s%s\n", int(kReportPrefix.size()), kReportPrefix.data(), text.c_str());
}

[[noreturn]] void report_race(std::uintptr_t address, std::size_t size, int thread, bool write, const void* pc,
                              const Access& earlier, bool earlier_write) {
  std::fflush(stdout);
  // Every code address of the report, symbolized in one go: this access, its callers, the
  // earlier access and its caller.
  std::vector<const void*> pcs{pc};
  const Frames& frames = racelab_frames;
  for (int i = std::min(frames.depth, kMaxFrames) - 1; i >= 0 && pcs.size() < 7; --i) {
    if (!is_ours(frames.pc[i])) pcs.push_back(frames.pc[i]);
  }
  const std::size_t callers = pcs.size() - 1;
  pcs.push_back(earlier.pc);
  const bool earlier_caller = earlier.caller && !is_ours(earlier.caller);
  if (earlier_caller) pcs.push_back(earlier.caller);
  const std::vector<std::string> where = describe_code(pcs);
  report_line("data race on " + describe_memory(address) + " (" + schedule_text() + ")");
  char text[200];
  std::snprintf(text, sizeof text, "  %s of %zu bytes by thread %d at ", write ? "write" : "read", size, thread);
  report_line(text + where[0]);
  for (std::size_t i = 1; i <= callers; ++i) report_line("      called from " + where[i]);
  std::snprintf(text, sizeof text, "  previous %s by thread %d at ", earlier_write ? "write" : "read", earlier.thread);
  report_line(text + where[callers + 1]);
  if (earlier_caller) report_line("      called from " + where[callers + 2]);
  report_line("  no happens-before order between them: no common lock, no join, no release/acquire pair");
  std::fflush(stderr);
  _exit(kExitRace);
}

// Whether `earlier` (on overlapping bytes `mask`) races with the present of `thread`.
bool unordered(const Access& earlier, int thread, std::uint8_t mask, const ThreadClocks& c) {
  return earlier.thread >= 0 && earlier.thread != thread && !earlier.atomic && (earlier.bytes & mask) != 0 &&
         !c.now.knows(earlier.thread, earlier.clock);
}

// One granule's share of an access (the granule starting at `start`).
void access_granule(int thread, std::uintptr_t start, std::uintptr_t address, std::size_t size, bool write,
                    const void* pc) {
  Granule* g = granule_of(start);
  if (!g) return;
  if (g->owner < 0) {
    g->owner = thread;
    g->shared = is_global(start);
  }
  if (!g->shared && g->owner != thread) g->shared = true;
  // Memory many threads only read (the input a test hands to its workers, written before
  // they started) needs no points: no order of reads changes what they see. It becomes a
  // point once it is written while shared and while another thread is alive.
  if (write && g->shared && !g->conflict && live_threads() > 1) g->conflict = true;
  if (g->conflict) {
    point(write ? "write" : "read", reinterpret_cast<const void*>(address), pc, !write);
    g = granule_of(start);  // other threads ran: the table may have moved
    if (!g) return;
  }
  if (!g_detect) return;
  ThreadClocks& c = my_clocks(thread);
  const std::uint8_t mask = byte_mask(start, address, size);
  if (unordered(g->write, thread, mask, c)) report_race(address, size, thread, write, pc, g->write, true);
  const Frames& frames = racelab_frames;
  const void* caller = frames.depth > 0 && frames.depth <= kMaxFrames ? frames.pc[frames.depth - 1] : nullptr;
  const Access now{thread, c.now.get(thread), mask, false, pc, caller};
  if (write) {
    if (unordered(g->read, thread, mask, c)) report_race(address, size, thread, write, pc, g->read, false);
    g->write = now;
    g->read = Access{};
  } else if (g->read.thread < 0 || g->read.thread == thread || c.now.knows(g->read.thread, g->read.clock)) {
    g->read = now;  // else keep the earlier, concurrent read: a later write must be checked against it
  }
}

}  // namespace

void hb_thread_created(int parent, int child) {
  ThreadClocks& p = clocks(parent);
  ThreadClocks& c = clocks(child);
  c.now.join(p.now);
  tick(p, parent);
}

void hb_thread_finished(int thread) {
  if (!g_clocks) return;
  (*g_ended)[thread] = clocks(thread).now;
}

void hb_thread_joined(int joiner, int joined) {
  if (!g_clocks) return;
  if (auto it = g_ended->find(joined); it != g_ended->end()) clocks(joiner).now.join(it->second);
}

void hb_acquire(int thread, const void* object) {
  start();
  if (auto it = g_sync->find(object); it != g_sync->end()) clocks(thread).now.join(it->second);
}

void hb_release(int thread, const void* object) {
  ThreadClocks& c = clocks(thread);
  (*g_sync)[object].join(c.now);
  tick(c, thread);
}

void plain_access(int thread, std::uintptr_t address, std::size_t size, bool write, const void* pc) {
  start();
  const std::uintptr_t first = address & ~std::uintptr_t{7};
  for (std::uintptr_t g = first; g < address + size; g += 8) access_granule(thread, g, address, size, write, pc);
}

void atomic_access(int thread, const void* address, int order, bool load, bool store, const void* pc) {
  start();
  const auto where = reinterpret_cast<std::uintptr_t>(address);
  if (Granule* g = g_shadow->find(where)) {
    if (g->owner < 0) g->owner = thread;
    g->shared = g->shared || g->owner != thread || is_global(where);
    // Every atomic is a point, shared or not yet: its location is there to be shared.
  }
  point(load && store ? "rmw" : load ? "load" : "store", address, pc, load && !store);
  ThreadClocks& c = clocks(thread);
  if (load) {
    if (auto it = g_sync->find(address); it != g_sync->end()) {
      if (acquires(order)) c.now.join(it->second);
      else c.fence_acquire.join(it->second);
    }
  }
  if (store) {
    if (releases(order)) {
      (*g_sync)[address].join(c.now);
      tick(c, thread);
    } else if (c.released_by_fence) {
      (*g_sync)[address].join(c.fence_release);
    }
  }
  if (Granule* g = g_shadow->find(where); g && g_detect) {
    // An atomic write ends the plain accesses' story here: a later plain access is checked
    // against this one, which never races with another atomic.
    if (store) g->write = Access{thread, c.now.get(thread), 0xff, true, pc, nullptr};
  }
}

void fence(int thread, int order) {
  ThreadClocks& c = clocks(thread);
  if (acquires(order)) c.now.join(c.fence_acquire);
  if (releases(order)) {
    c.fence_release = c.now;
    c.released_by_fence = true;
    tick(c, thread);
  }
}

void forget(std::uintptr_t address, std::size_t size) {
  if (g_shadow) g_shadow->forget(address, size);
}

}  // namespace labctl::explore::rt
