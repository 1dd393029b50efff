// Running programs: exit codes, signals, the wall-clock limit (which must take the
// whole process group down), output capture and environment defaults.
#include "errors.hpp"
#include "process.hpp"

#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace {

namespace fs = std::filesystem;
using labctl::ExitStatus;
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
  auto result = run_process(shell("ps -o pgid= -p $$ | tr -d ' '; echo $$"));
  const std::string out = read_file(dir_ / "out.log");
  const auto newline = out.find('\n');
  ASSERT_NE(newline, std::string::npos) << out;
  EXPECT_EQ(out.substr(0, newline) + "\n", out.substr(newline + 1)) << "pgid differs from pid";
  EXPECT_NE(out.substr(0, newline), std::to_string(::getpgrp()));
  EXPECT_TRUE(result.status.ok());
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

}  // namespace
