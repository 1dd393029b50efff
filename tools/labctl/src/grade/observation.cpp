// One sandboxed run and what the grader saw (observation.hpp).
#include "grade/observation.hpp"

#include "base/text.hpp"
#include "course/rubric.hpp"
#include "run/test_program.hpp"
#include "run/tsan_report.hpp"

#include <fmt/format.h>
#include <labkit/protocol.hpp>
#include <nlohmann/json.hpp>
#include "schedule.hpp"  // the explorer's environment and exit codes

#include <algorithm>
#include <charconv>
#include <random>

namespace labctl {
namespace {

namespace fs = std::filesystem;

std::string random_hex(std::size_t bytes) {
  std::random_device device;
  std::string hex;
  for (std::size_t i = 0; i < bytes; ++i) hex += fmt::format("{:02x}", device() & 0xff);
  return hex;
}

std::string condensed(std::string_view output, const Lab& lab, const ReportSources& sources) {
  const auto report = condense_first_report(output, "labs/" + lab.slug + "/", sources);
  if (!report) return {};
  std::string text;
  for (const auto& line : report->lines) text += line + "\n";
  text += "How to read a " + report->kind + " report: " + report->guide + "\n";
  return text;
}

// An explored run with no scheduling point for this long is ended by the explorer (a
// spin: kExitSpin): well past any lab's longest stretch of work between two points.
constexpr int kExploredSpinSeconds = 10;
constexpr std::chrono::seconds kExploredMinWall{60};

// At most this many lines of the explorer's race report are quoted, each clipped: the report
// is the program's output, and the function names in it are the submission's to choose.
constexpr std::size_t kExploredReportLines = 16;
constexpr std::size_t kExploredLineChars = 200;

// One line of the explorer's report, made short: a function's parameter list is "(...)".
std::string shortened(std::string_view line) {
  std::string text(line);
  const auto in = text.find(" in ");
  if (in != std::string::npos) {
    const auto open = text.find('(', in);
    if (open != std::string::npos) text = text.substr(0, open) + "(...)";
  }
  if (text.size() > kExploredLineChars) text = text.substr(0, kExploredLineChars) + "...";
  return text;
}

// The lab file a report line names ("... at lost_update.cpp:34 in ..."), and its line, from
// `sources` (the staged files only: nothing the program prints is opened).
std::string quoted_source(std::string_view line, const std::string& code_dir, const ReportSources& sources) {
  for (const std::string_view marker : {std::string_view(" at "), std::string_view(" from ")}) {
    const auto at = line.find(marker);
    if (at == std::string_view::npos) continue;
    const std::string_view rest = line.substr(at + marker.size());
    const auto colon = rest.find(':');
    const auto space = rest.find(' ');
    if (colon == std::string_view::npos || (space != std::string_view::npos && space < colon)) continue;
    const std::string file(rest.substr(0, colon));
    const std::string* contents = sources.find(code_dir + file);
    const std::string_view digits = rest.substr(colon + 1, space == std::string_view::npos ? rest.npos : space - colon - 1);
    std::size_t number = 0;
    const auto parsed = std::from_chars(digits.data(), digits.data() + digits.size(), number);
    if (contents == nullptr || parsed.ec != std::errc() || parsed.ptr != digits.data() + digits.size() || number == 0) return {};
    const auto lines = split_lines(*contents);
    if (number > lines.size()) return {};
    std::string_view text = lines[number - 1];
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    return std::string(text.substr(0, kExploredLineChars));
  }
  return {};
}

// How an explored run ended, when the explorer ended it: a race (its report, quoted from the
// output, is the excerpt: the frames in the lab's files, with their lines) or a hang. Only
// the exit code decides: the output is the program's.
void read_explored_ending(Observation& seen, const std::string& code_dir, const ReportSources& sources) {
  namespace explore = labctl::explore;
  const ExitStatus& status = seen.sandboxed.status;
  if (status.kind != ExitStatus::Kind::exited) return;
  if (status.code == explore::kExitDeadlock || status.code == explore::kExitSpin) {
    seen.explored_hang = true;
    return;
  }
  if (status.code != explore::kExitRace) return;
  seen.race = true;
  seen.race_reason = "the explorer saw a data race";
  std::size_t kept = 0;
  for (auto line : split_lines(seen.sandboxed.output)) {
    if (line.rfind(explore::kReportPrefix, 0) != 0 || kept >= kExploredReportLines) continue;
    line.remove_prefix(explore::kReportPrefix.size());
    const std::string source = quoted_source(line, code_dir, sources);
    // The frames in the standard library's headers (std::thread's, std::invoke's) say nothing
    // a student can act on: only the lab's own are kept.
    if (line.find("called from ") != std::string_view::npos && source.empty()) continue;
    std::string text = shortened(line);
    if (kept == 0) {
      // "data race on 'lab01::g_total' (0x..., a global of ...) (racelab-schedule:...)": the
      // variable is the reason; the address (another on every run) and the program's name
      // are noise.
      text = text.substr(0, text.find(" (0x"));
      constexpr std::string_view kUnnamed = "data race on 0x";  // memory without a name: the heap, a stack
      if (text.rfind(kUnnamed, 0) == 0) {
        const auto end = text.find(' ', kUnnamed.size());
        text = "data race on memory" + (end == std::string::npos ? std::string() : text.substr(end));
      }
      seen.race_reason = "the explorer saw a " + text;
    }
    seen.race_excerpt += text + "\n";
    if (!source.empty()) seen.race_excerpt += "        | " + source + "\n";
    ++kept;
  }
}

// The sandbox's spec for one run: the test program on `filter`, as this worker's uid, with
// every hidden path and every other submission's stage out of sight.
SandboxSpec spec_for(const std::string& filter, const fs::path& program, const fs::path& workdir,
                     const RunContext& context, const std::string& nonce, std::chrono::seconds wall) {
  SandboxSpec spec;
  spec.argv = test_launcher();
  spec.argv.push_back(program.string());
  spec.argv.push_back("--gtest_filter=" + filter);
  spec.argv.push_back("--gtest_color=no");
  spec.workdir = workdir;  // the sandbox gives it to spec.uid
  spec.uid = context.uid;
  spec.gid = context.uid;
  spec.hidden = context.hidden;
  for (const auto& stage : context.stages) {
    if (workdir.string().rfind(stage.string() + "/", 0) != 0) spec.hidden.push_back(stage);
  }
  spec.env = {{"PATH", "/usr/bin:/bin"},
              {"HOME", workdir.string()},
              {"LANG", "C.UTF-8"},
              {labkit::protocol::kTestTimeoutEnv, std::to_string(std::max<long long>(5, context.options->time_limit.count() - 5))}};
  spec.channel_greeting = nonce + "\n";  // labkit/protocol.hpp: read by the test main, never in the environment
  spec.wall = wall;
  spec.cpu = context.options->time_limit * 2;
  return spec;
}

void note_weak_isolation(const SandboxResult& sandboxed, bool hides, WeakIsolation* weak) {
  if (weak == nullptr) return;
  if (!sandboxed.network_isolated) weak->network = true;
  if (!sandboxed.pid_isolated) weak->pids = true;
  if (!sandboxed.hidden_enforced && hides) weak->hidden = true;
  if (!sandboxed.unprivileged) weak->privileged = true;
}

}  // namespace

RunRecord parse_record(const std::string& channel, const std::string& nonce) {
  RunRecord record;
  const auto newline = channel.find('\n');
  // Exactly one line: a program that writes more than the harness does is not believed.
  if (newline == std::string::npos || newline + 1 != channel.size()) return record;
  const auto json = nlohmann::json::parse(channel.substr(0, newline), nullptr, false);
  namespace field = labkit::protocol::field;
  if (json.is_discarded() || !json.is_object() || json.value(field::kNonce, "") != nonce) return record;
  if (!json.contains(field::kTests) || !json[field::kTests].is_array()) return record;
  for (const auto& test : json[field::kTests]) {
    if (!test.is_array() || test.size() != 3 || !test[0].is_string() || !test[1].is_boolean() ||
        !test[2].is_number_unsigned()) {
      return record;
    }
    const std::string name = test[0].get<std::string>();
    if (!record.tests.emplace(name, test[1].get<bool>()).second) {
      record.tests.clear();
      record.tests_with_reports.clear();
      const std::string which = is_hidden_suite(name.substr(0, name.find('.'))) ? "a hidden test" : "the test " + name;
      record.refused = "it reported " + which + " twice: the submitted code registers a test of the course's again";
      return record;
    }
    if (test[2].get<unsigned>() > 0) record.tests_with_reports.insert(name);
  }
  record.tsan_reports = json.value(field::kTsanReports, 0);
  record.valid = true;
  return record;
}

ReportSources report_sources(const fs::path& course_root, const Lab& lab,
                             const std::map<std::string, std::string>& submitted) {
  const std::string code_dir = "labs/" + lab.slug + "/";
  ReportSources sources;
  if (!course_root.empty()) sources.add_folder(course_root / "labs" / lab.slug, code_dir);
  for (const auto& [file, contents] : submitted) sources.add(code_dir + file, contents);
  return sources;
}

Observation observe(const LabRecipe& recipe, const std::string& filter, const fs::path& program,
                    const fs::path& workdir, const RunContext& context, const ReportSources& sources,
                    const Budget& budget, const std::string& schedule) {
  const Lab& lab = *recipe.lab;
  Observation seen;
  const Budget::Deadline deadline = budget.next();
  const std::chrono::seconds left = deadline.left();
  if (left < std::chrono::seconds(1)) {
    seen.out_of_time = true;
    seen.budget = deadline.words;
    return seen;
  }
  // An explored run is slower than a real one (one thread at a time, a hand-over at every
  // point, all on one CPU; lab 01's reference with a hidden test takes 2 s at idle and passed
  // 10 s at load 15, failing `correct` on one regrade of ten): twice a run's limit, and at
  // least a minute, so load does not decide its verdict. Its hangs end sooner anyway: the
  // explorer itself ends deadlocks, spins and endless sleeps, and its clock, which the tests'
  // own deadlines read, is virtual (the same schedule, the same verdict at any load).
  const std::chrono::seconds run_limit =
      schedule.empty() ? context.options->time_limit : std::max(2 * context.options->time_limit, kExploredMinWall);
  const std::chrono::seconds wall = std::min(run_limit, left);
  const std::string nonce = random_hex(16);
  fs::create_directories(workdir);
  SandboxSpec spec = spec_for(filter, program, workdir, context, nonce, wall);
  if (!schedule.empty()) {
    namespace explore = labctl::explore;
    spec.cpu = run_limit;  // one CPU at most: its CPU time never exceeds its wall time
    spec.env.emplace_back(explore::kScheduleEnv, schedule);
    spec.env.emplace_back(explore::kTimeoutEnv, std::to_string(kExploredSpinSeconds));
  }
  seen.schedule = schedule;
  seen.sandboxed = run_sandboxed(spec);
  if (seen.sandboxed.limit == Limit::wall_time && wall < run_limit) {
    seen.stopped_by_budget = true;
    seen.budget = deadline.words;
  }
  note_weak_isolation(seen.sandboxed, !spec.hidden.empty(), context.weak);
  seen.record = parse_record(seen.sandboxed.channel, nonce);
  seen.verdict = classify(RunOutput{seen.sandboxed.status, seen.sandboxed.output, "", "labs/" + lab.slug + "/"});
  if (!schedule.empty()) {
    read_explored_ending(seen, "labs/" + lab.slug + "/", sources);
    return seen;
  }
  const bool exit_66 = seen.sandboxed.status.kind == ExitStatus::Kind::exited && seen.sandboxed.status.code == labkit::protocol::kExitTsanReported;
  seen.race = exit_66 || (seen.record.valid && seen.record.tsan_reports > 0) || seen.verdict.has("data-race");
  if (seen.race) {
    seen.race_reason = seen.verdict.headline.find("Sanitizer") != std::string::npos ? seen.verdict.headline
                                                                                    : "ThreadSanitizer reported a problem";
    seen.race_excerpt = condensed(seen.sandboxed.output, lab, sources);
  }
  return seen;
}

}  // namespace labctl
