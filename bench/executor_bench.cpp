// executor_bench — the cost of one task on labkit::ThreadPoolExecutor, and of the same
// batch of trivial tasks started with std::async or on a thread each.
//
//   RoundTrip/Executor        one submit() + get(): the latency of a single task
//   Batch/Executor/10000      10 000 trivial tasks submitted, then every result got
//   Batch/Async/10000         the same with std::async(std::launch::async)
//   Batch/ThreadPerTask/10000 the same with one std::thread per task, then join
//
// Each benchmark reports items_per_second (tasks) and per_task, the wall time of one
// task (seconds; the console prints it with an SI prefix: 350n = 350 ns). The
// executor is built once per benchmark and reused, as a program would. Run through
// tools/bench-executor, which builds the release preset and prints the ratios.
#include <labkit/executor.hpp>

#include <benchmark/benchmark.h>

#include <cstdint>
#include <future>
#include <thread>
#include <vector>

namespace {

// The task: trivial on purpose, so what is measured is the cost of running a task.
std::int64_t trivial(std::int64_t x) { return x + 1; }

void report_per_task(benchmark::State& state, std::int64_t tasks_per_iteration) {
  state.SetItemsProcessed(state.iterations() * tasks_per_iteration);
  state.counters["per_task"] = benchmark::Counter(
      static_cast<double>(tasks_per_iteration),
      benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

void RoundTrip_Executor(benchmark::State& state) {
  labkit::ThreadPoolExecutor ex;
  std::int64_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(ex.submit(trivial, i++).get());
  report_per_task(state, 1);
}

void Batch_Executor(benchmark::State& state) {
  const auto tasks = state.range(0);
  labkit::ThreadPoolExecutor ex;
  std::vector<labkit::Future<std::int64_t>> futures;
  futures.reserve(static_cast<std::size_t>(tasks));
  for (auto _ : state) {
    for (std::int64_t i = 0; i < tasks; ++i) futures.push_back(ex.submit(trivial, i));
    std::int64_t sum = 0;
    for (auto& f : futures) sum += f.get();
    benchmark::DoNotOptimize(sum);
    futures.clear();
  }
  report_per_task(state, tasks);
}

void Batch_Async(benchmark::State& state) {
  const auto tasks = state.range(0);
  std::vector<std::future<std::int64_t>> futures;
  futures.reserve(static_cast<std::size_t>(tasks));
  for (auto _ : state) {
    for (std::int64_t i = 0; i < tasks; ++i) futures.push_back(std::async(std::launch::async, trivial, i));
    std::int64_t sum = 0;
    for (auto& f : futures) sum += f.get();
    benchmark::DoNotOptimize(sum);
    futures.clear();
  }
  report_per_task(state, tasks);
}

void Batch_ThreadPerTask(benchmark::State& state) {
  const auto tasks = state.range(0);
  std::vector<std::thread> threads;
  std::vector<std::int64_t> results(static_cast<std::size_t>(tasks));
  threads.reserve(static_cast<std::size_t>(tasks));
  for (auto _ : state) {
    for (std::int64_t i = 0; i < tasks; ++i)
      threads.emplace_back([&results, i] { results[static_cast<std::size_t>(i)] = trivial(i); });
    for (auto& t : threads) t.join();
    std::int64_t sum = 0;
    for (auto r : results) sum += r;
    benchmark::DoNotOptimize(sum);
    threads.clear();
  }
  report_per_task(state, tasks);
}

constexpr std::int64_t kBatch = 10'000;

BENCHMARK(RoundTrip_Executor)->Name("RoundTrip/Executor")->UseRealTime();
BENCHMARK(Batch_Executor)->Name("Batch/Executor")->Arg(kBatch)->UseRealTime()->Unit(benchmark::kMillisecond);
// A thread per task costs ~0.5 s per batch: run for 2 s, so the figure is several batches.
BENCHMARK(Batch_Async)->Name("Batch/Async")->Arg(kBatch)->UseRealTime()->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(Batch_ThreadPerTask)
    ->Name("Batch/ThreadPerTask")
    ->Arg(kBatch)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond)
    ->MinTime(2.0);

}  // namespace

BENCHMARK_MAIN();
