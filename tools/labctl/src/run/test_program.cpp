#include "run/test_program.hpp"
#include "base/text.hpp"

#include "base/errors.hpp"
#include "base/process.hpp"

#include <labkit/protocol.hpp>

#include <fmt/format.h>

#include <sys/utsname.h>

#include <cctype>
#include <cstdio>

namespace labctl {
namespace {

namespace fs = std::filesystem;

// clang 14's ThreadSanitizer maps its shadow memory assuming at most this many bits of
// address randomisation (cmake/launcher.cmake decides the same for ctest, from the same number).
constexpr int kTsanMaxRndBits = labkit::protocol::kTsanMaxMmapRndBits;

// A build has no business taking longer; if it does, something else is wrong.
constexpr std::chrono::seconds kBuildLimit{1800};

}  // namespace

const std::vector<std::string>& test_launcher() {
  static const std::vector<std::string> prefix = [] {
    utsname names{};
    ::uname(&names);
    auto result = launcher_for(read_file("/proc/sys/vm/mmap_rnd_bits"), names.machine);
    if (!result.empty()) {
      // Said once per labctl run, on stderr, so it never mixes with a table on stdout.
      std::fprintf(stderr,
                   "racelab: vm.mmap_rnd_bits is above %d, which clang 14's ThreadSanitizer cannot handle: "
                   "running the tests under 'setarch %s -R'\n",
                   kTsanMaxRndBits, names.machine);
    }
    return result;
  }();
  return prefix;
}

namespace {

// "/src/labs/01-x/lost_update.cpp:3:16: error: ..." → "lost_update.cpp:3:16: error: ..."
std::string without_directories(std::string_view line) {
  const auto colon = line.find(':');
  const auto slash = line.substr(0, colon).rfind('/');
  return std::string(slash == std::string_view::npos ? line : line.substr(slash + 1));
}

// A lab's own files are under labs/NN-slug/ (the course's, a submission's, a student's copy).
bool is_lab_file_line(std::string_view line) {
  const auto colon = line.find(':');
  return colon != std::string_view::npos && line.substr(0, colon).find("/labs/") != std::string_view::npos;
}

// For the error on lines[error]: when it is not in a lab file but in a header the lab's code
// instantiated, the lab file's location that instantiation was "requested" from (clang's
// notes after the error, before the next one), as "file:line:col"; else empty.
std::string student_line_of_template_error(const std::vector<std::string_view>& lines, std::size_t error) {
  if (is_lab_file_line(lines[error])) return {};
  for (std::size_t i = error + 1; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    if (line.find(": error: ") != std::string_view::npos) break;
    const auto note = line.find(": note: ");
    if (note != std::string_view::npos && is_lab_file_line(line) && line.find("requested here") != std::string_view::npos)
      return without_directories(line.substr(0, note));
  }
  return {};
}

Error missing_program(const fs::path& program) {
  return Error(fmt::format("test program {} not found: build it with tools/lab start (or without --no-build)",
                           program.string()));
}

}  // namespace

std::vector<std::string> launcher_for(std::string_view rnd_bits, std::string_view machine) {
  rnd_bits = trim(rnd_bits);
  if (rnd_bits.empty()) return {};
  int bits = 0;
  for (char c : rnd_bits) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return {};
    bits = bits * 10 + (c - '0');
  }
  if (bits <= kTsanMaxRndBits) return {};
  return {"setarch", std::string(machine), "-R"};
}

fs::path runs_dir(const fs::path& build_dir) { return build_dir / "racelab-runs"; }

fs::path test_program_path(const fs::path& build_dir, const std::string& target) {
  return build_dir / "tests" / target;
}

void require_test_programs(const fs::path& build_dir, const std::vector<std::string>& targets) {
  for (const auto& target : targets) {
    const fs::path program = test_program_path(build_dir, target);
    if (!fs::exists(program)) throw missing_program(program);
  }
}

TestRun run_test_program(const fs::path& program, const fs::path& stem, std::string_view code_dir,
                         std::chrono::seconds limit, const std::vector<std::string>& arguments,
                         const std::vector<std::pair<std::string, std::string>>& environment) {
  if (!fs::exists(program)) throw missing_program(program);
  fs::path log = stem;
  log += ".log";
  fs::path json = stem;
  json += ".json";
  std::error_code ignored;
  fs::remove(json, ignored);  // a report left from an earlier run must not be mistaken for this one's

  ProcessSpec spec;
  spec.argv = test_launcher();
  spec.argv.push_back(program.string());
  spec.argv.push_back("--gtest_output=json:" + json.string());
  spec.argv.insert(spec.argv.end(), arguments.begin(), arguments.end());
  spec.env_defaults = {
      // The options the test main gives TSan anyway (report, carry on, exit 66), so that a
      // race is told apart from a failed assertion (exit 1) and every test still runs.
      {"TSAN_OPTIONS", labkit::protocol::kTsanOptions},
      // The in-process watchdog (gtest_main.cpp) fires well before labctl's own limit,
      // and names the hung test.
      {labkit::protocol::kTestTimeoutEnv, "30"},
  };
  spec.env_defaults.insert(spec.env_defaults.begin(), environment.begin(), environment.end());
  spec.log = log;
  spec.limit = limit;
  const ProcessResult result = run_process(spec);

  const std::string output = read_file(log);
  const std::string report = read_file(json);
  TestRun run;
  run.status = result.status;
  run.log = log;
  run.verdict = classify({result.status, output, report, code_dir});
  run.tests = test_results(report);
  return run;
}

std::vector<std::string> list_tests(const fs::path& program, const fs::path& stem, std::chrono::seconds limit) {
  if (!fs::exists(program)) throw missing_program(program);
  fs::path json = stem;
  json += ".json";
  std::error_code ignored;
  fs::remove(json, ignored);
  ProcessSpec spec;
  spec.argv = test_launcher();
  spec.argv.push_back(program.string());
  spec.argv.push_back("--gtest_list_tests");
  spec.argv.push_back("--gtest_output=json:" + json.string());
  spec.log = stem;
  spec.log += ".log";
  spec.limit = limit;
  const ProcessResult result = run_process(spec);
  std::vector<std::string> tests = listed_tests(read_file(json));
  if (!result.status.ok() || tests.empty()) {
    throw Error(fmt::format("cannot list the tests of {}: it {} (see {})", program.string(), result.status.describe(),
                            spec.log.string()));
  }
  return tests;
}

std::string first_error_line(std::string_view build_output) {
  std::vector<std::string_view> lines;
  for (std::string_view rest = build_output; !rest.empty();) {
    const auto end = rest.find('\n');
    lines.push_back(trim(rest.substr(0, end)));
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }
  // In order of how precisely they point at the student's mistake.
  for (std::string_view marker : {": error: ", ": fatal error: "}) {
    for (std::size_t i = 0; i < lines.size(); ++i) {
      const std::string_view line = lines[i];
      if (line.find(marker) == std::string_view::npos || line.find("linker command failed") != std::string_view::npos)
        continue;
      const std::string student_line = student_line_of_template_error(lines, i);
      if (student_line.empty()) return without_directories(line);
      // An error inside a template (the standard library's, say) instantiated from the
      // student's code: their line first, the library's own words condensed under it.
      const std::string where = without_directories(line.substr(0, line.find(marker)));
      return fmt::format("{}{}{}\n    (inside {}, instantiated from that line)", student_line, marker,
                         line.substr(line.find(marker) + marker.size()), where);
    }
  }
  for (auto line : lines) {
    if (const auto at = line.find("undefined reference to"); at != std::string_view::npos) {
      const auto colon = line.find(':');
      return fmt::format("{}: {}", without_directories(line.substr(0, colon)), line.substr(at));
    }
  }
  for (auto line : lines) {
    if (line.find("CMake Error") != std::string_view::npos) return std::string(line);
  }
  for (auto line : lines) {
    if (line.find("error") != std::string_view::npos && line.find("ninja: build stopped") == std::string_view::npos)
      return std::string(line);
  }
  return {};
}

BuildResult build_target(const fs::path& build_dir, const std::string& target) {
  BuildResult build;
  build.log = runs_dir(build_dir) / (target + ".build.log");
  ProcessSpec spec;
  spec.argv = {"cmake", "--build", build_dir.string(), "--target", target};
  spec.log = build.log;
  spec.limit = kBuildLimit;
  const ProcessResult result = run_process(spec);
  build.ok = result.status.ok();
  if (!build.ok) {
    build.error = first_error_line(read_file(build.log));
    if (build.error.empty()) build.error = "the build " + result.status.describe();
  }
  return build;
}

}  // namespace labctl
