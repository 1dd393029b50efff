// Running programs: exit codes, signals, the wall-clock limit (which must take the
// whole process group down), output capture, environment defaults or an explicit
// environment, stdout on a pipe (PipedProcess) and the argv/envp arrays (CStringVector).
#include "base/errors.hpp"
#include "base/process.hpp"

#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace {

namespace fs = std::filesystem;
using labctl::CStringVector;
using labctl::ExitStatus;
using labctl::PipedProcess;
using labctl::ProcessSpec;
using labctl::read_file;
using labctl::run_process;

class Process : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("labctl-process-test-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  ProcessSpec shell(const std::string& script, int limit_seconds = 20) {
    ProcessSpec spec;
    spec.argv = {"/bin/sh", "-c", script};
    spec.log = dir_ / "out.log";
    spec.limit = std::chrono::seconds(limit_seconds);
    return spec;
  }

  fs::path dir_;
};

TEST_F(Process, ExitCodeAndOutput) {
  const auto result = run_process(shell("echo to-stdout; echo to-stderr >&2; exit 3"));
  EXPECT_EQ(result.status.kind, ExitStatus::Kind::exited);
  EXPECT_EQ(result.status.code, 3);
  EXPECT_EQ(read_file(dir_ / "out.log"), "to-stdout\nto-stderr\n");
}

// A file-size limit stops a program that writes past it (SIGXFSZ), at the limit.
TEST_F(Process, FileSizeLimitStopsAWriter) {
  const fs::path big = dir_ / "big";
  ProcessSpec spec = shell("exec head -c 3000000 /dev/zero > '" + big.string() + "'");
  spec.max_file_bytes = 1 << 20;
  const auto result = run_process(spec);
  EXPECT_EQ(result.status.kind, ExitStatus::Kind::signalled);
  EXPECT_EQ(result.status.code, SIGXFSZ);
  EXPECT_EQ(fs::file_size(big), std::uintmax_t{1} << 20);
}

// A memory limit makes a large allocation fail; without one the same program runs.
TEST_F(Process, MemoryLimitFailsALargeAllocation) {
  ProcessSpec spec = shell("exec dd if=/dev/zero of=/dev/null bs=256M count=1 2>&1");
  EXPECT_TRUE(run_process(spec).status.ok()) << read_file(dir_ / "out.log");
  spec.max_memory_bytes = std::uintmax_t{64} << 20;
  EXPECT_FALSE(run_process(spec).status.ok());
  EXPECT_NE(read_file(dir_ / "out.log").find("memory exhausted"), std::string::npos) << read_file(dir_ / "out.log");
}

TEST_F(Process, Signal) {
  const auto result = run_process(shell("kill -SEGV $$"));
  EXPECT_EQ(result.status.kind, ExitStatus::Kind::signalled);
  EXPECT_EQ(result.status.code, SIGSEGV);
}

// The program runs in its own group and the limit kills the whole group: a child
// that would outlive its parent does not survive either.
TEST_F(Process, LimitKillsTheWholeGroup) {
  const fs::path marker = dir_ / "survivor";
  const std::string script = "(sleep 3; touch '" + marker.string() + "') & sleep 30";
  const auto result = run_process(shell(script, 1));
  EXPECT_EQ(result.status.kind, ExitStatus::Kind::timed_out);
  EXPECT_EQ(result.status.code, 1);
  EXPECT_LT(result.elapsed, std::chrono::seconds(3));
  ::sleep(4);
  EXPECT_FALSE(fs::exists(marker)) << "a child of the timed-out program survived";
}

TEST_F(Process, OwnProcessGroup) {
  // Field 5 of /proc/PID/stat is the process group (no need for ps, which may be missing).
  auto result = run_process(shell("cut -d' ' -f5 /proc/$$/stat; echo $$"));
  const std::string out = read_file(dir_ / "out.log");
  const auto newline = out.find('\n');
  ASSERT_NE(newline, std::string::npos) << out;
  EXPECT_EQ(out.substr(0, newline) + "\n", out.substr(newline + 1)) << "pgid differs from pid";
  EXPECT_NE(out.substr(0, newline), std::to_string(::getpgrp()));
  EXPECT_TRUE(result.status.ok());
}

// The program's own group does not get the terminal's Ctrl-C, so labctl passes it on:
// when labctl is interrupted, the program it runs must not live on.
TEST_F(Process, InterruptingLabctlStopsTheProgram) {
  const fs::path pid_file = dir_ / "pid";
  const pid_t labctl = ::fork();
  ASSERT_GE(labctl, 0);
  if (labctl == 0) {
    auto spec = shell("echo $$ > '" + pid_file.string() + "'; exec sleep 30", 60);
    run_process(spec);
    ::_exit(0);
  }
  // Wait for the program to start, then interrupt "labctl".
  for (int i = 0; i < 500 && read_file(pid_file).empty(); ++i) ::usleep(10'000);
  const std::string pid_text = read_file(pid_file);
  ASSERT_FALSE(pid_text.empty()) << "the program never started";
  const pid_t program = static_cast<pid_t>(std::stol(pid_text));
  ::kill(labctl, SIGINT);
  int status = 0;
  ::waitpid(labctl, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGINT) << "labctl should die of the SIGINT it got";
  // kill(pid, 0) fails once the program is gone (and reaped).
  bool gone = false;
  for (int i = 0; i < 200 && !gone; ++i) {
    gone = ::kill(program, 0) != 0;
    if (!gone) ::usleep(10'000);
  }
  EXPECT_TRUE(gone) << "the program outlived the interrupted labctl";
}

TEST_F(Process, EnvironmentDefaultsDoNotOverride) {
  ::setenv("LABCTL_TEST_SET", "from-user", 1);
  ::unsetenv("LABCTL_TEST_UNSET");
  auto spec = shell("echo \"$LABCTL_TEST_SET $LABCTL_TEST_UNSET\"");
  spec.env_defaults = {{"LABCTL_TEST_SET", "default"}, {"LABCTL_TEST_UNSET", "default"}};
  run_process(spec);
  EXPECT_EQ(read_file(dir_ / "out.log"), "from-user default\n");
}

TEST_F(Process, StdinIsEmpty) {
  const auto result = run_process(shell("cat; echo done"));
  EXPECT_TRUE(result.status.ok());
  EXPECT_EQ(read_file(dir_ / "out.log"), "done\n");
}

TEST_F(Process, MissingProgramIsAnError) {
  ProcessSpec spec;
  spec.argv = {"labctl-no-such-program"};
  spec.log = dir_ / "out.log";
  EXPECT_THROW(run_process(spec), labctl::Error);
  spec.argv = {(dir_ / "missing").string()};
  EXPECT_THROW(run_process(spec), labctl::Error);
}

TEST_F(Process, StdoutApartFromStderrAndWorkingDirectory) {
  ProcessSpec spec = shell("echo answer; echo noise >&2; pwd");
  spec.stdout_log = dir_ / "stdout.txt";
  spec.cwd = dir_;
  const auto result = run_process(spec);
  EXPECT_TRUE(result.status.ok()) << result.status.describe();
  EXPECT_EQ(read_file(spec.stdout_log), "answer\n" + fs::canonical(dir_).string() + "\n");
  EXPECT_EQ(read_file(spec.log), "noise\n");
}

TEST_F(Process, MissingWorkingDirectoryIsAnError) {
  ProcessSpec spec = shell("true");
  spec.cwd = dir_ / "nowhere";
  EXPECT_THROW(run_process(spec), labctl::Error);
}

// The arrays execve takes: NULL-terminated, and still pointing into live strings after a
// copy or a move (short strings live inside the std::string, so a moved vector's old
// pointers would dangle).
TEST(CStringVectorTest, ViewsOwnStrings) {
  CStringVector original({"a", "bb", std::string(100, 'c')});
  const CStringVector copy = original;
  CStringVector moved = std::move(original);
  for (const CStringVector* strings : {&copy, static_cast<const CStringVector*>(&moved)}) {
    char* const* view = strings->data();
    ASSERT_STREQ(view[0], "a");
    ASSERT_STREQ(view[1], "bb");
    ASSERT_EQ(std::string(view[2]), std::string(100, 'c'));
    ASSERT_EQ(view[3], nullptr);
    EXPECT_EQ(static_cast<const void*>(view[0]), static_cast<const void*>(strings->strings()[0].data()));
  }
  EXPECT_EQ(CStringVector().data()[0], nullptr);
}

TEST_F(Process, ExplicitEnvironmentReplacesLabctls) {
  ::setenv("LABCTL_TEST_INHERITED", "from-labctl", 1);
  auto spec = shell("echo \"[$LABCTL_TEST_INHERITED] $ONLY\"");
  spec.env = std::vector<std::string>{"ONLY=this", "PATH=/usr/bin:/bin"};
  spec.env_defaults = {{"LABCTL_TEST_INHERITED", "default"}};
  EXPECT_TRUE(run_process(spec).status.ok());
  EXPECT_EQ(read_file(dir_ / "out.log"), "[] this\n");
}

// stdout on a pipe, read as it comes; stderr in the log; the exit status at the end.
TEST_F(Process, PipedStdout) {
  auto spec = shell("echo out; echo err >&2; pwd; exit 4");
  spec.cwd = dir_;
  PipedProcess process(spec);
  EXPECT_EQ(process.read_all(), "out\n" + fs::canonical(dir_).string() + "\n");
  const auto result = process.finish();
  EXPECT_EQ(result.status.kind, ExitStatus::Kind::exited);
  EXPECT_EQ(result.status.code, 4);
  EXPECT_EQ(process.finish().status.code, 4);  // the same result again
  EXPECT_TRUE(process.failure().empty()) << process.failure();
  EXPECT_EQ(read_file(dir_ / "out.log"), "err\n");
}

// A program that writes nothing and never ends: reading stops at the limit, and the
// whole group is killed.
TEST_F(Process, PipedLimit) {
  const auto started = std::chrono::steady_clock::now();
  PipedProcess process(shell("sleep 30 & sleep 30", 1));
  EXPECT_EQ(process.read_all(), "");
  EXPECT_EQ(process.failure(), "/bin/sh took longer than 1 s");
  EXPECT_EQ(process.finish().status.kind, ExitStatus::Kind::timed_out);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
}

TEST_F(Process, PipedMissingProgramIsAnError) {
  ProcessSpec spec = shell("true");
  spec.argv = {"labctl-no-such-program"};
  EXPECT_THROW(PipedProcess{spec}, labctl::Error);
  spec = shell("true");
  spec.cwd = dir_ / "nowhere";
  EXPECT_THROW(PipedProcess{spec}, labctl::Error);
}

}  // namespace
