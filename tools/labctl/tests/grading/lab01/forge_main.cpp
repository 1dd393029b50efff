// Grading fixture — HOSTILE (class 1): the right answer, plus its own main(). A main in the
// lab file would displace the harness's (which comes from a static library) and with it the
// early guard that takes the result channel out of the environment: this one reads the
// channel's fd and nonce and writes a record in which every test passed.
// Stopped by the object check (grade/object_check.cpp): "your file defines main(); remove
// it" (and getenv and write are not on the allowed imports either). Must score 0.
#include "lost_update.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>

int main() {
  const char* fd = std::getenv("RACELAB_RESULT_FD");
  const char* nonce = std::getenv("RACELAB_RESULT_NONCE");
  if (fd == nullptr || nonce == nullptr) return 0;
  const std::string line = std::string("{\"nonce\":\"") + nonce + "\",\"exit\":0,\"tsan_reports\":0,\"tests\":[]}\n";
  return ::write(std::atoi(fd), line.data(), line.size()) > 0 ? 0 : 1;
}
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
