#include "student/scoreboard.hpp"
#include "base/text.hpp"

#include "student/lab_state.hpp"
#include "base/style.hpp"
#include "run/diagnostics.hpp"
#include "run/hang_stacks.hpp"
#include "run/test_program.hpp"
#include "run/tsan_report.hpp"

#include "base/errors.hpp"
#include "base/process.hpp"
#include "course/rubric.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace labctl {
namespace {

constexpr std::size_t kMaxTitleWidth = 52;

// Display width, counting each UTF-8 character once (titles may hold a dash or an accent).
std::size_t width_of(const std::string& text) { return static_cast<std::size_t>(display_width(text)); }

std::string pad(const std::string& text, std::size_t width) {
  const std::size_t used = width_of(text);
  return used >= width ? text : text + std::string(width - used, ' ');
}

// A path as the student would type it from the top of the tree, when it is inside it.
std::string shown_path(const std::filesystem::path& path, const std::filesystem::path& root) {
  std::error_code error;
  const auto relative = std::filesystem::relative(path, root, error);
  if (error || relative.empty() || *relative.begin() == "..") return path.string();
  return relative.string();
}

// ✓ passed, ✗ failed, · never ran (the program stopped before its tests, or `correct`
// failed first and the grader would not run it either).
std::string mark_of(const CriterionOutcome& criterion, const Style& style) {
  if (criterion.passed) return style("✓", Tone::good);
  const bool never_ran = !criterion.ran && criterion.reason.rfind("not run", 0) == 0;
  return never_ran ? style("·", Tone::dim) : style("✗", Tone::bad);
}

// The five criteria, one line each: mark, name, points, and why (check and watch).
void print_criteria(const LabState& state, const Style& style) {
  if (!state.compiled || state.criteria.criteria.empty()) return;
  fmt::print("\n  {}\n", style("As the grader scores it (the public tests, one round):", Tone::bold));
  for (const auto& criterion : state.criteria.criteria) {
    const std::string points = fmt::format("{}/{}", criterion.points, criterion.max_points);
    const Tone tone = criterion.points == criterion.max_points ? Tone::good : Tone::bad;
    const std::string line = fmt::format("{} {}  {}  {}", mark_of(criterion, style),
                                         pad(criterion_title(criterion.criterion), 13), style(pad(points, 5), tone),
                                         clip_end(criterion.reason, 100));
    fmt::print("    {}\n", trim(line));
  }
}

// The five criteria on one line, for the scoreboard (list).
std::string criteria_summary(const LabState& state, const Style& style) {
  std::string line;
  for (const auto& criterion : state.criteria.criteria) {
    if (!line.empty()) line += "  ";
    line += fmt::format("{} {} {}/{}", mark_of(criterion, style), criterion_title(criterion.criterion),
                        criterion.points, criterion.max_points);
  }
  return line;
}

// One lab's row, and for a lab that does not pass, why and where the full report is;
// `with_criteria`: the criteria too, on one line (the scoreboard; check shows them whole).
void print_lab(const LabState& state, const Style& style, std::size_t title_width, std::size_t words_width,
               const std::filesystem::path& root, bool with_criteria) {
  const Lab& lab = *state.lab;
  const Tone tone = state.passed() ? Tone::good : Tone::bad;
  const std::string points = fmt::format("{:>3}/{}", state.earned(), lab.points);
  fmt::print("  {}  {}  {}  {}\n", style(lab.number, Tone::bold), pad(clip_end(lab.title, static_cast<int>(kMaxTitleWidth)), title_width),
             style(pad(state.words(), words_width), tone), style(points, tone));
  if (state.passed()) return;
  if (with_criteria && state.compiled && !state.criteria.criteria.empty()) fmt::print("      {}\n", criteria_summary(state, style));
  fmt::print("      {}\n", state.headline());
  if (state.compiled) {
    for (const auto& detail : state.run.verdict.details) fmt::print("        {}\n", detail);
  }
  fmt::print("      {}\n", style("full report: " + shown_path(state.report(), root), Tone::dim));
}

// The sanitizer report of a failed check, condensed, and where to read about its kind. Its
// excerpts quote only the lab's own folder of the working tree, never a path the program printed.
void print_condensed_report(const Workspace& workspace, const LabState& state, const Style& style) {
  std::ifstream in(state.run.log);
  const std::string output((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string code_dir = Workspace::code_dir(*state.lab, "starter");
  ReportSources sources;
  sources.add_folder(workspace.root / code_dir, code_dir);
  const auto report = condense_first_report(output, code_dir, sources);
  if (!report) return;
  fmt::print("\n  {}\n", style("The first report, condensed:", Tone::bold));
  for (const auto& line : report->lines) fmt::print("    {}\n", line);
  fmt::print("  {}\n", style("How to read a " + report->kind + " report: " + report->guide, Tone::dim));
}

// After a hang: what each thread of the student's code was doing (gdb's stacks, which the
// check asked the test program for), the frames in the lab's folder with their lines.
void print_hang_threads(const Workspace& workspace, const LabState& state, const Style& style) {
  const std::string output = read_file(state.run.log);
  const std::string code_dir = Workspace::code_dir(*state.lab, "starter");
  const auto threads = parse_hang_stacks(output);
  if (threads.empty()) return;
  ReportSources sources;
  sources.add_folder(workspace.root / code_dir, code_dir);
  const auto lines = describe_threads(threads, code_dir, sources);
  if (lines.empty()) return;
  fmt::print("\n  {}\n", style("What each thread of your code was doing when it was stopped:", Tone::bold));
  for (const auto& line : lines) fmt::print("    {}\n", line);
  if (const auto pattern = hang_pattern(threads, code_dir)) {
    fmt::print("  {} {}\n", style("This is a " + pattern->words + ":", Tone::bold), pattern->explanation);
  }
}

// The findings as compiler-style lines, relative to the course's folder.
void print_diagnostics(const Workspace& workspace, const LabState& state) {
  const std::string code_dir = Workspace::code_dir(*state.lab, "starter");
  std::vector<std::string> lines;
  if (!state.compiled) {
    // "lost_update.cpp:3:16: error: ...": a file of the lab's folder, given back its folder.
    const auto colon = state.build_error.find(':');
    if (colon != std::string::npos && colon + 1 < state.build_error.size() &&
        std::isdigit(static_cast<unsigned char>(state.build_error[colon + 1]))) {
      lines.push_back(build_diagnostic(state.build_error, code_dir));
    }
  } else {
    lines = run_diagnostics(read_file(state.run.log), code_dir, std::filesystem::absolute(workspace.root).lexically_normal().string());
  }
  if (!lines.empty()) fmt::print("\n");
  for (const auto& line : lines) fmt::print("{}\n", line);
}

}  // namespace

bool check_and_show(const Workspace& workspace, const Lab& lab, bool build, bool diagnostics) {
  const Style style = Style::for_stdout();
  const LabState state = check_lab(workspace, lab, build);
  save_state(workspace.build, {state});
  print_lab(state, style, std::min(width_of(lab.title), kMaxTitleWidth), width_of(state.words()), workspace.root,
            /*with_criteria=*/false);
  print_criteria(state, style);
  if (state.compiled && !state.passed()) {
    print_condensed_report(workspace, state, style);
    print_hang_threads(workspace, state, style);
  }
  if (diagnostics) print_diagnostics(workspace, state);
  if (!state.passed()) {
    fmt::print("\nNext: {} (tools/lab hint {})\n", state.advice(), lab.number);
    return false;
  }
  const std::vector<const Lab*> labs = workspace.select_student_labs({});  // the next lab must be one the build holds
  const auto here = std::find(labs.begin(), labs.end(), &lab);
  if (here != labs.end() && std::next(here) != labs.end()) {
    fmt::print("\nLab {} passes. Next: labs/{}/README.md, then tools/lab check {}\n", lab.number,
               (*std::next(here))->slug, (*std::next(here))->number);
  } else {
    fmt::print("\nLab {} passes.\n", lab.number);
  }
  return true;
}

int run_check(const Workspace& workspace, const std::string& name, bool no_build, bool diagnostics) {
  const Lab& lab = *workspace.select_student_labs({name}).front();
  if (no_build) require_test_programs(workspace.build, {lab.target("starter")});
  return check_and_show(workspace, lab, !no_build, diagnostics) ? kExitOk : kExitNotYet;
}

int run_list(const Workspace& workspace, bool no_build, bool rerun) {
  const std::vector<const Lab*> labs = workspace.select_student_labs({});
  if (no_build) {
    std::vector<std::string> targets;
    for (const Lab* lab : labs) targets.push_back(lab->target("starter"));
    require_test_programs(workspace.build, targets);
  }
  const Style style = Style::for_stdout();

  std::vector<LabState> states;
  for (const Lab* lab : labs) {
    states.push_back(rerun ? check_lab(workspace, *lab, !no_build) : check_lab_unless_unchanged(workspace, *lab, !no_build));
  }
  save_state(workspace.build, states);

  std::size_t title_width = 0;
  std::size_t words_width = 0;
  for (const auto& state : states) {
    title_width = std::max(title_width, std::min(width_of(state.lab->title), kMaxTitleWidth));
    words_width = std::max(words_width, width_of(state.words()));
  }

  long long earned = 0;
  long long possible = 0;
  const LabState* next = nullptr;
  for (const auto& state : states) {
    earned += state.earned();
    possible += state.lab->points;
    print_lab(state, style, title_width, words_width, workspace.root, /*with_criteria=*/true);
    if (!state.passed() && next == nullptr) next = &state;
  }

  const std::size_t passing = static_cast<std::size_t>(
      std::count_if(states.begin(), states.end(), [](const LabState& s) { return s.passed(); }));
  fmt::print("\nTotal: {} points ({} of {} labs passing)\n", style(fmt::format("{}/{}", earned, possible), Tone::bold),
             passing, states.size());
  const auto unchanged = std::count_if(states.begin(), states.end(), [](const LabState& s) { return s.from_cache; });
  if (unchanged > 0) {
    fmt::print("{}\n", style(fmt::format("{} of {} labs unchanged since their last check: their verdicts are that "
                                         "check's (tools/lab list --rerun runs them all again)",
                                         unchanged, states.size()),
                             Tone::dim));
  }
  if (next != nullptr) {
    fmt::print("Next: tools/lab check {} — {} (tools/lab hint {})\n", next->lab->number, next->advice(),
               next->lab->number);
  } else {
    fmt::print("Every lab passes. Well done.\n");
  }
  return 0;
}

}  // namespace labctl
