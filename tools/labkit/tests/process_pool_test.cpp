// Tests of labkit::ProcessPoolExecutor (labkit/process_pool.hpp) and of the serialisation
// rule it enforces (labkit/serial.hpp).
//
// They run under ThreadSanitizer (the tsan preset, with setarch -R from ctest's launcher)
// and ASan+UBSan (the asan preset): the workers are forked from a threaded test program,
// and start no thread of their own, which is what TSan requires of such a child.
// No test asserts on elapsed time. Every wait is bounded: by the pool's own answer (a
// worker that dies is noticed at once), or by the watchdog of labkit_gtest_main.
#include <labkit/process_pool.hpp>

#include <gtest/gtest.h>

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include <fcntl.h>

namespace {

using labkit::ProcessPoolExecutor;

// ------------------------------------------------------------------ helpers

// The tasks. Plain functions: a process pool runs functions, not closures.
int square(int x) { return x * x; }
pid_t current_pid() { return ::getpid(); }
std::string shout(std::string word, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out += word + "!";
  return out;
}
[[noreturn]] int abort_worker(int) { std::abort(); }
[[noreturn]] int kill_worker_with_sigkill(int) {
  ::raise(SIGKILL);
  std::_Exit(99);  // not reached
}
[[noreturn]] int exit_worker_with_status(int status) { std::_Exit(status); }
int throw_with_message(int line) { throw std::invalid_argument("bad log line " + std::to_string(line)); }

// A global, to show that a worker has its own copy.
int g_visits = 0;
int visit_global(int) { return ++g_visits; }

// How many descriptors this process has open (the entries of /proc/self/fd).
std::size_t open_descriptors() {
  std::size_t count = 0;
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return 0;
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  ::closedir(dir);
  return count;  // counts the DIR's own descriptor, the same each time
}

// The pids of this process's children, alive or zombies (ended, not reaped), read from
// /proc/<pid>/stat: "pid (comm) state ppid ...". After a pool's shutdown there must be
// none: not its fork server, and no zombie.
std::vector<pid_t> child_processes() {
  std::vector<pid_t> children;
  DIR* dir = ::opendir("/proc");
  if (dir == nullptr) return children;
  while (const dirent* entry = ::readdir(dir)) {
    const std::string name = entry->d_name;
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat_file("/proc/" + name + "/stat");
    std::string stat;
    std::getline(stat_file, stat);
    const auto close_paren = stat.rfind(')');
    if (close_paren == std::string::npos) continue;
    char state = '?';  // read past, to reach the parent's pid
    long parent = 0;
    if (std::sscanf(stat.c_str() + close_paren + 1, " %c %ld", &state, &parent) != 2) continue;
    if (parent == ::getpid()) children.push_back(static_cast<pid_t>(std::stol(name)));
  }
  ::closedir(dir);
  return children;
}

// True once process `pid` is gone altogether: ended AND reaped (a zombie still exists).
// Workers are children of the pool's fork server, which reaps them; a pid is not reused
// within the few milliseconds of a test.
bool reaped(pid_t pid) { return ::kill(pid, 0) == -1 && errno == ESRCH; }

// The state letter of process `pid` (R, S, Z, ...), or '\0' once it is gone.
char process_state(pid_t pid) {
  std::ifstream stat_file("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(stat_file, stat)) return '\0';
  const auto close_paren = stat.rfind(')');
  return close_paren == std::string::npos || close_paren + 2 >= stat.size() ? '\0' : stat[close_paren + 2];
}

// ------------------------------------------------------------------ serialisation

// The rule, as compile-time facts (the compile-fail tests check the messages).
static_assert(labkit::serial::is_serialisable_v<int>);
static_assert(labkit::serial::is_serialisable_v<std::string>);
static_assert(labkit::serial::is_serialisable_v<std::vector<std::pair<std::string, std::uint64_t>>>);
static_assert(labkit::serial::is_serialisable_v<std::tuple<int, std::vector<std::string>, double>>);
static_assert(!labkit::serial::is_serialisable_v<const char*>);
static_assert(!labkit::serial::is_serialisable_v<std::string_view>);
static_assert(!labkit::serial::is_serialisable_v<std::reference_wrapper<int>>);
static_assert(!labkit::serial::is_serialisable_v<std::map<std::string, int>>);
static_assert(!labkit::serial::is_serialisable_v<std::vector<int*>>);

// Every kind of value the rule allows comes back equal after a trip through bytes.
TEST(Serial, RoundTripsEveryAllowedKind) {
  struct Endpoint {
    std::uint32_t address;
    std::uint16_t port;
  };
  using Value = std::tuple<int, std::string, std::vector<std::pair<std::string, double>>, Endpoint,
                           std::vector<bool>, std::vector<std::vector<std::string>>>;
  const Value value{-7, "GET /index.html", {{"a", 1.5}, {"", -2.0}}, {0x7f000001, 8080}, {true, false, true},
                    {{}, {"x", "yz"}}};
  std::string bytes;
  labkit::serial::write(bytes, value);
  labkit::serial::Reader in(bytes);
  const auto back = labkit::serial::read<Value>(in);
  EXPECT_EQ(std::get<0>(back), -7);
  EXPECT_EQ(std::get<1>(back), "GET /index.html");
  EXPECT_EQ(std::get<2>(back), std::get<2>(value));
  EXPECT_EQ(std::get<3>(back).address, 0x7f000001u);
  EXPECT_EQ(std::get<3>(back).port, 8080);
  EXPECT_EQ(std::get<4>(back), std::get<4>(value));
  EXPECT_EQ(std::get<5>(back), std::get<5>(value));
  EXPECT_EQ(in.remaining(), 0u);
}

// Bytes that end early are an error (Truncated), not a read past the buffer.
TEST(Serial, TruncatedBytesThrow) {
  std::string bytes;
  labkit::serial::write(bytes, std::string("a longer string"));
  bytes.resize(bytes.size() - 3);
  labkit::serial::Reader in(bytes);
  EXPECT_THROW(labkit::serial::read<std::string>(in), labkit::serial::Truncated);
}

// ------------------------------------------------------------------ the pool

// submit() runs the task and its future gets the result; map() keeps input order.
TEST(ProcessPool, SubmitAndMapGiveTheResults) {
  ProcessPoolExecutor pool(3);
  EXPECT_EQ(pool.submit(square, 12).get(), 144);
  EXPECT_EQ(pool.submit(shout, std::string("hey"), 2).get(), "hey!hey!");
  std::vector<int> inputs;
  for (int i = 0; i < 40; ++i) inputs.push_back(i);
  std::vector<int> expected;
  for (int i : inputs) expected.push_back(i * i);
  EXPECT_EQ(pool.map(square, inputs), expected);
  EXPECT_EQ(pool.tasks_submitted(), 42u);
}

// A captureless lambda is accepted like a function.
TEST(ProcessPool, AcceptsCapturelessLambdas) {
  ProcessPoolExecutor pool(1);
  auto twice = [](std::vector<int> values) {
    for (int& v : values) v *= 2;
    return values;
  };
  EXPECT_EQ(pool.submit(twice, std::vector<int>{1, 2, 3}).get(), (std::vector<int>{2, 4, 6}));
}

// Tasks run in other processes: never in ours, and on at most max_workers() of them.
TEST(ProcessPool, TasksRunInAtMostMaxWorkersOtherProcesses) {
  ProcessPoolExecutor pool(2);
  EXPECT_EQ(pool.max_workers(), 2u);
  std::vector<labkit::Future<pid_t>> futures;
  for (int i = 0; i < 20; ++i) futures.push_back(pool.submit(current_pid));
  std::set<pid_t> pids;
  for (auto& future : futures) pids.insert(future.get());
  EXPECT_EQ(pids.count(::getpid()), 0u) << "a task ran in the test's own process";
  EXPECT_GE(pids.size(), 1u);
  EXPECT_LE(pids.size(), 2u);
}

// A worker changes its own copy of a global; the caller's stays as it was. (Lab 12 in
// four lines: only what the future brings back crosses over.)
TEST(ProcessPool, AGlobalChangedByATaskStaysChangedInTheWorkerOnly) {
  g_visits = 0;
  ProcessPoolExecutor pool(1);
  EXPECT_EQ(pool.submit(visit_global, 0).get(), 1);
  EXPECT_EQ(pool.submit(visit_global, 0).get(), 2);  // the same worker, its own copy
  EXPECT_EQ(g_visits, 0);
}

// An exception thrown by the task comes back with its message.
TEST(ProcessPool, AnExceptionInATaskComesBackWithItsMessage) {
  ProcessPoolExecutor pool(1);
  auto future = pool.submit(throw_with_message, 7);
  try {
    const int value = future.get();
    FAIL() << "get() should have thrown, not returned " << value;
  } catch (const labkit::RemoteTaskError& error) {
    EXPECT_STREQ(error.what(), "bad log line 7");
  }
  EXPECT_EQ(pool.submit(square, 3).get(), 9) << "the worker survives a task's exception";
}

// A worker that crashes (abort), is killed (SIGKILL) or exits turns into WorkerCrashed
// in that task's future, saying how it ended; the pool replaces it and keeps going.
TEST(ProcessPool, ACrashedWorkerFailsItsTaskAndIsReplaced) {
  ProcessPoolExecutor pool(1);
  const pid_t first = pool.submit(current_pid).get();

  auto aborted = pool.submit(abort_worker, 0);
  try {
    const int value = aborted.get();
    FAIL() << "get() should have thrown, not returned " << value;
  } catch (const labkit::WorkerCrashed& error) {
    EXPECT_NE(std::string(error.what()).find("signal " + std::to_string(SIGABRT)), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find(std::to_string(first)), std::string::npos) << error.what();
  }
  EXPECT_TRUE(reaped(first));

  auto killed = pool.submit(kill_worker_with_sigkill, 0);
  try {
    const int value = killed.get();
    FAIL() << "get() should have thrown, not returned " << value;
  } catch (const labkit::WorkerCrashed& error) {
    EXPECT_NE(std::string(error.what()).find("signal " + std::to_string(SIGKILL)), std::string::npos) << error.what();
  }

  auto exited = pool.submit(exit_worker_with_status, 3);
  try {
    const int value = exited.get();
    FAIL() << "get() should have thrown, not returned " << value;
  } catch (const labkit::WorkerCrashed& error) {
    EXPECT_NE(std::string(error.what()).find("exited with status 3"), std::string::npos) << error.what();
  }

  const pid_t replacement = pool.submit(current_pid).get();
  EXPECT_NE(replacement, first);
  EXPECT_EQ(pool.map(square, std::vector<int>{1, 2, 3}), (std::vector<int>{1, 4, 9}));
}

// A worker killed from outside while idle is reaped and replaced before the next task,
// which therefore succeeds.
TEST(ProcessPool, AWorkerKilledWhileIdleIsReplaced) {
  ProcessPoolExecutor pool(1);
  const pid_t victim = pool.submit(current_pid).get();
  ASSERT_EQ(::kill(victim, SIGKILL), 0);
  // Wait until the kernel has ended it (a zombie until the pool reaps it), so the next
  // task cannot reach it alive. Bounded by the watchdog.
  while (process_state(victim) != 'Z' && process_state(victim) != '\0') std::this_thread::yield();
  const pid_t next = pool.submit(current_pid).get();
  EXPECT_NE(next, victim);
  EXPECT_TRUE(reaped(victim));
}

// shutdown(wait=true) finishes every queued task, then reaps every worker: no zombie.
TEST(ProcessPool, ShutdownFinishesQueuedTasksAndReapsEveryWorker) {
  ProcessPoolExecutor pool(2);
  std::vector<labkit::Future<int>> futures;
  for (int i = 0; i < 30; ++i) futures.push_back(pool.submit(square, i));
  std::vector<labkit::Future<pid_t>> pid_futures;
  for (int i = 0; i < 4; ++i) pid_futures.push_back(pool.submit(current_pid));
  pool.shutdown(true);
  for (int i = 0; i < 30; ++i) {
    ASSERT_TRUE(futures[static_cast<std::size_t>(i)].done());
    EXPECT_EQ(futures[static_cast<std::size_t>(i)].get(), i * i);
  }
  for (auto& future : pid_futures) EXPECT_TRUE(reaped(future.get()));
  EXPECT_TRUE(pool.worker_pids().empty());
  EXPECT_TRUE(child_processes().empty());
  EXPECT_THROW(auto refused = pool.submit(square, 1), labkit::ExecutorShutdown);
  pool.shutdown(true);  // idempotent
}

// cancel_futures drops what no worker has started: the running task still finishes.
// Two FIFOs order it without timing: the task opens "started" (the test waits for that),
// then blocks on "gate" until the test has cancelled the rest.
int wait_at_gate(std::string dir) {
  const int started = ::open((dir + "/started").c_str(), O_WRONLY);
  ::close(started);
  const int gate = ::open((dir + "/gate").c_str(), O_RDONLY);
  char byte = 0;
  const bool opened = ::read(gate, &byte, 1) == 1;
  ::close(gate);
  return opened ? 1 : -1;
}

TEST(ProcessPool, ShutdownWithCancelDropsTasksNotYetStarted) {
  char dir_template[] = "/tmp/labkit-pool-XXXXXX";
  ASSERT_NE(::mkdtemp(dir_template), nullptr);
  const std::string dir = dir_template;
  ASSERT_EQ(::mkfifo((dir + "/started").c_str(), 0600), 0);
  ASSERT_EQ(::mkfifo((dir + "/gate").c_str(), 0600), 0);
  {
    ProcessPoolExecutor pool(1);
    auto running = pool.submit(wait_at_gate, dir);
    std::vector<labkit::Future<int>> queued;
    for (int i = 0; i < 3; ++i) queued.push_back(pool.submit(square, i));
    ::close(::open((dir + "/started").c_str(), O_RDONLY));  // returns once the task runs
    pool.shutdown(false, true);
    for (auto& future : queued) EXPECT_THROW(ADD_FAILURE() << "get() returned " << future.get(), labkit::CancelledError);
    const int gate = ::open((dir + "/gate").c_str(), O_WRONLY);
    ASSERT_EQ(::write(gate, "x", 1), 1);
    ::close(gate);
    EXPECT_EQ(running.get(), 1);
  }  // the destructor reaps the worker
  ::unlink((dir + "/started").c_str());
  ::unlink((dir + "/gate").c_str());
  ::rmdir(dir.c_str());
  EXPECT_TRUE(child_processes().empty());
}

// A pool's whole life, crashes included, leaves no descriptor open and no zombie.
TEST(ProcessPool, LeavesNoDescriptorAndNoZombieBehind) {
  const std::size_t before = open_descriptors();
  std::vector<pid_t> workers;
  {
    ProcessPoolExecutor pool(3);
    EXPECT_EQ(pool.map(square, std::vector<int>{1, 2, 3, 4, 5, 6}), (std::vector<int>{1, 4, 9, 16, 25, 36}));
    EXPECT_THROW(ADD_FAILURE() << "get() returned " << pool.submit(abort_worker, 0).get(), labkit::WorkerCrashed);
    for (int i = 0; i < 6; ++i) workers.push_back(pool.submit(current_pid).get());
  }
  EXPECT_EQ(open_descriptors(), before);
  for (pid_t pid : workers) EXPECT_TRUE(reaped(pid)) << pid;
  EXPECT_TRUE(child_processes().empty());
}

// Two pools alive at once do not hold each other's workers: each shuts down on its own
// (a worker keeps only its own socket, so the other pool's workers see end of file).
TEST(ProcessPool, TwoPoolsShutDownIndependently) {
  ProcessPoolExecutor first(2);
  EXPECT_EQ(first.submit(square, 2).get(), 4);
  {
    ProcessPoolExecutor second(2);
    EXPECT_EQ(second.submit(square, 3).get(), 9);
    first.shutdown(true);  // would hang if second's worker held first's worker's socket
  }
  EXPECT_TRUE(child_processes().empty());
}

// max_workers = 0 picks the hardware concurrency, at least one.
TEST(ProcessPool, ZeroMaxWorkersMeansHardwareConcurrency) {
  ProcessPoolExecutor pool(0);
  EXPECT_EQ(pool.max_workers(), std::max(1u, std::thread::hardware_concurrency()));
}

}  // namespace
