// What an instrumented memory access costs in the explorer's source mode (issue 16), for
// tools/bench-explore --source. Built twice by the script: plainly (no instrumentation) and
// with tools/racelab-c++ (source mode). Two threads each run one loop of N operations of one
// kind; prints the nanoseconds per operation, from the first thread's start to the last join.
//
//   explore_access_cost private|shared-read|shared-write|atomic N
//
//   private      a read and a write of memory only this thread touches (a heap cell of its
//                own): not a scheduling point, the fast path
//   shared-read  a read of a global both threads only read: shared, but never written while
//                shared, so not a scheduling point either
//   shared-write a read and a write of a global both threads write (a data race on purpose:
//                run it with RACELAB_EXPLORE_RACES=0): two scheduling points
//   atomic       a relaxed fetch_add on an atomic both threads use: a scheduling point
// Volatile accesses keep the compiler from folding a loop into one operation.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace {

volatile long g_read_by_all = 1;
volatile long g_written_by_all = 0;
std::atomic<long> g_counter{0};
std::atomic<long> g_sink{0};  // the private loops' results, so the loops are not dead code

void private_loop(long n) {
  auto* mine = new long[1]{0};
  volatile long* cell = mine;
  for (long i = 0; i < n; ++i) *cell = *cell + 1;
  g_sink.fetch_add(*cell, std::memory_order_relaxed);
  delete[] mine;
}

void shared_read_loop(long n) {
  long sum = 0;
  for (long i = 0; i < n; ++i) sum += g_read_by_all;
  if (sum == 0) std::puts("impossible");
}

void shared_write_loop(long n) {
  for (long i = 0; i < n; ++i) g_written_by_all = g_written_by_all + 1;
}

void atomic_loop(long n) {
  for (long i = 0; i < n; ++i) g_counter.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: explore_access_cost private|shared-read|shared-write|atomic N\n");
    return 2;
  }
  const long n = std::atol(argv[2]);
  void (*loop)(long) = std::strcmp(argv[1], "private") == 0       ? private_loop
                       : std::strcmp(argv[1], "shared-read") == 0 ? shared_read_loop
                       : std::strcmp(argv[1], "shared-write") == 0 ? shared_write_loop
                       : std::strcmp(argv[1], "atomic") == 0      ? atomic_loop
                                                                  : nullptr;
  if (!loop || n <= 0) {
    std::fprintf(stderr, "explore_access_cost: unknown kind '%s' or bad N\n", argv[1]);
    return 2;
  }
  const auto start = std::chrono::steady_clock::now();
  std::thread a(loop, n);
  std::thread b(loop, n);
  a.join();
  b.join();
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count();
  std::printf("%.2f\n", static_cast<double>(ns) / static_cast<double>(2 * n));
  return 0;
}
