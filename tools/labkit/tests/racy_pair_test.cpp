// The proof that ExposureExecutor exposes races an ordinary pool hides: racy_pair (two
// tasks incrementing one plain int) is run 20 times per mode as a child process, and
// ThreadSanitizer's verdict is read from its exit status (protocol::kExitTsanReported, 66)
// and output ("data race").
//
// Only meaningful under TSan: in other builds the tests skip themselves. The child is
// started with posix_spawn, so it inherits this process's personality (the launcher's
// `setarch -R`, where TSan needs it) and runs with fixed TSan options: those of every test
// program (racy_pair has no test main to give it them as defaults).
#include <labkit/protocol.hpp>

#include <gtest/gtest.h>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#ifndef RACY_PAIR_PATH
#error "RACY_PAIR_PATH (the racy_pair program) must be defined by tools/labkit/tests/CMakeLists.txt"
#endif

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define LABKIT_TEST_UNDER_TSAN 1
#endif
#endif
#ifndef LABKIT_TEST_UNDER_TSAN
#define LABKIT_TEST_UNDER_TSAN 0
#endif

extern char** environ;

namespace {

constexpr int kRuns = 20;
constexpr int kTsanExit = labkit::protocol::kExitTsanReported;  // by the child's TSAN_OPTIONS below

struct ChildResult {
  int exit_code = -1;  // -1: did not exit normally (killed by a signal)
  std::string output;  // stdout and stderr together
  bool reported() const { return exit_code == kTsanExit && output.find("data race") != std::string::npos; }
};

// Runs `racy_pair mode` and collects its exit status and output. Fails the test (and
// returns nullopt-like exit_code -1 with a message) if the child cannot be started.
ChildResult run_racy_pair(const std::string& mode) {
  ChildResult result;
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "pipe2: " << std::strerror(errno);
    return result;
  }
  // The parent's environment, with TSan's options fixed: report, carry on, exit kTsanExit.
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e)
    if (std::strncmp(*e, "TSAN_OPTIONS=", 13) != 0) env_strings.emplace_back(*e);
  env_strings.emplace_back(std::string("TSAN_OPTIONS=") + labkit::protocol::kTsanOptions);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);

  std::string program = RACY_PAIR_PATH;
  std::string argument = mode;
  char* argv[] = {program.data(), argument.data(), nullptr};

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDERR_FILENO);
  pid_t pid = 0;
  const int spawn_error = ::posix_spawn(&pid, program.c_str(), &actions, nullptr, argv, envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  if (spawn_error != 0) {
    ::close(pipe_fds[0]);
    ADD_FAILURE() << "posix_spawn " << program << ": " << std::strerror(spawn_error);
    return result;
  }
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(pipe_fds[0], buffer, sizeof buffer);
    if (n > 0) {
      result.output.append(buffer, static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  ::close(pipe_fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  return result;
}

// Runs one mode kRuns times; returns how many runs TSan reported the race in, and fails
// the test for any run that neither exited cleanly nor reported (a crash, say). The
// output of the first run without a report goes to `unreported`, for the message.
int count_reports(const std::string& mode, std::string* unreported = nullptr) {
  int reported = 0;
  for (int run = 0; run < kRuns; ++run) {
    const ChildResult child = run_racy_pair(mode);
    if (child.reported()) {
      ++reported;
      continue;
    }
    if (unreported != nullptr && unreported->empty())
      *unreported = "run " + std::to_string(run) + ", exit " + std::to_string(child.exit_code) + ":\n" + child.output;
    if (child.exit_code != 0)
      ADD_FAILURE() << mode << " run " << run << ": exit " << child.exit_code << " without a TSan report:\n"
                    << child.output;
  }
  return reported;
}

}  // namespace

// ExposureExecutor: TSan reports the race (exit 66, "data race") in 20 runs of 20.
TEST(RacyPair, ExposureExecutorIsReportedInEveryRun) {
  if (!LABKIT_TEST_UNDER_TSAN) GTEST_SKIP() << "needs a ThreadSanitizer build (the tsan preset)";
  std::string unreported;
  const int reported = count_reports("exposure", &unreported);
  std::printf("[racy_pair] exposure: TSan reported the race in %d of %d runs\n", reported, kRuns);
  RecordProperty("exposure_reported", reported);
  EXPECT_EQ(reported, kRuns) << "first run without a report: " << unreported;
}

// A one-worker pool runs the tasks one after the other through its queue, whose mutex
// orders them: TSan sees no race in any of the 20 runs (exit 0). This is what the
// ExposureExecutor exists to avoid; the race is still there.
TEST(RacyPair, OneWorkerPoolHidesTheRaceInEveryRun) {
  if (!LABKIT_TEST_UNDER_TSAN) GTEST_SKIP() << "needs a ThreadSanitizer build (the tsan preset)";
  const int reported = count_reports("pool1");
  std::printf("[racy_pair] pool1: TSan reported the race in %d of %d runs\n", reported, kRuns);
  RecordProperty("pool1_reported", reported);
  EXPECT_EQ(reported, 0);
}

// A two-worker pool: caught only when the workers happen to overlap. Informational:
// the count is printed, not asserted (it depends on the machine's timing).
TEST(RacyPair, TwoWorkerPoolCatchesSomeRuns) {
  if (!LABKIT_TEST_UNDER_TSAN) GTEST_SKIP() << "needs a ThreadSanitizer build (the tsan preset)";
  const int reported = count_reports("pool2");
  std::printf("[racy_pair] pool2: TSan reported the race in %d of %d runs (informational)\n", reported,
              kRuns);
  RecordProperty("pool2_reported", reported);
}
