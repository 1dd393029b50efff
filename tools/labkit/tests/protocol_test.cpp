// labkit/protocol.hpp: the result record's line is exactly what the grader parses
// (tools/labctl/src/grade/grade.cpp), byte for byte as the test main always wrote it; and
// the test main's guard of the channel (src/gtest_main.cpp).
#include <labkit/protocol.hpp>

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

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

constexpr const char* kTestNonce = "5eed5eed5eed5eed5eed5eed5eed5eed";

// Whether [start, start + size) holds the text `reversed` spells backwards (the needle is
// kept reversed so that the search does not find its own copy).
bool region_holds(const char* start, std::size_t size,
                                                         const std::string& reversed) {
  const std::size_t n = reversed.size();
  if (n == 0 || size < n) return false;
  for (std::size_t i = 0; i + n <= size; ++i) {
    std::size_t k = 0;
    while (k < n && start[i + k] == reversed[n - 1 - k]) ++k;
    if (k == n) return true;
  }
  return false;
}

// Whether the nonce is anywhere this process can read: every readable anonymous region of
// /proc/self/maps (heap, stacks, the allocator's; not mapped files, and not the sanitizer's
// huge shadow), read through /proc/self/mem so that a page that would fault is skipped
// rather than fatal. What code under test that walks memory could find.
bool readable_memory_holds(const std::string& reversed) {
  std::FILE* maps = std::fopen("/proc/self/maps", "r");
  const int mem = ::open("/proc/self/mem", O_RDONLY);
  bool found = false;
  std::string chunk(1 << 20, '\0');
  char line[512];
  while (maps != nullptr && mem >= 0 && !found && std::fgets(line, sizeof line, maps) != nullptr) {
    unsigned long start = 0, end = 0, inode = 0;
    char perms[5] = {};
    if (std::sscanf(line, "%lx-%lx %4s %*s %*s %lu", &start, &end, perms, &inode) != 4 || perms[0] != 'r') continue;
    if (inode != 0 || std::strstr(line, "[vvar]") != nullptr || end - start > (1ul << 32)) continue;
    // Chunks overlap by the needle's length, so a copy across a boundary is seen.
    for (unsigned long at = start; at < end && !found; at += chunk.size() - reversed.size()) {
      const ssize_t n = ::pread(mem, chunk.data(), std::min<unsigned long>(chunk.size(), end - at), static_cast<off_t>(at));
      if (n <= 0) break;
      found = region_holds(chunk.data(), static_cast<std::size_t>(n), reversed);
      if (found && std::getenv("DBG")) std::printf("%d %zd %s", found, n, line);
      if (std::getenv("DBG")) std::printf("%d %zd %s", found, n, line);
    }
  }
  if (mem >= 0) ::close(mem);
  if (maps != nullptr) std::fclose(maps);
  return found;
}

// The nonce as the parent gives it: built at run time, so that the program's own
// read-only data (which holds kTestNonce) does not hold it.
std::string runtime_nonce() { return std::string(kTestNonce).replace(0, 4, "c0de"); }

// The same, spelled backwards and built so, in the child: the nonce itself never appears
// in the child's memory but where the harness put it.
std::string reversed_nonce() {
  std::string reversed(kTestNonce);
  std::reverse(reversed.begin(), reversed.end());
  return reversed.replace(reversed.size() - 4, 4, "ed0c");
}

// What the environment block the kernel gave this process (/proc/self/environ, the same
// bytes any pointer into the top of the stack can read) holds of the nonce.
bool environ_block_holds(const std::string& reversed) {
  std::FILE* file = std::fopen("/proc/self/environ", "rb");
  if (file == nullptr) return false;
  std::string block;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, file)) > 0;) block.append(buffer, n);
  std::fclose(file);
  return region_holds(block.data(), block.size(), reversed);
}

}  // namespace

// Run only by the test below, as a child with a result channel in its environment.
TEST(TestMain, DISABLED_ReportsWhatTheEnvironmentBlockHolds) {
  const std::string reversed = reversed_nonce();
  std::printf("environ block holds the nonce: %s\n", environ_block_holds(reversed) ? "yes" : "no");
  std::printf("readable memory holds the nonce: %s\n", readable_memory_holds(reversed) ? "yes" : "no");
}

// The grader hands the nonce over through the result channel itself, never the environment
// (whose copies, the kernel's block and the sanitizer runtime's, any code in the process can
// read); the test main reads it before lab code runs and seals it until the record is
// written. The child looks for it in the environment block and in all the memory it can read.
TEST(TestMain, TheNonceIsNowhereTheCodeUnderTestCanRead) {
  char self[4096] = {};
  const ssize_t length = ::readlink("/proc/self/exe", self, sizeof self - 1);
  ASSERT_GT(length, 0);
  int channel[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, channel), 0);
  ::fcntl(channel[0], F_SETFD, FD_CLOEXEC);  // the grader's end; the child inherits only its own
  const std::string greeting = runtime_nonce() + "\n";
  ASSERT_EQ(::write(channel[0], greeting.data(), greeting.size()), static_cast<ssize_t>(greeting.size()));
  const std::string command = "RACELAB_RESULT_FD=" + std::to_string(channel[1]) + " '" + self +
                              "' --gtest_also_run_disabled_tests "
                              "--gtest_filter=TestMain.DISABLED_ReportsWhatTheEnvironmentBlockHolds 2>&1";
  std::FILE* child = ::popen(command.c_str(), "r");
  ASSERT_NE(child, nullptr);
  std::string output;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, child)) > 0;) output.append(buffer, n);
  EXPECT_EQ(::pclose(child), 0) << output;
  ::close(channel[1]);
  std::string record;
  for (ssize_t n; (n = ::read(channel[0], buffer, sizeof buffer)) > 0;) record.append(buffer, static_cast<std::size_t>(n));
  ::close(channel[0]);
  EXPECT_NE(output.find("environ block holds the nonce: no"), std::string::npos) << output;
  EXPECT_NE(output.find("readable memory holds the nonce: no"), std::string::npos) << output;
  // The record, on the channel, carries it: the harness kept its sealed copy.
  EXPECT_EQ(record.rfind(std::string("{\"nonce\":\"") + runtime_nonce(), 0), 0u) << record;
}
