// HELD now: no std::regex reads program output (run/tsan_report.cpp), a report's kind is cut
// short, and lines that are not indented end a report: 0, labctl unharmed, the batch complete.
// Grading fixture — HOSTILE (new class: the program's output drives labctl's own parsers):
// prints one line to std::cerr (an allowed import): "WARNING: ThreadSanitizer: data race"
// followed by a million spaces. The grader looks for that headline in every run's output
// with std::regex (run/tsan_report.cpp: condense_first_report's kWarning,
// `(.*?)(?: \(pid=\d+\))?\s*$`), and libstdc++'s regex engine matches by recursion, one
// frame per character: on a line this long it runs off labctl's stack. labctl dies with
// SIGSEGV (exit 139), before writing any report or its resume cache — every submission of
// the batch is lost with this one, on every resume.
// Measured on h-attack (98381c7): alone, labctl segfaults in 1.9 s (dmesg: "labctl ...
// segfault"); in a batch with the reference solution (alice), exit 139 and no output folder
// at all. The output cap (4 MiB) allows four such lines.
// What would close the class: labctl parses the program's output with code whose cost and
// depth do not grow with what the program prints — no std::regex on it (or only on lines cut
// to a few hundred characters first), a parser written as loops — and a unit test that feeds
// every output parser (classify, condense_first_report, the GoogleTest and record parsers)
// the 4 MiB worst cases: one line, no newline, nested brackets.
#include "lost_update.hpp"

#include <iostream>
#include <string>

namespace lab01 {

StatusCounts count_status_classes(const std::vector<std::string>&, labkit::Executor&) {
  std::cerr << "WARNING: ThreadSanitizer: data race" << std::string(1'000'000, ' ') << "x\n";
  return {};
}

}  // namespace lab01
