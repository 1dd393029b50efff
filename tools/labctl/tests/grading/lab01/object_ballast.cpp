// Grading fixture — EXHAUSTION (new class: output size is not bounded, only compile time):
// the reference solution plus one constant array of zeros. `const char kBallast[1 << 28]
// = {}` is .rodata that the compiler writes out byte by byte: four lines of source, 1.5 s
// of compiling, a 256 MiB object. The grader then reads the whole object into its own
// memory (elf_object.cpp: read_file), links a test program as large, and stages both under
// /tmp, outside any sandbox and any RLIMIT_FSIZE (the compiler and linker run as the grader).
// Measured on h-attack (2bf28ed): 520 MiB in /tmp/racelab-grade-*, peak RSS 614 MiB against
// 146 MiB for the honest file, 15 s against 3.6 s; it scored 9/10 (the test program's own
// NoGlobals test, reading the object, ran into the hang watchdog). The bound is the
// shift: 1 << 34 writes 16 GiB within the compile step's 120 s limit, and labctl tries to
// hold it in memory — one submission can fill the grading machine's disk or get labctl
// killed by the OOM killer, for every student of the batch (per worker, at once).
// The preprocessed-size limit (64 MiB) and the 120 s limit do not see it. The compiler's log
// is unbounded too: 65 536 `{ int unused_v = 0; }` from nested macros (a 1.6 MiB expansion)
// give a 57 MB warning log in 17 s (clang 14, -Wall -Wextra), about 400 MB within 120 s,
// kept in the staging folder and read whole by labctl when the step fails.
// What would close the class: bound what each build step may write (RLIMIT_FSIZE on the
// compiler and linker, as the sandbox does for the program; a quota'd tmpfs for staging),
// refuse an object above a size (stat before reading it), and read objects by mapping or
// section by section, never whole.
#include "lost_update.hpp"

#include <algorithm>

namespace lab01 {

namespace {

// 256 MiB of zeros in .rodata: four lines of source, a quarter of a gigabyte of object file.
const char kBallast[std::size_t{1} << 28] = {};

// One task: everything it reads came in as its argument; everything it produces
// goes out as its return value.
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

StatusCounts count_status_classes(const std::vector<std::string>& log_lines,
                                  labkit::Executor& executor) {
  // A few chunks per worker keeps every worker busy without drowning in tiny tasks.
  const std::size_t chunk_count =
      std::clamp<std::size_t>(executor.max_workers() * 4, 1, std::max<std::size_t>(log_lines.size(), 1));
  const std::size_t chunk_size = (log_lines.size() + chunk_count - 1) / chunk_count;

  std::vector<std::vector<std::string>> chunks;
  for (std::size_t start = 0; start < log_lines.size(); start += chunk_size) {
    const std::size_t end = std::min(log_lines.size(), start + chunk_size);
    chunks.emplace_back(log_lines.begin() + static_cast<std::ptrdiff_t>(start),
                        log_lines.begin() + static_cast<std::ptrdiff_t>(end));
  }

  StatusCounts total;
  total.malformed += kBallast[log_lines.size() % 2];  // keeps it in the object
  for (const StatusCounts& partial : executor.map(count_chunk, chunks)) total += partial;
  return total;
}

}  // namespace lab01
