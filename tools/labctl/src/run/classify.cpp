#include "run/classify.hpp"

#include "run/hang_stacks.hpp"
#include "base/text.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <labkit/protocol.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <csignal>
#include <utility>

namespace labctl {
namespace {

// ---------------------------------------------------------------- small text helpers

bool all_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}


void add_reason(Verdict& verdict, const std::string& reason) {
  if (!verdict.has(reason)) verdict.reasons.push_back(reason);
}

// Sets the headline unless an earlier, more telling finding already did.
void propose_headline(Verdict& verdict, const std::string& reason, std::string headline,
                      std::vector<std::string> details = {}) {
  add_reason(verdict, reason);
  if (!verdict.headline.empty()) return;
  verdict.primary = reason;
  verdict.headline = std::move(headline);
  verdict.details = std::move(details);
}

// ---------------------------------------------------------------- sanitizer reports

struct Report {
  std::string tool;  // ThreadSanitizer, AddressSanitizer, ...
  std::string kind;  // "data race", as printed
  std::vector<SourceLocation> frames;
  std::string test;  // the test running when it was printed, if known
  // A thread leak printed after the watchdog's line: the watchdog's _exit ends the process
  // with its threads still blocked, and TSan reports them. A consequence, not a finding.
  bool leak_after_watchdog = false;
};

// "WARNING: ThreadSanitizer: data race (pid=12)" or "==1==ERROR: AddressSanitizer:
// heap-use-after-free on address 0x..." → the tool and the kind, else nothing.
std::optional<std::pair<std::string, std::string>> report_start(std::string_view line) {
  for (std::string_view marker : {"WARNING: ", "ERROR: "}) {
    const auto at = line.find(marker);
    if (at == std::string_view::npos) continue;
    std::string_view rest = line.substr(at + marker.size());
    const auto colon = rest.find("Sanitizer: ");
    if (colon == std::string_view::npos) continue;
    const std::string_view tool = rest.substr(0, colon + 9);
    if (tool.find(' ') != std::string_view::npos) continue;
    std::string_view kind = rest.substr(colon + 11);
    // Drop what follows the kind: the pid, the address, the registers.
    for (std::string_view tail : {" (pid=", " on address", " on unknown address", " (pc "}) {
      if (const auto cut = kind.find(tail); cut != std::string_view::npos) kind = kind.substr(0, cut);
    }
    // A kind is a few words; the rest of an overlong line is the program's, not the tool's.
    return std::make_pair(std::string(tool), std::string(trim(trim(kind).substr(0, 80))));
  }
  return std::nullopt;
}

// The frame the headline names: the first in the student's code with a line number,
// else the first with a file at all.
std::optional<SourceLocation> headline_frame(const Report& report, std::string_view code_dir) {
  if (!code_dir.empty()) {
    for (const auto& frame : report.frames) {
      const auto at = frame.file.find(code_dir);
      const bool in_code = at != std::string::npos && (at == 0 || frame.file[at - 1] == '/');
      if (in_code && frame.line > 0) return frame;
    }
  }
  if (!report.frames.empty()) return report.frames.front();
  return std::nullopt;
}

std::string located(const SourceLocation& where) {
  return where.line > 0 ? fmt::format("{}:{}", file_name_of(where.file), where.line) : file_name_of(where.file);
}

// ---------------------------------------------------------------- GoogleTest results

struct FailedTest {
  std::string suite;
  std::string name;
  std::vector<std::string> message;  // the assertion's lines, without the file:line line
};

struct TestResults {
  bool present = false;  // a readable JSON report was written
  int run = 0;
  std::vector<FailedTest> failed;
};

std::vector<std::string> message_lines(std::string_view message) {
  std::vector<std::string> lines;
  auto all = split_lines(message);
  std::size_t first = 0;
  // The first line is where the assertion is ("/src/tests/01-x.cpp:87"): the headline
  // already names the test, and the student does not edit the tests.
  if (!all.empty()) {
    const auto colon = all[0].rfind(':');
    if (colon != std::string_view::npos && all_digits(all[0].substr(colon + 1))) first = 1;
  }
  constexpr std::size_t kMaxLines = 8;
  for (std::size_t i = first; i < all.size(); ++i) {
    if (lines.size() == kMaxLines) {
      lines.emplace_back("...");
      break;
    }
    std::string_view line = all[i];
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.remove_suffix(1);
    if (!line.empty()) lines.emplace_back(line);
  }
  return lines;
}

TestResults read_gtest_json(std::string_view text) {
  TestResults results;
  if (trim(text).empty()) return results;
  const auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object() || !json.contains("testsuites") || !json["testsuites"].is_array())
    return results;
  results.present = true;
  for (const auto& suite : json["testsuites"]) {
    const std::string suite_name = suite.value("name", "");
    if (!suite.contains("testsuite") || !suite["testsuite"].is_array()) continue;
    for (const auto& test : suite["testsuite"]) {
      const std::string status = test.value("status", "RUN");
      const std::string result = test.value("result", "COMPLETED");
      if (status != "RUN" || result == "SKIPPED" || result == "SUPPRESSED") continue;
      ++results.run;
      if (!test.contains("failures") || !test["failures"].is_array() || test["failures"].empty()) continue;
      FailedTest failed{suite_name, test.value("name", ""), {}};
      for (const auto& failure : test["failures"]) {
        const std::string message = failure.is_object() ? failure.value("failure", "") : "";
        for (auto& line : message_lines(message)) failed.message.push_back(std::move(line));
      }
      results.failed.push_back(std::move(failed));
    }
  }
  return results;
}

// Without a JSON report (the program died before writing it), the failed tests it
// printed on the way still count.
std::vector<FailedTest> failed_tests_in_output(const std::vector<std::string_view>& lines) {
  std::vector<FailedTest> failed;
  for (auto line : lines) {
    if (!line.starts_with("[  FAILED  ] ")) continue;
    std::string_view name = line.substr(13);
    const auto timing = name.find(" (");
    if (timing == std::string_view::npos) continue;  // the summary list at the end repeats them
    name = name.substr(0, timing);
    const auto dot = name.find('.');
    if (dot == std::string_view::npos) continue;
    failed.push_back({std::string(name.substr(0, dot)), std::string(name.substr(dot + 1)), {}});
  }
  return failed;
}

std::string words_for(const std::string& reason) {
  if (reason == "wrong-result") return "wrong result";
  if (reason == "nondeterministic") return "nondeterministic result";
  if (reason == "mutable-global") return "mutable global";
  if (reason == "not-parallel") return "not parallel";
  if (reason == "unbounded") return "too many threads";
  return reason;
}

}  // namespace

// ------------------------------------------------------------------------ public

bool Verdict::has(std::string_view reason) const {
  return std::find(reasons.begin(), reasons.end(), reason) != reasons.end();
}

std::string reason_for_suite(std::string_view suite) {
  // Typed and parameterised suites are named "Prefix/Correctness" or "Correctness/0".
  std::string_view rest = suite;
  while (true) {
    const auto slash = rest.find('/');
    const std::string_view part = rest.substr(0, slash);
    if (part == "Correctness" || part == "RaceFree") return "wrong-result";
    if (part == "Determinism") return "nondeterministic";
    if (part == "NoGlobals") return "mutable-global";
    if (part == "Parallel") return "not-parallel";
    if (part == "Bounded") return "unbounded";
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  return "wrong-result";
}

std::string reason_for_sanitizer_kind(std::string_view kind) {
  if (kind.starts_with("data race")) return "data-race";
  if (kind.starts_with("lock-order-inversion")) return "lock-order-inversion";
  if (kind.starts_with("heap-use-after-free")) return "heap-use-after-free";
  if (kind.starts_with("thread leak")) return "thread-leak";
  if (kind.starts_with("detected memory leaks")) return "memory-leak";
  for (std::string_view fatal : {"SEGV", "BUS", "FPE", "ILL", "ABRT", "stack-overflow"}) {
    if (kind.starts_with(fatal)) return "crash";
  }
  // Any other kind: its words without the parenthesised remarks, as a slug.
  std::string slug;
  int depth = 0;
  for (char c : kind) {
    if (c == '(') ++depth;
    if (c == ')' && depth > 0) {
      --depth;
      continue;
    }
    if (depth > 0) continue;
    if (std::isalnum(static_cast<unsigned char>(c))) {
      slug += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (!slug.empty() && slug.back() != '-') {
      slug += '-';
    }
  }
  while (!slug.empty() && slug.back() == '-') slug.pop_back();
  return slug.empty() ? "sanitizer-report" : slug;
}

std::optional<SourceLocation> parse_frame(std::string_view line) {
  line = trim(line);
  if (line.size() < 3 || line[0] != '#' || !std::isdigit(static_cast<unsigned char>(line[1]))) return std::nullopt;
  // Drop the trailing "(BuildId: ...)" and "(module+0xoffset)" groups.
  for (int pass = 0; pass < 2; ++pass) {
    if (line.empty() || line.back() != ')') break;
    const auto open = line.rfind(" (");
    if (open == std::string_view::npos) break;
    const std::string_view group = line.substr(open + 2);
    if (!group.starts_with("BuildId:") && group.find("+0x") == std::string_view::npos) break;
    line = trim(line.substr(0, open));
  }
  const auto space = line.rfind(' ');
  if (space == std::string_view::npos) return std::nullopt;
  std::string_view token = line.substr(space + 1);
  if (token == "<null>" || token.find('(') != std::string_view::npos || token.find('<') != std::string_view::npos)
    return std::nullopt;

  // path[:line[:column]]
  SourceLocation where;
  std::array<std::string_view, 2> numbers{};
  int count = 0;
  while (count < 2) {
    const auto colon = token.rfind(':');
    if (colon == std::string_view::npos || !all_digits(token.substr(colon + 1))) break;
    numbers[count++] = token.substr(colon + 1);
    token = token.substr(0, colon);
  }
  if (count > 0) where.line = std::stoi(std::string(numbers[count - 1]));
  // A bare word is a piece of the function's name, not a file.
  const bool looks_like_file = token.find('/') != std::string_view::npos ||
                               (count > 0 && token.find('.') != std::string_view::npos);
  if (!looks_like_file) return std::nullopt;
  where.file = std::string(token);
  return where;
}

namespace {

// What one pass over a run's output found.
struct OutputScan {
  std::vector<Report> reports;
  std::string current_test;       // the test running when the output ended
  std::string last_started_test;
  std::string watchdog;           // "Suite.Test still running after 30s"
  std::string sanitizer_fatal;    // "FATAL: ThreadSanitizer: unexpected memory mapping ..."
  std::string ub;                 // UBSan's first "file:line:col: runtime error: ..."
};

// One pass over the output: sanitizer reports with their frames, the watchdog's line, and
// which test was running at each point.
OutputScan scan_output(const std::vector<std::string_view>& lines) {
  OutputScan scan;
  bool in_report = false;
  for (auto line : lines) {
    if (line.starts_with("[ RUN      ] ")) {
      scan.current_test = scan.last_started_test = std::string(line.substr(13));
      continue;
    }
    if (line.starts_with("[       OK ] ") || line.starts_with("[  FAILED  ] ") || line.starts_with("[  SKIPPED ] ")) {
      scan.current_test.clear();
      continue;
    }
    if (auto start = report_start(line)) {
      const bool leak_after_watchdog =
          !scan.watchdog.empty() && reason_for_sanitizer_kind(start->second) == "thread-leak";
      scan.reports.push_back({start->first, start->second, {}, scan.current_test, leak_after_watchdog});
      in_report = true;
      continue;
    }
    if (in_report) {
      if (trim(line).starts_with("SUMMARY: ")) {
        in_report = false;
      } else if (auto frame = parse_frame(line)) {
        scan.reports.back().frames.push_back(std::move(*frame));
      }
      continue;
    }
    if (const auto at = line.find(labkit::protocol::kWatchdogPrefix);
        at != std::string_view::npos && scan.watchdog.empty()) {
      std::string_view what = line.substr(at + labkit::protocol::kWatchdogPrefix.size());
      if (const auto cut = what.find(": "); cut != std::string_view::npos) what = what.substr(0, cut);
      scan.watchdog = std::string(what);
      continue;
    }
    if (const auto at = line.find("FATAL: ThreadSanitizer: ");
        at != std::string_view::npos && scan.sanitizer_fatal.empty()) {
      scan.sanitizer_fatal = std::string(trim(line.substr(at + 7)));
      continue;
    }
    if (line.find(": runtime error: ") != std::string_view::npos && scan.ub.empty()) scan.ub = std::string(trim(line));
  }
  return scan;
}

std::vector<std::string> during(const std::string& test) {
  return test.empty() ? std::vector<std::string>{} : std::vector<std::string>{"during " + test};
}

// 1. Sanitizer reports: the most precise evidence, so they name the headline.
void add_sanitizer_findings(Verdict& verdict, const OutputScan& scan, std::string_view code_dir) {
  for (const auto& report : scan.reports) {
    if (report.leak_after_watchdog) continue;
    const std::string reason = reason_for_sanitizer_kind(report.kind);
    std::string headline = report.tool + ": " + report.kind;
    if (auto where = headline_frame(report, code_dir)) headline += " in " + located(*where);
    propose_headline(verdict, reason, std::move(headline), during(report.test));
  }
  if (!scan.sanitizer_fatal.empty()) {
    propose_headline(verdict, "crash", scan.sanitizer_fatal,
                     {"the sanitizer stopped the program before the tests could run"});
  }
  if (!scan.ub.empty()) {
    const auto at = scan.ub.find(": runtime error: ");
    propose_headline(verdict, "undefined-behaviour",
                     fmt::format("undefined behaviour in {}: {}", file_name_of(scan.ub.substr(0, at)),
                                 scan.ub.substr(at + 17)));
  }
}

// 2. How the program ended.
void add_ending(Verdict& verdict, const OutputScan& scan, const RunOutput& run) {
  const ExitStatus& status = run.status;
  if (status.kind == ExitStatus::Kind::exited && status.code == labkit::protocol::kExitHung && !scan.watchdog.empty()) {
    // With the threads' stacks (the student loop asks for them), the hang has a name.
    if (const auto pattern = hang_pattern(parse_hang_stacks(run.output), run.code_dir)) {
      propose_headline(verdict, "deadlock", pattern->words + ": " + scan.watchdog, {pattern->explanation});
      return;
    }
    propose_headline(verdict, "deadlock", "deadlock: " + scan.watchdog,
                     {"the test watchdog stopped it: threads waiting on each other, or one that never finishes"});
  } else if (status.kind == ExitStatus::Kind::timed_out) {
    propose_headline(verdict, "timeout", fmt::format("timeout: still running after {} s, stopped by racelab", status.code),
                     during(scan.current_test));
  } else if (status.kind == ExitStatus::Kind::signalled) {
    propose_headline(verdict, "crash", "crashed: " + status.describe(), during(scan.current_test));
  }
}

// 3. The tests that failed, by grading criterion.
TestResults add_failed_tests(Verdict& verdict, const RunOutput& run, const std::vector<std::string_view>& lines) {
  TestResults results = read_gtest_json(run.gtest_json);
  if (!results.present) results.failed = failed_tests_in_output(lines);
  verdict.tests_run = results.run;
  verdict.tests_failed = static_cast<int>(results.failed.size());
  for (const auto& failed : results.failed) {
    const std::string reason = reason_for_suite(failed.suite);
    propose_headline(verdict, reason, fmt::format("{} in {}.{}", words_for(reason), failed.suite, failed.name),
                     failed.message);
  }
  return results;
}

// 4. Nothing found: the exit status decides.
void add_fallback(Verdict& verdict, const OutputScan& scan, const ExitStatus& status, const TestResults& results) {
  if (!verdict.reasons.empty()) return;
  if (status.ok() && results.present && results.run > 0) {
    propose_headline(verdict, "pass", fmt::format("all {} tests pass", results.run));
  } else if (status.ok() && results.present) {
    propose_headline(verdict, "crash", "no test ran");
  } else if (status.ok()) {
    propose_headline(verdict, "crash", "exited 0 before the tests finished (no test report was written)",
                     during(scan.last_started_test));
  } else {
    propose_headline(verdict, "crash", status.describe(), during(scan.current_test));
  }
}

}  // namespace

namespace {

// Calls `each(suite name, test object)` for every test of a GoogleTest JSON report.
template <class Each>
void for_each_test(std::string_view text, Each each) {
  if (trim(text).empty()) return;
  const auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object() || !json.contains("testsuites") || !json["testsuites"].is_array())
    return;
  for (const auto& suite : json["testsuites"]) {
    if (!suite.is_object() || !suite.contains("testsuite") || !suite["testsuite"].is_array()) continue;
    const std::string suite_name = suite.value("name", "");
    for (const auto& test : suite["testsuite"]) {
      if (test.is_object()) each(suite_name, test);
    }
  }
}

}  // namespace

std::map<std::string, bool> test_results(std::string_view gtest_json) {
  std::map<std::string, bool> results;
  for_each_test(gtest_json, [&](const std::string& suite, const nlohmann::json& test) {
    const std::string result = test.value("result", "COMPLETED");
    if (test.value("status", "RUN") != "RUN" || result == "SKIPPED" || result == "SUPPRESSED") return;
    const bool failed = test.contains("failures") && test["failures"].is_array() && !test["failures"].empty();
    results[suite + "." + test.value("name", "")] = !failed;
  });
  return results;
}

std::vector<std::string> listed_tests(std::string_view gtest_json) {
  std::vector<std::string> tests;
  for_each_test(gtest_json, [&](const std::string& suite, const nlohmann::json& test) {
    tests.push_back(suite + "." + test.value("name", ""));
  });
  return tests;
}

std::string test_running_at_end(std::string_view output) { return scan_output(split_lines(output)).current_test; }

Verdict classify(const RunOutput& run) {
  Verdict verdict;
  const auto lines = split_lines(run.output);
  const OutputScan scan = scan_output(lines);
  add_sanitizer_findings(verdict, scan, run.code_dir);
  add_ending(verdict, scan, run);
  const TestResults results = add_failed_tests(verdict, run, lines);
  add_fallback(verdict, scan, run.status, results);
  return verdict;
}

}  // namespace labctl
