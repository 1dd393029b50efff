// The preprocessor and the compiler on a student's file are untrusted readers too: a hole in
// the include policy (a directive nobody thought of, `__has_include` spelled by token
// pasting) would otherwise read any file the grader (root) can. So each step runs in the
// grading sandbox (sandbox/sandbox.hpp) like a test program: as the worker's unprivileged
// uid, every mount read-only but a fresh folder of its own, the hidden paths (hidden tests,
// solutions/, other submissions, the grader's output) covered, no network, no result
// channel, limits on CPU, wall time, output and file size. Its wall time is charged to the
// lab's and the submission's budgets (budget.hpp): a compile that would outlast them is cut
// there, with one line that says so.
#pragma once

#include "grade/budget.hpp"
#include "grade/observation.hpp"
#include "grade/sandbox/sandbox.hpp"

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace labctl {

// Where, as whom and within which budget a lab's compile steps run.
struct CompileSandbox {
  uid_t uid = SandboxSpec{}.uid;              // the worker's sandbox uid (labctl root)
  std::vector<std::filesystem::path> hidden;  // covered while the compiler runs
  const Budget* budget = nullptr;             // nullptr: only each step's own limit
  WeakIsolation* weak = nullptr;              // what the sandbox could not do, noted here
  bool namespaces = true;                     // false: as on a kernel without them (tests)
};

// One command: the preprocessor or the compiler on one staged file.
struct CompileStep {
  std::vector<std::string> argv;
  std::filesystem::path workdir;  // fresh; the only place it may write (its output goes here)
  std::string doing;              // "compiling", "preprocessing": for the one-line reasons
  std::chrono::seconds limit{120};                  // its own wall-time (and CPU-time) limit
  std::uintmax_t max_file_bytes = std::uintmax_t{64} << 20;  // the largest file it may write
  // Its address space: a lab file under TSan's flags compiles in 512 MiB (lab 12's, the
  // largest), and fails at 256 MiB; a template that allocates without end stops here, not at
  // the machine's OOM killer.
  std::uintmax_t max_memory_bytes = std::uintmax_t{2} << 30;
};

// How a step ended.
struct StepOutcome {
  // "" when it succeeded; else one line: the tool's first error, or how and why it stopped.
  std::string error;
  bool out_of_time = false;    // the budget ran out (before or during it): error says which
  bool file_too_big = false;   // it tried to write more than max_file_bytes
  bool out_of_memory = false;  // it needed more than max_memory_bytes
  bool sandboxed = true;       // false: it ran as the grader (see reachable_by)
};

// Runs `step` in the sandbox `where` describes, within what its limit and the budget leave.
// Throws labctl::Error only when the tool cannot be run at all.
StepOutcome run_compile_step(const CompileStep& step, const CompileSandbox& where);

// --- pieces, public for the tests ---

// The wall time a step may have: its own limit, or what the budget has left when that is
// less (`by_budget`, with the deadline for the words).
struct StepTime {
  std::chrono::seconds wall{0};
  bool by_budget = false;
  Budget::Deadline deadline;
};
StepTime step_time(std::chrono::seconds limit, const Budget* budget);

// The sandbox's spec for a step: no result channel, the step's limits, a fixed environment.
// A hidden path that holds something the command names (its compiler, an -I folder, the
// precompiled header, the workdir) is left visible: covering it would make compiling
// impossible (a course tree handed in as its own submission, say), and the run's own
// hidden list covers what lies inside it that matters (solutions/, the hidden tests).
SandboxSpec compile_spec(const CompileStep& step, const CompileSandbox& where, std::chrono::seconds wall);

// The absolute paths a command names: argv[0], words that start with '/', and -I/-isystem
// folders written joined (-I/usr/include).
std::vector<std::filesystem::path> named_paths(const std::vector<std::string>& argv);

// Whether `uid`/`gid` (no supplementary groups, no capabilities: the sandbox's uid) can reach
// `path`: search permission on every folder above it, read (and, for a folder, search) on it,
// by the mode bits. Where the course sits in a private (0700) folder, as some CI clones
// do, the sandbox uid cannot; the step then runs as the grader, as before the sandbox, and
// the report says so ("the compiler ran as the grader").
bool reachable_by(const std::filesystem::path& path, uid_t uid, gid_t gid);

}  // namespace labctl
