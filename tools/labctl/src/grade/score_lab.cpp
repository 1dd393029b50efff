// One lab graded (score_lab.hpp): the rounds of runs, and the scoring of each criterion.
#include "grade/score_lab.hpp"

#include "base/text.hpp"

#include "course/rubric.hpp"
#include "grade/compile_submission.hpp"
#include "schedule.hpp"  // the explorer's schedule strings

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace labctl {
namespace {

namespace fs = std::filesystem;


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
  if (seen.out_of_time) return "not run: " + seen.budget + " ran out";
  if (seen.stopped_by_budget) return "stopped when " + seen.budget + " ran out";
  if (seen.sandboxed.limit != Limit::none) return "stopped at the " + seen.sandboxed.limit_words();
  if (!seen.record.refused.empty()) return "the test program's result is not believed: " + seen.record.refused;
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
  if (!seen.out_of_time) ++tally.result.runs;
  if (problem.empty()) {
    ++tally.result.runs_passed;
    return;
  }
  tally.failed = true;
  tally.result.reason = rounds > 1 ? fmt::format("run {}: {}", round, problem) : problem;
  tally.result.excerpt = excerpt;
}

// How one lab's runs are made: its program, its stage, its sources and its budget.
struct Runner {
  const LabRecipe& recipe;
  const fs::path& program;
  const fs::path& lab_stage;
  const RunContext& context;
  const ReportSources& sources;
  const Budget& budget;
  FirstRace& race;

  // One run of `criteria`'s suites together, in the folder `name`.
  Observation run(const std::vector<Tally*>& criteria, const std::string& name) const {
    std::vector<const CriterionTests*> tests;
    for (const Tally* tally : criteria) tests.push_back(&tally->tests);
    return observe(recipe, filter_of(tests), program, lab_stage / name, context, sources, budget);
  }

  // One run of the explored program on `filter`, under `schedule`, in the folder `name`.
  Observation explored(const fs::path& explored_program, const std::string& filter, const std::string& name,
                       const std::string& schedule) const {
    return observe(recipe, filter, explored_program, lab_stage / name, context, sources, budget, schedule);
  }

  // One criterion run alone in round `round`, and settled.
  void run_alone(Tally& tally, int round, int rounds) const {
    const Observation alone = run({&tally}, fmt::format("run-{}-{}", round, tally.result.criterion));
    race.note(alone, criterion_title(tally.result.criterion));
    settle(tally, alone, round, rounds);
  }
};

// The explored runs (docs/grading.md, "On the explorer"): the lab's Correctness tests
// (hidden ones too) in its explored program, once under each of the catalogue's schedules,
// before any real run. The explorer makes each shared access and atomic of the lab's code a
// scheduling point and the schedule fixes every choice, so what these runs show, they show
// on every regrade:
//   - a race the explorer reports fails race_free, and `correct` with it (as a ThreadSanitizer
//     report fails the test it comes in, in the real runs);
//   - a wrong answer, a crash or a hang under a schedule fails `correct`: a real run can meet
//     that schedule (a lost update through atomics, which ThreadSanitizer cannot see, once
//     scored 0, 0, 0, 6, 0 on real runs alone; now 0 every time). With `correct`, every other
//     criterion is then "not scored" (deterministic among them: whether the answer is right
//     under some other order says nothing in its favour), the same way on every regrade.
// Stops at the first schedule that fails `correct`: nothing more is run for this lab.
void run_explored(const Runner& runner, const fs::path& explored_program, const std::vector<std::string>& schedules,
                  std::vector<Tally>& tallies) {
  Tally* correct = nullptr;
  Tally* race_free = nullptr;
  for (auto& tally : tallies) {
    if (tally.result.criterion == "correct") correct = &tally;
    if (tally.result.criterion == "race_free") race_free = &tally;
  }
  if (correct == nullptr || correct->tests.tests.empty()) return;
  const std::string filter = filter_of({&correct->tests});
  // The command that shows the student the same run in their own build.
  const auto replay_line = [&](const std::string& schedule) {
    return fmt::format("See it again: cmake --build build/tsan --target {0} && tools/lab explore --replay {1} -- "
                       "build/tsan/tests/{0} --gtest_filter='{2}'\n",
                       runner.recipe.lab->target("starter_explored"), schedule, filter);
  };
  for (std::size_t i = 0; i < schedules.size() && !correct->failed; ++i) {
    const std::string& schedule = schedules[i];
    const std::string name = schedule.substr(labctl::explore::kSchedulePrefix.size());
    const std::string workdir = fmt::format("explored-{}", i + 1);
    const Observation seen = runner.explored(explored_program, filter, workdir, schedule);
    if (seen.race) {
      // As in the real runs, where a ThreadSanitizer report fails the test it comes in: a
      // race in the Correctness tests fails `correct` too, whatever the answers were.
      runner.race.note(seen, "under the explored schedule " + name);
      if (race_free != nullptr) race_free->failed = true;
      if (!seen.out_of_time) ++correct->result.runs;
      correct->failed = true;
      correct->result.reason = fmt::format(
          "under the explored schedule {}: a data race while the Correctness tests ran (race-free shows it)", name);
      correct->result.excerpt = replay_line(schedule);
      continue;
    }
    std::string excerpt;
    std::string problem = judge(correct->tests, seen, excerpt, correct->hidden_failed);
    if (seen.explored_hang) {
      problem = seen.sandboxed.status.code == labctl::explore::kExitDeadlock
                    ? "the program deadlocked: every thread waited for another"
                    : "the program hung: its threads spun or slept without end (the explorer ended it)";
      excerpt.clear();
    }
    if (!seen.out_of_time) ++correct->result.runs;
    if (problem.empty()) {
      ++correct->result.runs_passed;
      continue;
    }
    correct->failed = true;
    correct->result.reason = fmt::format("under the explored schedule {}: {}", name, problem);
    correct->result.excerpt = excerpt + replay_line(schedule);
  }
}

// The runs. Every other criterion depends on `correct` (a wrong answer scores nothing
// else), so once `correct` has failed nothing more is run: in round 1 it runs alone first,
// and a wrong or hanging answer costs that one run. After that, each round runs the criteria
// still undecided together, in one process; a round that ends properly (its record complete)
// decides each criterion from its own tests. A round that crashes, hangs or hits a limit is
// run again one criterion per process, `correct` first, so that one bad test costs only its
// own criterion. A criterion passes only if it passes in every round; no_globals (a static
// look at the objects) needs one. Every run ends by the budget's deadline.
void run_rounds(const Runner& runner, int rounds, std::vector<Tally>& tallies) {
  Tally* correct = nullptr;
  for (auto& tally : tallies) {
    if (tally.result.criterion == "correct") correct = &tally;
  }
  const auto correct_failed = [&] { return correct == nullptr || correct->failed; };
  for (int round = 1; round <= rounds && !correct_failed(); ++round) {
    if (round == 1) runner.run_alone(*correct, round, rounds);
    std::vector<Tally*> pending;
    for (auto& tally : tallies) {
      const bool done_this_round = round == 1 && &tally == correct;
      if (!tally.failed && !done_this_round && (tally.result.criterion != "no_globals" || round == 1))
        pending.push_back(&tally);
    }
    if (correct_failed() || pending.empty()) continue;
    const Observation together = runner.run(pending, fmt::format("run-{}", round));
    if (together.complete()) {
      runner.race.note(together, "every criterion");
      for (Tally* tally : pending) settle(*tally, together, round, rounds);
      continue;
    }
    for (Tally* tally : pending) {  // criteria() order: `correct` first
      if (correct_failed()) break;
      runner.run_alone(*tally, round, rounds);
    }
  }
}

// The hidden tests are the instructor's secret, and an excerpt quotes what the program
// printed, which the program chose (a fake report's "frames" once were GoogleTest's own
// lines, hidden test names included): any line naming a hidden test's suite is dropped.
std::string without_hidden_names(const std::string& excerpt, const std::vector<std::string>& tests) {
  std::set<std::string> hidden;
  for (const auto& test : tests) {
    if (is_hidden_suite(suite_of(test))) hidden.insert(suite_of(test));
  }
  if (hidden.empty()) return excerpt;
  std::string kept;
  for (const auto line : split_lines(excerpt)) {
    const bool names_one = std::any_of(hidden.begin(), hidden.end(),
                                       [&](const std::string& suite) { return line.find(suite) != std::string_view::npos; });
    if (!names_one) kept += std::string(line) + "\n";
  }
  return kept;
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
  // Passed only when it ran and every run passed: a criterion never run (its answer was
  // wrong first) has passed nothing.
  result.status = tally.failed ? "failed" : result.runs > 0 ? "passed" : "not scored";
  // A race seen in any run is a race: race_free fails, whatever the RaceFree suite said,
  // and the race is what its feedback shows.
  if (result.criterion == "race_free" && race.seen) {
    result.status = "failed";
    result.reason = race.reason;
    result.excerpt = race.excerpt;
  }
  return std::move(result);
}

// The points: a criterion scores when it passed, and (but `correct`) when the answer is
// right. While it is not, the others are "not scored": run or not, they earn nothing, and
// only a failure actually seen (a race, say) is still shown as one.
void score(std::vector<CriterionResult> results, LabGrade& grade) {
  std::map<std::string, bool> passed;
  for (const auto& result : results) passed[result.criterion] = result.passed();
  const auto scores = score_criteria(*grade.lab, passed);
  const bool correct = passed["correct"];
  grade.status = "graded";
  for (CriterionResult& result : results) {
    const bool seen_failing = !result.passed() && (result.runs > 0 || !result.reason.empty());
    if (result.criterion != "correct" && !correct && !seen_failing) {
      result.status = "not scored";
      result.reason = "the answer is not correct yet, so this is not scored";
    }
    const auto it = std::find_if(scores.begin(), scores.end(),
                                 [&](const CriterionScore& s) { return s.criterion == result.criterion; });
    result.points = it == scores.end() ? 0 : it->points;
    grade.points += result.points;
    grade.criteria.push_back(std::move(result));
  }
}

// Where this submission's files are compiled: as the worker's uid, with what its runs may
// not read hidden too (every other submission's stage among it), within its budget.
CompileSandbox compile_sandbox(const fs::path& stage, const RunContext& context, const Budget& budget) {
  CompileSandbox where;
  where.uid = context.uid;
  where.hidden = context.hidden;
  for (const auto& other : context.stages) {
    if (other != stage) where.hidden.push_back(other);
  }
  where.budget = &budget;
  where.weak = context.weak;
  return where;
}

}  // namespace

LabGrade grade_lab(const GradingBuild& build, const LabFiles& files, const fs::path& stage, const RunContext& context,
                   const Budget& budget) {
  const Lab& lab = *files.lab;
  if (!files.refused.empty()) return unscored(lab, "refused", files.refused);
  if (files.files.empty()) return unscored(lab, "not submitted", fmt::format("no labs/{}/ files in the submission", lab.slug));
  const LabRecipe* recipe = build.recipe(lab);
  if (recipe == nullptr) return unscored(lab, "no tests", build.why_unbuilt(lab));
  if (const auto deadline = budget.next(); deadline.left() < std::chrono::seconds(1))
    return unscored(lab, "out of time", deadline.words + " ran out before this lab was graded");
  const fs::path lab_stage = stage / lab.number;
  const BuiltLab built = build_lab(*recipe, files, lab_stage, compile_sandbox(stage, context, budget));
  if (!built.error.empty()) {
    return unscored(lab, built.refused ? "refused" : built.out_of_time ? "out of time" : "does not compile", built.error);
  }

  std::vector<Tally> tallies = tallies_for(*recipe, lab);
  FirstRace race;
  const ReportSources sources = report_sources(context.course_root, lab, files.files);
  const Runner runner{*recipe, built.program, lab_stage, context, sources, budget, race};
  if (!built.explored_program.empty()) run_explored(runner, built.explored_program, lab.schedules, tallies);
  run_rounds(runner, context.options->runs, tallies);
  std::vector<CriterionResult> results;
  for (auto& tally : tallies) {
    results.push_back(result_of(tally, race));
    results.back().excerpt = without_hidden_names(results.back().excerpt, recipe->tests);
  }
  apply_object_findings(built, results);
  LabGrade grade;
  grade.lab = &lab;
  grade.max_points = lab.points;
  score(std::move(results), grade);
  return grade;
}

}  // namespace labctl
