// A lab file's preprocessor and compiler in the sandbox (sandboxed_compile.hpp).
#include "grade/sandboxed_compile.hpp"

#include "base/errors.hpp"
#include "base/process.hpp"
#include "base/text.hpp"
#include "run/test_program.hpp"

#include <fmt/format.h>

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

namespace labctl {
namespace {

namespace fs = std::filesystem;

// Of a tool's diagnostics only the first error line is read: a template error can print
// megabytes. The sandbox keeps as much of its output.
constexpr std::size_t kMaxDiagnostics = 1 << 20;

// Whether `inner` is `outer` or lies inside it (both absolute and normal).
bool is_within(const fs::path& inner, const fs::path& outer) {
  const auto [end, _] = std::mismatch(outer.begin(), outer.end(), inner.begin(), inner.end());
  return end == outer.end();
}

// Permission bit `bits` (r=4, x=1) for uid/gid on a file with `info`.
bool may(const struct stat& info, uid_t uid, gid_t gid, unsigned bits) {
  if (info.st_uid == uid) return (info.st_mode & (bits << 6)) != 0;
  if (info.st_gid == gid) return (info.st_mode & (bits << 3)) != 0;
  return (info.st_mode & bits) != 0;
}

// What the sandbox could not do in this step: the grade's notes say so.
void note_weak(const SandboxResult& result, bool hides, WeakIsolation* weak) {
  if (weak == nullptr) return;
  if (!result.network_isolated) weak->network = true;
  if (!result.pid_isolated) weak->pids = true;
  if (!result.hidden_enforced && hides) weak->hidden = true;
  if (!result.unprivileged) weak->privileged = true;
}

// The tool's first error line, or how it ended.
std::string error_of(const std::string& output, const CompileStep& step, const ExitStatus& status) {
  std::string error = first_error_line(output);
  if (error.empty()) error = fmt::format("{} failed: it {}", step.doing, status.describe());
  return error;
}

// What ended a failed step, in the grade's words: the same for a step in the sandbox and
// one run as the grader, so a limit reads the same whichever ran it.
StepOutcome failed_step(const CompileStep& step, const StepTime& time, const ExitStatus& status, Limit limit,
                        const std::string& output) {
  StepOutcome outcome;
  switch (limit) {
    case Limit::wall_time:
      outcome.out_of_time = time.by_budget;
      outcome.error = time.by_budget ? time.deadline.ran_out_while(step.doing)
                                     : fmt::format("{} took longer than {} s", step.doing, step.limit.count());
      return outcome;
    case Limit::cpu_time:
      outcome.error = fmt::format("{} took more than {} s of CPU time", step.doing, step.limit.count());
      return outcome;
    case Limit::file_size:
      outcome.file_too_big = true;
      outcome.error = fmt::format("{} stopped at the file-size limit ({})", step.doing, size_words(step.max_file_bytes));
      return outcome;
    default:
      // The kernel says nothing when the address space runs out: the allocation fails, and
      // clang says so in its own words (LLVM's "out of memory", or an uncaught bad_alloc).
      if (output.find("LLVM ERROR: out of memory") != std::string::npos ||
          output.find("std::bad_alloc") != std::string::npos) {
        outcome.out_of_memory = true;
        outcome.error = fmt::format("{} needed more than {} of memory", step.doing, size_words(step.max_memory_bytes));
        return outcome;
      }
      outcome.error = error_of(output, step, status);
      return outcome;
  }
}

// The step as the grader itself, as before the sandbox: where the sandbox uid cannot read
// the course (a course folder of mode 0700, say). Its budget, its file-size limit and its
// memory limit still hold: a compile that writes a huge object is stopped here as in the
// sandbox, whatever the course folder's mode.
StepOutcome run_as_grader(const CompileStep& step, const StepTime& time) {
  ProcessSpec spec;
  spec.argv = step.argv;
  spec.cwd = step.workdir;
  spec.log = step.workdir / (step.doing + ".log");
  spec.limit = time.wall;
  spec.max_file_bytes = step.max_file_bytes;
  spec.max_memory_bytes = step.max_memory_bytes;
  const ProcessResult result = run_process(spec);
  StepOutcome outcome;
  outcome.sandboxed = false;
  if (result.status.ok()) return outcome;
  Limit limit = Limit::none;
  if (result.status.kind == ExitStatus::Kind::timed_out) limit = Limit::wall_time;
  if (result.status.kind == ExitStatus::Kind::signalled && result.status.code == SIGXFSZ) limit = Limit::file_size;
  outcome = failed_step(step, time, result.status, limit, read_file_head(spec.log, kMaxDiagnostics));
  outcome.sandboxed = false;
  return outcome;
}

}  // namespace

std::vector<fs::path> named_paths(const std::vector<std::string>& argv) {
  std::vector<fs::path> paths;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    std::string_view word = argv[i];
    for (std::string_view flag : {"-isystem", "-I"}) {
      if (word.substr(0, flag.size()) == flag && word.size() > flag.size()) {
        word.remove_prefix(flag.size());
        break;
      }
    }
    if (i == 0 && word.find('/') == std::string_view::npos) {
      try {
        paths.emplace_back(resolve_program(std::string(word)));
      } catch (const Error&) {
        // Not found: running it will say so.
      }
      continue;
    }
    if (!word.empty() && word.front() == '/') paths.push_back(fs::path(word).lexically_normal());
  }
  return paths;
}

bool reachable_by(const fs::path& path, uid_t uid, gid_t gid) {
  const fs::path absolute = fs::absolute(path).lexically_normal();
  fs::path folder = absolute.root_path();
  struct stat info {};
  for (auto part = absolute.begin(); part != absolute.end(); ++part) {
    const fs::path here = part == absolute.begin() ? folder : folder / *part;
    if (::stat(here.c_str(), &info) != 0) return true;  // not there: the tool will say so
    const bool last = std::next(part) == absolute.end();
    if (!last && !may(info, uid, gid, 1)) return false;
    if (last && !may(info, uid, gid, S_ISDIR(info.st_mode) ? 5 : 4)) return false;
    folder = here;
  }
  return true;
}

StepTime step_time(std::chrono::seconds limit, const Budget* budget) {
  StepTime time;
  time.wall = limit;
  if (budget == nullptr) return time;
  time.deadline = budget->next();
  const std::chrono::seconds left = time.deadline.left();
  if (left < limit) {
    time.wall = left;
    time.by_budget = true;
  }
  return time;
}

SandboxSpec compile_spec(const CompileStep& step, const CompileSandbox& where, std::chrono::seconds wall) {
  SandboxSpec spec;
  spec.argv = step.argv;
  spec.workdir = step.workdir;
  // Nothing of labctl's environment; the sandbox's /tmp is read-only, so temporary files
  // (clang makes none for -c and -E, but a driver may) go to the workdir.
  spec.env = {{"PATH", "/usr/bin:/bin"}, {"LANG", "C.UTF-8"}, {"HOME", step.workdir.string()},
              {"TMPDIR", step.workdir.string()}};
  std::vector<fs::path> needed = named_paths(step.argv);
  needed.push_back(fs::absolute(step.workdir).lexically_normal());
  for (const auto& hidden : where.hidden) {
    fs::path covered = fs::absolute(hidden).lexically_normal();
    if (covered.has_relative_path() && covered.filename().empty()) covered = covered.parent_path();  // "dir/"
    const bool holds_needed =
        std::any_of(needed.begin(), needed.end(), [&](const fs::path& path) { return is_within(path, covered); });
    if (!holds_needed) spec.hidden.push_back(covered);
  }
  spec.wall = wall;
  spec.cpu = step.limit;
  spec.max_output_bytes = kMaxDiagnostics;
  spec.max_file_bytes = step.max_file_bytes;
  spec.max_memory_bytes = step.max_memory_bytes;
  spec.max_threads = 64;  // clang is one process (cc1 in-process); a driver may fork one more
  spec.result_channel = false;
  spec.uid = spec.gid = where.uid;
  spec.namespaces = where.namespaces;
  return spec;
}

StepOutcome run_compile_step(const CompileStep& step, const CompileSandbox& where) {
  StepOutcome outcome;
  const StepTime time = step_time(step.limit, where.budget);
  if (time.wall < std::chrono::seconds(1)) {
    outcome.out_of_time = true;
    outcome.error = time.deadline.ran_out_while(step.doing);
    return outcome;
  }
  const SandboxSpec spec = compile_spec(step, where, time.wall);
  if (::geteuid() == 0) {
    const std::vector<fs::path> needed = named_paths(step.argv);
    const bool reachable = std::all_of(needed.begin(), needed.end(),
                                       [&](const fs::path& path) { return reachable_by(path, spec.uid, spec.gid); });
    if (!reachable) {
      if (where.weak != nullptr) where.weak->compiler = true;
      return run_as_grader(step, time);
    }
  }
  const SandboxResult result = run_sandboxed(spec);
  note_weak(result, !spec.hidden.empty(), where.weak);
  if (result.status.ok()) return StepOutcome{};
  return failed_step(step, time, result.status, result.limit, result.output);
}

}  // namespace labctl
