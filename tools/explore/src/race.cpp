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
// The report itself (symbolizing, naming the variable) is race_report.cpp.
//
// Per granule the detector keeps the last write and one read (lossy, like ThreadSanitizer's
// few shadow cells): a race is reported only for two accesses it saw, with overlapping bytes,
// from different threads, one a write, neither atomic, and unordered.
#include "race_report.hpp"
#include "runtime.hpp"
#include "schedule.hpp"
#include "shadow.hpp"
#include "vector_clock.hpp"

#include <link.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <unordered_map>
#include <vector>

namespace labctl::explore::rt {
namespace {

struct ThreadClocks {
  bool ended = false;          // the thread has returned or exited
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

// Whether `thread` has ended (hb_thread_finished).
bool has_ended(int thread) {
  const auto t = static_cast<std::size_t>(thread);
  return t < g_clocks->size() && (*g_clocks)[t] != nullptr && (*g_clocks)[t]->ended;
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
  } else if (!g->shared && g->owner != thread && has_ended(g->owner)) {
    // Memory only an ended thread ever touched is the next toucher's alone, as if new: most
    // of it is that thread's stack, which glibc hands to the next thread it starts without a
    // free(). Counted as shared, every local of every pool after a test's first was a
    // scheduling point (306,000 points in lab 01's Correctness tests under random, 1,091
    // without them). The accesses stay recorded: an unjoined thread's write still races.
    g->owner = thread;
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
  clocks(thread).ended = true;
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
