// Building and launching: the first error of a real failed build, the setarch decision.
#include "run/test_program.hpp"

#include <labkit/protocol.hpp>

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace {

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(LABCTL_FIXTURES) + "/builds/" + name, std::ios::binary);
  EXPECT_TRUE(in) << "missing fixture " << name;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(FirstErrorLine, CompilerError) {
  EXPECT_EQ(labctl::first_error_line(fixture("compile_error.log")),
            "lost_update.cpp:3:16: error: expected ';' at end of declaration");
}

// An error inside the standard library's templates, instantiated from a lab file: the lab
// file's line first (where the student acts), the library's words and place condensed under it.
TEST(FirstErrorLine, TemplateErrorPointsAtTheStudentsLine) {
  EXPECT_EQ(labctl::first_error_line(fixture("template_error.log")),
            "lost_update.cpp:8:8: error: invalid operands to binary expression ('lab01::Opaque' and 'lab01::Opaque')\n"
            "    (inside predefined_ops.h:45:23, instantiated from that line)");
}

TEST(FirstErrorLine, LinkerError) {
  EXPECT_EQ(labctl::first_error_line(fixture("link_error.log")), "lost_update.cpp: undefined reference to `helper()'");
}

TEST(FirstErrorLine, ErrorsComeBeforeWarnings) {
  EXPECT_EQ(labctl::first_error_line("/a/b.cpp:1:2: warning: unused\n/a/b.cpp:7:3: error: no member named 'x'\n"),
            "b.cpp:7:3: error: no member named 'x'");
}

TEST(FirstErrorLine, CMakeError) {
  EXPECT_EQ(labctl::first_error_line("-- Configuring\nCMake Error at tests/CMakeLists.txt:30 (message):\n"),
            "CMake Error at tests/CMakeLists.txt:30 (message):");
}

TEST(FirstErrorLine, Nothing) { EXPECT_EQ(labctl::first_error_line("[1/2] Building\n"), ""); }

TEST(Launcher, SetarchOnlyAbove28Bits) {
  constexpr int limit = labkit::protocol::kTsanMaxMmapRndBits;  // 28
  EXPECT_TRUE(labctl::launcher_for(std::to_string(limit) + "\n", "x86_64").empty());
  EXPECT_EQ(labctl::launcher_for(std::to_string(limit + 1), "x86_64"), (std::vector<std::string>{"setarch", "x86_64", "-R"}));
  EXPECT_TRUE(labctl::launcher_for("", "x86_64").empty());
  EXPECT_TRUE(labctl::launcher_for("garbage", "x86_64").empty());
  EXPECT_EQ(labctl::launcher_for("32\n", "x86_64"), (std::vector<std::string>{"setarch", "x86_64", "-R"}));
  EXPECT_EQ(labctl::launcher_for("33", "aarch64"), (std::vector<std::string>{"setarch", "aarch64", "-R"}));
}

TEST(Paths, TestProgramsAndRuns) {
  EXPECT_EQ(labctl::test_program_path("/b", "lab01_starter"), "/b/tests/lab01_starter");
  EXPECT_EQ(labctl::runs_dir("/b"), "/b/racelab-runs");
}

}  // namespace
