// labkit/protocol.hpp: the result record's line is exactly what the grader parses
// (tools/labctl/src/grade/grade.cpp), byte for byte as the test main always wrote it; and
// the test main's guard of the channel (src/gtest_main.cpp).
#include <labkit/protocol.hpp>

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <string>

namespace protocol = labkit::protocol;

TEST(Protocol, RecordIsOneJsonLine) {
  const std::string line = protocol::format_record(
      "00ff", 1, 2, {{"Correctness.Counts", true, 0}, {"RaceFree.UnderTheExposureExecutor", false, 2}});
  EXPECT_EQ(line,
            "{\"nonce\":\"00ff\",\"exit\":1,\"tsan_reports\":2,\"tests\":[[\"Correctness.Counts\",true,0],"
            "[\"RaceFree.UnderTheExposureExecutor\",false,2]]}\n");
}

TEST(Protocol, RecordWithoutTests) {
  EXPECT_EQ(protocol::format_record("ab", 0, 0, {}), "{\"nonce\":\"ab\",\"exit\":0,\"tsan_reports\":0,\"tests\":[]}\n");
}

// ------------------------------------------------------------------ the test main's guard

namespace {

// What the environment block the kernel gave this process (/proc/self/environ, the same
// bytes any pointer into the top of the stack can read) holds of `value`.
bool environ_block_holds(const std::string& value) {
  std::FILE* file = std::fopen("/proc/self/environ", "rb");
  if (file == nullptr) return false;
  std::string block;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, file)) > 0;) block.append(buffer, n);
  std::fclose(file);
  return block.find(value) != std::string::npos;
}

constexpr const char* kTestNonce = "5eed5eed5eed5eed5eed5eed5eed5eed";

}  // namespace

// Run only by the test below, as a child with a result channel in its environment.
TEST(TestMain, DISABLED_ReportsWhatTheEnvironmentBlockHolds) {
  std::printf("environ block holds the nonce: %s\n", environ_block_holds(kTestNonce) ? "yes" : "no");
}

// The test main takes the channel out of the environment before lab code runs, and also
// overwrites the nonce in the environment block itself: unsetenv alone leaves it there.
TEST(TestMain, NonceIsScrubbedFromTheEnvironmentBlock) {
  char self[4096] = {};
  const ssize_t length = ::readlink("/proc/self/exe", self, sizeof self - 1);
  ASSERT_GT(length, 0);
  const std::string command = std::string("RACELAB_RESULT_FD=1 RACELAB_RESULT_NONCE=") + kTestNonce + " '" + self +
                              "' --gtest_also_run_disabled_tests "
                              "--gtest_filter=TestMain.DISABLED_ReportsWhatTheEnvironmentBlockHolds 2>&1";
  std::FILE* child = ::popen(command.c_str(), "r");
  ASSERT_NE(child, nullptr);
  std::string output;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, child)) > 0;) output.append(buffer, n);
  EXPECT_EQ(::pclose(child), 0) << output;
  EXPECT_NE(output.find("environ block holds the nonce: no"), std::string::npos) << output;
  // The record, on the channel (fd 1 here), still carries it: the harness kept its copy.
  EXPECT_NE(output.find(std::string("{\"nonce\":\"") + kTestNonce), std::string::npos) << output;
}
