// The sandbox before and at clone(), labctl's side: the Plan made from a SandboxSpec (the
// program resolved, its argv and environment as C strings, the hidden paths sorted, the
// limits, the pipes) and init started with it in the strongest isolation the kernel
// grants. Internal to run_sandboxed (sandbox.cpp).
#pragma once

#include "grade/sandbox/sandbox.hpp"
#include "grade/sandbox/sandbox_inside.hpp"

#include <sys/types.h>

namespace labctl::sandbox_host {

// The plan for running spec.argv, without its pipes. Throws labctl::Error when the
// program cannot be run at all (not found, no staging directory, a uid of 0); when labctl
// is root, hands the staging directory to spec.uid.
sandbox_inside::Plan make_plan(const SandboxSpec& spec);

// Opens the plan's pipes (output; status), the result channel when `result_channel` (a
// socket pair, `greeting` already written into it for the program) and /dev/null.
// Throws labctl::Error when it cannot.
void open_pipes(sandbox_inside::Plan& plan, bool result_channel, const std::string& greeting);

// Closes `fd` if open, and marks it closed (-1).
void close_fd(int& fd);

// Closes every fd of the plan at the end of its scope, on every way out.
struct PlanFds {
  explicit PlanFds(sandbox_inside::Plan& planned) : plan(planned) {}
  PlanFds(const PlanFds&) = delete;
  PlanFds& operator=(const PlanFds&) = delete;
  ~PlanFds();

  sandbox_inside::Plan& plan;
};

// Starts init (sandbox_inside's become_init) in the strongest isolation the kernel grants
// (`try_namespaces` false: none), recording which in `plan` and in result's pid_isolated
// and network_isolated. Returns init's pid; throws labctl::Error when it cannot fork.
pid_t start_init(sandbox_inside::Plan& plan, SandboxResult& result, bool try_namespaces);

}  // namespace labctl::sandbox_host
