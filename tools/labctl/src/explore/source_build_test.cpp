// How `labctl explore --source` builds a program (issue 16): which wrapper, which flags,
// and the one-line refusals. The build itself is tested end to end (explore_source_c_counter_source).
#include "explore/source_build.hpp"

#include "base/errors.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

// C alone goes to racelab-cc; any C++ file makes it racelab-c++.
TEST(ExploreSourceBuild, PicksTheWrapperByLanguage) {
  EXPECT_EQ(labctl::source_wrapper_for({"a.c", "b.c"}), "racelab-cc");
  EXPECT_EQ(labctl::source_wrapper_for({"a.cpp"}), "racelab-c++");
  EXPECT_EQ(labctl::source_wrapper_for({"a.c", "b.cc"}), "racelab-c++");
}

// Files that are not C or C++, and no files at all, are refused before anything runs.
TEST(ExploreSourceBuild, RefusesWhatIsNotSource) {
  EXPECT_THROW(labctl::source_wrapper_for({}), labctl::Error);
  EXPECT_THROW(labctl::source_wrapper_for({"notes.txt"}), labctl::Error);
  EXPECT_THROW(labctl::source_wrapper_for({"a.cpp", "program"}), labctl::Error);
}

// C++ is built as C++20, both at -O1, with absolute paths (the build runs elsewhere).
TEST(ExploreSourceBuild, BuildCommand) {
  const auto cxx = labctl::source_build_command({"x.cpp"}, "/tools", "/tmp/out/program");
  ASSERT_GE(cxx.size(), 6u);
  EXPECT_EQ(cxx[0], "/tools/racelab-c++");
  EXPECT_NE(std::find(cxx.begin(), cxx.end(), "-std=c++20"), cxx.end());
  EXPECT_EQ(cxx[cxx.size() - 3], std::filesystem::absolute("x.cpp").string());
  EXPECT_EQ(cxx.back(), "/tmp/out/program");
  const auto c = labctl::source_build_command({"y.c"}, "/tools", "/tmp/p");
  EXPECT_EQ(c[0], "/tools/racelab-cc");
  EXPECT_EQ(std::find(c.begin(), c.end(), "-std=c++20"), c.end());
}
