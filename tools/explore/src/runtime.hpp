// Inside libracelab_explore.so: what its parts say to each other (never seen by labctl nor
// by the program). explore.cpp is the scheduler and the pthread interposition; race.cpp
// the shadow memory, happens-before and race reports; tsan_entry.cpp the __tsan_* entry
// points clang's -fsanitize=thread instrumentation calls (source mode, issue 16).
//
// Source mode starts when an instrumented module calls __tsan_init. Until then (and
// always in a program that was not instrumented) no function below does anything, so
// unmodified programs run exactly as they did before source mode existed.
#pragma once

#include <cstddef>
#include <cstdint>

// The calling thread's id when the scheduler controls it (0 main, then 1, 2, ... in
// creation order), else -1: a plain TLS int, so every instrumented access can test it
// in one load. Written by explore.cpp only.
extern "C" __thread int racelab_explore_tid __attribute__((tls_model("initial-exec"), visibility("hidden")));

namespace labctl::explore::rt {

// The instrumented code's call stack for race reports: the call site of each active
// instrumented function (__tsan_func_entry's argument), innermost last.
inline constexpr int kMaxFrames = 64;
struct Frames {
  const void* pc[kMaxFrames];
  int depth;  // may exceed kMaxFrames: the deeper frames are not kept
};
extern __thread Frames racelab_frames __attribute__((tls_model("initial-exec"), visibility("hidden")));

// ---- explore.cpp: the scheduler
// Whether an instrumented module has started (a __tsan_init call).
bool source_mode();
void enter_source_mode();
// A scheduling point at a memory access or atomic operation of the calling thread, which
// must be controlled. `read_only`: a read or atomic load, which a spinning thread repeats,
// so a long run of them counts as a yield (PCT and delay bounding would otherwise starve
// the thread it waits for).
void point(const char* event, const void* object, const void* pc, bool read_only);
// One-time initialisation (a function-local static between __cxa_guard_acquire and its
// release or abort, a pthread_once routine), modelled: a thread that reaches one another
// controlled thread is running blocks in the model until it is done, as the real call would
// block it in libstdc++'s or glibc's futex, which the explorer does not see. So the
// initialisation keeps its points like any code (it once ran without any, atomics included,
// and a lost update on atomic totals wrapped in a std::call_once of its own passed every
// schedule: helper-17's once_merge_staggered).
// before_once: blocks the calling thread while another runs the initialisation at `object`.
void before_once(const void* object);
// The calling thread runs the initialisation at `object` from now on.
void once_started(const void* object);
// It ended (returned, threw or was aborted): the threads blocked on it may run again.
void once_done(const void* object);
// From here on no call is a scheduling point: the calling thread runs on alone, every other
// controlled thread stays parked (a race report, about to end the run, must not be
// interleaved with another thread's).
void stop_scheduling();
// The schedule string of this run, for reports.
const char* schedule_text();
// Threads created and not yet finished (main included).
int live_threads();

// ---- race.cpp: happens-before, shadow memory and race reports (source mode only)
void hb_thread_created(int parent, int child);
void hb_thread_finished(int thread);
void hb_thread_joined(int joiner, int joined);
void hb_acquire(int thread, const void* object);  // after locking, being woken, ...
void hb_release(int thread, const void* object);  // before unlocking, signalling, ...
// A plain access of `size` bytes by controlled thread `thread`: a scheduling point when the
// memory is shared, then checked for a race. `pc`: the instrumented code's address.
void plain_access(int thread, std::uintptr_t address, std::size_t size, bool write, const void* pc);
// An atomic operation's memory side: a scheduling point (always), then its ordering
// (acquire when `load`, release when `store`, per the memory order `order`, as in
// __ATOMIC_*). The caller performs the operation itself, after this returns.
void atomic_access(int thread, const void* address, int order, bool load, bool store, const void* pc);
void fence(int thread, int order);
// Memory the allocator takes back (free): whoever touched it, it is new when handed out again.
void forget(std::uintptr_t address, std::size_t size);

}  // namespace labctl::explore::rt
