// The grading sandbox: runs ONE untrusted program (a lab's test program with a student's
// code linked in, or the preprocessor or compiler on a student's file: sandboxed_compile.hpp)
// and reports what happened, as observed by the grader itself, never by
// what the program says about itself. run_process (process.hpp) is the student loop's
// gentle version; this one assumes the program is hostile. The threat model it serves is
// docs/grading.md.
//
// How, in short: the program runs under a small "init" process that labctl clones into
// fresh PID, network, mount and IPC namespaces (plus a user namespace when labctl is not
// root). Inside, it runs as an unprivileged uid with rlimits for CPU, file size and
// processes; every mount is read-only but its workdir; `hidden` paths are covered by empty
// mounts; /proc is the namespace's own. When the program ends or a limit is hit, the
// namespace's init dies and the kernel kills every process left in it, setsid() or not.
// Where the kernel refuses namespaces it still runs, with weaker guarantees, and the
// result's flags say which ones held.
#pragma once

#include "base/exit_status.hpp"

#include <labkit/protocol.hpp>

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace labctl {

// The environment variable that tells the program the number of the result channel's fd.
inline constexpr const char* kResultFdVariable = labkit::protocol::kResultFdEnv;

// What to run and within which limits.
struct SandboxSpec {
  // The program and its arguments. argv[0] without a '/' is looked up in labctl's PATH
  // (so launcher_for's {"setarch", ...} works); it must be executable by `uid`.
  std::vector<std::string> argv;
  // The WHOLE environment of the program: nothing is inherited from labctl.
  std::vector<std::pair<std::string, std::string>> env;
  // A fresh staging directory: the program's cwd. When labctl is root it is chown'ed
  // (recursively) to `uid`/`gid` so the program can write its reports there.
  std::filesystem::path workdir;
  // Paths the program must not read (solutions/, hidden tests, other submissions, grader
  // output): inside the sandbox a directory is covered by an empty read-only tmpfs and a
  // file by /dev/null. Paths that do not exist are ignored. The workdir and the program
  // must not be under one of them (it would be covered too).
  std::vector<std::filesystem::path> hidden;
  std::chrono::seconds wall{60};  // wall-clock time of the whole program
  std::chrono::seconds cpu{120};  // CPU time of all its processes together
  // stdout and stderr together, captured through a pipe; writing more ends the program.
  std::uintmax_t max_output_bytes = 4 << 20;
  std::uintmax_t max_file_bytes = 16 << 20;  // largest file it may write (RLIMIT_FSIZE)
  // Address space of each of its processes (RLIMIT_AS); 0: none. Not for a test program:
  // ThreadSanitizer maps terabytes. The compiler's steps get one (sandboxed_compile.hpp);
  // an allocation past it fails (ENOMEM), which the program itself reports.
  std::uintmax_t max_memory_bytes = 0;
  // Threads and processes it may have at once (RLIMIT_NPROC for `uid`, see below); reaching
  // the limit ends the program. ThreadSanitizer's own background thread counts.
  int max_threads = 256;
  // Pass one end of a Unix socket pair as fd kResultFd, its number in RACELAB_RESULT_FD;
  // what comes through is SandboxResult::channel.
  bool result_channel = true;
  // Written into the result channel before the program starts, for it to read (the
  // grader's nonce and a newline: labkit/protocol.hpp). It never passes through the
  // environment, where any code in the program could find it.
  std::string channel_greeting;
  std::uintmax_t max_channel_bytes = 1 << 20;  // more is read and dropped
  // The uid/gid the program runs as when labctl is root (no supplementary groups). It
  // must be a uid nothing else on the machine runs as: RLIMIT_NPROC counts every process
  // of a uid, and where the kernel gives no PID namespace the end of a run kills every
  // process of it. Hence not 65534 (nobody, which daemons use) but 64999, the top of the
  // range Debian allocates only on demand (60000-64999); it needs no passwd entry.
  // Sandboxes that run at the same time (grade --jobs) should each get their own uid so
  // their thread limits are exact and independent.
  uid_t uid = 64999;
  gid_t gid = 64999;
  // false: run without any namespace, as on a kernel that refuses them (for tests, and a
  // way out on machines where namespaces misbehave).
  bool namespaces = true;
};

// The fd number the result channel gets in the program.
inline constexpr int kResultFd = 3;

// The limit that ended a program.
enum class Limit { none, wall_time, cpu_time, output, file_size, threads };

// What happened, as the grader saw it.
struct SandboxResult {
  // How the program (the process labctl started) ended. At the wall-time limit it is
  // timed_out(wall seconds); at the other limits what the limit did to it (SIGXCPU,
  // SIGXFSZ, or SIGKILL when labctl ended it).
  ExitStatus status;
  Limit limit = Limit::none;  // which limit ended it, if any
  // The limit in words for a verdict: "wall-time limit (60 s)", "thread limit (256)";
  // empty when no limit ended it.
  std::string limit_words() const;
  std::uintmax_t limit_value = 0;  // the limit's setting (seconds, bytes or threads)
  std::string output;              // stdout and stderr as written (at most max_output_bytes)
  std::string channel;             // bytes received on the result channel (at most max_channel_bytes)
  std::chrono::milliseconds elapsed{0};
  // The program ran with a non-zero uid, no supplementary groups and no capabilities
  // (labctl root: as spec.uid; labctl not root: as itself, in a user namespace).
  bool unprivileged = false;
  bool network_isolated = false;  // it ran in a fresh network namespace (its own loopback only)
  bool pid_isolated = false;      // it ran in a fresh PID namespace: it could signal no one outside
  // Checked from inside, as the program's uid, just before exec: no `hidden` path could
  // be read (true when there are none).
  bool hidden_enforced = false;
  // Everything outside workdir (and a private /dev/shm) was read-only for the program.
  bool writes_confined = false;
  // Its processes (other than the program itself) still alive when it ended, killed then.
  int leftover_killed = 0;
};

// Runs spec.argv as described above. Throws labctl::Error only when labctl itself cannot
// do its job (no such program, workdir missing, cannot fork); everything the program
// does, including dying at once, is a SandboxResult.
SandboxResult run_sandboxed(const SandboxSpec& spec);

}  // namespace labctl
