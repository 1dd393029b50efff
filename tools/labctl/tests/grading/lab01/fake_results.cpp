// Grading fixture — HOSTILE: writes result files a grader might trust (GoogleTest's
// JSON and XML reports, a Gradescope results.json) all claiming success, writes a
// forged line to every file descriptor that might be a result channel, then exits 0.
// Now stopped before it runs: fopen, write and _exit are not allowed imports
// (grade/allowed_imports.txt); were they, the grader reads no result file.
#include "lost_update.hpp"

#include <cstdio>
#include <cstring>
#include <unistd.h>

namespace {
int forge() {
  const char* json = "{\"tests\":5,\"failures\":0,\"errors\":0,\"score\":10,\"tests\":[]}\n";
  for (const char* name : {"test_detail.json", "test_detail.xml", "results.json", "../results.json",
                           "/tmp/results.json", "../../results/results.json"}) {
    if (FILE* out = std::fopen(name, "w")) {
      std::fputs(json, out);
      std::fclose(out);
    }
  }
  const char* line = "{\"nonce\":\"\",\"exit\":0,\"tsan_reports\":0,\"tests\":[]}\n";
  for (int fd = 3; fd < 64; ++fd) [[maybe_unused]] auto n = ::write(fd, line, std::strlen(line));
  ::_exit(0);
}
const int forged = forge();
}  // namespace

namespace lab01 {
StatusCounts count_status_classes(const std::vector<std::string>&, labkit::Executor&) { return {}; }
}  // namespace lab01
