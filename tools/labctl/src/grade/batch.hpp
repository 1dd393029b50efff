// A `grade` run's submissions as a batch: the arguments opened into submissions, each
// read once, the earlier results of a resumed batch taken from the cache, and the work
// left, (submission, lab) pairs, spread over worker threads.
#pragma once

#include "course/catalogue.hpp"
#include "grade/grade.hpp"
#include "grade/grade_build.hpp"
#include "grade/lab_costs.hpp"
#include "grade/observation.hpp"
#include "grade/submission/submission.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace labctl {

// SUBMISSION arguments, with a folder of submissions opened into its entries. A folder is
// one submission when it looks like a course tree (a labs/ folder, or a single top folder
// holding one) or like a git repository.
std::vector<std::string> expand_submissions(const std::vector<std::string>& arguments);

// Gives every submission of a batch a name of its own, in place: first each name becomes
// what a report's file can be called (grade_report.hpp's file_stem: "a b" is "a_b"); then a
// name several share, case aside ("alice" from alice/ and alice.zip), becomes each one's
// file name ("alice", "alice.zip"), or else the name with "-2", "-3", ... in `sources`
// order; each change with a note saying why. Reports, their file names and the resume
// cache all go by the name: none may stand for two students.
void name_apart(std::vector<Submission>& submissions, const std::vector<std::string>& sources);

// Earlier results, for resuming a batch: kept in OUT/.racelab-grade-cache.json (only with
// --out), keyed by cache_key.
class ResumeCache {
 public:
  // Reads the cache in `out` (empty: no cache, nothing found, nothing saved).
  explicit ResumeCache(const std::filesystem::path& out);

  // The grade stored under `key`, if it still fits the catalogue.
  std::optional<SubmissionGrade> find(const std::string& key, const Catalogue& catalogue) const;
  void store(const std::string& key, const SubmissionGrade& grade);
  // Writes the cache back (creating `out`), when there is one.
  void save() const;

 private:
  std::filesystem::path out_;
  std::filesystem::path file_;
  nlohmann::json cache_;
};

// A key for "this student's same files graded the same way": the submission's name and
// fingerprint, and every setting and pristine test program that could change its score.
// With the name in it, two students who hand in identical files keep a row each.
std::string cache_key(const Submission& submission, const GradeOptions& options, const GradingBuild& build,
                      const std::vector<const Lab*>& labs);

// The submissions of one run, each with its grade as it is filled in.
struct Batch {
  std::vector<std::string> sources;
  std::vector<Submission> submissions;
  std::vector<SubmissionGrade> grades;
  std::vector<std::string> keys;                          // cache_key of each
  std::vector<std::pair<std::size_t, std::size_t>> work;  // (submission, lab) still to grade
  std::vector<std::chrono::steady_clock::duration> spent; // grading time of each
};

// Reads every source (a bad one is a refused grade, not an error) and lays out its grade:
// from the cache, refused (every lab "refused"), or with its labs as work to do.
Batch read_batch(const std::vector<std::string>& sources, const Catalogue& catalogue,
                 const std::vector<const Lab*>& labs, const ResumeCache& cache, const GradeOptions& options,
                 const GradingBuild& build);

// Grades the batch's work on `jobs` threads, each in a fresh staging folder per submission,
// showing progress on a terminal; each submission's dearest labs first, as `costs` knows
// them, and what each lab graded through took is recorded in `costs`. A lab whose grading
// threw is "not graded"; returns the first such error's message ("" when none).
std::string grade_batch(Batch& batch, const std::vector<const Lab*>& labs, const GradingBuild& build,
                        RunContext context, int jobs, LabCosts& costs);

// Each graded submission's total and time; the complete ones go into the cache.
void total_batch(Batch& batch, ResumeCache& cache);

}  // namespace labctl
