// The part of the grading sandbox that runs inside, between clone() and exec: the
// namespace's init and the program's setup. Internal to sandbox.cpp, which prepares a
// Plan, clones with it and reads init's Records; split out because this code lives under
// rules of its own (see sandbox_inside.cpp) and is easier to check on its own.
#pragma once

#include "base/process.hpp"  // CStringVector

#include <sys/resource.h>
#include <sys/types.h>

#include <string>
#include <vector>

namespace labctl::sandbox_inside {

// Fixed-size records on the status pipe, written by trusted code only (init, and the
// program's child before exec: the pipe is close-on-exec, so the program never holds it).
enum RecordKind : int {
  kStarted = 1,     // value: the program's pid as init sees it
  kHidden = 2,      // value: 1 if no hidden path was readable
  kSetupError = 3,  // value: errno, extra: the SetupStep that failed
  kExecError = 4,   // value: errno of execve
  kFinal = 5,       // value: the program's wait status, extra: processes killed after it
  kConfined = 6,    // value: 1 if the program can write only in its workdir (and /dev/shm)
};
struct Record {
  int kind = 0;
  int value = 0;
  int extra = 0;
};

// The step of the program's setup that failed, for the error message.
enum SetupStep : int { kStepPrivileges = 1, kStepLimits = 2, kStepFds = 3, kStepWorkdir = 4, kStepFork = 5 };

// Everything the code after clone() needs, prepared by labctl before it: C strings and
// numbers only, so the child reads but never allocates.
struct Plan {
  std::string program;  // resolved argv[0]
  CStringVector argv, env;
  std::string workdir;
  std::vector<std::string> hidden_dirs, hidden_files;  // existing hidden paths, by kind
  bool as_root = false;    // labctl is root: switch to spec.uid/gid
  bool pid_ns = false;     // init is pid 1 of a fresh PID namespace
  bool mount_ns = false;   // init has a private mount namespace
  bool user_ns = false;    // ... and a user namespace (labctl not root)
  bool net_ns = false;     // init has a fresh network namespace
  uid_t uid = 0;
  gid_t gid = 0;
  rlim_t cpu_seconds = 0, file_bytes = 0, nproc = 0;
  rlim_t memory_bytes = 0;  // RLIMIT_AS; 0: not set
  // Pipes: labctl reads *_r, the sandbox writes *_w. sync: labctl → init, "maps written".
  int null_fd = -1, out_r = -1, out_w = -1, chan_r = -1, chan_w = -1, status_r = -1, status_w = -1;
  int sync_r = -1, sync_w = -1;
};

// clone() as fork(), with namespace `flags` (0: a plain fork without glibc's fork
// handlers). Returns 0 in the child, like fork.
pid_t clone_with(unsigned long flags);

// Init, in the child of clone_with: prepares the mounts, forks and runs the program,
// waits for it, kills and reaps what it left, reports on plan.status_w. Never returns.
[[noreturn]] void become_init(const Plan& plan);

// Kills every process of plan.uid (from a helper that takes that uid, so it can):
// the end of a sandbox without a PID namespace, labctl root.
void kill_uid(const Plan& plan);

}  // namespace labctl::sandbox_inside
