// A check's findings as compiler-style diagnostics (diagnostics.hpp).
#include "run/diagnostics.hpp"

#include "base/text.hpp"
#include "run/classify.hpp"
#include "run/hang_stacks.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace labctl {
namespace {

// `path` relative to `root` when it lies under it; else from its course folder on (a build
// made elsewhere: "/elsewhere/labs/01-x/x.cpp" -> "labs/01-x/x.cpp"); else as it is.
std::string relative_to(std::string_view path, std::string_view root) {
  std::string prefix(root);
  if (!prefix.empty() && prefix.back() != '/') prefix += '/';
  if (!prefix.empty() && path.substr(0, prefix.size()) == prefix) return std::string(path.substr(prefix.size()));
  for (std::string_view folder : {"/labs/", "/tests/"}) {
    if (const auto at = path.rfind(folder); at != std::string_view::npos) return std::string(path.substr(at + 1));
  }
  return std::string(path);
}

// "…/tests/01-lost-update.cpp:82: Failure": the file and line, or nothing.
std::optional<SourceLocation> failure_location(std::string_view line) {
  constexpr std::string_view kTail = ": Failure";
  if (!line.ends_with(kTail)) return std::nullopt;
  line.remove_suffix(kTail.size());
  const auto colon = line.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  int number = 0;
  if (std::from_chars(line.data() + colon + 1, line.data() + line.size(), number).ec != std::errc{}) return std::nullopt;
  return SourceLocation{std::string(line.substr(0, colon)), number};
}

void add_once(std::vector<std::string>& lines, std::string line) {
  if (std::find(lines.begin(), lines.end(), line) == lines.end()) lines.push_back(std::move(line));
}

}  // namespace

std::vector<std::string> run_diagnostics(std::string_view output, std::string_view code_dir, std::string_view root) {
  std::vector<std::string> diagnostics;
  const auto lines = split_lines(output);
  std::string report;  // "ThreadSanitizer: data race", while inside one
  std::string test;    // the test running
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    if (line.starts_with("[ RUN      ] ")) test = std::string(line.substr(13));
    if (const auto at = line.find("WARNING: ThreadSanitizer: "); at != std::string_view::npos) {
      std::string_view kind = line.substr(at + 9);
      kind = kind.substr(0, kind.find(" (pid="));
      report = std::string(kind);
      continue;
    }
    if (!report.empty()) {
      if (trim(line).starts_with("SUMMARY: ")) {
        report.clear();
      } else if (const auto frame = parse_frame(line); frame && frame->line > 0 && frame->file.find(code_dir) != std::string::npos) {
        add_once(diagnostics, fmt::format("{}:{}:1: error: {}{}", relative_to(frame->file, root), frame->line, report,
                                          test.empty() ? "" : " (during " + test + ")"));
      }
      continue;
    }
    // An assertion of the tests (not of the harness: its "ThreadSanitizer reported ..." failure
    // is the report's, already above).
    if (const auto failure = failure_location(line);
        failure && (failure->file.find("/tests/") != std::string::npos || failure->file.find(code_dir) != std::string::npos)) {
      std::string message;
      for (std::size_t j = i + 1; j < lines.size() && j <= i + 3; ++j) {
        const std::string_view more = trim(lines[j]);
        if (more.empty() || more.starts_with("[")) break;
        message += (message.empty() ? "" : " ") + std::string(more);
      }
      add_once(diagnostics, fmt::format("{}:{}:1: error: {}{}", relative_to(failure->file, root), failure->line,
                                        test.empty() ? "" : test + ": ", message));
    }
  }
  const auto threads = parse_hang_stacks(output);
  const auto pattern = hang_pattern(threads, code_dir);
  for (const auto& thread : threads) {
    for (const auto& frame : thread.frames) {
      if (frame.line <= 0 || frame.file.find(code_dir) == std::string::npos) continue;
      add_once(diagnostics, fmt::format("{}:{}:1: error: hung here ({}{})", relative_to(frame.file, root), frame.line,
                                        thread.name, pattern ? ", " + pattern->words : ""));
      break;  // the innermost frame in the student's code
    }
  }
  return diagnostics;
}

std::string build_diagnostic(std::string_view error_line, std::string_view code_dir) {
  return std::string(code_dir) + std::string(error_line);
}

}  // namespace labctl
