// The sandbox's processes as labctl sees them in its own /proc: which processes belong to
// a sandbox, and how many threads and how much CPU time they have. run_sandboxed samples
// them every few milliseconds to enforce the thread and CPU limits.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace labctl::sandbox_host {

// One look at the sandbox's processes, from labctl's /proc.
struct Sample {
  int processes = 0;
  long threads = 0;
  unsigned long long cpu_ticks = 0;  // user+system, with reaped children's
};

// Fields after the command name in /proc/PID/stat, numbered as in proc(5) from 3 (state).
std::vector<std::string> stat_fields(const std::filesystem::path& stat_file);

// Field number `proc5_number` (as proc(5) numbers them) of stat_fields' result; 0 when
// there is no such field.
unsigned long long field_number(const std::vector<std::string>& fields, int proc5_number);

// Where a symbolic link points ("pid:[4026532…]" for /proc/PID/ns/pid); empty if unreadable.
std::string link_target(const std::filesystem::path& link);

// How labctl tells the sandbox's processes from the machine's others.
struct Membership {
  pid_t init = 0;
  std::string pid_namespace;  // "pid:[4026532…]" when the sandbox has its own
  bool by_uid = false;        // labctl root, no PID namespace: processes of uid
  uid_t uid = 0;
  pid_t group = 0;            // else: the program's process group

  // Whether the process `pid` (its /proc folder `dir`, its stat_fields when read) is one
  // of the sandbox's (init itself is not).
  bool contains(pid_t pid, const std::filesystem::path& dir, const std::vector<std::string>& fields) const;
};

// The sandbox's processes now: their count, threads and CPU time (init's reaped
// children's included).
Sample take_sample(const Membership& members);

}  // namespace labctl::sandbox_host
