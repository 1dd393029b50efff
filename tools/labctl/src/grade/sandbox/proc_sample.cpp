// The sandbox's processes in /proc (proc_sample.hpp).
#include "grade/sandbox/proc_sample.hpp"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string_view>

namespace labctl::sandbox_host {

namespace fs = std::filesystem;

std::vector<std::string> stat_fields(const fs::path& stat_file) {
  std::ifstream in(stat_file);
  std::string text;
  std::getline(in, text);
  const auto paren = text.rfind(')');
  std::vector<std::string> fields;
  if (paren == std::string::npos) return fields;
  std::istringstream rest(text.substr(paren + 1));
  std::string field;
  while (rest >> field) fields.push_back(field);
  return fields;
}

unsigned long long field_number(const std::vector<std::string>& fields, int proc5_number) {
  const auto index = static_cast<std::size_t>(proc5_number - 3);
  if (index >= fields.size()) return 0;
  return std::strtoull(fields[index].c_str(), nullptr, 10);
}

std::string link_target(const fs::path& link) {
  char buffer[128];
  const auto length = ::readlink(link.c_str(), buffer, sizeof buffer);
  return length > 0 ? std::string(buffer, static_cast<std::size_t>(length)) : std::string();
}

bool Membership::contains(pid_t pid, const fs::path& dir, const std::vector<std::string>& fields) const {
  if (pid == init) return false;
  if (!pid_namespace.empty()) return link_target(dir / "ns" / "pid") == pid_namespace;
  if (by_uid) {
    struct stat info {};
    return ::stat(dir.c_str(), &info) == 0 && info.st_uid == uid;
  }
  return group > 0 && static_cast<pid_t>(field_number(fields, 5)) == group;
}

namespace {

// Adds a process of the sandbox, its stat fields `fields`, to `sample`.
void count(Sample& sample, const std::vector<std::string>& fields) {
  ++sample.processes;
  sample.threads += static_cast<long>(field_number(fields, 20));
  for (int field : {14, 15, 16, 17}) sample.cpu_ticks += field_number(fields, field);
}

// The sandbox's own /proc as init sees it (sandbox_inside.cpp mounts one in the PID
// namespace): it lists the namespace's processes and no others, so a sample reads a few
// files rather than the link of every process on the machine (about 200 µs a sample with
// 66 processes, 100 samples a second per run). Empty until that /proc is mounted: before,
// the path shows the machine's /proc (the same device), which must not count as the sandbox's.
fs::path namespace_proc(pid_t init) {
  const fs::path inside = fs::path("/proc") / std::to_string(init) / "root" / "proc";
  struct stat own {}, host {};
  if (::stat(inside.c_str(), &own) != 0 || ::stat("/proc", &host) != 0 || own.st_dev == host.st_dev) return {};
  return inside;
}

}  // namespace

Sample take_sample(const Membership& members) {
  Sample sample;
  const auto init_fields = stat_fields(fs::path("/proc") / std::to_string(members.init) / "stat");
  sample.cpu_ticks = field_number(init_fields, 16) + field_number(init_fields, 17);
  if (const fs::path inside = members.pid_namespace.empty() ? fs::path() : namespace_proc(members.init);
      !inside.empty()) {
    if (DIR* proc = ::opendir(inside.c_str())) {
      while (const dirent* entry = ::readdir(proc)) {
        const char* name = entry->d_name;
        // Pid 1 inside is init itself, whose own time is not the program's.
        if (name[0] < '1' || name[0] > '9' || std::string_view(name) == "1") continue;
        const auto fields = stat_fields(inside / name / "stat");
        if (!fields.empty()) count(sample, fields);  // else gone meanwhile
      }
      ::closedir(proc);
      return sample;
    }
  }
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return sample;
  while (const dirent* entry = ::readdir(proc)) {
    const char* name = entry->d_name;
    if (name[0] < '1' || name[0] > '9') continue;
    const pid_t pid = static_cast<pid_t>(std::strtol(name, nullptr, 10));
    const fs::path dir = fs::path("/proc") / name;
    std::vector<std::string> fields;
    if (members.pid_namespace.empty() && !members.by_uid) fields = stat_fields(dir / "stat");
    if (!members.contains(pid, dir, fields)) continue;
    if (fields.empty()) fields = stat_fields(dir / "stat");
    if (fields.empty()) continue;  // gone meanwhile
    count(sample, fields);
  }
  ::closedir(proc);
  return sample;
}

}  // namespace labctl::sandbox_host
