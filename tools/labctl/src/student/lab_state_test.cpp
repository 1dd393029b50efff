// What `list` knows a test program by (lab_state.hpp's program_key): the same bytes give
// the same key, one byte changed or another time limit a new one, so a cached verdict is
// only ever that of the program it would run.
#include "student/lab_state.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

TEST(ProgramKey, TheSameBytesTheSameKeyAnyChangeANewOne) {
  const fs::path dir = fs::temp_directory_path() / ("labctl-program-key-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string bytes(200000, 'x');  // more than one read of the hash's buffer
  std::ofstream(dir / "a", std::ios::binary) << bytes;
  std::ofstream(dir / "b", std::ios::binary) << bytes;
  std::string changed = bytes;
  changed[150000] = 'y';
  std::ofstream(dir / "c", std::ios::binary) << changed;
  EXPECT_EQ(labctl::program_key(dir / "a", 60s), labctl::program_key(dir / "b", 60s));
  EXPECT_NE(labctl::program_key(dir / "a", 60s), labctl::program_key(dir / "c", 60s));
  EXPECT_NE(labctl::program_key(dir / "a", 60s), labctl::program_key(dir / "a", 30s));
  fs::remove_all(dir);
}

}  // namespace
