// Source mode's race report (issue 16); see race_report.hpp. Symbols come from
// llvm-symbolizer-14, llvm-symbolizer or addr2line (the first found in PATH), run once per
// module for all the report's code addresses, outside the explorer (no LD_PRELOAD).
#include "race_report.hpp"

#include "runtime.hpp"
#include "schedule.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

namespace labctl::explore::rt {
namespace {


// The symbolizer to run, found in PATH; empty: none. For code addresses addr2line first
// (it starts in a few milliseconds, llvm-symbolizer in about 70: a replayed race is reported
// in every replay), for a global's name llvm-symbolizer (addr2line cannot say).
std::string find_symbolizer(bool data) {
  const char* path = std::getenv("PATH");
  const std::vector<const char*> tools = data ? std::vector<const char*>{"llvm-symbolizer-14", "llvm-symbolizer"}
                                              : std::vector<const char*>{"addr2line", "llvm-symbolizer-14", "llvm-symbolizer"};
  for (const char* tool : tools) {
    std::string dirs = path ? path : "/usr/bin";
    for (std::size_t at = 0; at <= dirs.size();) {
      const std::size_t colon = std::min(dirs.find(':', at), dirs.size());
      const std::string candidate = dirs.substr(at, colon - at) + "/" + tool;
      if (access(candidate.c_str(), X_OK) == 0) return candidate;
      at = colon + 1;
    }
  }
  return "";
}

// What the symbolizer says about `offsets` in `module`, one block per address: its frames
// (innermost first), each a function line and a file:line line. With `data`: the global's
// name, then its start and size.
std::vector<std::vector<std::string>> run_symbolizer(const char* module, const std::vector<std::uintptr_t>& offsets,
                                                     bool data) {
  std::vector<std::vector<std::string>> blocks;
  const std::string tool = find_symbolizer(data);
  const bool llvm = tool.find("llvm-symbolizer") != std::string::npos;
  if (tool.empty()) return blocks;
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) return blocks;
  std::vector<std::string> words;
  if (llvm) {
    words = {tool, "-f", "-C", std::string("--obj=") + module};
  } else {
    words = {tool, "-a", "-i", "-f", "-C", "-e", module};  // each address's line, then its frames
  }
  for (std::uintptr_t offset : offsets) {
    char address[64];
    std::snprintf(address, sizeof address, data ? "DATA 0x%lx" : "0x%lx", static_cast<unsigned long>(offset));
    words.emplace_back(address);
  }
  std::vector<const char*> argv;
  for (const std::string& word : words) argv.push_back(word.c_str());
  argv.push_back(nullptr);
  // The symbolizer must not run under the explorer (nor write this run's trace and stats):
  // its environment is ours without LD_PRELOAD and the RACELAB_ variables.
  std::vector<const char*> envp;
  for (char** e = environ; *e; ++e) {
    if (std::strncmp(*e, "LD_PRELOAD=", 11) != 0 && std::strncmp(*e, "RACELAB_", 8) != 0) envp.push_back(*e);
  }
  envp.push_back(nullptr);
  const pid_t child = fork();
  if (child == 0) {
    dup2(pipe_fds[1], 1);
    close(pipe_fds[0]);
    const int null = open("/dev/null", O_WRONLY);
    if (null >= 0) dup2(null, 2);
    execve(argv[0], const_cast<char* const*>(argv.data()), const_cast<char* const*>(envp.data()));
    _exit(127);
  }
  close(pipe_fds[1]);
  std::string out;
  char buffer[512];
  for (ssize_t n; (n = read(pipe_fds[0], buffer, sizeof buffer)) > 0;) out.append(buffer, static_cast<std::size_t>(n));
  close(pipe_fds[0]);
  if (child > 0) waitpid(child, nullptr, 0);
  // llvm-symbolizer ends each address's frames with a blank line; addr2line -a starts
  // them with the address.
  std::istringstream in(out);
  std::vector<std::string> block;
  bool started = false;
  for (std::string line; std::getline(in, line);) {
    const bool boundary = llvm ? line.empty() : line.rfind("0x", 0) == 0;
    if (boundary) {
      if (llvm || started) blocks.push_back(block);
      block.clear();
      started = true;
      continue;
    }
    block.push_back(line);
  }
  if (!llvm && started) blocks.push_back(block);
  return blocks;
}

std::string base_name(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Whether `pc` is in this library (the explorer's thread trampoline: not the program's).
bool is_ours(const void* pc) {
  Dl_info mine{};
  Dl_info theirs{};
  return pc && dladdr(reinterpret_cast<const void*>(&is_ours), &mine) != 0 && dladdr(pc, &theirs) != 0 &&
         mine.dli_fbase == theirs.dli_fbase;
}

// Where each code address in `pcs` is, for a person: "file.cpp:12 in function()". One
// symbolizer run per module for all of them. An instrumentation call the optimiser merged
// (a loop folded into one add) has line 0: then the nearest instruction after it (the
// access itself), or else before it, in the same function that has a line says where.
std::vector<std::string> describe_code(const std::vector<const void*>& pcs) {
  constexpr std::uintptr_t kBack = 24;
  constexpr std::uintptr_t kAhead = 8;
  constexpr std::size_t kTries = kBack + 1 + kAhead;
  std::vector<std::string> out(pcs.size(), "an unknown place");
  std::vector<std::string> modules(pcs.size());
  std::vector<std::uintptr_t> offsets(pcs.size());
  for (std::size_t i = 0; i < pcs.size(); ++i) {
    Dl_info info{};
    if (!pcs[i] || dladdr(pcs[i], &info) == 0 || !info.dli_fname) continue;
    modules[i] = info.dli_fname;
    offsets[i] = reinterpret_cast<std::uintptr_t>(pcs[i]) - reinterpret_cast<std::uintptr_t>(info.dli_fbase) - 1;
    char text[600];
    std::snprintf(text, sizeof text, "%s+0x%lx", base_name(modules[i]).c_str(), static_cast<unsigned long>(offsets[i]));
    out[i] = text;
  }
  for (std::size_t first = 0; first < pcs.size(); ++first) {
    if (modules[first].empty() || (first > 0 && std::find(modules.begin(), modules.begin() + static_cast<long>(first),
                                                          modules[first]) != modules.begin() + static_cast<long>(first))) {
      continue;  // no module, or its module was done with an earlier address
    }
    std::vector<std::size_t> mine;
    std::vector<std::uintptr_t> asked;
    for (std::size_t i = first; i < pcs.size(); ++i) {
      if (modules[i] != modules[first]) continue;
      mine.push_back(i);
      const std::uintptr_t o = offsets[i];
      // The call itself, then the instructions after it (the access it instruments comes
      // right after the call), then those before it.
      for (std::uintptr_t ahead = 0; ahead <= kAhead; ++ahead) asked.push_back(o + ahead);
      for (std::uintptr_t back = 1; back <= kBack; ++back) asked.push_back(o >= back ? o - back : o);
    }
    const auto answer = run_symbolizer(modules[first].c_str(), asked, false);
    std::size_t next = 0;
    for (std::size_t i : mine) {
      std::string first_function;
      std::string file;
      std::string found;
      for (std::size_t t = 0; t < kTries; ++t, ++next) {
        if (next >= answer.size() || answer[next].size() < 2) continue;
        std::string function = answer[next][0];  // the innermost frame (an inlined function's own)
        std::string line = answer[next][1];
        if (!found.empty()) continue;
        if (first_function.empty()) first_function = function;
        if (function != first_function || line.rfind("??", 0) == 0 || line.empty()) continue;
        // "/path/file.cpp:12:5" or "/path/file.cpp:12 (discriminator 1)": keep file:line.
        line = base_name(line.substr(0, line.find(' ')));
        if (std::count(line.begin(), line.end(), ':') > 1) line = line.substr(0, line.rfind(':'));
        if (file.empty()) file = line.substr(0, line.rfind(':'));
        if (line.size() > 2 && (line.compare(line.size() - 2, 2, ":0") == 0 || line.compare(line.size() - 2, 2, ":?") == 0)) {
          continue;
        }
        found = line + " in " + function;
      }
      if (!found.empty()) out[i] = found;
      else if (!file.empty()) out[i] = file + " in " + first_function;
    }
  }
  return out;
}

// What the memory at `address` is: a global's name (from the symbol table), else its address.
std::string describe_memory(std::uintptr_t address) {
  char text[600];
  Dl_info info{};
  if (dladdr(reinterpret_cast<const void*>(address), &info) != 0 && info.dli_fname) {
    const auto offset = address - reinterpret_cast<std::uintptr_t>(info.dli_fbase);
    const auto out = run_symbolizer(info.dli_fname, {offset}, true);
    const std::string name = out.empty() || out[0].empty() ? "" : out[0][0];
    if (!name.empty() && name != "??") {
      std::snprintf(text, sizeof text, "'%s' (%#lx, a global of %s)", name.c_str(), static_cast<unsigned long>(address),
                    base_name(info.dli_fname).c_str());
      return text;
    }
  }
  std::snprintf(text, sizeof text, "%#lx (heap or stack)", static_cast<unsigned long>(address));
  return text;
}

void report_line(const std::string& text) {
  std::fprintf(stderr, "%.*s%s\n", int(kReportPrefix.size()), kReportPrefix.data(), text.c_str());
}

}  // namespace

[[noreturn]] void report_race(std::uintptr_t address, std::size_t size, int thread, bool write, const void* pc,
                              const Access& earlier_in_shadow, bool earlier_write) {
  // A copy first: the symbolizer runs below allocate and free, and a free makes the shadow
  // table forget memory (race.cpp), which can move the entry `earlier_in_shadow` refers to.
  const Access earlier = earlier_in_shadow;
  stop_scheduling();  // the symbolizer's calls below are no points: one report, whole
  std::fflush(stdout);
  // Every code address of the report, symbolized in one go: this access, its callers, the
  // earlier access and its caller.
  std::vector<const void*> pcs{pc};
  const Frames& frames = racelab_frames;
  for (int i = std::min(frames.depth, kMaxFrames) - 1; i >= 0 && pcs.size() < 7; --i) {
    if (!is_ours(frames.pc[i])) pcs.push_back(frames.pc[i]);
  }
  const std::size_t callers = pcs.size() - 1;
  pcs.push_back(earlier.pc);
  const bool earlier_caller = earlier.caller && !is_ours(earlier.caller);
  if (earlier_caller) pcs.push_back(earlier.caller);
  const std::vector<std::string> where = describe_code(pcs);
  report_line("data race on " + describe_memory(address) + " (" + schedule_text() + ")");
  char text[200];
  std::snprintf(text, sizeof text, "  %s of %zu bytes by thread %d at ", write ? "write" : "read", size, thread);
  report_line(text + where[0]);
  for (std::size_t i = 1; i <= callers; ++i) report_line("      called from " + where[i]);
  std::snprintf(text, sizeof text, "  previous %s by thread %d at ", earlier_write ? "write" : "read", earlier.thread);
  report_line(text + where[callers + 1]);
  if (earlier_caller) report_line("      called from " + where[callers + 2]);
  report_line("  no happens-before order between them: no common lock, no join, no release/acquire pair");
  std::fflush(stderr);
  _exit(kExitRace);
}

}  // namespace labctl::explore::rt
