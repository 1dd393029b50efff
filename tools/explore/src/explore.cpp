// libracelab_explore.so: a preload library that serialises a threaded program so that its
// interleaving is a function of a seed (the schedule, see schedule.hpp) and can be replayed.
// Loaded with LD_PRELOAD by `labctl explore`; the program is not recompiled.
//
// Design, in short:
// - Exactly one controlled thread runs at a time (g_current). Every other controlled thread
//   is parked on its own futex word (Thread::go), so a hand-off wakes exactly the chosen one.
// - Control changes hands only at scheduling points, the interposed calls below: thread
//   create/join/exit, mutex lock/unlock/trylock, reader-writer lock rdlock/wrlock/try/unlock,
//   condition wait/timedwait/clockwait/signal/broadcast, sched_yield, nanosleep/usleep/sleep/
//   clock_nanosleep. Anything else (atomics, plain memory,
//   I/O, glibc's internal locks, semaphores, futexes, timed mutexes) is not
//   a scheduling point: a thread runs through it without giving up control. Except in
//   source mode (issue 16, runtime.hpp): a program built with -fsanitize=thread against this
//   library also calls rt::point (below) at shared memory accesses and atomics.
// - At a scheduling point the strategy (strategy.hpp) picks the next thread among those
//   enabled. Mutexes are taken with the real trylock: a thread that finds one busy is
//   blocked until its holder unlocks. Condition variables are modelled entirely here (the
//   real ones are never waited on): wait releases the mutex and blocks until a signal picks
//   it (which waiter, chosen by the seed) or, for a timed wait, until no other thread can
//   run (time passes only when everyone waits). Sleeps do not sleep: they are yields.
// - If no live thread is enabled, that is a deadlock: every thread's wait is printed and the
//   run ends with kExitDeadlock. A watchdog thread (not controlled) ends the run with
//   kExitSpin when no scheduling point is reached for RACELAB_EXPLORE_TIMEOUT seconds.
// - The real functions are reached through dlsym(RTLD_NEXT) (dlvsym for the condition
//   variables, whose unversioned dlsym gives glibc's pre-2.3.2 ones). Threads the library
//   did not create through pthread_create (the watchdog), threads past their end and a
//   forked child are not controlled: their calls go straight to the real functions.
// With RACELAB_EXPLORE_TRACE=FILE every scheduling point is also written to FILE, with the
// address it was called from (schedule.hpp); labctl explore --trace turns it into text.
// Only the running thread touches the scheduler's state, and hand-offs go through
// sequentially consistent atomics, so the state needs no lock of its own.
#include "runtime.hpp"
#include "schedule.hpp"
#include "strategy.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sys/time.h>
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <string>
#include <vector>

__thread int racelab_explore_tid = -1;

namespace {

using namespace labctl::explore;

enum class State { runnable, blocked_mutex, waiting_cond, blocked_join, blocked_once, finished };

struct Thread {
  int id = 0;
  pthread_t handle{};
  std::atomic<std::uint32_t> go{0};  // 1: this thread may run; futex word it parks on
  State state = State::runnable;
  const void* object = nullptr;  // the mutex, condition variable or Thread waited for
  bool timed = false;            // waiting_cond: a timed wait
  bool timed_out = false;        // the timed wait ended by time, not by a signal
  bool joined = false;
  void* (*start)(void*) = nullptr;
  void* arg = nullptr;
  int quiet_points = 0;  // source mode: read-only memory points in a row (a spin, at length)
  bool in_sleep = false;  // parked at a sleep's point: waiting for time, not for work
};

// Who holds which mutex, for the deadlock report (and recursive mutexes' depth).
struct Holder {
  const void* mutex;
  int owner;
  int depth;
};

struct Real {
  int (*create)(pthread_t*, const pthread_attr_t*, void* (*)(void*), void*);
  int (*join)(pthread_t, void**);
  void (*exit)(void*);
  int (*mutex_lock)(pthread_mutex_t*);
  int (*mutex_trylock)(pthread_mutex_t*);
  int (*mutex_unlock)(pthread_mutex_t*);
  int (*rw_rdlock)(pthread_rwlock_t*);
  int (*rw_wrlock)(pthread_rwlock_t*);
  int (*rw_tryrdlock)(pthread_rwlock_t*);
  int (*rw_trywrlock)(pthread_rwlock_t*);
  int (*rw_unlock)(pthread_rwlock_t*);
  int (*cond_wait)(pthread_cond_t*, pthread_mutex_t*);
  int (*cond_timedwait)(pthread_cond_t*, pthread_mutex_t*, const timespec*);
  int (*cond_clockwait)(pthread_cond_t*, pthread_mutex_t*, clockid_t, const timespec*);
  int (*cond_signal)(pthread_cond_t*);
  int (*cond_broadcast)(pthread_cond_t*);
  int (*yield)();
  int (*nanosleep)(const timespec*, timespec*);
  int (*clock_nanosleep)(clockid_t, int, const timespec*, timespec*);
  int (*clock_gettime)(clockid_t, timespec*);
  int (*usleep)(useconds_t);
  unsigned (*sleep)(unsigned);
};

constexpr int kMaxThreads = 4096;

Real real;
bool g_active = false;
Schedule g_schedule;
Chooser* g_chooser = nullptr;
Thread* g_threads[kMaxThreads];
int g_thread_count = 0;
int g_live_threads = 0;  // created and not finished (source mode's points need two)
std::vector<Holder>* g_holders = nullptr;
std::atomic<int> g_current{0};
std::atomic<std::uint64_t> g_progress{0};  // scheduling points so far, for the watchdog
thread_local Thread* t_self = nullptr;
bool g_source = false;  // an instrumented module called __tsan_init (runtime.hpp)
// The schedule string, for reports. A plain array: a std::string here would be constructed
// after start_exploring (a constructor attribute runs before this file's dynamic initialisers).
char g_schedule_text[256];
int g_trace_fd = -1;  // RACELAB_EXPLORE_TRACE, when set
std::uint64_t g_trace_step = 0;

template <typename F>
void resolve(F& slot, const char* name, const char* version = nullptr) {
  void* symbol = version ? dlvsym(RTLD_NEXT, name, version) : nullptr;
  if (!symbol) symbol = dlsym(RTLD_NEXT, name);
  if (!symbol) {
    std::fprintf(stderr, "%.*scannot find the real %s\n", int(kReportPrefix.size()), kReportPrefix.data(), name);
    _exit(kExitBadSchedule);
  }
  slot = reinterpret_cast<F>(symbol);
}

void resolve_all() {
  static bool done = false;
  if (done) return;
  resolve(real.create, "pthread_create");
  resolve(real.join, "pthread_join");
  resolve(real.exit, "pthread_exit");
  resolve(real.mutex_lock, "pthread_mutex_lock");
  resolve(real.mutex_trylock, "pthread_mutex_trylock");
  resolve(real.mutex_unlock, "pthread_mutex_unlock");
  resolve(real.rw_rdlock, "pthread_rwlock_rdlock");
  resolve(real.rw_wrlock, "pthread_rwlock_wrlock");
  resolve(real.rw_tryrdlock, "pthread_rwlock_tryrdlock");
  resolve(real.rw_trywrlock, "pthread_rwlock_trywrlock");
  resolve(real.rw_unlock, "pthread_rwlock_unlock");
  resolve(real.cond_wait, "pthread_cond_wait", "GLIBC_2.3.2");
  resolve(real.cond_timedwait, "pthread_cond_timedwait", "GLIBC_2.3.2");
  resolve(real.cond_clockwait, "pthread_cond_clockwait");
  resolve(real.cond_signal, "pthread_cond_signal", "GLIBC_2.3.2");
  resolve(real.cond_broadcast, "pthread_cond_broadcast", "GLIBC_2.3.2");
  resolve(real.yield, "sched_yield");
  resolve(real.nanosleep, "nanosleep");
  resolve(real.clock_nanosleep, "clock_nanosleep");
  resolve(real.clock_gettime, "clock_gettime");
  resolve(real.usleep, "usleep");
  resolve(real.sleep, "sleep");
  done = true;
}

void report_line(const char* text) {
  std::fprintf(stderr, "%.*s%s\n", int(kReportPrefix.size()), kReportPrefix.data(), text);
}

// One line of the trace (see kTraceEnv); `caller` is the interposed function's return address.
void trace(const Thread* self, const char* event, const void* object, int thread_object, const void* caller) {
  if (g_trace_fd < 0 || !self) return;
  char what[32];
  if (thread_object >= 0) std::snprintf(what, sizeof what, "T%d", thread_object);
  else if (object) std::snprintf(what, sizeof what, "%p", object);
  else std::snprintf(what, sizeof what, "-");
  Dl_info info{};
  const char* module = "";
  std::uintptr_t offset = 0;
  if (caller && dladdr(caller, &info) != 0 && info.dli_fbase) {
    module = info.dli_fname ? info.dli_fname : "";
    // A return address is just after the call: step back into it, for its line.
    offset = reinterpret_cast<std::uintptr_t>(caller) - reinterpret_cast<std::uintptr_t>(info.dli_fbase) - 1;
  }
  // Where the object lies, when it is in a module's data (a global mutex, a global counter):
  // labctl names it from the module's symbols. Heap and stack objects have no module.
  Dl_info object_info{};
  const char* object_module = "";
  std::uintptr_t object_offset = 0;
  if (thread_object < 0 && object && dladdr(object, &object_info) != 0 && object_info.dli_fbase &&
      object_info.dli_fname) {
    object_module = object_info.dli_fname;
    object_offset = reinterpret_cast<std::uintptr_t>(object) - reinterpret_cast<std::uintptr_t>(object_info.dli_fbase);
  }
  char line[1024];
  const int length = std::snprintf(line, sizeof line, "%llu\t%d\t%s\t%s\t%s\t0x%lx\t%s\t0x%lx\n",
                                   static_cast<unsigned long long>(++g_trace_step), self->id, event, what, module,
                                   static_cast<unsigned long>(offset), object_module,
                                   static_cast<unsigned long>(object_offset));
  if (length > 0) [[maybe_unused]] auto written = write(g_trace_fd, line, std::min<std::size_t>(length, sizeof line - 1));
}

#define TRACE(self, event, object) trace(self, event, object, -1, __builtin_return_address(0))
#define TRACE_THREAD(self, event, id) trace(self, event, nullptr, id, __builtin_return_address(0))

void futex_wait(std::atomic<std::uint32_t>* word, std::uint32_t value) {
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(word), FUTEX_WAIT_PRIVATE, value, nullptr, nullptr, 0);
}

void futex_wake(std::atomic<std::uint32_t>* word) {
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(word), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
}

void park(Thread* self) {
  while (self->go.load() == 0) futex_wait(&self->go, 0);
}

// The calling thread, when the scheduler controls it; nullptr: pass straight through.
Thread* controlled() {
  resolve_all();
  return g_active ? t_self : nullptr;
}

// The one-time initialisations controlled threads are running (source mode): the object
// (a pthread_once control, a function-local static's guard) and the thread. Nested ones
// count; a handful at most are ever in flight.
struct OnceRun {
  const void* object = nullptr;
  int thread = -1;
};
OnceRun g_once_runs[64];

// The thread running the initialisation at `object`, or -1.
int once_runner(const void* object) {
  for (const OnceRun& run : g_once_runs) {
    if (run.object == object) return run.thread;
  }
  return -1;
}

int holder_of(const void* mutex) {
  for (const Holder& h : *g_holders) {
    if (h.mutex == mutex) return h.owner;
  }
  return -1;
}

void note_locked(const void* mutex, int owner) {
  for (Holder& h : *g_holders) {
    if (h.mutex == mutex) {
      ++h.depth;
      return;
    }
  }
  g_holders->push_back({mutex, owner, 1});
}

void note_unlocked(const void* mutex) {
  for (auto it = g_holders->begin(); it != g_holders->end(); ++it) {
    if (it->mutex == mutex) {
      if (--it->depth == 0) g_holders->erase(it);
      return;
    }
  }
}

void wake(State state, const void* object) {
  for (int i = 0; i < g_thread_count; ++i) {
    Thread* t = g_threads[i];
    if (t->state == state && t->object == object) t->state = State::runnable;
  }
}

[[noreturn]] void report_deadlock() {
  const std::string schedule = format_schedule(g_schedule);
  std::string line = "deadlock: every live thread is blocked (" + schedule + ")";
  report_line(line.c_str());
  for (int i = 0; i < g_thread_count; ++i) {
    const Thread* t = g_threads[i];
    if (t->state == State::blocked_join) trace(t, "deadlock", nullptr, static_cast<const Thread*>(t->object)->id, nullptr);
    else if (t->state != State::finished) trace(t, "deadlock", t->object, -1, nullptr);
  }
  for (int i = 0; i < g_thread_count; ++i) {
    const Thread* t = g_threads[i];
    char text[200];
    const char* name = t->id == 0 ? " (main)" : "";
    switch (t->state) {
      case State::blocked_mutex:
        std::snprintf(text, sizeof text, "  thread %d%s waits to lock mutex %p, held by thread %d", t->id, name,
                      t->object, holder_of(t->object));
        break;
      case State::waiting_cond:
        std::snprintf(text, sizeof text, "  thread %d%s waits on condition variable %p (never signalled)", t->id,
                      name, t->object);
        break;
      case State::blocked_join:
        std::snprintf(text, sizeof text, "  thread %d%s waits to join thread %d", t->id, name,
                      static_cast<const Thread*>(t->object)->id);
        break;
      case State::blocked_once:
        std::snprintf(text, sizeof text, "  thread %d%s waits for a one-time initialisation at %p, run by thread %d",
                      t->id, name, t->object, once_runner(t->object));
        break;
      default:
        continue;
    }
    report_line(text);
  }
  std::fflush(stderr);
  _exit(kExitDeadlock);
}

// The next thread to run; reports a deadlock (and ends the run) when there is none.
// nullptr when no live thread is left at all (the last one just finished).
// ---- the virtual clock
// A controlled thread reading CLOCK_MONOTONIC (std::chrono::steady_clock) gets the explorer's
// own time, not the machine's: the start time plus a little per scheduling point, plus what
// sleeps and timed waits let pass when no other thread could run. So a test that waits with
// a deadline ("not returned after 5 s") decides by the work done, not by how busy the
// machine is: the same schedule gives the same verdict on an idle laptop and on a grading
// server at load 15 (where real time once made an honest submission fail a regrade).
constexpr std::int64_t kPointNs = 100;  // 10,000 points a millisecond
constexpr std::int64_t kTimeoutNs = 1'000'000;  // a timed wait that times out: a millisecond passes
std::atomic<std::int64_t> g_virtual_ns{0};
timespec g_clock_start{};
timespec g_wall_start{};

// Time passes for a sleep only when no other thread has work to do meanwhile: every other
// runnable thread is asleep too (a room of clients polling a flag with sleeps), or none is.
bool others_have_work(const Thread* self) {
  for (int i = 0; i < g_thread_count; ++i) {
    const Thread* t = g_threads[i];
    if (t != self && t->state == State::runnable && !t->in_sleep) return true;
  }
  return false;
}

void sleep_passes(const Thread* self, std::int64_t ns) {
  if (ns > 0 && !others_have_work(self)) g_virtual_ns.fetch_add(ns, std::memory_order_relaxed);
}

int yield_point(Thread* self);

// A sleep's scheduling point: a yield (the sleep does not sleep), marked as waiting for time.
int sleep_point(Thread* self) {
  self->in_sleep = true;
  yield_point(self);
  self->in_sleep = false;
  return 0;
}

std::int64_t ns_of(const timespec& t) { return static_cast<std::int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec; }

// pick_next's list: only the running thread gets there, so it is reused (memory points make
// pick_next hot). Never destroyed: detached threads may still schedule during exit.
std::vector<int>* g_enabled = nullptr;

Thread* pick_next(Thread* self, bool yielded) {
  std::vector<int>& enabled = *g_enabled;
  enabled.clear();
  bool any_live = false;
  for (int i = 0; i < g_thread_count; ++i) {
    const State state = g_threads[i]->state;
    if (state != State::finished) any_live = true;
    if (state == State::runnable) enabled.push_back(i);
  }
  if (!any_live) return nullptr;
  if (enabled.empty()) {
    // Nobody can run: time passes, so one timed wait (chosen by the seed) times out.
    std::vector<int> timed;
    for (int i = 0; i < g_thread_count; ++i) {
      if (g_threads[i]->state == State::waiting_cond && g_threads[i]->timed) timed.push_back(i);
    }
    if (timed.empty()) report_deadlock();
    g_virtual_ns.fetch_add(kTimeoutNs, std::memory_order_relaxed);
    Thread* t = g_threads[timed[g_chooser->choose(timed.size())]];
    t->state = State::runnable;
    t->timed_out = true;
    enabled.push_back(t->id);
  }
  return g_threads[g_chooser->pick(enabled, self ? self->id : -1, yielded)];
}

// Hands control to `next`; when `self` lives on, parks it until it is chosen again.
void switch_to(Thread* self, Thread* next, bool self_continues) {
  g_progress.fetch_add(1);
  if (next == self) return;
  if (self_continues) self->go.store(0);
  g_current.store(next->id);
  next->go.store(1);
  futex_wake(&next->go);
  if (self_continues) park(self);
}

// A scheduling point: some thread (maybe `self` again) runs next. Returns when `self` runs.
// A run in which threads only sleep or yield, point after point, with nothing else happening
// in between (no lock, no shared write, no thread ending), waits for something that never
// comes: a sleep without end, or a flag nobody will set. Time would pass for a real program;
// here sleeps are yields, so it would spin until someone's wall clock ran out. It is ended as
// a spin instead, after this many such points in a row (about a second of them).
constexpr std::uint64_t kIdlePoints = 1'000'000;
std::uint64_t g_idle_points = 0;

[[noreturn]] void end_idle() {
  char text[300];
  std::snprintf(text, sizeof text,
                "for %llu scheduling points in a row the threads only slept or yielded: they wait for something "
                "that never happens, a sleep without end or a flag nobody sets (%s)",
                static_cast<unsigned long long>(kIdlePoints), format_schedule(g_schedule).c_str());
  report_line(text);
  std::fflush(stderr);
  _exit(kExitSpin);
}

void schedule(Thread* self, bool yielded = false) {
  g_virtual_ns.fetch_add(kPointNs, std::memory_order_relaxed);
  if (!yielded) {
    g_idle_points = 0;
  } else if (++g_idle_points >= kIdlePoints) {
    end_idle();
  }
  switch_to(self, pick_next(self, yielded), true);
}

// The thread has ended (returned from its start routine, or pthread_exit): release its
// joiners and hand control on for good. From here on its calls are not controlled.
void finish(Thread* self) {
  if (self->state == State::finished) return;
  self->state = State::finished;
  --g_live_threads;
  wake(State::blocked_join, self);
  if (g_source) labctl::explore::rt::hb_thread_finished(self->id);
  t_self = nullptr;
  racelab_explore_tid = -1;
  // Delay bounding's round-robin goes on from the thread that ended (to the next id), not
  // from the start; the other strategies see no current thread, as they always did, so
  // their schedule strings replay as before.
  Thread* next = pick_next(g_schedule.strategy == Strategy::delay ? self : nullptr, false);
  if (next) switch_to(self, next, false);
}

struct Finisher {
  Thread* self;
  ~Finisher() { finish(self); }  // also runs during pthread_exit's unwinding
};

void* trampoline(void* argument) {
  Thread* self = static_cast<Thread*>(argument);
  park(self);  // a new thread runs only when the scheduler first picks it
  t_self = self;
  racelab_explore_tid = self->id;
  Finisher finisher{self};
  return self->start(self->arg);
}

// Takes `mutex` for `self`, blocking (in the model) while another thread holds it.
int acquire(Thread* self, pthread_mutex_t* mutex) {
  for (;;) {
    const int rc = real.mutex_trylock(mutex);
    if (rc == 0) {
      note_locked(mutex, self->id);
      if (g_source) labctl::explore::rt::hb_acquire(self->id, mutex);
      return 0;
    }
    if (rc != EBUSY) return rc;
    self->state = State::blocked_mutex;
    self->object = mutex;
    schedule(self);
  }
}

// Takes a reader-writer lock (std::shared_mutex) for `self` with the real try function,
// blocking (in the model) while it is busy, like a mutex. The holders are not recorded: a
// deadlock report says "held by thread -1" for a reader-writer lock.
int acquire_rw(Thread* self, pthread_rwlock_t* lock, int (*try_lock)(pthread_rwlock_t*)) {
  for (;;) {
    const int rc = try_lock(lock);
    if (rc == 0) {
      if (g_source) labctl::explore::rt::hb_acquire(self->id, lock);
      return 0;
    }
    if (rc != EBUSY) return rc;
    self->state = State::blocked_mutex;
    self->object = lock;
    schedule(self);
  }
}

int release(Thread* self, pthread_mutex_t* mutex, bool then_schedule) {
  if (g_source) labctl::explore::rt::hb_release(self->id, mutex);
  const int rc = real.mutex_unlock(mutex);
  if (rc == 0) {
    note_unlocked(mutex);
    wake(State::blocked_mutex, mutex);
  }
  if (then_schedule) schedule(self);
  return rc;
}

int wait_on(Thread* self, pthread_cond_t* cond, pthread_mutex_t* mutex, bool timed) {
  release(self, mutex, false);
  self->state = State::waiting_cond;
  self->object = cond;
  self->timed = timed;
  self->timed_out = false;
  schedule(self);
  const bool timed_out = self->timed_out;
  if (g_source && !timed_out) labctl::explore::rt::hb_acquire(self->id, cond);
  self->timed = self->timed_out = false;
  const int rc = acquire(self, mutex);
  if (rc != 0) return rc;
  return timed_out ? ETIMEDOUT : 0;
}

int signal_cond(Thread* self, pthread_cond_t* cond, bool all) {
  if (g_source) labctl::explore::rt::hb_release(self->id, cond);
  std::vector<Thread*> waiters;
  for (int i = 0; i < g_thread_count; ++i) {
    if (g_threads[i]->state == State::waiting_cond && g_threads[i]->object == cond) waiters.push_back(g_threads[i]);
  }
  if (!waiters.empty()) {
    if (all) {
      for (Thread* t : waiters) t->state = State::runnable;
    } else {
      waiters[g_chooser->choose(waiters.size())]->state = State::runnable;
    }
  }
  schedule(self);
  return 0;
}

int yield_point(Thread* self) {
  schedule(self, true);
  return 0;
}

void* watchdog(void* argument) {
  const long limit_ms = static_cast<long>(reinterpret_cast<std::intptr_t>(argument)) * 1000;
  std::uint64_t last = g_progress.load();
  long still_ms = 0;
  const timespec tick{0, 50'000'000};
  for (;;) {
    real.nanosleep(&tick, nullptr);
    const std::uint64_t now = g_progress.load();
    if (now != last) {
      last = now;
      still_ms = 0;
      continue;
    }
    still_ms += 50;
    if (still_ms >= limit_ms) {
      char text[300];
      std::snprintf(text, sizeof text,
                    "thread %d ran %ld s without reaching a scheduling point: a spin loop without "
                    "sched_yield, or a blocking call the explorer does not see (%s)",
                    g_current.load(), limit_ms / 1000, format_schedule(g_schedule).c_str());
      report_line(text);
      std::fflush(stderr);
      _exit(kExitSpin);
    }
  }
}

// Only one controlled thread runs at a time, so a second CPU buys nothing; it costs a lot:
// a hand-over to a thread parked on another CPU waits for that CPU to wake (in a virtual
// machine here, about 25 µs against 2 µs on the same CPU; docs/performance.md). The program
// is pinned to the CPU it starts on; its threads (and forked children) inherit that.
void pin_to_one_cpu() {
  if (const char* all = std::getenv(kAllCpusEnv); all && *all) return;
  const int cpu = sched_getcpu();
  if (cpu < 0) return;
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu, &one);
  sched_setaffinity(0, sizeof one, &one);  // best effort: a refusal leaves the program as it was
}

__attribute__((constructor)) void start_exploring() {
  resolve_all();
  real.clock_gettime(CLOCK_MONOTONIC, &g_clock_start);
  real.clock_gettime(CLOCK_REALTIME, &g_wall_start);
  pin_to_one_cpu();
  if (const char* text = std::getenv(kScheduleEnv); text && *text) {
    const auto parsed = parse_schedule(text);
    if (!parsed) {
      const std::string line = std::string("cannot parse ") + kScheduleEnv + "=" + text +
                               " (expected e.g. racelab-schedule:v1:random:seed=1)";
      report_line(line.c_str());
      _exit(kExitBadSchedule);
    }
    g_schedule = *parsed;
  }
  g_chooser = new Chooser(g_schedule);
  g_holders = new std::vector<Holder>;
  g_enabled = new std::vector<int>;
  Thread* main_thread = new Thread;
  main_thread->go.store(1);
  g_threads[0] = main_thread;
  g_thread_count = 1;
  g_live_threads = 1;
  g_chooser->on_thread_created(0);
  t_self = main_thread;
  racelab_explore_tid = 0;
  std::snprintf(g_schedule_text, sizeof g_schedule_text, "%s", format_schedule(g_schedule).c_str());
  g_active = true;
  // A forked child has only the forking thread: the others' records would never run again,
  // so the child (often about to exec) runs uncontrolled.
  pthread_atfork(nullptr, nullptr, [] {
    g_active = false;
    racelab_explore_tid = -1;
  });
  if (const char* file = std::getenv(kTraceEnv); file && *file) {
    g_trace_fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  }
  if (const char* timeout = std::getenv(kTimeoutEnv); timeout && std::atoi(timeout) > 0) {
    pthread_t handle;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    real.create(&handle, &attr, watchdog, reinterpret_cast<void*>(static_cast<std::intptr_t>(std::atoi(timeout))));
    pthread_attr_destroy(&attr);
  }
}

// At exit, the number of scheduling points taken (PCT's step estimate for the driver).
__attribute__((destructor)) void stop_exploring() {
  const char* file = std::getenv(kStatsEnv);
  if (!file || !*file || !g_chooser || !g_active) return;
  if (FILE* out = std::fopen(file, "w")) {
    std::fprintf(out, "%llu\n", static_cast<unsigned long long>(g_chooser->steps_taken()));
    std::fclose(out);
  }
}

}  // namespace

// ------------------------------------------------------------------ source mode (runtime.hpp)
namespace labctl::explore::rt {

bool source_mode() { return g_source; }

void enter_source_mode() { g_source = true; }

const char* schedule_text() { return g_schedule_text; }

int live_threads() { return g_live_threads; }

void before_once(const void* object) {
  Thread* self = g_active ? t_self : nullptr;
  if (!self) return;
  for (;;) {
    const int runner = once_runner(object);
    if (runner < 0 || runner == self->id) return;
    self->state = State::blocked_once;
    self->object = object;
    schedule(self);
  }
}

void once_started(const void* object) {
  Thread* self = g_active ? t_self : nullptr;
  if (!self) return;
  for (OnceRun& run : g_once_runs) {
    if (run.object == nullptr) {
      run = {object, self->id};
      return;
    }
  }
  // More initialisations at once than the table holds: this one is not modelled, and a
  // thread reaching it meanwhile waits in the real call (a hang the watchdog ends).
}

void once_done(const void* object) {
  for (OnceRun& run : g_once_runs) {
    if (run.object == object) run = {};
  }
  wake(State::blocked_once, object);
}

// After this many read-only memory points in a row a thread counts as yielding: it is
// probably spinning on a flag another thread must set (and PCT and delay bounding, which
// would run it forever, must let that thread run).
constexpr int kSpinPoints = 64;

void stop_scheduling() { g_active = false; }

void point(const char* event, const void* object, const void* pc, bool read_only) {
  Thread* self = g_active ? t_self : nullptr;
  // With one thread alive there is nothing to choose: no point (and no PCT step) there.
  if (!self || g_live_threads <= 1) return;
  bool yielded = false;
  if (!read_only) {
    self->quiet_points = 0;
  } else if (++self->quiet_points >= kSpinPoints) {
    self->quiet_points = 0;
    yielded = true;
  }
  // sync: a plain memory access or a library call is no choice, unless the thread spins;
  // an atomic operation is (a load and a store of an atomic total, one point apart, are a
  // lost update no lock shows: helper-15's atomic_merge_once passed all six schedules while
  // sync skipped them).
  if (g_schedule.strategy == Strategy::sync && !yielded &&
      (std::strcmp(event, "read") == 0 || std::strcmp(event, "write") == 0 || std::strcmp(event, "call") == 0)) {
    return;
  }
  trace(self, event, object, -1, pc);
  schedule(self, yielded);
}

}  // namespace labctl::explore::rt

// ------------------------------------------------------------------ the interposed calls
extern "C" {

int pthread_create(pthread_t* thread, const pthread_attr_t* attr, void* (*start)(void*), void* arg) {
  Thread* self = controlled();
  if (!self || g_thread_count >= kMaxThreads) return real.create(thread, attr, start, arg);
  Thread* child = new Thread;
  child->id = g_thread_count;
  child->start = start;
  child->arg = arg;
  const int rc = real.create(thread, attr, trampoline, child);
  if (rc != 0) {
    delete child;
    return rc;
  }
  child->handle = *thread;
  g_threads[g_thread_count++] = child;
  ++g_live_threads;
  if (g_source) labctl::explore::rt::hb_thread_created(self->id, child->id);
  TRACE_THREAD(self, "create", child->id);
  g_chooser->on_thread_created(child->id);
  schedule(self);
  return 0;
}

int pthread_join(pthread_t thread, void** result) {
  Thread* self = controlled();
  Thread* target = nullptr;
  if (self) {
    for (int i = g_thread_count - 1; i > 0 && !target; --i) {
      if (!g_threads[i]->joined && pthread_equal(g_threads[i]->handle, thread)) target = g_threads[i];
    }
  }
  if (!target) return real.join(thread, result);
  TRACE_THREAD(self, "join", target->id);
  schedule(self);
  while (target->state != State::finished) {
    self->state = State::blocked_join;
    self->object = target;
    schedule(self);
  }
  target->joined = true;
  if (g_source) labctl::explore::rt::hb_thread_joined(self->id, target->id);
  return real.join(thread, result);  // its model has ended; the real thread is on its way out
}

void pthread_exit(void* result) {
  Thread* self = controlled();
  TRACE(self, "exit", nullptr);
  if (self && self->id == 0) finish(self);  // others: Finisher
  real.exit(result);
  __builtin_unreachable();
}

int pthread_mutex_lock(pthread_mutex_t* mutex) {
  Thread* self = controlled();
  if (!self) return real.mutex_lock(mutex);
  TRACE(self, "lock", mutex);
  schedule(self);
  return acquire(self, mutex);
}

int pthread_mutex_trylock(pthread_mutex_t* mutex) {
  Thread* self = controlled();
  if (!self) return real.mutex_trylock(mutex);
  TRACE(self, "trylock", mutex);
  schedule(self);
  const int rc = real.mutex_trylock(mutex);
  if (rc == 0) {
    note_locked(mutex, self->id);
    if (g_source) labctl::explore::rt::hb_acquire(self->id, mutex);
  }
  return rc;
}

int pthread_mutex_unlock(pthread_mutex_t* mutex) {
  Thread* self = controlled();
  if (!self) return real.mutex_unlock(mutex);
  TRACE(self, "unlock", mutex);
  return release(self, mutex, true);
}

// Reader-writer locks (std::shared_mutex): scheduling points like mutexes, so a thread
// never blocks in glibc on a lock a parked thread holds. The timed forms are not modelled.
int pthread_rwlock_rdlock(pthread_rwlock_t* lock) {
  Thread* self = controlled();
  if (!self) return real.rw_rdlock(lock);
  TRACE(self, "rdlock", lock);
  schedule(self);
  return acquire_rw(self, lock, real.rw_tryrdlock);
}

int pthread_rwlock_wrlock(pthread_rwlock_t* lock) {
  Thread* self = controlled();
  if (!self) return real.rw_wrlock(lock);
  TRACE(self, "wrlock", lock);
  schedule(self);
  return acquire_rw(self, lock, real.rw_trywrlock);
}

int pthread_rwlock_tryrdlock(pthread_rwlock_t* lock) {
  Thread* self = controlled();
  if (!self) return real.rw_tryrdlock(lock);
  TRACE(self, "trylock", lock);
  schedule(self);
  const int rc = real.rw_tryrdlock(lock);
  if (rc == 0 && g_source) labctl::explore::rt::hb_acquire(self->id, lock);
  return rc;
}

int pthread_rwlock_trywrlock(pthread_rwlock_t* lock) {
  Thread* self = controlled();
  if (!self) return real.rw_trywrlock(lock);
  TRACE(self, "trylock", lock);
  schedule(self);
  const int rc = real.rw_trywrlock(lock);
  if (rc == 0 && g_source) labctl::explore::rt::hb_acquire(self->id, lock);
  return rc;
}

int pthread_rwlock_unlock(pthread_rwlock_t* lock) {
  Thread* self = controlled();
  if (!self) return real.rw_unlock(lock);
  TRACE(self, "unlock", lock);
  if (g_source) labctl::explore::rt::hb_release(self->id, lock);
  const int rc = real.rw_unlock(lock);
  if (rc == 0) wake(State::blocked_mutex, lock);
  schedule(self);
  return rc;
}

int pthread_cond_wait(pthread_cond_t* cond, pthread_mutex_t* mutex) {
  Thread* self = controlled();
  if (!self) return real.cond_wait(cond, mutex);
  TRACE(self, "wait", cond);
  return wait_on(self, cond, mutex, false);
}

int pthread_cond_timedwait(pthread_cond_t* cond, pthread_mutex_t* mutex, const timespec* deadline) {
  Thread* self = controlled();
  if (!self) return real.cond_timedwait(cond, mutex, deadline);
  TRACE(self, "timedwait", cond);
  return wait_on(self, cond, mutex, true);
}

int pthread_cond_clockwait(pthread_cond_t* cond, pthread_mutex_t* mutex, clockid_t clock, const timespec* deadline) {
  Thread* self = controlled();
  if (!self) return real.cond_clockwait(cond, mutex, clock, deadline);
  TRACE(self, "timedwait", cond);
  return wait_on(self, cond, mutex, true);
}

int pthread_cond_signal(pthread_cond_t* cond) {
  Thread* self = controlled();
  if (!self) return real.cond_signal(cond);
  TRACE(self, "signal", cond);
  return signal_cond(self, cond, false);
}

int pthread_cond_broadcast(pthread_cond_t* cond) {
  Thread* self = controlled();
  if (!self) return real.cond_broadcast(cond);
  TRACE(self, "broadcast", cond);
  return signal_cond(self, cond, true);
}

int sched_yield() {
  Thread* self = controlled();
  if (!self) return real.yield();
  TRACE(self, "yield", nullptr);
  return yield_point(self);
}

int nanosleep(const timespec* request, timespec* remaining) {
  Thread* self = controlled();
  if (!self) return real.nanosleep(request, remaining);
  TRACE(self, "sleep", nullptr);
  if (request) sleep_passes(self, ns_of(*request));  // before `remaining`: libstdc++ passes one timespec as both
  if (remaining) *remaining = timespec{0, 0};
  return sleep_point(self);
}

// labkit's test helpers poll with clock_nanosleep (ThreadSanitizer does not intercept it):
// a thread that polls a flag another thread sets must give way, or that thread never runs.
int clock_nanosleep(clockid_t clock, int flags, const timespec* request, timespec* remaining) {
  Thread* self = controlled();
  if (!self) return real.clock_nanosleep(clock, flags, request, remaining);
  TRACE(self, "sleep", nullptr);
  if (request) {
    // An absolute wake-up is on the clock this thread reads: the virtual one, for the
    // monotonic clocks (clock_gettime below).
    timespec now{};
    clock_gettime(clock, &now);
    sleep_passes(self, (flags & TIMER_ABSTIME) ? ns_of(*request) - ns_of(now) : ns_of(*request));
  }
  if (remaining) *remaining = timespec{0, 0};  // after: it may be the request itself
  return sleep_point(self);
}

// The virtual clock (above), for every clock a controlled thread reads: the monotonic ones,
// and the wall clock and CPU-time clocks too, each from its own value at the start. Were any
// of them real, code could compare two clocks and tell an explored run from a real one (and
// race only in real runs: fixture detect_explorer). Other threads (the watchdog) get the
// machine's.
int clock_gettime(clockid_t clock, timespec* time) {
  resolve_all();
  if (!g_active || t_self == nullptr) return real.clock_gettime(clock, time);
  timespec start{};
  if (clock == CLOCK_MONOTONIC || clock == CLOCK_MONOTONIC_RAW || clock == CLOCK_MONOTONIC_COARSE ||
      clock == CLOCK_BOOTTIME) {
    start = g_clock_start;
  } else if (clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_COARSE || clock == CLOCK_TAI) {
    start = g_wall_start;
  }  // CPU-time clocks: from zero
  const std::int64_t ns = ns_of(start) + g_virtual_ns.load(std::memory_order_relaxed);
  time->tv_sec = static_cast<time_t>(ns / 1'000'000'000);
  time->tv_nsec = static_cast<long>(ns % 1'000'000'000);
  return 0;
}

// The wall clock's other doors, virtual the same way (clock_gettime above).
int gettimeofday(timeval* time, void* zone) {
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  *time = timeval{now.tv_sec, static_cast<suseconds_t>(now.tv_nsec / 1000)};
  if (zone) std::memset(zone, 0, sizeof(struct timezone));
  return 0;
}

time_t time(time_t* result) {
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  if (result) *result = now.tv_sec;
  return now.tv_sec;
}

int usleep(useconds_t microseconds) {
  Thread* self = controlled();
  if (!self) return real.usleep(microseconds);
  TRACE(self, "sleep", nullptr);
  sleep_passes(self, static_cast<std::int64_t>(microseconds) * 1000);
  return sleep_point(self);
}

unsigned sleep(unsigned seconds) {
  Thread* self = controlled();
  if (!self) return real.sleep(seconds);
  TRACE(self, "sleep", nullptr);
  sleep_passes(self, static_cast<std::int64_t>(seconds) * 1'000'000'000);
  sleep_point(self);
  return 0;
}

}  // extern "C"
