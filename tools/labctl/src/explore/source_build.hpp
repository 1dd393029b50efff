// `labctl explore --source FILE...` (issue 16): builds a program from its sources in the
// explorer's source mode, with tools/racelab-c++ (or racelab-cc for C alone), so that its
// shared memory accesses and atomics become scheduling points and its data races are
// reported. The explore layer then explores the binary like any other.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace labctl {

// Which wrapper builds these sources: "racelab-cc" when every file is C (.c), else
// "racelab-c++" (C++ files, or a mix, which clang++ compiles as C++). Throws labctl::Error
// for a file that is neither C nor C++ (.c, .cc, .cpp, .cxx, .C), or no files at all.
std::string source_wrapper_for(const std::vector<std::string>& sources);

// The command that builds `sources` into `output` with the wrapper found in `tools_dir`:
// C++ gets -std=c++20, both -O1 (what ThreadSanitizer's instrumentation is meant for).
std::vector<std::string> source_build_command(const std::vector<std::string>& sources,
                                              const std::filesystem::path& tools_dir,
                                              const std::filesystem::path& output);

// Builds `sources` into `dir`/program with the library `library`; returns the binary.
// Throws labctl::Error, with the compiler's first error line, when the build fails, and when a
// source file or the wrapper is missing. `tools_dir`: where racelab-c++ is
// ($RACELAB_TOOLS_DIR, else the source tree's tools/ this labctl was built from).
std::filesystem::path build_source_program(const std::vector<std::string>& sources,
                                           const std::filesystem::path& library,
                                           const std::filesystem::path& dir);

}  // namespace labctl
