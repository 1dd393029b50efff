// run_grade: the options checked, the grader's build prepared, the batch read (batch.hpp),
// each lab graded (score_lab.hpp) on worker threads, and every format written from the
// results (grade_report.hpp).
#include "grade/grade.hpp"

#include "base/errors.hpp"
#include "grade/batch.hpp"
#include "grade/grade_build.hpp"
#include "grade/grade_report.hpp"
#include "grade/observation.hpp"
#include "grade/shard.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>

namespace labctl {
namespace {

namespace fs = std::filesystem;

// The usage errors in the options themselves: no submission, an unknown format.
void check_options(const GradeOptions& options) {
  if (options.submissions.empty()) {
    throw Error(options.merge ? "grade --merge needs the shards' report folders"
                              : "grade needs at least one submission (a folder, .zip, .tar.gz or git repository)");
  }
  if (!is_grade_format(options.format)) {
    throw Error(fmt::format("unknown --format {}; use one of: {}", options.format, grade_formats_text()));
  }
}

// Every submission named must exist (or be PATH@REV, checked when it is read).
void check_sources_exist(const std::vector<std::string>& submissions) {
  for (const auto& source : submissions) {
    std::error_code error;
    if (!fs::exists(fs::path(source), error) && source.find('@') == std::string::npos) {
      throw Error(fmt::format("no submission at {}", source));
    }
  }
}

// What no test program may read: the solutions, the hidden tests, the grader's output and
// every submission (those that exist).
std::vector<fs::path> hidden_paths(const Workspace& workspace, const GradeOptions& options,
                                   const std::vector<std::string>& sources) {
  std::vector<fs::path> hidden;
  const fs::path root = fs::absolute(workspace.root).lexically_normal();
  hidden.push_back(root / "solutions");
  if (!options.hidden_tests.empty()) hidden.push_back(fs::absolute(options.hidden_tests).lexically_normal());
  if (!options.out.empty()) hidden.push_back(fs::absolute(options.out).lexically_normal());
  for (const auto& source : sources) {
    std::error_code error;
    const fs::path path = fs::absolute(fs::path(source.substr(0, source.rfind('@') == std::string::npos || fs::exists(source) ? source.size() : source.rfind('@'))), error);
    if (!error) hidden.push_back(path.lexically_normal());
  }
  hidden.erase(std::remove_if(hidden.begin(), hidden.end(),
                              [](const fs::path& p) { std::error_code e; return !fs::exists(p, e); }),
               hidden.end());
  return hidden;
}

// When the sandbox was weaker than designed in any run: a note on stderr and in each
// submission graded now.
void note_weak_isolation(const WeakIsolation& weak, std::vector<SubmissionGrade>& grades) {
  std::string missing;
  for (const auto& [flag, words] : {std::pair{weak.network.load(), "no network namespace"},
                                    std::pair{weak.pids.load(), "no PID namespace"},
                                    std::pair{weak.hidden.load(), "hidden paths not enforced"},
                                    std::pair{weak.privileged.load(), "not an unprivileged user"},
                                    std::pair{weak.compiler.load(), "the compiler ran as the grader: the course's "
                                                                    "folder is private to it"}}) {
    if (flag) missing += (missing.empty() ? "" : ", ") + std::string(words);
  }
  if (missing.empty()) return;
  const std::string note = "the sandbox was weaker on this machine (" + missing + "): see docs/grading.md";
  std::fprintf(stderr, "racelab: %s\n", note.c_str());
  for (auto& grade : grades) {
    if (!grade.from_cache) grade.notes.push_back(note);
  }
}

}  // namespace

int run_grade(const Workspace& workspace, const GradeOptions& options) {
  check_options(options);
  if (options.merge) {
    const std::vector<fs::path> dirs(options.submissions.begin(), options.submissions.end());
    write_grades(read_shard_reports(dirs, workspace.catalogue), options.format, options.out);
    return kExitOk;
  }
  const std::vector<const Lab*> labs = workspace.select(options.labs);
  check_sources_exist(options.submissions);
  std::vector<std::string> sources = expand_submissions(options.submissions);
  if (options.shard_count > 0) sources = sources_of_shard(sources, {options.shard_index, options.shard_count});
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
  context.course_root = fs::absolute(workspace.root).lexically_normal();
  context.hidden = hidden_paths(workspace, options, sources);

  ResumeCache cache(options.out);
  Batch batch = read_batch(sources, workspace.catalogue, labs, cache, options, build);
  // Kept with the grader's build: what its labs cost on this machine (lab_costs.hpp).
  const fs::path costs_file = build.dir() / "lab-seconds.json";
  LabCosts costs = LabCosts::load(costs_file);
  const std::string first_error = grade_batch(batch, labs, build, context, options.jobs, costs);
  costs.save(costs_file);
  total_batch(batch, cache);
  cache.save();
  note_weak_isolation(weak, batch.grades);
  write_grades(batch.grades, options.format, options.out);
  if (!first_error.empty()) {
    std::fprintf(stderr, "racelab: some labs could not be graded: %s\n", first_error.c_str());
    return kExitUsage;
  }
  return kExitOk;
}

}  // namespace labctl
