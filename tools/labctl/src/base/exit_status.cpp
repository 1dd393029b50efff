#include "base/exit_status.hpp"

#include <fmt/format.h>

#include <array>
#include <csignal>
#include <utility>

namespace labctl {

std::string signal_name(int signal) {
  static constexpr std::array<std::pair<int, const char*>, 10> kNames = {{
      {SIGSEGV, "SIGSEGV (segmentation fault)"},
      {SIGABRT, "SIGABRT (abort)"},
      {SIGBUS, "SIGBUS (bus error)"},
      {SIGFPE, "SIGFPE (arithmetic error)"},
      {SIGILL, "SIGILL (illegal instruction)"},
      {SIGKILL, "SIGKILL"},
      {SIGTERM, "SIGTERM"},
      {SIGINT, "SIGINT"},
      {SIGTRAP, "SIGTRAP"},
      {SIGPIPE, "SIGPIPE"},
  }};
  for (const auto& [number, name] : kNames) {
    if (number == signal) return name;
  }
  return fmt::format("signal {}", signal);
}

std::string ExitStatus::describe() const {
  switch (kind) {
    case Kind::exited: return fmt::format("exited {}", code);
    case Kind::signalled: return "killed by " + signal_name(code);
    case Kind::timed_out: return fmt::format("still running after {} s", code);
  }
  return "?";
}

}  // namespace labctl
