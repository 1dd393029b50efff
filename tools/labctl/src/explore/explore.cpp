// `labctl explore`: the driver of the determinism engine's preload library. See explore.hpp.
// Each run gets LD_PRELOAD and its schedule through the environment (set in labctl's own,
// which run_process hands down, so a user's RACELAB_SCHEDULE cannot override a run's).
#include "explore/explore.hpp"

#include "base/errors.hpp"
#include "base/temp_dir.hpp"
#include "explore/explore_trace.hpp"
#include "explore/source_build.hpp"
#include "base/process.hpp"
#include "schedule.hpp"
#include "base/style.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <unistd.h>

namespace labctl {
namespace {

namespace fs = std::filesystem;
namespace ex = labctl::explore;

constexpr int kTailLines = 20;

fs::path find_library(const ExploreOptions& options) {
  fs::path library = options.library;
  if (library.empty()) {
    if (const char* env = std::getenv("RACELAB_EXPLORE_LIB"); env && *env) {
      library = env;
    } else {
      std::error_code error;
      const fs::path self = fs::read_symlink("/proc/self/exe", error);
      library = self.parent_path().parent_path() / "explore" / "libracelab_explore.so";
    }
  }
  if (!fs::is_regular_file(library)) {
    throw Error(fmt::format("the explorer's library {} is missing: build it (cmake --build BUILD --target "
                            "racelab_explore) or set RACELAB_EXPLORE_LIB",
                            library.string()));
  }
  return fs::absolute(library);
}

// Environment variables set for one run (the child inherits labctl's environment) and
// restored, to their old value or to unset, when it goes out of scope.
class ScopedEnv {
 public:
  ScopedEnv() = default;
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;
  ~ScopedEnv() {
    for (const auto& [name, old] : saved_) {
      if (old) ::setenv(name.c_str(), old->c_str(), 1); else ::unsetenv(name.c_str());
    }
  }
  void set(const std::string& name, const std::string& value) {
    const char* old = std::getenv(name.c_str());
    saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
    ::setenv(name.c_str(), value.c_str(), 1);
  }

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

struct Run {
  ProcessResult result;
  std::string output;        // stdout, then stderr (where the library's reports go)
  std::string first_line;    // stdout's first line, for --expect
  std::uint64_t steps = 0;   // scheduling points, when the program exited normally
};

Run run_once(const ExploreOptions& options, const fs::path& library, const TempDir& dir,
             const ex::Schedule& schedule) {
  std::string preload = library.string();
  if (const char* existing = std::getenv("LD_PRELOAD"); existing && *existing) preload += std::string(":") + existing;
  const fs::path stats = dir.path() / "steps";
  std::error_code ignored;
  fs::remove(stats, ignored);
  // Set here rather than in ProcessSpec::env_defaults, which never overrides the user's;
  // labctl's own environment is put back however the run ends.
  ScopedEnv env;
  env.set("LD_PRELOAD", preload);
  env.set(ex::kScheduleEnv, ex::format_schedule(schedule));
  env.set(ex::kTimeoutEnv, std::to_string(options.timeout));
  env.set(ex::kStatsEnv, stats.string());
  if (!options.trace.empty() || options.keep_trace) env.set(ex::kTraceEnv, (dir.path() / "trace").string());

  ProcessSpec spec;
  spec.argv = options.command;
  spec.log = dir.path() / "stderr";
  spec.stdout_log = dir.path() / "stdout";
  // The watchdog reports a spin after `timeout` s; this catches what it cannot see (a
  // livelock that keeps yielding) a little later.
  spec.limit = std::chrono::seconds(2 * options.timeout + 5);
  Run run;
  run.result = run_process(spec);
  const std::string out = read_file(spec.stdout_log);
  const std::string err = read_file(spec.log);
  run.first_line = out.substr(0, out.find('\n'));
  run.output = out + (out.empty() || out.back() == '\n' ? "" : "\n") + err;
  // The library could not start (it prints why): an environment problem, not a found bug.
  if (run.result.status.kind == ExitStatus::Kind::exited && run.result.status.code == ex::kExitBadSchedule) {
    const auto start = err.find(ex::kReportPrefix);
    if (start != std::string::npos) {
      const auto end = err.find('\n', start);
      throw Error(fmt::format("explore: {}", err.substr(start + ex::kReportPrefix.size(),
                                                        end == std::string::npos ? end : end - start - ex::kReportPrefix.size())));
    }
  }
  run.steps = std::strtoull(read_file(stats).c_str(), nullptr, 10);
  return run;
}

// Why the run counts as failing; empty when it does not.
std::string failure_of(const Run& run, const ExploreOptions& options) {
  if (!run.result.status.ok()) return describe_explored_run(run.result.status, options.timeout);
  if (options.expect && run.first_line != *options.expect) {
    return fmt::format("printed \"{}\" instead of \"{}\"", run.first_line, *options.expect);
  }
  return "";
}

ExploreFinding finding_of(int index, const ex::Schedule& schedule, const Run& run, const std::string& failure,
                          const ExploreOptions& options, const TempDir& dir) {
  ExploreFinding finding;
  finding.failed = true;
  finding.schedule_index = index;
  finding.runs = index;
  finding.schedule = ex::format_schedule(schedule);
  finding.failure = failure;
  finding.output_tail = tail_lines(run.output, kTailLines);
  finding.steps = run.steps;
  if (!options.trace.empty() || options.keep_trace) {
    finding.trace = collapse_repeats(parse_trace(read_file(dir.path() / "trace")));
    name_trace_objects(finding.trace, dir.path());
    finding.locations = locate_trace(finding.trace, dir.path());
  }
  return finding;
}

std::string replay_command(const ExploreOptions& options, const std::string& schedule) {
  std::string command = "replay: tools/lab explore --replay " + schedule;
  if (options.expect) command += " --expect " + shell_quote(*options.expect);
  if (!options.sources.empty()) {
    // The binary was built in a folder that is gone by now: replay rebuilds it.
    command += " --source";
    for (const std::string& source : options.sources) command += " " + shell_quote(source);
    if (!options.command.empty()) command += " --";
  } else {
    command += " --";
  }
  for (const std::string& word : options.command) command += " " + shell_quote(word);
  return command;
}

// --trace FILE: the failing run's scheduling points, as text or, for FILE.svg, a drawing,
// for FILE.html a page to step through.
void write_trace(const fs::path& file, const ExploreOptions& options, const ExploreFinding& finding) {
  std::string content;
  if (file.extension() == ".svg") {
    content = render_trace_svg(finding.trace, finding.locations, finding.schedule);
  } else if (file.extension() == ".html") {
    // The program's name for the title: with --source, its first file (command is its arguments).
    const std::string program = !options.sources.empty() ? fs::path(options.sources.front()).filename().string()
                                : options.command.empty() ? std::string("the program")
                                                          : fs::path(options.command.front()).filename().string();
    const std::string replay = replay_command(options, finding.schedule);
    content = render_trace_html(finding.trace, finding.locations,
                                {program + " under the explorer", finding.schedule, finding.failure,
                                 replay.substr(replay.find(' ') + 1)});  // without "replay: "
  } else {
    content = format_trace(finding.trace, finding.locations, finding.schedule);
  }
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out.flush()) throw Error(fmt::format("cannot write the trace {}", file.string()));
}

void print_failure(const ExploreOptions& options, const ExploreFinding& finding, int total) {
  fmt::print("explore: schedule {} of {} failed: {}\n", finding.schedule_index, total, finding.failure);
  fmt::print("{}\n", finding.schedule);
  fmt::print("{}\n", replay_command(options, finding.schedule));
  if (!options.trace.empty()) {
    write_trace(options.trace, options, finding);
    fmt::print("trace: {} ({} scheduling points)\n", options.trace.string(), point_count(finding.trace));
  }
  fmt::print("--- the program's output (last {} lines) ---\n{}", kTailLines, finding.output_tail);
  std::fflush(stdout);
}

}  // namespace

std::string describe_explored_run(const ExitStatus& status, int timeout) {
  if (status.kind == ExitStatus::Kind::exited && status.code == ex::kExitDeadlock) {
    return "deadlock (every live thread blocked)";
  }
  if (status.kind == ExitStatus::Kind::exited && status.code == ex::kExitSpin) {
    return fmt::format("a thread ran {} s without reaching a scheduling point", timeout);
  }
  if (status.kind == ExitStatus::Kind::exited && status.code == ex::kExitRace) {
    return "data race (two unordered accesses, one a write: see the report below)";
  }
  return status.describe();
}

ex::Strategy strategy_of_run(const std::string& strategy, int index) {
  if (strategy == "random" || strategy.empty()) return ex::Strategy::random;
  if (strategy == "pct") return ex::Strategy::pct;
  if (strategy == "delay") return ex::Strategy::delay;
  if (strategy == "sync") return ex::Strategy::sync;
  if (strategy == "mix") {
    constexpr ex::Strategy turns[] = {ex::Strategy::random, ex::Strategy::pct, ex::Strategy::delay};
    return turns[index % 3];
  }
  throw Error(fmt::format("explore: unknown strategy '{}'; use random, pct, delay, sync or mix", strategy));
}

std::string tail_lines(std::string_view text, int lines) {
  std::size_t start = text.size();
  // A final newline ends the last line; it does not start another.
  if (start > 0 && text[start - 1] == '\n') --start;
  for (int seen = 0; start > 0; --start) {
    if (text[start - 1] == '\n' && ++seen == lines) break;
  }
  std::string tail(text.substr(start));
  if (!tail.empty() && tail.back() != '\n') tail += '\n';
  return tail;
}

std::string shell_quote(std::string_view word) {
  const bool plain = !word.empty() && word.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                              "0123456789-_./=:+,@%") == std::string_view::npos;
  if (plain) return std::string(word);
  std::string quoted = "'";
  for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

ExploreFinding explore_quietly(const ExploreOptions& given) {
  ExploreOptions options = given;
  if (options.command.empty() && options.sources.empty()) {
    throw Error("explore: no program to run (tools/lab explore [options] -- PROGRAM [ARGS], or --source FILE...)");
  }
  // Source mode sees every shared access: many more points, and threads by the hundred,
  // which is where alternating strategies pays (docs/determinism.md).
  if (options.strategy.empty()) options.strategy = options.sources.empty() ? "random" : "mix";
  strategy_of_run(options.strategy, 0);  // throws for an unknown name
  if (options.schedules < 1) throw Error("explore: --schedules must be at least 1");
  if (options.depth < 1 || options.depth > 100) throw Error("explore: --depth must be between 1 and 100");
  if (options.delays < 0 || options.delays > 100) throw Error("explore: --delays must be between 0 and 100");
  if (options.timeout < 1) throw Error("explore: --timeout must be at least 1 second");
  std::optional<ex::Schedule> replay;
  if (!options.replay.empty()) {
    replay = ex::parse_schedule(options.replay);
    if (!replay) {
      throw Error(fmt::format("explore: '{}' is not a schedule string (like racelab-schedule:v1:random:seed=1)",
                              options.replay));
    }
  }
  if (options.sources.empty() && find_in_path(options.command.front()).empty()) {
    throw Error(fmt::format("explore: program '{}' not found", options.command.front()));
  }
  const fs::path library = find_library(options);
  const TempDir dir("racelab-explore");  // the runs' logs, removed however exploring ends
  if (!options.sources.empty()) {
    options.command.insert(options.command.begin(), build_source_program(options.sources, library, dir.path()).string());
  }

  if (replay) {
    const Run run = run_once(options, library, dir, *replay);
    const std::string failure = failure_of(run, options);
    if (failure.empty()) return ExploreFinding{.runs = 1};
    return finding_of(1, *replay, run, failure, options, dir);
  }

  ex::Schedule schedule;
  schedule.depth = options.depth;
  schedule.delays = options.delays;
  // PCT and delay bounding spread their change points over the run's length, which is not
  // known before a run: the first run assumes 1000 steps, later ones the longest run seen so
  // far. The estimate is part of each schedule string, so every run replays as it was.
  std::uint64_t longest_run = 0;
  const bool progress = !options.progress.empty() && stderr_is_terminal();
  for (int i = 0; i < options.schedules; ++i) {
    schedule.strategy = strategy_of_run(options.strategy, i);
    schedule.seed = options.seed + static_cast<std::uint64_t>(i);
    if (schedule.strategy != ex::Strategy::random) schedule.steps = longest_run > 0 ? longest_run : 1000;
    if (progress) std::fprintf(stderr, "\r%s: schedule %d/%d ", options.progress.c_str(), i + 1, options.schedules);
    const Run run = run_once(options, library, dir, schedule);
    if (const std::string failure = failure_of(run, options); !failure.empty()) {
      if (progress) std::fprintf(stderr, "\r\x1b[K");
      return finding_of(i + 1, schedule, run, failure, options, dir);
    }
    longest_run = std::max(longest_run, run.steps);
  }
  if (progress) std::fprintf(stderr, "\r\x1b[K");
  return ExploreFinding{.runs = options.schedules};
}

int run_explore(const ExploreOptions& options) {
  const ExploreFinding finding = explore_quietly(options);
  if (finding.failed) {
    print_failure(options, finding, options.replay.empty() ? options.schedules : 1);
    return kExitNotYet;
  }
  if (!options.replay.empty()) {
    fmt::print("explore: {} did not fail this time: is the program deterministic given its schedule "
               "(no time, randomness or input that changes)?\n", options.replay);
    return kExitOk;
  }
  const std::string strategy = !options.strategy.empty() ? options.strategy : options.sources.empty() ? "random" : "mix";
  fmt::print("explore: no failure in {} schedules ({}, seeds {}..{})\n", options.schedules, strategy,
             options.seed, options.seed + static_cast<std::uint64_t>(options.schedules) - 1);
  return kExitOk;
}

}  // namespace labctl
