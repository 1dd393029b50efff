// One lab graded (score_lab.hpp): the rounds of runs, and the scoring of each criterion.
#include "grade/score_lab.hpp"

#include "course/rubric.hpp"
#include "grade/compile_submission.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

namespace labctl {
namespace {

namespace fs = std::filesystem;

std::string suite_of(const std::string& test) { return test.substr(0, test.find('.')); }

// A criterion's tests, and the gtest filter for its suites.
struct CriterionTests {
  std::vector<std::string> tests;
  std::set<std::string> suites;
  int hidden = 0;
};

CriterionTests tests_of(const LabRecipe& recipe, const std::string& criterion) {
  CriterionTests found;
  for (const auto& test : recipe.tests) {
    if (criterion_of_suite(suite_of(test)) != criterion) continue;
    found.tests.push_back(test);
    found.suites.insert(suite_of(test));
    if (is_hidden_suite(suite_of(test))) ++found.hidden;
  }
  return found;
}

std::string filter_of(const std::vector<const CriterionTests*>& criteria) {
  std::string filter;
  for (const auto* tests : criteria) {
    for (const auto& suite : tests->suites) filter += (filter.empty() ? "" : ":") + suite + ".*";
  }
  return filter;
}

// What one observation says about one criterion: empty when it passed, else why (and an
// excerpt to show). Hidden tests that failed are added to `hidden_failed`, never named.
std::string judge(const CriterionTests& tests, const Observation& seen, std::string& excerpt,
                  std::set<std::string>& hidden_failed) {
  if (seen.sandboxed.limit != Limit::none) return "stopped at the " + seen.sandboxed.limit_words();
  if (!seen.record.valid) {
    return fmt::format("no result from the test program: it {} before its tests finished",
                       seen.sandboxed.status.describe());
  }
  std::vector<std::string> visible_failures;
  bool hidden_failure = false;
  bool raced = false;  // a failed test of this criterion had a TSan report while it ran
  for (const auto& test : tests.tests) {
    const auto it = seen.record.tests.find(test);
    if (it != seen.record.tests.end() && it->second) continue;
    raced = raced || seen.record.tests_with_reports.count(test) > 0;
    if (is_hidden_suite(suite_of(test))) {
      hidden_failed.insert(test);
      hidden_failure = true;
    } else {
      visible_failures.push_back(it == seen.record.tests.end() ? test + " never ran" : test);
    }
  }
  if (!visible_failures.empty()) {
    std::string problem = visible_failures.size() == 1 ? "failed: " + visible_failures.front()
                                                       : fmt::format("failed: {} and {} more", visible_failures.front(),
                                                                     visible_failures.size() - 1);
    if (raced) {
      excerpt = seen.race_excerpt;
      return seen.race_reason + " (" + problem + ")";
    }
    for (const auto& line : seen.verdict.details) excerpt += line + "\n";
    return problem;
  }
  if (hidden_failure) return "hidden checks failed";
  return {};
}

// A lab that scores nothing, every criterion "not scored", with why.
LabGrade unscored(const Lab& lab, const std::string& status, const std::string& message) {
  LabGrade grade;
  grade.lab = &lab;
  grade.max_points = lab.points;
  grade.status = status;
  grade.message = message;
  for (const auto& [criterion, max] : points_by_criterion(lab)) {
    CriterionResult result;
    result.criterion = criterion;
    result.max_points = max;
    result.status = "not scored";
    grade.criteria.push_back(result);
  }
  return grade;
}

// A criterion over the rounds: its tests, and how it has done so far.
struct Tally {
  CriterionTests tests;
  CriterionResult result;
  bool failed = false;
  std::set<std::string> hidden_failed;
};

// The first race seen in any run: race_free's failure, and what its feedback shows.
struct FirstRace {
  bool seen = false;
  std::string reason;
  std::string excerpt;

  void note(const Observation& run, const std::string& during) {
    if (!run.race || seen) return;
    seen = true;
    // Name the test it happened in, unless that test is one of the hidden ones.
    std::string where = "while checking " + during;
    if (!run.record.tests_with_reports.empty()) {
      const std::string& test = *run.record.tests_with_reports.begin();
      where = is_hidden_suite(suite_of(test)) ? "during a hidden check" : "during " + test;
    }
    reason = run.race_reason + " (" + where + ")";
    excerpt = run.race_excerpt;
  }
};

std::vector<Tally> tallies_for(const LabRecipe& recipe, const Lab& lab) {
  std::vector<Tally> tallies;
  for (const auto& [criterion, max] : points_by_criterion(lab)) {
    Tally tally;
    tally.tests = tests_of(recipe, criterion);
    tally.result.criterion = criterion;
    tally.result.max_points = max;
    tally.result.hidden_total = tally.tests.hidden;
    if (tally.tests.tests.empty()) {
      tally.failed = true;
      tally.result.reason = "the course has no tests for this criterion";
    }
    tallies.push_back(std::move(tally));
  }
  return tallies;
}

// What one run says about one criterion in round `round` (of `rounds`).
void settle(Tally& tally, const Observation& seen, int round, int rounds) {
  std::string excerpt;
  const std::string problem = judge(tally.tests, seen, excerpt, tally.hidden_failed);
  ++tally.result.runs;
  if (problem.empty()) {
    ++tally.result.runs_passed;
    return;
  }
  tally.failed = true;
  tally.result.reason = rounds > 1 ? fmt::format("run {}: {}", round, problem) : problem;
  tally.result.excerpt = excerpt;
}

// The runs. Each round runs the criteria still undecided together, in one process; a
// round that ends properly (its record complete) decides each criterion from its own
// tests. A round that crashes, hangs or hits a limit is run again one criterion per
// process, so that one bad test costs only its own criterion. A criterion passes only if
// it passes in every round; no_globals (a static look at the objects) needs one.
void run_rounds(const LabRecipe& recipe, const fs::path& program, const fs::path& lab_stage,
                const RunContext& context, std::vector<Tally>& tallies, FirstRace& race) {
  const int rounds = context.options->runs;
  for (int round = 1; round <= rounds; ++round) {
    std::vector<Tally*> pending;
    for (auto& tally : tallies) {
      if (!tally.failed && (tally.result.criterion != "no_globals" || round == 1)) pending.push_back(&tally);
    }
    if (pending.empty()) break;
    std::vector<const CriterionTests*> pending_tests;
    for (Tally* tally : pending) pending_tests.push_back(&tally->tests);
    const Observation together =
        observe(recipe, filter_of(pending_tests), program, lab_stage / fmt::format("run-{}", round), context);
    if (together.complete()) {
      race.note(together, "every criterion");
      for (Tally* tally : pending) settle(*tally, together, round, rounds);
      continue;
    }
    for (Tally* tally : pending) {
      const Observation alone = observe(recipe, filter_of({&tally->tests}), program,
                                        lab_stage / fmt::format("run-{}-{}", round, tally->result.criterion), context);
      race.note(alone, criterion_title(tally->result.criterion));
      settle(*tally, alone, round, rounds);
    }
  }
}

// Each criterion's result from its tally.
CriterionResult result_of(Tally& tally, const FirstRace& race) {
  CriterionResult& result = tally.result;
  result.hidden_failed = static_cast<int>(tally.hidden_failed.size());
  if (result.hidden_failed > 0) {
    const std::string count = fmt::format("{} of {} hidden checks failed", result.hidden_failed, result.hidden_total);
    const auto at = result.reason.find("hidden checks failed");
    result.reason = at != std::string::npos ? result.reason.substr(0, at) + count : result.reason + "; " + count;
  }
  result.status = tally.failed ? "failed" : "passed";
  // A race seen in any run is a race: race_free fails, whatever the RaceFree suite said,
  // and the race is what its feedback shows.
  if (result.criterion == "race_free" && race.seen) {
    result.status = "failed";
    result.reason = race.reason;
    result.excerpt = race.excerpt;
  }
  return std::move(result);
}

// The points: a criterion scores when it passed, and (but `correct`) when the answer is right.
void score(std::vector<CriterionResult> results, LabGrade& grade) {
  const bool correct = std::all_of(results.begin(), results.end(), [](const CriterionResult& r) {
    return r.criterion != "correct" || r.passed();
  });
  grade.status = "graded";
  for (CriterionResult& result : results) {
    if (result.criterion != "correct" && !correct && result.passed()) {
      result.status = "not scored";
      result.reason = "the answer is not correct yet, so this is not scored";
    }
    result.points = result.passed() ? result.max_points : 0;
    grade.points += result.points;
    grade.criteria.push_back(std::move(result));
  }
}

}  // namespace

LabGrade grade_lab(const GradingBuild& build, const LabFiles& files, const fs::path& stage, const RunContext& context) {
  const Lab& lab = *files.lab;
  if (!files.refused.empty()) return unscored(lab, "refused", files.refused);
  if (files.files.empty()) return unscored(lab, "not submitted", fmt::format("no labs/{}/ files in the submission", lab.slug));
  const LabRecipe* recipe = build.recipe(lab);
  if (recipe == nullptr) return unscored(lab, "no tests", "the course's build has no test program for this lab");
  const fs::path lab_stage = stage / lab.number;
  const BuiltLab built = build_lab(*recipe, files, lab_stage);
  if (!built.error.empty()) return unscored(lab, built.refused ? "refused" : "does not compile", built.error);

  std::vector<Tally> tallies = tallies_for(*recipe, lab);
  FirstRace race;
  run_rounds(*recipe, built.program, lab_stage, context, tallies, race);
  std::vector<CriterionResult> results;
  for (auto& tally : tallies) results.push_back(result_of(tally, race));
  apply_object_findings(built, results);
  LabGrade grade;
  grade.lab = &lab;
  grade.max_points = lab.points;
  score(std::move(results), grade);
  return grade;
}

}  // namespace labctl
