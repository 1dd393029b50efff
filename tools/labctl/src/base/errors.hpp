// The one kind of error labctl reports to the user: a usage or environment problem
// (bad arguments, broken catalogue, missing build). main() prints it as a single line
// "racelab: <message>" and exits 2, so no exception trace ever reaches a student.
#pragma once

#include <stdexcept>
#include <string>

namespace labctl {

// Exit codes shared by every subcommand (and by tools/lab).
inline constexpr int kExitOk = 0;
inline constexpr int kExitNotYet = 1;  // the work (or, for verify, the course) is not correct yet
inline constexpr int kExitUsage = 2;   // usage or environment error

// The layout of build directories this labctl understands: the top CMakeLists.txt's
// RACELAB_BUILD_FORMAT, compiled in, and written by CMake into BUILD/racelab-build.json.
inline constexpr int kBuildFormat = RACELAB_BUILD_FORMAT;

class Error : public std::runtime_error {
 public:
  // `message` is one line, without the "racelab: " prefix.
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace labctl
