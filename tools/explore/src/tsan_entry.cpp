// Source mode's entry points (issue 16): the functions clang's -fsanitize=thread
// instrumentation calls, implemented by the explorer instead of ThreadSanitizer's runtime.
// A program compiled with -fsanitize=thread and linked with -fno-sanitize-link-runtime
// against libracelab_explore.so (tools/racelab-c++) calls these at every memory access
// the compiler could not prove thread-local, at every atomic operation, and at every
// instrumented function's entry and exit.
//
// Plain accesses: a thread not controlled (before the explorer starts, the watchdog, a
// thread past its end) returns at once; a controlled one goes to race.cpp (a scheduling
// point when the memory is shared, then the race check). Atomics are really performed,
// with the memory order given, after their scheduling point. Function entries keep the
// call stack race reports show.
#include "runtime.hpp"

#include <dlfcn.h>
#include <malloc.h>
#include <pthread.h>

#include <atomic>
#include <cstdint>
#include <cstring>

using labctl::explore::rt::Frames;
namespace rt = labctl::explore::rt;

__thread Frames labctl::explore::rt::racelab_frames;

namespace {

inline void plain(const void* address, std::size_t size, bool write, const void* pc) {
  const int tid = racelab_explore_tid;
  if (tid < 0) return;
  rt::plain_access(tid, reinterpret_cast<std::uintptr_t>(address), size, write, pc);
}

// The scheduling point and ordering of an atomic operation; the caller then performs it.
inline void atomic_point(const volatile void* address, int order, bool load, bool store, const void* pc) {
  const int tid = racelab_explore_tid;
  if (tid < 0) return;
  rt::atomic_access(tid, const_cast<const void*>(address), order, load, store, pc);
}

// ThreadSanitizer's memory orders are the compiler's __ATOMIC_* values; anything else is
// treated as seq_cst. The operation itself is always performed seq_cst (the strongest
// order is a valid one, and only one thread runs at a time anyway); the order given
// decides the happens-before edges the race detector draws.
inline int order_of(int order) { return order >= __ATOMIC_RELAXED && order <= __ATOMIC_SEQ_CST ? order : __ATOMIC_SEQ_CST; }

// The real __cxa_guard_* (libstdc++'s), found on first use.
int (*g_real_guard_acquire)(std::uint64_t*) = nullptr;
void (*g_real_guard_release)(std::uint64_t*) = nullptr;
void (*g_real_guard_abort)(std::uint64_t*) = nullptr;
int (*g_real_once)(pthread_once_t*, void (*)()) = nullptr;

}  // namespace

#define PC __builtin_return_address(0)

extern "C" {

// Called by every instrumented module's constructor: from here on, accesses are points.
void __tsan_init() { rt::enter_source_mode(); }

// A scheduling point before a call into code that is not instrumented (a library function
// compiled elsewhere: std::from_chars, strtod, erand48): its stores are no points, so
// without this one no other thread could run between a shared load before the call and a
// store inside it (a lost update through library code would be invisible). The grader puts
// it in front of every library function a submission calls, through wrappers it links with
// --wrap (tools/labctl/src/grade/library_call_points.hpp; the name is that protocol).
__attribute__((visibility("default"))) void racelab_explore_call_point() {
  if (racelab_explore_tid < 0 || !rt::source_mode()) return;
  rt::point("call", nullptr, PC, false);
}

// A store a library function is about to make through an argument (schedule.hpp:
// kLibraryWriteFunction; the grader's wrappers call it after the call point): compiled
// elsewhere, that store is no access the explorer would see, and a race through it (a
// shared total loaded by the lab's code, stored by std::from_chars) would go unreported.
// `caller`: the wrapper's return address, in the lab's code, for the report.
__attribute__((visibility("default"))) void racelab_explore_library_write(void* address, unsigned long size,
                                                                          const void* caller) {
  if (racelab_explore_tid < 0 || !rt::source_mode() || address == nullptr || size == 0) return;
  plain(address, size, true, caller);
}

// The object of a library member's call (schedule.hpp: kLibraryObjectWriteFunction): a write
// at its first byte, unless it is a shared library's own global (std::cout: its module is a
// ".so"), which every thread uses by design.
__attribute__((visibility("default"))) void racelab_explore_library_object_write(void* object, const void* caller) {
  if (racelab_explore_tid < 0 || !rt::source_mode() || object == nullptr) return;
  Dl_info module{};
  if (dladdr(object, &module) != 0 && module.dli_fname != nullptr && std::strstr(module.dli_fname, ".so") != nullptr) {
    return;
  }
  plain(object, 1, true, caller);
}

// The call site of each instrumented function, for the stacks of race reports.
void __tsan_func_entry(void* call_pc) {
  Frames& f = rt::racelab_frames;
  if (f.depth >= 0 && f.depth < rt::kMaxFrames) f.pc[f.depth] = call_pc;
  ++f.depth;
}
void __tsan_func_exit() {
  Frames& f = rt::racelab_frames;
  if (f.depth > 0) --f.depth;
}

// ---- plain accesses: aligned, _pc, unaligned and volatile forms all mean the same here.
#define RACELAB_ACCESS(size)                                                                      \
  void __tsan_read##size(void* a) { plain(a, size, false, PC); }                                  \
  void __tsan_write##size(void* a) { plain(a, size, true, PC); }                                  \
  void __tsan_read##size##_pc(void* a, void* pc) { plain(a, size, false, pc); }                   \
  void __tsan_write##size##_pc(void* a, void* pc) { plain(a, size, true, pc); }                   \
  void __tsan_unaligned_read##size(const void* a) { plain(a, size, false, PC); }                  \
  void __tsan_unaligned_write##size(void* a) { plain(a, size, true, PC); }                        \
  void __tsan_volatile_read##size(void* a) { plain(a, size, false, PC); }                         \
  void __tsan_volatile_write##size(void* a) { plain(a, size, true, PC); }                         \
  void __tsan_unaligned_volatile_read##size(void* a) { plain(a, size, false, PC); }               \
  void __tsan_unaligned_volatile_write##size(void* a) { plain(a, size, true, PC); }
RACELAB_ACCESS(1)
RACELAB_ACCESS(2)
RACELAB_ACCESS(4)
RACELAB_ACCESS(8)
RACELAB_ACCESS(16)
#undef RACELAB_ACCESS

void __tsan_read_range(void* a, unsigned long size) { plain(a, size, false, PC); }
void __tsan_write_range(void* a, unsigned long size) { plain(a, size, true, PC); }
void __tsan_read_range_pc(void* a, unsigned long size, void* pc) { plain(a, size, false, pc); }
void __tsan_write_range_pc(void* a, unsigned long size, void* pc) { plain(a, size, true, pc); }

// A virtual call reads the object's vtable pointer; a constructor writes it. Reads are not
// points (objects are built before they are shared); updates are writes.
void __tsan_vptr_read(void** /*vptr*/) {}
void __tsan_vptr_update(void** vptr, void* new_value) {
  if (*vptr != new_value) plain(vptr, sizeof(void*), true, PC);
}

// ---- atomics
#define RACELAB_ATOMICS(bits, type)                                                                         \
  type __tsan_atomic##bits##_load(const volatile type* a, int mo) {                                         \
    atomic_point(a, order_of(mo), true, false, PC);                                                         \
    return __atomic_load_n(a, __ATOMIC_SEQ_CST);                                                            \
  }                                                                                                         \
  void __tsan_atomic##bits##_store(volatile type* a, type v, int mo) {                                      \
    atomic_point(a, order_of(mo), false, true, PC);                                                         \
    __atomic_store_n(a, v, __ATOMIC_SEQ_CST);                                                               \
  }                                                                                                         \
  type __tsan_atomic##bits##_exchange(volatile type* a, type v, int mo) {                                   \
    atomic_point(a, order_of(mo), true, true, PC);                                                          \
    return __atomic_exchange_n(a, v, __ATOMIC_SEQ_CST);                                                     \
  }                                                                                                         \
  type __tsan_atomic##bits##_fetch_add(volatile type* a, type v, int mo) {                                  \
    atomic_point(a, order_of(mo), true, true, PC);                                                          \
    return __atomic_fetch_add(a, v, __ATOMIC_SEQ_CST);                                                      \
  }                                                                                                         \
  type __tsan_atomic##bits##_fetch_sub(volatile type* a, type v, int mo) {                                  \
    atomic_point(a, order_of(mo), true, true, PC);                                                          \
    return __atomic_fetch_sub(a, v, __ATOMIC_SEQ_CST);                                                      \
  }                                                                                                         \
  type __tsan_atomic##bits##_fetch_and(volatile type* a, type v, int mo) {                                  \
    atomic_point(a, order_of(mo), true, true, PC);                                                          \
    return __atomic_fetch_and(a, v, __ATOMIC_SEQ_CST);                                                      \
  }                                                                                                         \
  type __tsan_atomic##bits##_fetch_or(volatile type* a, type v, int mo) {                                   \
    atomic_point(a, order_of(mo), true, true, PC);                                                          \
    return __atomic_fetch_or(a, v, __ATOMIC_SEQ_CST);                                                       \
  }                                                                                                         \
  type __tsan_atomic##bits##_fetch_xor(volatile type* a, type v, int mo) {                                  \
    atomic_point(a, order_of(mo), true, true, PC);                                                          \
    return __atomic_fetch_xor(a, v, __ATOMIC_SEQ_CST);                                                      \
  }                                                                                                         \
  type __tsan_atomic##bits##_fetch_nand(volatile type* a, type v, int mo) {                                 \
    atomic_point(a, order_of(mo), true, true, PC);                                                          \
    return __atomic_fetch_nand(a, v, __ATOMIC_SEQ_CST);                                                     \
  }                                                                                                         \
  int __tsan_atomic##bits##_compare_exchange_strong(volatile type* a, type* c, type v, int mo, int fmo) {   \
    atomic_point(a, order_of(mo), true, true, PC);                                                          \
    (void)fmo;                                                                                              \
    return __atomic_compare_exchange_n(a, c, v, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);                 \
  }                                                                                                         \
  int __tsan_atomic##bits##_compare_exchange_weak(volatile type* a, type* c, type v, int mo, int fmo) {     \
    atomic_point(a, order_of(mo), true, true, PC);                                                          \
    (void)fmo;                                                                                              \
    /* never fails spuriously: a weak CAS that may fail at random would make runs unrepeatable */          \
    return __atomic_compare_exchange_n(a, c, v, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);                 \
  }                                                                                                         \
  type __tsan_atomic##bits##_compare_exchange_val(volatile type* a, type c, type v, int mo, int fmo) {      \
    atomic_point(a, order_of(mo), true, true, PC);                                                          \
    (void)fmo;                                                                                              \
    __atomic_compare_exchange_n(a, &c, v, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);                       \
    return c;                                                                                               \
  }
RACELAB_ATOMICS(8, char)
RACELAB_ATOMICS(16, short)
RACELAB_ATOMICS(32, int)
RACELAB_ATOMICS(64, long long)
#undef RACELAB_ATOMICS

void __tsan_atomic_thread_fence(int mo) {
  const int tid = racelab_explore_tid;
  if (tid >= 0) rt::fence(tid, order_of(mo));
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
}
void __tsan_atomic_signal_fence(int /*mo*/) { __atomic_signal_fence(__ATOMIC_SEQ_CST); }

// ---- one-time initialisation: happens-before, and the model's waiting (runtime.hpp)
// Function-local statics: the compiler's inline check is an instrumented acquire load of
// the guard, but the store that ends the initialisation is inside libstdc++ (not
// instrumented): draw that edge here. std::call_once goes through pthread_once: the thread
// that ran the routine publishes it, every caller acquires it. (Interposed for every
// program; without source mode they only forward.) No function-local statics in here: they
// would call these very functions.
int __cxa_guard_acquire(std::uint64_t* guard) {
  if (!g_real_guard_acquire) {
    g_real_guard_acquire = reinterpret_cast<int (*)(std::uint64_t*)>(dlsym(RTLD_NEXT, "__cxa_guard_acquire"));
  }
  const bool source = racelab_explore_tid >= 0 && rt::source_mode();
  if (source) rt::before_once(guard);
  const int rc = g_real_guard_acquire(guard);
  if (source) {
    rt::hb_acquire(racelab_explore_tid, guard);
    if (rc != 0) rt::once_started(guard);  // this thread initialises: until release or abort
  }
  return rc;
}
void __cxa_guard_release(std::uint64_t* guard) {
  if (!g_real_guard_release) {
    g_real_guard_release = reinterpret_cast<void (*)(std::uint64_t*)>(dlsym(RTLD_NEXT, "__cxa_guard_release"));
  }
  if (const int tid = racelab_explore_tid; tid >= 0 && rt::source_mode()) rt::hb_release(tid, guard);
  g_real_guard_release(guard);
  if (racelab_explore_tid >= 0 && rt::source_mode()) rt::once_done(guard);
}
void __cxa_guard_abort(std::uint64_t* guard) {
  if (!g_real_guard_abort) {
    g_real_guard_abort = reinterpret_cast<void (*)(std::uint64_t*)>(dlsym(RTLD_NEXT, "__cxa_guard_abort"));
  }
  g_real_guard_abort(guard);
  if (racelab_explore_tid >= 0 && rt::source_mode()) rt::once_done(guard);
}

namespace {
// Ends a pthread_once in the model however it ends: a routine that throws (std::call_once
// with a throwing callable) unwinds through the interposer, and a thread left marked as
// running it would block every later caller (helper-17's once_throw_leak once left a
// worker without points for good instead).
struct OnceDone {
  const void* control;
  ~OnceDone() { rt::once_done(control); }
};
}  // namespace

int pthread_once(pthread_once_t* control, void (*routine)()) {
  if (!g_real_once) {
    g_real_once = reinterpret_cast<int (*)(pthread_once_t*, void (*)())>(dlsym(RTLD_NEXT, "pthread_once"));
  }
  if (racelab_explore_tid < 0 || !rt::source_mode()) return g_real_once(control, routine);
  rt::before_once(control);
  rt::once_started(control);  // or finds it done, at once: the same to the model
  int rc = 0;
  {
    const OnceDone done{control};
    rc = g_real_once(control, routine);
  }
  rt::hb_acquire(racelab_explore_tid, control);
  rt::hb_release(racelab_explore_tid, control);
  return rc;
}

// Freed memory is new memory to whoever gets it next: without this, a block freed by one
// thread and handed by malloc to another (glibc's arenas are shared beyond 16 threads on 2
// cores) would look shared, and its two owners' accesses like a race. Blocks of every size:
// glibc raises its mmap threshold once a big block is freed, so big blocks come from the
// heap again (a 556 KiB vector freed by one thread and reused by another once gave a false
// report on an honest lab 01 submission).
// The next free (glibc's, or a replacement allocator's) is found once; dlsym may itself
// free while it looks, and those frees go to glibc's directly.
void __libc_free(void*);
void free(void* block) {
  static std::atomic<void (*)(void*)> real{nullptr};
  static __thread bool resolving = false;
  void (*next)(void*) = real.load(std::memory_order_acquire);
  if (!next) {
    if (resolving) return __libc_free(block);
    resolving = true;
    next = reinterpret_cast<void (*)(void*)>(dlsym(RTLD_NEXT, "free"));
    resolving = false;
    if (!next) next = __libc_free;
    real.store(next, std::memory_order_release);
  }
  if (block && racelab_explore_tid >= 0 && rt::source_mode()) {
    rt::forget(reinterpret_cast<std::uintptr_t>(block), malloc_usable_size(block));
  }
  next(block);
}

}  // extern "C"
