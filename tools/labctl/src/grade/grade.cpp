#include "grade/grade.hpp"

#include "run/classify.hpp"
#include "base/errors.hpp"
#include "grade/grade_build.hpp"
#include "grade/grade_report.hpp"
#include "grade/include_policy.hpp"
#include "base/process.hpp"
#include "course/rubric.hpp"
#include "grade/sandbox/sandbox.hpp"
#include "base/style.hpp"
#include "grade/submission/submission.hpp"
#include "base/temp_dir.hpp"
#include "run/test_program.hpp"
#include "run/tsan_report.hpp"

#include <fmt/format.h>
#include <labkit/protocol.hpp>
#include <nlohmann/json.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <random>
#include <set>
#include <thread>

namespace labctl {
namespace {

namespace fs = std::filesystem;

// The uids the sandbox runs programs as (when the grader is root): one per worker, so
// that one submission's thread bomb cannot use up another's RLIMIT_NPROC (counted per
// uid). Unnamed uids in Debian's on-demand range, below 65536 so that containers which map
// only 65536 uids can still switch to them (the sandbox's own default is 64999).
constexpr uid_t kSandboxUidBase = 64900;

std::string random_hex(std::size_t bytes) {
  std::random_device device;
  std::string hex;
  for (std::size_t i = 0; i < bytes; ++i) hex += fmt::format("{:02x}", device() & 0xff);
  return hex;
}

// --------------------------------------------------------------- building
struct BuiltLab {
  std::string error;  // empty when built
  fs::path program;
};

// Compiles the submission's files with the course's own commands and links the lab's test
// program in the stage. The compiler runs as the grader, so the include policy is checked
// first (include_policy.hpp); it runs under a time limit, its output into a log.
BuiltLab build_lab(const LabRecipe& recipe, const LabFiles& files, const fs::path& lab_stage) {
  const Lab& lab = *recipe.lab;
  BuiltLab built;
  const fs::path code_dir = lab_stage / "labs" / lab.slug;  // the same shape as the course: reports show labs/NN-slug/file
  fs::create_directories(code_dir);
  fs::create_directories(lab_stage / "obj");
  std::vector<std::string> objects;
  for (const auto& [file, argv] : recipe.compile) {
    const auto it = files.files.find(file);
    if (it == files.files.end()) {
      built.error = fmt::format("{} is missing from the submission", file);
      return built;
    }
    if (auto problem = include_policy_violation(it->second)) {
      built.error = fmt::format("{}: {}", file, *problem);
      return built;
    }
    const fs::path source = code_dir / file;
    {
      std::ofstream out(source, std::ios::binary);
      out << it->second;
    }
    const fs::path object = lab_stage / "obj" / (fs::path(file).filename().string() + ".o");
    ProcessSpec spec;
    spec.argv = fill(argv, {{"{source}", source.string()}, {"{object}", object.string()}});
    spec.cwd = recipe.build_dir;
    spec.log = lab_stage / ("compile-" + fs::path(file).filename().string() + ".log");
    spec.limit = std::chrono::seconds(120);
    const ProcessResult result = run_process(spec);
    if (!result.status.ok()) {
      built.error = first_error_line(read_file(spec.log));
      if (built.error.empty()) built.error = "the compiler " + result.status.describe();
      return built;
    }
    objects.push_back(object.string());
  }
  const fs::path objects_source = lab_stage / "lab_objects.cpp";
  {
    std::vector<fs::path> paths(objects.begin(), objects.end());
    std::ofstream out(objects_source);
    out << objects_file_source(paths);
  }
  const fs::path objects_object = lab_stage / "obj" / "lab_objects.o";
  built.program = lab_stage / lab.target("starter");
  for (const auto& [argv, what] : {std::pair{fill(recipe.compile_objects_file,
                                                   {{"{source}", objects_source.string()}, {"{object}", objects_object.string()}}),
                                              "compile-objects"},
                                    std::pair{fill(recipe.link,
                                                   {{"{objects_file_object}", objects_object.string()},
                                                    {"{program}", built.program.string()}},
                                                   objects),
                                              "link"}}) {
    ProcessSpec spec;
    spec.argv = argv;
    spec.cwd = recipe.build_dir;
    spec.log = lab_stage / (std::string(what) + ".log");
    spec.limit = std::chrono::seconds(120);
    const ProcessResult result = run_process(spec);
    if (!result.status.ok()) {
      built.error = first_error_line(read_file(spec.log));
      if (built.error.empty()) built.error = std::string(what) + ": " + result.status.describe();
      return built;
    }
  }
  return built;
}

// --------------------------------------------------------------- running
// What the test program said through the result channel, if it said it properly.
struct RunRecord {
  bool valid = false;
  int tsan_reports = 0;
  std::map<std::string, bool> tests;          // Suite.Test -> passed
  std::set<std::string> tests_with_reports;   // tests during which TSan reported
};

RunRecord parse_record(const std::string& channel, const std::string& nonce) {
  RunRecord record;
  const auto newline = channel.find('\n');
  // Exactly one line: a program that writes more than the harness does is not believed.
  if (newline == std::string::npos || newline + 1 != channel.size()) return record;
  const auto json = nlohmann::json::parse(channel.substr(0, newline), nullptr, false);
  namespace field = labkit::protocol::field;
  if (json.is_discarded() || !json.is_object() || json.value(field::kNonce, "") != nonce) return record;
  if (!json.contains(field::kTests) || !json[field::kTests].is_array()) return record;
  for (const auto& test : json[field::kTests]) {
    if (!test.is_array() || test.size() != 3 || !test[0].is_string() || !test[1].is_boolean() ||
        !test[2].is_number_unsigned()) {
      return record;
    }
    record.tests[test[0].get<std::string>()] = test[1].get<bool>();
    if (test[2].get<unsigned>() > 0) record.tests_with_reports.insert(test[0].get<std::string>());
  }
  record.tsan_reports = json.value(field::kTsanReports, 0);
  record.valid = true;
  return record;
}

// What the sandbox could not do on this machine (a container without namespaces, say),
// seen in any run: the reports say so, since the defences in docs/grading.md then do not hold.
struct WeakIsolation {
  std::atomic<bool> network{false};
  std::atomic<bool> pids{false};
  std::atomic<bool> hidden{false};
  std::atomic<bool> privileged{false};
};

struct RunContext {
  const GradeOptions* options;
  WeakIsolation* weak = nullptr;
  uid_t uid = kSandboxUidBase;   // this worker's sandbox uid
  std::vector<fs::path> hidden;  // what the program must not read
  std::vector<fs::path> stages;  // every submission's staging folder: all but its own are hidden too
};

std::string suite_of(const std::string& test) { return test.substr(0, test.find('.')); }

std::string condensed(std::string_view output, const Lab& lab) {
  const auto report = condense_first_report(output, "labs/" + lab.slug + "/");
  if (!report) return {};
  std::string text;
  for (const auto& line : report->lines) text += line + "\n";
  text += "How to read a " + report->kind + " report: " + report->guide + "\n";
  return text;
}

// One run of the test program in the sandbox, on some suites, and what the grader saw.
struct Observation {
  SandboxResult sandboxed;
  RunRecord record;
  Verdict verdict;  // classify()'s reading of the output: words for feedback only
  bool race = false;  // TSan reported (exit 66, or the record's count)
  std::string race_reason;
  std::string race_excerpt;
  // The program reached the end of its tests and said so properly: its record can be
  // trusted test by test (a crash or a limit leaves none).
  bool complete() const { return sandboxed.limit == Limit::none && record.valid; }
};

Observation observe(const LabRecipe& recipe, const std::string& filter, const fs::path& program,
                    const fs::path& workdir, const RunContext& context) {
  const Lab& lab = *recipe.lab;
  const std::string nonce = random_hex(16);
  SandboxSpec spec;
  spec.argv = test_launcher();
  spec.argv.push_back(program.string());
  spec.argv.push_back("--gtest_filter=" + filter);
  spec.argv.push_back("--gtest_color=no");
  fs::create_directories(workdir);
  spec.workdir = workdir;  // the sandbox gives it to spec.uid
  spec.uid = context.uid;
  spec.gid = context.uid;
  spec.hidden = context.hidden;
  for (const auto& stage : context.stages) {
    if (workdir.string().rfind(stage.string() + "/", 0) != 0) spec.hidden.push_back(stage);
  }
  spec.env = {{"PATH", "/usr/bin:/bin"},
              {"HOME", workdir.string()},
              {"LANG", "C.UTF-8"},
              {labkit::protocol::kResultNonceEnv, nonce},
              {labkit::protocol::kTestTimeoutEnv, std::to_string(std::max<long long>(5, context.options->time_limit.count() - 5))}};
  spec.wall = context.options->time_limit;
  spec.cpu = context.options->time_limit * 2;

  Observation seen;
  seen.sandboxed = run_sandboxed(spec);
  if (context.weak != nullptr) {
    if (!seen.sandboxed.network_isolated) context.weak->network = true;
    if (!seen.sandboxed.pid_isolated) context.weak->pids = true;
    if (!seen.sandboxed.hidden_enforced && !spec.hidden.empty()) context.weak->hidden = true;
    if (!seen.sandboxed.unprivileged) context.weak->privileged = true;
  }
  seen.record = parse_record(seen.sandboxed.channel, nonce);
  seen.verdict = classify(RunOutput{seen.sandboxed.status, seen.sandboxed.output, "", "labs/" + lab.slug + "/"});
  const bool exit_66 = seen.sandboxed.status.kind == ExitStatus::Kind::exited && seen.sandboxed.status.code == labkit::protocol::kExitTsanReported;
  seen.race = exit_66 || (seen.record.valid && seen.record.tsan_reports > 0) || seen.verdict.has("data-race");
  if (seen.race) {
    seen.race_reason = seen.verdict.headline.find("Sanitizer") != std::string::npos ? seen.verdict.headline
                                                                                    : "ThreadSanitizer reported a problem";
    seen.race_excerpt = condensed(seen.sandboxed.output, lab);
  }
  return seen;
}

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
std::string judge(const CriterionTests& tests, const Observation& seen, const Lab& lab, std::string& excerpt,
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
  (void)lab;
  return {};
}

LabGrade grade_lab(const GradingBuild& build, const LabFiles& files, const fs::path& stage, const RunContext& context) {
  const Lab& lab = *files.lab;
  LabGrade grade;
  grade.lab = &lab;
  grade.max_points = lab.points;
  const auto points = points_by_criterion(lab);
  const auto zero_criteria = [&](const std::string& status) {
    for (const auto& [criterion, max] : points) {
      CriterionResult result;
      result.criterion = criterion;
      result.max_points = max;
      result.status = status;
      grade.criteria.push_back(result);
    }
  };
  if (!files.refused.empty()) {
    grade.status = "refused";
    grade.message = files.refused;
    zero_criteria("not scored");
    return grade;
  }
  if (files.files.empty()) {
    grade.status = "not submitted";
    grade.message = fmt::format("no labs/{}/ files in the submission", lab.slug);
    zero_criteria("not scored");
    return grade;
  }
  const LabRecipe* recipe = build.recipe(lab);
  if (recipe == nullptr) {
    grade.status = "no tests";
    grade.message = "the course's build has no test program for this lab";
    zero_criteria("not scored");
    return grade;
  }
  const fs::path lab_stage = stage / lab.number;
  const BuiltLab built = build_lab(*recipe, files, lab_stage);
  if (!built.error.empty()) {
    grade.status = "does not compile";
    grade.message = built.error;
    zero_criteria("not scored");
    return grade;
  }

  // The runs. Each round runs the criteria still undecided together, in one process; a
  // round that ends properly (its record complete) decides each criterion from its own
  // tests. A round that crashes, hangs or hits a limit is run again one criterion per
  // process, so that one bad test costs only its own criterion. A criterion passes only if
  // it passes in every round; no_globals (a static look at the objects) needs one.
  struct Tally {
    CriterionTests tests;
    CriterionResult result;
    bool failed = false;
    int rounds = 0;
    std::set<std::string> hidden_failed;
  };
  std::vector<Tally> tallies;
  for (const auto& [criterion, max] : points) {
    Tally tally;
    tally.tests = tests_of(*recipe, criterion);
    tally.result.criterion = criterion;
    tally.result.max_points = max;
    tally.result.hidden_total = tally.tests.hidden;
    if (tally.tests.tests.empty()) {
      tally.failed = true;
      tally.result.reason = "the course has no tests for this criterion";
    }
    tallies.push_back(std::move(tally));
  }
  const int rounds = context.options->runs;
  const auto wanted = [&](const Tally& t, int round) { return !t.failed && (t.result.criterion != "no_globals" || round == 1); };
  const auto settle = [&](Tally& tally, const Observation& seen, int round) {
    std::string excerpt;
    const std::string problem = judge(tally.tests, seen, lab, excerpt, tally.hidden_failed);
    ++tally.result.runs;
    if (problem.empty()) {
      ++tally.result.runs_passed;
      return;
    }
    tally.failed = true;
    tally.result.reason = rounds > 1 ? fmt::format("run {}: {}", round, problem) : problem;
    tally.result.excerpt = excerpt;
  };
  bool saw_race = false;
  std::string race_reason;
  std::string race_excerpt;
  const auto note_race = [&](const Observation& seen, const std::string& during) {
    if (!seen.race || saw_race) return;
    saw_race = true;
    // Name the test it happened in, unless that test is one of the hidden ones.
    std::string where = "while checking " + during;
    if (!seen.record.tests_with_reports.empty()) {
      const std::string& test = *seen.record.tests_with_reports.begin();
      where = is_hidden_suite(suite_of(test)) ? "during a hidden check" : "during " + test;
    }
    race_reason = seen.race_reason + " (" + where + ")";
    race_excerpt = seen.race_excerpt;
  };
  for (int round = 1; round <= rounds; ++round) {
    std::vector<Tally*> pending;
    for (auto& tally : tallies) {
      if (wanted(tally, round)) pending.push_back(&tally);
    }
    if (pending.empty()) break;
    std::vector<const CriterionTests*> pending_tests;
    for (Tally* tally : pending) pending_tests.push_back(&tally->tests);
    const Observation together = observe(*recipe, filter_of(pending_tests), built.program,
                                         lab_stage / fmt::format("run-{}", round), context);
    if (together.complete()) {
      note_race(together, "every criterion");
      for (Tally* tally : pending) settle(*tally, together, round);
      continue;
    }
    for (Tally* tally : pending) {
      const Observation alone = observe(*recipe, filter_of({&tally->tests}), built.program,
                                        lab_stage / fmt::format("run-{}-{}", round, tally->result.criterion), context);
      note_race(alone, criterion_title(tally->result.criterion));
      settle(*tally, alone, round);
    }
  }
  std::vector<CriterionResult> results;
  for (auto& tally : tallies) {
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
    if (result.criterion == "race_free" && saw_race) {
      result.status = "failed";
      result.reason = race_reason;
      result.excerpt = race_excerpt;
    }
    results.push_back(std::move(result));
  }
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
  return grade;
}

// --------------------------------------------------------------- batches
// SUBMISSION arguments, with a folder of submissions opened into its entries. A folder is
// one submission when it looks like a course tree (a labs/ folder, or a single top folder
// holding one) or like a git repository.
std::vector<std::string> expand_submissions(const std::vector<std::string>& arguments) {
  std::vector<std::string> sources;
  for (const auto& argument : arguments) {
    std::error_code error;
    const fs::path path(argument);
    if (!fs::is_directory(fs::symlink_status(path, error)) || fs::exists(path / "labs", error) ||
        fs::exists(path / ".git", error) || fs::exists(path / "HEAD", error)) {
      sources.push_back(argument);
      continue;
    }
    std::vector<std::string> entries;
    for (const auto& entry : fs::directory_iterator(path, error)) {
      const std::string name = entry.path().filename().string();
      if (name.empty() || name.front() == '.') continue;
      entries.push_back(entry.path().string());
    }
    std::sort(entries.begin(), entries.end());
    // A folder holding only a course's files (no sub-submissions) is itself one submission.
    const bool batch = std::any_of(entries.begin(), entries.end(), [](const std::string& e) {
      std::error_code ignored;
      const fs::path p(e);
      const std::string ext = p.extension().string();
      return fs::is_directory(fs::symlink_status(p, ignored)) || ext == ".zip" || ext == ".tgz" || ext == ".gz" ||
             ext == ".tar";
    });
    if (!batch) {
      sources.push_back(argument);
      continue;
    }
    sources.insert(sources.end(), entries.begin(), entries.end());
  }
  return sources;
}

// A key for "the same files graded the same way": the submission's fingerprint and every
// setting and pristine test program that could change its score.
std::string cache_key(const Submission& submission, const GradeOptions& options, const GradingBuild& build,
                      const std::vector<const Lab*>& labs) {
  std::string text = submission.fingerprint + "|runs=" + std::to_string(options.runs) + "|limit=" +
                     std::to_string(options.time_limit.count());
  for (const Lab* lab : labs) {
    text += "|" + lab->number;
    std::error_code error;
    const auto program = test_program_path(build.dir(), lab->target("starter"));
    const auto when = fs::last_write_time(program, error);
    if (!error) text += ":" + std::to_string(when.time_since_epoch().count());
  }
  std::uint64_t hash = 1469598103934665603ull;
  for (unsigned char c : text) hash = (hash ^ c) * 1099511628211ull;
  return fmt::format("{:016x}", hash);
}

class Progress {
 public:
  explicit Progress(std::size_t total) : total_(total), shown_(stderr_is_terminal() && total > 1) { draw(); }
  void step() {
    std::lock_guard<std::mutex> lock(mutex_);
    ++done_;
    draw();
  }
  ~Progress() {
    if (shown_) std::fprintf(stderr, "\r\x1b[K");
  }

 private:
  void draw() {
    if (!shown_) return;
    constexpr std::size_t kWidth = 30;
    const std::size_t filled = total_ == 0 ? kWidth : done_ * kWidth / total_;
    std::fprintf(stderr, "\r\x1b[Kracelab: grading [%s%s] %zu/%zu", std::string(filled, '#').c_str(),
                 std::string(kWidth - filled, ' ').c_str(), done_, total_);
    std::fflush(stderr);
  }
  std::mutex mutex_;
  std::size_t total_;
  std::size_t done_ = 0;
  bool shown_;
};

}  // namespace

int run_grade(const Workspace& workspace, const GradeOptions& options) {
  if (options.submissions.empty()) throw Error("grade needs at least one submission (a folder, .zip, .tar.gz or git repository)");
  if (!is_grade_format(options.format)) {
    throw Error(fmt::format("unknown --format {}; use one of: {}", options.format, grade_formats_text()));
  }
  const std::vector<const Lab*> labs = workspace.select(options.labs);
  for (const auto& source : options.submissions) {
    std::error_code error;
    if (!fs::exists(fs::path(source), error) && source.find('@') == std::string::npos) {
      throw Error(fmt::format("no submission at {}", source));
    }
  }
  const std::vector<std::string> sources = expand_submissions(options.submissions);
  if (options.format == "gradescope" && sources.size() > 1 && options.out.empty()) {
    throw Error("--format gradescope writes one results.json: grade one submission, or give --out DIR");
  }
  const fs::path build_dir = options.grading_build.empty() ? workspace.root / "build" / "grade" : options.grading_build;
  const GradingBuild build =
      GradingBuild::prepare(workspace, build_dir, options.hidden_tests,
                            options.labs.empty() ? std::vector<const Lab*>{} : labs);

  WeakIsolation weak;
  RunContext context;
  context.options = &options;
  context.weak = &weak;
  const fs::path root = fs::absolute(workspace.root).lexically_normal();
  context.hidden.push_back(root / "solutions");
  if (!options.hidden_tests.empty()) context.hidden.push_back(fs::absolute(options.hidden_tests).lexically_normal());
  if (!options.out.empty()) context.hidden.push_back(fs::absolute(options.out).lexically_normal());
  for (const auto& source : sources) {
    std::error_code error;
    const fs::path path = fs::absolute(fs::path(source.substr(0, source.rfind('@') == std::string::npos || fs::exists(source) ? source.size() : source.rfind('@'))), error);
    if (!error) context.hidden.push_back(path.lexically_normal());
  }
  context.hidden.erase(std::remove_if(context.hidden.begin(), context.hidden.end(),
                                      [](const fs::path& p) { std::error_code e; return !fs::exists(p, e); }),
                       context.hidden.end());

  // Earlier results, for resuming a batch (only with --out, where they are kept).
  const fs::path cache_file = options.out.empty() ? fs::path() : options.out / ".racelab-grade-cache.json";
  nlohmann::json cache = nlohmann::json::object();
  if (!cache_file.empty()) {
    cache = nlohmann::json::parse(read_file(cache_file), nullptr, false);
    if (cache.is_discarded() || !cache.is_object()) cache = nlohmann::json::object();
  }

  SubmissionLimits limits;
  // Students zip whole repositories, build folders included (300 MB here): counting a
  // gigabyte of decompressed bytes takes about a second and still stops a bomb.
  limits.max_total_bytes = std::uintmax_t{1} << 30;
  std::vector<SubmissionGrade> grades(sources.size());
  std::vector<Submission> submissions(sources.size());
  std::vector<std::string> keys(sources.size());
  std::vector<std::pair<std::size_t, std::size_t>> work;  // (submission, lab) still to grade
  for (std::size_t i = 0; i < sources.size(); ++i) {
    submissions[i] = read_submission(sources[i], workspace.catalogue, limits);
    SubmissionGrade& grade = grades[i];
    grade.name = submissions[i].name;
    grade.source = sources[i];
    grade.fingerprint = submissions[i].fingerprint;
    grade.refused = submissions[i].refused;
    grade.notes = submissions[i].notes;
    keys[i] = cache_key(submissions[i], options, build, labs);
    if (cache.contains(keys[i])) {
      if (auto cached = grade_from_json(cache[keys[i]], workspace.catalogue)) {
        grades[i] = std::move(*cached);
        grades[i].source = sources[i];
        grades[i].from_cache = true;
        continue;
      }
    }
    for (const Lab* lab : labs) {
      grade.max_points += lab->points;
      LabGrade lab_grade;
      lab_grade.lab = lab;
      lab_grade.max_points = lab->points;
      grade.labs.push_back(lab_grade);
    }
    if (!grade.refused.empty()) {
      for (auto& lab_grade : grade.labs) {
        lab_grade.status = "refused";
        lab_grade.message = grade.refused;
      }
      continue;
    }
    for (std::size_t l = 0; l < labs.size(); ++l) work.emplace_back(i, l);
  }

  // The work, (submission, lab) pairs, spread over --jobs threads.
  // Each submission is built and run in a fresh folder of its own under the system's
  // temporary directory (world-traversable, so the unprivileged user the sandbox runs the
  // program as can reach it even when the course tree is private), removed afterwards.
  std::vector<std::unique_ptr<TempDir>> stages(sources.size());
  for (std::size_t i = 0; i < sources.size(); ++i) {
    if (!grades[i].from_cache && grades[i].refused.empty()) stages[i] = std::make_unique<TempDir>(
        "racelab-grade", fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                             fs::perms::others_read | fs::perms::others_exec);
  }
  for (const auto& stage : stages) {
    if (stage) context.stages.push_back(stage->path());
  }
  std::vector<std::chrono::steady_clock::duration> spent(sources.size());
  std::mutex spent_mutex;
  Progress progress(work.size());
  std::atomic<std::size_t> next{0};
  std::mutex error_mutex;
  std::string first_error;
  const auto worker = [&](int slot) {
    RunContext own = context;
    own.uid = kSandboxUidBase + static_cast<uid_t>(slot);
    while (true) {
      const std::size_t index = next.fetch_add(1);
      if (index >= work.size()) return;
      const std::size_t i = work[index].first;
      const std::size_t l = work[index].second;
      const auto started = std::chrono::steady_clock::now();
      try {
        const auto& files = submissions[i].labs;
        const auto it = std::find_if(files.begin(), files.end(), [&](const LabFiles& f) { return f.lab == labs[l]; });
        LabFiles empty;
        empty.lab = labs[l];
        grades[i].labs[l] = grade_lab(build, it == files.end() ? empty : *it, stages[i]->path(), own);
      } catch (const std::exception& error) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (first_error.empty()) first_error = error.what();
        grades[i].labs[l].status = "not graded";
        grades[i].labs[l].message = error.what();
      }
      {
        std::lock_guard<std::mutex> lock(spent_mutex);
        spent[i] += std::chrono::steady_clock::now() - started;
      }
      progress.step();
    }
  };
  std::vector<std::thread> threads;
  const int jobs = std::max(1, std::min<int>(options.jobs, static_cast<int>(std::max<std::size_t>(work.size(), 1))));
  for (int j = 0; j < jobs; ++j) threads.emplace_back(worker, j);
  for (auto& thread : threads) thread.join();
  stages.clear();

  for (std::size_t i = 0; i < sources.size(); ++i) {
    if (grades[i].from_cache) continue;
    grades[i].points = 0;
    for (const auto& lab : grades[i].labs) grades[i].points += lab.points;
    grades[i].seconds = std::chrono::duration<double>(spent[i]).count();
    const bool complete = std::none_of(grades[i].labs.begin(), grades[i].labs.end(),
                                       [](const LabGrade& g) { return g.status == "not graded"; });
    if (complete) cache[keys[i]] = grade_to_json(grades[i]);
  }
  if (!cache_file.empty()) {
    fs::create_directories(options.out);
    std::ofstream out(cache_file, std::ios::trunc);
    out << cache.dump() << '\n';
  }
  std::string missing;
  for (const auto& [flag, words] : {std::pair{weak.network.load(), "no network namespace"},
                                    std::pair{weak.pids.load(), "no PID namespace"},
                                    std::pair{weak.hidden.load(), "hidden paths not enforced"},
                                    std::pair{weak.privileged.load(), "not an unprivileged user"}}) {
    if (flag) missing += (missing.empty() ? "" : ", ") + std::string(words);
  }
  if (!missing.empty()) {
    const std::string note = "the sandbox was weaker on this machine (" + missing + "): see docs/grading.md";
    std::fprintf(stderr, "racelab: %s\n", note.c_str());
    for (auto& grade : grades) {
      if (!grade.from_cache) grade.notes.push_back(note);
    }
  }
  write_grades(grades, options.format, options.out);
  if (!first_error.empty()) {
    std::fprintf(stderr, "racelab: some labs could not be graded: %s\n", first_error.c_str());
    return kExitUsage;
  }
  return kExitOk;
}

}  // namespace labctl
