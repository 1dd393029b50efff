// A sanitizer report made short enough for a beginner to read in one screen: what each
// thread did, where in THEIR code (file:line and that line of source), where the threads
// came from, with the standard library's, GoogleTest's and labkit's frames folded away.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace labctl {

struct CondensedReport {
  std::string kind;                // "data race", "lock-order-inversion (potential deadlock)"
  std::string guide;               // "docs/tsan.md#data-race": the section explaining this kind
  std::vector<std::string> lines;  // ready to print, indented by two spaces per level
};

// Condenses the first ThreadSanitizer (or AddressSanitizer) report in `output`, or nothing
// if there is none. Frames whose file contains `code_dir` ("labs/01-lost-update/") are the
// student's and are always shown, with their source line when the file can be read.
std::optional<CondensedReport> condense_first_report(std::string_view output, std::string_view code_dir);

// "lock-order-inversion (potential deadlock)" → "docs/tsan.md#lock-order-inversion".
std::string guide_section(std::string_view kind);

}  // namespace labctl
