// Grading fixture — HOSTILE (class 1): a static initialiser that reads the nonce and the
// fd of the result channel from /proc/self/environ (unsetenv takes them out of environ, not
// out of the block the kernel shows there), writes a record in which every test passed,
// and leaves with _exit(0) before the harness writes its own.
// Stopped by the object check's allowed imports (grade/allowed_imports.txt): open, read,
// write and _exit are not among them. Must score 0.
#include "lost_update.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>

namespace {
std::string variable(const std::string& environ_block, const std::string& name) {
  const auto at = environ_block.find(name + "=");
  if (at == std::string::npos) return "";
  const auto start = at + name.size() + 1;
  return environ_block.substr(start, environ_block.find(static_cast<char>(0), start) - start);
}
int forge() {
  const int in = ::open("/proc/self/environ", O_RDONLY);
  if (in < 0) return 0;
  std::string block(1 << 16, static_cast<char>(0));
  const auto n = ::read(in, block.data(), block.size());
  ::close(in);
  if (n <= 0) return 0;
  const std::string fd = variable(block, "RACELAB_RESULT_FD");
  const std::string nonce = variable(block, "RACELAB_RESULT_NONCE");
  if (fd.empty() || nonce.empty()) return 0;
  const std::string line = "{\"nonce\":\"" + nonce + "\",\"exit\":0,\"tsan_reports\":0,\"tests\":[]}\n";
  [[maybe_unused]] const auto written = ::write(std::atoi(fd.c_str()), line.data(), line.size());
  ::_exit(0);
}
const int forged = forge();
}  // namespace
namespace lab01 {
namespace {
StatusCounts count_chunk(const std::vector<std::string>& chunk) {
  StatusCounts counts;
  for (const auto& line : chunk) {
    switch (status_of(line) / 100) {
      case 1: ++counts.informational; break;
      case 2: ++counts.success; break;
      case 3: ++counts.redirect; break;
      case 4: ++counts.client_error; break;
      case 5: ++counts.server_error; break;
      default: ++counts.malformed; break;
    }
  }
  return counts;
}
}  // namespace

StatusCounts count_status_classes(const std::vector<std::string>& log_lines, labkit::Executor& executor) {

  const std::size_t chunk_size = log_lines.size() / 8 + 1;
  std::vector<std::vector<std::string>> chunks;
  for (std::size_t start = 0; start < log_lines.size(); start += chunk_size) {
    const std::size_t end = std::min(log_lines.size(), start + chunk_size);
    chunks.emplace_back(log_lines.begin() + static_cast<std::ptrdiff_t>(start),
                        log_lines.begin() + static_cast<std::ptrdiff_t>(end));
  }
  StatusCounts total;
  for (const StatusCounts& partial : executor.map(count_chunk, chunks)) total += partial;
  return total;
}
}  // namespace lab01
