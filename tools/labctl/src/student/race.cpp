#include "student/race.hpp"

#include "course/lab_files.hpp"

#include "base/errors.hpp"
#include "base/process.hpp"
#include "student/race_chart.hpp"
#include "student/race_explore.hpp"
#include "base/style.hpp"
#include "run/test_program.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <fstream>

namespace labctl {
namespace {

namespace fs = std::filesystem;

constexpr std::chrono::seconds kRunLimit{5};
constexpr std::chrono::seconds kConfigureLimit{1800};

std::string demo_target(const Lab& lab, const std::string& side) { return lab.target(side) + "_demo"; }

void configure_release(const fs::path& root, const fs::path& build, const char* why = "once") {
  std::fprintf(stderr, "racelab: configuring the release preset (%s)\n", why);
  ProcessSpec spec;
  spec.argv = {"cmake", "--preset", "release", "-B", fs::absolute(build).string()};
  spec.cwd = root;
  spec.log = runs_dir(build) / "configure.log";
  spec.limit = kConfigureLimit;
  const ProcessResult result = run_process(spec);
  if (!result.status.ok()) {
    std::string error = first_error_line(read_file(spec.log));
    if (error.empty()) error = "cmake " + result.status.describe();
    throw Error(fmt::format("cannot configure the release preset: {} (full log: {})", error, spec.log.string()));
  }
}

void build_demo(const fs::path& root, const fs::path& build, const std::string& target) {
  BuildResult result = build_target(build, target);
  if (!result.ok && read_file(result.log).find("unknown target") != std::string::npos) {
    // A demo added after the build was configured is not a target yet: configure again, once.
    configure_release(root, build, fmt::format("again: {} is new to it", target).c_str());
    result = build_target(build, target);
  }
  if (!result.ok) {
    throw Error(fmt::format("{} does not build: {} (full log: {})", target, result.error, result.log.string()));
  }
}

// Runs one side's demo `runs` times; the outcome of each run.
std::vector<std::string> run_side(const fs::path& program, const std::string& label, int runs,
                                  const fs::path& scratch) {
  if (!fs::exists(program)) {
    throw Error(fmt::format("demo program {} not found: build it (or run without --no-build)", program.string()));
  }
  const bool progress = stderr_is_terminal();
  std::vector<std::string> outcomes;
  outcomes.reserve(static_cast<std::size_t>(runs));
  ProcessSpec spec;
  spec.argv = {program.string()};
  spec.log = scratch / (program.filename().string() + ".stderr");
  spec.stdout_log = scratch / (program.filename().string() + ".stdout");
  spec.limit = kRunLimit;
  for (int i = 1; i <= runs; ++i) {
    if (progress) std::fprintf(stderr, "\r%s: run %d/%d ", label.c_str(), i, runs);
    const ProcessResult result = run_process(spec);
    outcomes.push_back(outcome_of(result.status, read_file(spec.stdout_log)));
  }
  if (progress) std::fprintf(stderr, "\r\x1b[K");
  return outcomes;
}

void check_svg_path(const fs::path& svg) {
  if (svg.empty()) return;
  if (svg.extension() != ".svg") {
    if (fs::exists(svg)) throw Error(fmt::format("{} exists and is not an .svg file: not overwriting it", svg.string()));
  }
  if (fs::is_directory(svg)) throw Error(fmt::format("{} is a directory, not a file name for the SVG", svg.string()));
}

// The sides to run: the student's code (unless --solution), then the reference (when the
// course holds it: a student's copy of the course has no solutions/).
std::vector<RaceDemo> demos_of(const Lab& lab, const fs::path& build, bool solution_only, bool has_reference) {
  std::vector<RaceDemo> demos;
  for (const std::string side : {"starter", "solution"}) {
    if (side == "starter" && solution_only) continue;
    if (side == "solution" && !has_reference) continue;
    const std::string target = demo_target(lab, side);
    demos.push_back({side, side == "solution" ? "reference" : "your code", target, test_program_path(build, target)});
  }
  return demos;
}

// Each side's answers over `runs` runs, tallied; the reference's most common one is "right".
Chart run_demos(const Lab& lab, const std::vector<RaceDemo>& demos, int runs, const fs::path& scratch) {
  Chart chart;
  chart.lab = lab.number;
  for (const RaceDemo& demo : demos) {
    chart.sides.push_back({demo.name, count_outcomes(run_side(demo.program, demo.name, runs, scratch))});
  }
  // The reference's most common answer is the right one; without a reference, none is marked.
  if (demos.back().side == "solution" && !chart.sides.back().tally.rows.empty()) {
    chart.reference = chart.sides.back().tally.rows.front().outcome;
  }
  return chart;
}

// The chart in the terminal, and as an SVG file when asked for.
void show_chart(const Chart& chart, const fs::path& svg) {
  const Style style = Style::for_stdout();
  Paint paint;
  if (style.colour()) paint = {"\x1b[32m", "\x1b[31m", "\x1b[0m"};
  std::fputs(render_text(chart, paint).c_str(), stdout);
  std::fputs("\n", stdout);
  std::fputs(style(summary_line(chart), Tone::bold).c_str(), stdout);
  std::fputs("\n", stdout);

  if (!svg.empty()) {
    std::ofstream out(svg, std::ios::binary | std::ios::trunc);
    out << render_svg(chart);
    out.close();
    if (!out) throw Error(fmt::format("cannot write {}", svg.string()));
    std::printf("chart: %s\n", svg.string().c_str());
  }
}

}  // namespace

int run_race(const Workspace& workspace, const RaceOptions& options) {
  const Lab* lab = workspace.select({options.lab}).front();
  require_lab_files(workspace.root, *lab);  // a deleted lab file: say which, not the build's error
  const fs::path source = workspace.root / "tests" / (lab->slug + ".demo.cpp");
  if (!fs::exists(source)) {
    throw Error(fmt::format("lab {} has no demo program yet (tests/{}.demo.cpp)", lab->number, lab->slug));
  }
  if (options.runs < 1) throw Error("--runs must be at least 1");
  check_svg_path(options.svg);

  // A student's copy of the course (tools/lab export --student) has no solutions/, and its
  // build no reference demo: the chart is of their code alone, and --explore looks for an
  // interleaving that changes their code's usual answer (there is no right one to compare
  // with). (A build given with --no-build may hold the reference demo without the course's
  // solutions/: then it is used.)
  const fs::path build = options.release_build.empty() ? workspace.root / "build" / "release" : options.release_build;
  const bool has_reference = fs::is_directory(workspace.root / "solutions" / lab->slug) ||
                             fs::exists(test_program_path(build, demo_target(*lab, "solution")));
  if (!has_reference && options.solution_only) {
    throw Error("--solution runs the reference, which this copy of the course does not have (no solutions/)");
  }
  const std::vector<RaceDemo> demos = demos_of(*lab, build, options.solution_only, has_reference);
  if (!options.no_build) {
    if (!fs::is_regular_file(build / "CMakeCache.txt")) configure_release(workspace.root, build);
    for (const RaceDemo& demo : demos) build_demo(workspace.root, build, demo.target);
  }

  const fs::path scratch = runs_dir(build);
  std::error_code ignored;
  fs::create_directories(scratch, ignored);

  const Chart chart = run_demos(*lab, demos, options.runs, scratch);
  show_chart(chart, options.svg);
  if (!has_reference) {
    std::printf("(no reference in this copy of the course: a correct program gives one answer, every run)\n");
  }
  if (options.explore) {
    // Without a reference, the answer to keep is the one the student's code gave most often:
    // a schedule that changes it shows the race; a wrong answer given every time is the
    // tests' to catch (tools/lab check).
    std::string expected = chart.reference;
    if (!has_reference && !chart.sides.empty() && !chart.sides.front().tally.rows.empty()) {
      expected = chart.sides.front().tally.rows.front().outcome;
      std::printf("(no reference: under the explorer, a run fails when your code's answer differs from its most "
                  "common one above, \"%s\")\n", expected.c_str());
    }
    explore_demos(*lab, workspace.root / "labs" / lab->slug, demos, expected, options, scratch);
  }
  std::fflush(stdout);
  return kExitOk;
}

}  // namespace labctl
