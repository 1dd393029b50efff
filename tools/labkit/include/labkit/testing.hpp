// labkit/testing.hpp — executors and checks that make concurrency bugs show up in tests
// every run, not one run in twenty.
//
// Three problems with testing threaded code, and what this header does about each:
//
//  1. ThreadSanitizer misses races between tasks of an ordinary pool: a worker that
//     pops task A, runs it, then pops task B through the same queue mutex orders A
//     before B, so TSan sees no race. ExposureExecutor runs every task on a fresh
//     thread and releases them together, so nothing of ours orders two tasks.
//  2. A result that depends on completion order may come out right on one machine for
//     a thousand runs. ShuffledExecutor runs tasks in an order drawn from a seed, and
//     same_result_for_all_seeds() tries many seeds and names the one that fails, so
//     the failure can be replayed (LABKIT_SEED=N).
//  3. "Don't use globals" is a rule a test can read off the compiled object:
//     find_mutable_statics() lists every symbol in a writable data section.
#pragma once

#include <labkit/executor.hpp>
#include <labkit/protocol.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

namespace labkit::testing {

/// Sleeps about a millisecond without telling TSan (clock_nanosleep is not intercepted),
/// for polling loops in tests.
void pause_briefly();

/// An executor that exposes data races between tasks to ThreadSanitizer.
///
/// Every task gets its own new thread, which waits at a closed gate. The gate opens
/// when somebody first waits on one of the futures (get/wait/map/as_completed) or at
/// shutdown; then, once every thread of the gate has arrived at it, its tasks start,
/// 200 microseconds apart (so that TSan never sees two of their writes in the same
/// instant, which it can miss). No queue, no lock of ours sits between two tasks of
/// one gate, so any two of them that touch the same memory without synchronising are
/// reported by TSan, in every run.
/// At most `max_held` threads wait at one gate (TSan supports a few thousand threads);
/// when it is full the gate opens and the next tasks wait at a new one.
class ExposureExecutor final : public Executor {
 public:
  /// `max_held` = the most tasks held at one gate (0 is taken as 1).
  explicit ExposureExecutor(std::size_t max_held = 64);
  /// Opens the gate and joins every thread (shutdown(true)).
  ~ExposureExecutor() override;
  /// Stops accepting tasks and opens the current gate, or with cancel_futures=true
  /// cancels the tasks held at it (their get() throws CancelledError); tasks of gates
  /// already opened run to the end. wait=true then joins every thread; wait=false
  /// leaves that to a later call or the destructor. Throws std::logic_error, and
  /// changes nothing, if called with wait=true from one of this executor's own tasks.
  void shutdown(bool wait = true, bool cancel_futures = false) override;
  /// The most tasks held at one gate, released together. (Tasks of a gate that opened
  /// because it was full may still be running when the next gate opens.)
  std::size_t max_workers() const noexcept override { return max_held_; }
  /// The most tasks one thread submitted before it waited on a future (or before shutdown,
  /// for tasks nobody waited for). Code that waits for each task before submitting the next
  /// has 1, however many tasks it submits, and so has code that submits one task from each
  /// of several threads of its own: the measure of "parallel" the labs' Parallel tests use.
  /// Counted per thread, in that thread's own order of submits and waits, so it is the same
  /// in every run however the threads interleave (tasks_submitted() counted serialised code
  /// as parallel; a count per gate depended on which of two submitting threads waited first).
  std::size_t tasks_at_once() const;

 private:
  void schedule(detail::TaskPtr task) override;
  std::function<void()> driver() override;

  struct Gate;
  struct State;
  const std::size_t max_held_;
  std::shared_ptr<State> state_;
};

/// A deterministic executor for order-dependence tests: tasks are held until somebody
/// waits on one of the futures, then run one at a time, on the waiting thread, in an
/// order drawn from `seed`. The same seed and the same submissions give the same order.
class ShuffledExecutor final : public Executor {
 public:
  explicit ShuffledExecutor(std::uint64_t seed);
  /// Runs what is still held (shutdown(true)).
  ~ShuffledExecutor() override;
  /// Stops accepting tasks. Held tasks are run here, on the calling thread, in the
  /// seed's order, whatever `wait` says (they have no thread of their own); with
  /// cancel_futures=true they are cancelled instead (get() throws CancelledError).
  void shutdown(bool wait = true, bool cancel_futures = false) override;
  /// Reports 4: the code under test should not depend on the number anyway.
  std::size_t max_workers() const noexcept override { return 4; }
  /// The seed this executor draws its order from.
  std::uint64_t seed() const noexcept { return seed_; }

 private:
  void schedule(detail::TaskPtr task) override;
  std::function<void()> driver() override;

  struct State;
  const std::uint64_t seed_;
  std::shared_ptr<State> state_;
};

/// Exit status of a test program stopped because something hung; the watchdog in
/// labkit_gtest_main uses it too, and tools/lab reads it (with the line below) as a deadlock.
/// Defined in labkit/protocol.hpp, with the watchdog line's prefix.
inline constexpr int kHangExit = protocol::kExitHung;

/// Ends the test program the way the watchdog does, for tests that wait with a deadline
/// of their own: prints `detail` on a line of its own (when not empty), then
/// "[racelab watchdog] timeout: Suite.Test: <what>", flushes, and _exit(kHangExit). There
/// is no clean way out when threads are blocked for good; _exit does not wait for them.
[[noreturn]] void end_as_hung(const std::string& what, const std::string& detail = "");

/// Runs `call()` on a thread of its own and returns its result (or rethrows its
/// exception). If it has not returned after `limit`, calls end_as_hung(describe()).
/// The wait polls an atomic flag with clock_nanosleep: timed condition-variable waits
/// give false reports under clang 14's TSan, and sleep_for adds "as if synchronized via
/// sleep" notes pointing into labkit to every report.
template <class Call, class Describe>
auto call_within(std::chrono::milliseconds limit, Call call, Describe describe) {
  using Result = decltype(call());
  struct Outcome {
    std::atomic<bool> done{false};
    std::optional<std::conditional_t<std::is_void_v<Result>, bool, Result>> value;
    std::exception_ptr error;
  };
  Outcome outcome;
  std::thread runner([&] {
    try {
      if constexpr (std::is_void_v<Result>) {
        call();
        outcome.value.emplace(true);
      } else {
        outcome.value.emplace(call());
      }
    } catch (...) {
      outcome.error = std::current_exception();
    }
    outcome.done.store(true, std::memory_order_release);
  });
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!outcome.done.load(std::memory_order_acquire)) {
    if (std::chrono::steady_clock::now() >= deadline) end_as_hung(describe());
    pause_briefly();
  }
  runner.join();
  if (outcome.error) std::rethrow_exception(outcome.error);
  if constexpr (!std::is_void_v<Result>) return std::move(*outcome.value);
}

/// The seeds a determinism test tries: 0..count-1, or only LABKIT_SEED when that
/// environment variable is set (to replay a failure).
std::vector<std::uint64_t> seeds_to_try(std::uint64_t count);

/// Runs `run(executor)` on a ShuffledExecutor for each seed of seeds_to_try(count) and
/// checks that every result equals `expected` (usually the sequential reference).
/// On failure, the message names the first failing seed and how to replay it.
/// [[nodiscard]]: the verdict is the result; dropped, the check checks nothing. Wrap the
/// call in EXPECT_TRUE / ASSERT_TRUE.
template <class Result, class Run>
[[nodiscard]] ::testing::AssertionResult same_result_for_all_seeds(const Result& expected, Run run,
                                                     std::uint64_t count = 32) {
  for (std::uint64_t seed : seeds_to_try(count)) {
    ShuffledExecutor executor(seed);
    Result got = run(static_cast<Executor&>(executor));
    if (!(got == expected)) {
      auto failure = ::testing::AssertionFailure();
      if (executor.tasks_submitted() == 0) {
        // The seed orders the executor's tasks; code that ran none made its own order.
        failure << "nondeterministic: the result differs from the sequential reference, and the "
                   "code ran no task on the executor, so the order came from its own threads "
                   "(no seed replays it).";
      } else {
        failure << "nondeterministic: with task order seed " << seed
                << " the result differs from the sequential reference.";
      }
      failure << "\n  expected: " << ::testing::PrintToString(expected)
              << "\n  got:      " << ::testing::PrintToString(got);
      if (executor.tasks_submitted() != 0)
        failure << "\n  replay just this order with LABKIT_SEED=" << seed;
      return failure;
    }
  }
  return ::testing::AssertionSuccess();
}

/// Runs `run()` `runs` times and counts each distinct result (as printed by
/// GoogleTest's PrintToString). One key means the program was deterministic over
/// those runs; several show the spread a race produces.
template <class Run>
std::map<std::string, std::size_t> sample_outcomes(std::size_t runs, Run run) {
  std::map<std::string, std::size_t> counts;
  for (std::size_t i = 0; i < runs; ++i) ++counts[::testing::PrintToString(run())];
  return counts;
}

/// A symbol in a writable data section of an object file: a global, a static data
/// member, a function-local static (or its guard), thread_local or not.
struct MutableStatic {
  std::string object;   ///< the object file it was found in
  std::string section;  ///< .data, .bss, .tdata, .tbss, .data.rel, ...
  std::string symbol;   ///< demangled name
};

/// Reads an ELF64 object file and lists its mutable statics. Sections counted:
/// .data, .bss, .tdata, .tbss and their .data.*/.bss.*/.tdata.*/.tbss.* variants, but
/// not .data.rel.ro* (read-only after relocation: constants). Symbols the compiler or
/// a sanitizer adds (std::ios_base::Init from <iostream>, __tsan_*, __asan_*, the
/// __unnamed_N tables ASan registers) are ignored. Throws std::runtime_error if the file cannot be read or is not ELF64.
std::vector<MutableStatic> find_mutable_statics(const std::string& object_file);

/// The undefined global and weak symbols of an ELF64 object file, as stored (mangled):
/// the functions and data it uses from other files and libraries, the C library among
/// them. Throws std::runtime_error if the file cannot be read or is not ELF64.
std::vector<std::string> undefined_symbols(const std::string& object_file);

/// Splits a '|'- or ';'-separated list of object files (LAB_OBJECTS) into its files.
std::vector<std::string> object_files_in(const std::string& list);

/// The object files of the lab under test, '|'-separated. Defined for each lab test
/// program by the build (tests/CMakeLists.txt), which also defines the macro LAB_OBJECTS
/// as a call to it: has_no_mutable_statics(LAB_OBJECTS).
const char* lab_objects();

/// GoogleTest check over a '|'- or ';'-separated list of object files: succeeds when none
/// holds a mutable static; otherwise names each one and says how to fix it.
/// [[nodiscard]]: as same_result_for_all_seeds(), a dropped verdict checks nothing.
[[nodiscard]] ::testing::AssertionResult has_no_mutable_statics(const std::string& object_files);

}  // namespace labkit::testing
