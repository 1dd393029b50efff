// A lab's five criteria from its test runs (criteria_run.hpp).
#include "run/criteria_run.hpp"

#include "base/process.hpp"
#include "course/rubric.hpp"
#include "run/hang_stacks.hpp"

#include <fmt/format.h>
#include <labkit/protocol.hpp>

#include <set>

namespace labctl {

namespace fs = std::filesystem;

namespace {


// Why one criterion did not pass, from its own tests: the first that failed or never ran.
std::string failure_of(const std::string& criterion, const RunFindings& findings) {
  if (!findings.stopped_in.empty() && criterion_of_suite(suite_of(findings.stopped_in)) == criterion) {
    return findings.unfinished;
  }
  std::string failed;
  std::string missing;
  int failures = 0;
  for (const auto& test : findings.expected) {
    if (criterion_of_suite(suite_of(test)) != criterion) continue;
    const auto it = findings.results.find(test);
    if (it == findings.results.end()) {
      if (missing.empty()) missing = test;
    } else if (!it->second) {
      if (failed.empty()) failed = test;
      ++failures;
    }
  }
  if (!failed.empty()) return failures == 1 ? failed + " failed" : fmt::format("{} and {} more failed", failed, failures - 1);
  if (!missing.empty()) {
    return findings.unfinished.empty() ? missing + " did not run" : "not run: " + findings.unfinished;
  }
  return {};
}

}  // namespace

CriteriaResult judge_criteria(const Lab& lab, const RunFindings& findings) {
  std::set<std::string> with_tests;
  std::set<std::string> ran;
  for (const auto& test : findings.expected) {
    const std::string criterion = criterion_of_suite(suite_of(test));
    with_tests.insert(criterion);
    if (findings.results.count(test) > 0) ran.insert(criterion);
  }
  const auto passed = criteria_passed(findings.expected, findings.results, !findings.race.empty());
  const auto passes = [&](const std::string& criterion) {
    const auto it = passed.find(criterion);
    return it != passed.end() && it->second;
  };
  CriteriaResult result;
  for (const auto& score : score_criteria(lab, passed)) {
    CriterionOutcome outcome;
    outcome.criterion = score.criterion;
    outcome.passed = passes(score.criterion);
    outcome.ran = ran.count(score.criterion) > 0;
    outcome.points = score.points;
    outcome.max_points = score.max_points;
    if (score.criterion == "race_free" && !findings.race.empty()) {
      outcome.reason = findings.race;  // a report in any test is a race, as in the grader
    } else if (with_tests.count(score.criterion) == 0) {
      outcome.reason = "the course has no tests for this criterion";
    } else if (!outcome.passed) {
      outcome.reason = failure_of(score.criterion, findings);
    } else if (score.points < score.max_points) {
      outcome.reason = "passes, but scores only once `correct` passes";
    }
    result.points += outcome.points;
    result.criteria.push_back(std::move(outcome));
  }
  return result;
}

bool ran_to_the_end(const TestRun& run) {
  const bool ended = run.status.kind == ExitStatus::Kind::exited &&
                     (run.status.code == 0 || run.status.code == 1 ||
                      run.status.code == labkit::protocol::kExitTsanReported);
  return ended && !run.tests.empty();
}

bool sanitizer_reported(const TestRun& run) {
  return (run.status.kind == ExitStatus::Kind::exited && run.status.code == labkit::protocol::kExitTsanReported) ||
         run.verdict.has("data-race");
}

namespace {

// The race_free line of a run that reported: its headline when it is about the report.
std::string race_words(const TestRun& run) {
  if (run.verdict.primary == "data-race" || run.verdict.has("data-race")) return run.verdict.headline;
  return "ThreadSanitizer reported a problem (the full report shows it)";
}

// How a run that stopped in `test` ended, in words: "hung in X (lock cycle)".
std::string ending_in(const TestRun& run, const std::string& test, std::string_view code_dir) {
  const bool hung = run.status.kind == ExitStatus::Kind::exited && run.status.code == labkit::protocol::kExitHung;
  if (!hung) return fmt::format("the program {} in {}", run.status.describe(), test);
  const auto pattern = hang_pattern(parse_hang_stacks(read_file(run.log)), code_dir);
  return pattern ? fmt::format("hung in {} ({})", test, pattern->words)
                 : fmt::format("hung in {} (the watchdog stopped it)", test);
}

}  // namespace

CriteriaResult score_test_runs(const Lab& lab, const fs::path& program, const TestRun& first, const fs::path& stem,
                               std::chrono::seconds limit, std::string_view code_dir) {
  RunFindings findings;
  findings.results = first.tests;
  if (sanitizer_reported(first)) findings.race = race_words(first);
  if (ran_to_the_end(first)) {
    for (const auto& [test, passed] : first.tests) findings.expected.push_back(test);
    return judge_criteria(lab, findings);
  }

  // It ended early: which tests are there, and which of them stopped it.
  fs::path list_stem = stem;
  list_stem += ".list";
  findings.expected = list_tests(program, list_stem, limit);
  findings.results.clear();
  findings.unfinished = "the program " + first.status.describe() + " first";
  const std::string stopped_in = test_running_at_end(read_file(first.log));
  if (!stopped_in.empty() && criterion_of_suite(suite_of(stopped_in)) == "correct") {
    // Run alone, `correct` would stop there again: the grader's verdict, without the wait.
    findings.results[stopped_in] = false;
    findings.stopped_in = stopped_in;
    findings.unfinished = ending_in(first, stopped_in, code_dir);
    return judge_criteria(lab, findings);
  }
  for (const auto& criterion : criteria()) {
    std::set<std::string> suites;
    for (const auto& test : findings.expected) {
      if (criterion_of_suite(suite_of(test)) == criterion) suites.insert(suite_of(test));
    }
    if (suites.empty()) continue;
    std::string filter;
    for (const auto& suite : suites) filter += (filter.empty() ? "" : ":") + suite + ".*";
    fs::path alone_stem = stem;
    alone_stem += "." + criterion;
    const TestRun alone = run_test_program(program, alone_stem, code_dir, limit, {"--gtest_filter=" + filter});
    for (const auto& [test, passed] : alone.tests) findings.results[test] = passed && ran_to_the_end(alone);
    if (findings.race.empty() && sanitizer_reported(alone)) findings.race = race_words(alone);
    if (criterion == "correct" && !criteria_passed(findings.expected, findings.results, false)["correct"]) break;
  }
  return judge_criteria(lab, findings);
}

}  // namespace labctl
