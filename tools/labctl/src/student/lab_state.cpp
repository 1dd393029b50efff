#include "student/lab_state.hpp"

#include "base/errors.hpp"
#include "base/process.hpp"
#include "base/style.hpp"

#include <fmt/format.h>
#include <labkit/protocol.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>

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

LabState check_lab(const Workspace& workspace, const Lab& lab, bool build) {
  LabState state;
  state.lab = &lab;
  const std::string target = lab.target("starter");
  if (build) {
    progress(fmt::format("racelab: building {} ...", target));
    const BuildResult result = build_target(workspace.build, target);
    state.build_log = result.log;
    if (!result.ok) {
      progress("");
      state.compiled = false;
      state.build_error = result.error;
      return state;
    }
  }
  progress(fmt::format("racelab: running {} ...", target));
  const fs::path program = test_program_path(workspace.build, target);
  const fs::path stem = runs_dir(workspace.build) / target;
  // On a hang, the test program has gdb print every thread's stack (the check shows them).
  state.run = run_test_program(program, stem, Workspace::code_dir(lab, "starter"), workspace.time_limit, {},
                               {{labkit::protocol::kHangStacksEnv, "1"}});
  state.criteria =
      score_test_runs(lab, program, state.run, stem, workspace.time_limit, Workspace::code_dir(lab, "starter"));
  progress("");
  return state;
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
    entry["checked_at"] = checked_at;
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
