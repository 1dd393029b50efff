#include "student/lab_state.hpp"

#include "base/errors.hpp"
#include "base/process.hpp"
#include "base/style.hpp"
#include "base/text.hpp"

#include <fmt/format.h>
#include <labkit/protocol.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <cstdint>
#include <fstream>
#include <optional>
#include <vector>

namespace labctl {

namespace fs = std::filesystem;

namespace {

std::string now_utc() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  ::gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

// Progress for someone watching a terminal; nothing at all in logs and pipes.
void progress(const std::string& message) {
  if (!stderr_is_terminal()) return;
  std::fprintf(stderr, "\r\x1b[K%s", message.c_str());
  std::fflush(stderr);
}

}  // namespace

std::string LabState::words() const {
  if (!compiled) return "does not compile";
  const std::string& reason = run.verdict.primary;
  if (reason == "pass") return "passing";
  if (reason == "data-race") return "data race";
  if (reason == "lock-order-inversion") return "lock-order inversion";
  if (reason == "heap-use-after-free") return "use after free";
  if (reason == "thread-leak") return "thread leak";
  if (reason == "wrong-result") return "wrong result";
  if (reason == "nondeterministic") return "nondeterministic";
  if (reason == "mutable-global") return "mutable global";
  if (reason == "not-parallel") return "not parallel";
  if (reason == "unbounded") return "too many threads";
  if (reason == "deadlock") return "deadlock";
  if (reason == "timeout") return "timed out";
  if (reason == "crash") return "crashed";
  return reason;
}

std::string LabState::headline() const {
  return compiled ? run.verdict.headline : "does not compile: " + build_error;
}

std::string LabState::advice() const {
  if (!compiled) return "fix the first compiler error, then check again";
  const std::string& reason = run.verdict.primary;
  if (reason == "pass") return "done";
  if (reason == "data-race")
    return "two threads use the same memory, at least one writing: read both stacks in the report, "
           "then give each task its own data";
  if (reason == "lock-order-inversion")
    return "two threads take the same locks in opposite orders and can wait for each other forever: "
           "read the cycle in the report, then give each task its own data so it needs no shared lock";
  if (reason == "heap-use-after-free") return "memory is used after it was freed: keep it alive until every task is done";
  if (reason == "thread-leak") return "a thread is never joined: join it, or let the executor run the work";
  if (reason == "wrong-result") return "the result differs from a plain sequential loop: compare the expected and actual values";
  if (reason == "nondeterministic") return "the result depends on the order tasks finish in: combine results in input order";
  if (reason == "mutable-global") return "remove the global and static variables: data goes in as task arguments, results come back through futures";
  if (reason == "not-parallel") return "the work must go through the executor as several tasks";
  if (reason == "unbounded")
    return "the work ran on more threads than max_workers(): hand it to the executor as tasks instead of "
           "starting threads yourself";
  if (reason == "deadlock") return "threads wait on each other forever: look at which locks and waits each one is stuck in";
  if (reason == "timeout") return "the tests never finished: look for an endless loop or a wait that never ends";
  return "the test program crashed: the full report shows where";
}

namespace {

// Builds the lab's starter, recording the log in `state`; false (and why) when it does not
// compile.
bool build_starter(const Workspace& workspace, const Lab& lab, LabState& state) {
  const std::string target = lab.target("starter");
  progress(fmt::format("racelab: building {} ...", target));
  const BuildResult result = build_target(workspace.build, target);
  state.build_log = result.log;
  if (result.ok) return true;
  progress("");
  state.compiled = false;
  state.build_error = result.error;
  return false;
}

// Runs the built starter's tests once and scores the criteria off the runs.
void run_starter(const Workspace& workspace, const Lab& lab, LabState& state) {
  const std::string target = lab.target("starter");
  progress(fmt::format("racelab: running {} ...", target));
  const fs::path program = test_program_path(workspace.build, target);
  const fs::path stem = runs_dir(workspace.build) / target;
  // On a hang, the test program has gdb print every thread's stack (the check shows them).
  state.run = run_test_program(program, stem, Workspace::code_dir(lab, "starter"), workspace.time_limit, {},
                               {{labkit::protocol::kHangStacksEnv, "1"}});
  state.criteria =
      score_test_runs(lab, program, state.run, stem, workspace.time_limit, Workspace::code_dir(lab, "starter"));
  state.program_key = program_key(program, workspace.time_limit);
  progress("");
}

nlohmann::json read_state(const fs::path& file);

// The state the file keeps for `lab` from a check of the program known by `key`, if any
// (and its full report is still there to point to).
std::optional<LabState> cached_state(const fs::path& build_dir, const Lab& lab, const std::string& key) {
  const nlohmann::json state = read_state(state_file(build_dir));
  const auto& labs = state["labs"];
  if (!labs.contains(lab.number) || !labs[lab.number].is_object() || !labs[lab.number].contains("cache")) {
    return std::nullopt;
  }
  try {
    const nlohmann::json& cache = labs[lab.number]["cache"];
    if (cache.at("key").get<std::string>() != key) return std::nullopt;
    LabState cached;
    cached.lab = &lab;
    cached.from_cache = true;
    cached.program_key = key;
    cached.run.log = cache.at("log").get<std::string>();
    std::error_code error;
    if (!fs::exists(cached.run.log, error)) return std::nullopt;
    const nlohmann::json& verdict = cache.at("verdict");
    cached.run.verdict.reasons = verdict.at("reasons").get<std::vector<std::string>>();
    cached.run.verdict.primary = verdict.at("primary").get<std::string>();
    cached.run.verdict.headline = verdict.at("headline").get<std::string>();
    cached.run.verdict.details = verdict.at("details").get<std::vector<std::string>>();
    cached.run.verdict.tests_run = verdict.at("tests_run").get<int>();
    cached.run.verdict.tests_failed = verdict.at("tests_failed").get<int>();
    cached.run.status = {static_cast<ExitStatus::Kind>(cache.at("status_kind").get<int>()), cache.at("status_code").get<int>()};
    cached.criteria.points = cache.at("points").get<long long>();
    for (const auto& entry : cache.at("criteria")) {
      CriterionOutcome criterion;
      criterion.criterion = entry.at("criterion").get<std::string>();
      criterion.passed = entry.at("passed").get<bool>();
      criterion.ran = entry.at("ran").get<bool>();
      criterion.points = entry.at("points").get<long long>();
      criterion.max_points = entry.at("max_points").get<long long>();
      criterion.reason = entry.at("reason").get<std::string>();
      cached.criteria.criteria.push_back(std::move(criterion));
    }
    return cached;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;  // an older or damaged file: check again
  }
}

// What cached_state reads back: everything list shows of a checked lab.
nlohmann::json cache_entry(const LabState& state) {
  nlohmann::json criteria = nlohmann::json::array();
  for (const auto& c : state.criteria.criteria) {
    criteria.push_back({{"criterion", c.criterion}, {"passed", c.passed}, {"ran", c.ran}, {"points", c.points},
                        {"max_points", c.max_points}, {"reason", c.reason}});
  }
  const Verdict& verdict = state.run.verdict;
  return {{"key", state.program_key},
          {"log", state.run.log.string()},
          {"status_kind", static_cast<int>(state.run.status.kind)},
          {"status_code", state.run.status.code},
          {"verdict",
           {{"reasons", verdict.reasons}, {"primary", verdict.primary}, {"headline", verdict.headline},
            {"details", verdict.details}, {"tests_run", verdict.tests_run}, {"tests_failed", verdict.tests_failed}}},
          {"points", state.criteria.points},
          {"criteria", std::move(criteria)}};
}

}  // namespace

LabState check_lab(const Workspace& workspace, const Lab& lab, bool build) {
  LabState state;
  state.lab = &lab;
  if (build && !build_starter(workspace, lab, state)) return state;
  run_starter(workspace, lab, state);
  return state;
}

LabState check_lab_unless_unchanged(const Workspace& workspace, const Lab& lab, bool build) {
  LabState state;
  state.lab = &lab;
  if (build && !build_starter(workspace, lab, state)) return state;
  const fs::path program = test_program_path(workspace.build, lab.target("starter"));
  if (auto cached = cached_state(workspace.build, lab, program_key(program, workspace.time_limit))) {
    cached->build_log = state.build_log;
    return std::move(*cached);
  }
  run_starter(workspace, lab, state);
  return state;
}

std::string program_key(const fs::path& program, std::chrono::seconds time_limit) {
  // base/text.hpp's stable_hash over the program's bytes, 64 KiB at a time: a few milliseconds per lab.
  std::uint64_t hash = kStableHashStart;
  std::ifstream in(program, std::ios::binary);
  std::vector<char> buffer(1 << 16);
  while (in.read(buffer.data(), static_cast<std::streamsize>(buffer.size())) || in.gcount() > 0) {
    hash = stable_hash(std::string_view(buffer.data(), static_cast<std::size_t>(in.gcount())), hash);
  }
  // labctl itself: a new labctl may judge the same runs differently.
  static const std::string labctl = [] {
    std::error_code error;
    const fs::path self = fs::read_symlink("/proc/self/exe", error);
    if (error) return std::string("unknown");
    const auto size = fs::file_size(self, error);
    const auto time = fs::last_write_time(self, error).time_since_epoch().count();
    return fmt::format("{}@{}", size, time);
  }();
  return fmt::format("{:016x}/{}/{}s", hash, labctl, time_limit.count());
}

fs::path state_file(const fs::path& build_dir) { return build_dir / "racelab-state.json"; }

namespace {

// The state file as JSON; an empty object when it is missing or unreadable (it is only
// a cache of verdicts and hint counters: losing it loses nothing the student wrote).
nlohmann::json read_state(const fs::path& file) {
  nlohmann::json state = nlohmann::json::parse(read_file(file), nullptr, /*allow_exceptions=*/false);
  if (state.is_discarded() || !state.is_object()) state = nlohmann::json::object();
  state["version"] = 1;
  for (const char* key : {"labs", "hints_shown"}) {
    if (!state.contains(key) || !state[key].is_object()) state[key] = nlohmann::json::object();
  }
  return state;
}

// Written whole, then renamed into place, so a reader never sees half a file.
void write_state(const fs::path& file, const nlohmann::json& state) {
  fs::path partial = file;
  partial += ".partial";
  {
    std::ofstream out(partial, std::ios::trunc);
    out << state.dump(2) << '\n';
    if (!out) throw Error(fmt::format("cannot write {}", partial.string()));
  }
  std::error_code error;
  fs::rename(partial, file, error);
  if (error) throw Error(fmt::format("cannot write {}: {}", file.string(), error.message()));
}

}  // namespace

void save_state(const fs::path& build_dir, const std::vector<LabState>& states) {
  const fs::path file = state_file(build_dir);
  // Keep what earlier commands recorded about labs not checked this time.
  nlohmann::json state = read_state(file);

  const std::string checked_at = now_utc();
  for (const auto& lab_state : states) {
    const Lab& lab = *lab_state.lab;
    nlohmann::json entry;
    entry["slug"] = lab.slug;
    entry["passed"] = lab_state.passed();
    entry["state"] = lab_state.words();
    entry["reasons"] = lab_state.compiled ? lab_state.run.verdict.reasons : std::vector<std::string>{"does-not-compile"};
    entry["headline"] = lab_state.headline();
    entry["points"] = lab_state.earned();
    nlohmann::json criteria = nlohmann::json::object();
    for (const auto& criterion : lab_state.criteria.criteria) {
      criteria[criterion.criterion] = {{"passed", criterion.passed},
                                       {"points", criterion.points},
                                       {"possible", criterion.max_points},
                                       {"reason", criterion.reason}};
    }
    entry["criteria"] = std::move(criteria);
    entry["possible"] = lab.points;
    entry["report"] = lab_state.report().string();
    const nlohmann::json& earlier = state["labs"].contains(lab.number) ? state["labs"][lab.number] : nlohmann::json();
    const bool kept = lab_state.from_cache && earlier.is_object() && earlier.contains("checked_at");
    entry["checked_at"] = kept ? earlier["checked_at"] : nlohmann::json(checked_at);
    if (lab_state.compiled && !lab_state.program_key.empty()) entry["cache"] = cache_entry(lab_state);
    state["labs"][lab.number] = std::move(entry);
  }
  write_state(file, state);
}

bool passed_when_last_checked(const fs::path& build_dir, const Lab& lab) {
  const nlohmann::json state = read_state(state_file(build_dir));
  const auto& labs = state["labs"];
  if (!labs.contains(lab.number) || !labs[lab.number].is_object()) return false;
  const auto& passed = labs[lab.number]["passed"];
  return passed.is_boolean() && passed.get<bool>();
}

int hints_shown(const fs::path& build_dir, const Lab& lab) {
  const nlohmann::json state = read_state(state_file(build_dir));
  const auto& shown = state["hints_shown"];
  if (!shown.contains(lab.number) || !shown[lab.number].is_number_integer()) return 0;
  return std::max(0, shown[lab.number].get<int>());
}

void record_hints_shown(const fs::path& build_dir, const Lab& lab, int count) {
  const fs::path file = state_file(build_dir);
  nlohmann::json state = read_state(file);
  state["hints_shown"][lab.number] = count;
  write_state(file, state);
}

}  // namespace labctl
