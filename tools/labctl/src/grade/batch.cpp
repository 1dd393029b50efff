// A `grade` run's batch (batch.hpp): reading, resuming, and the worker threads.
#include "grade/batch.hpp"

#include "base/process.hpp"  // read_file
#include "base/style.hpp"
#include "base/temp_dir.hpp"
#include "grade/grade_report.hpp"
#include "grade/lab_costs.hpp"
#include "grade/score_lab.hpp"
#include "grade/submission/fingerprint.hpp"
#include "grade/submission/intake.hpp"
#include "run/test_program.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

namespace labctl {
namespace {

namespace fs = std::filesystem;

// Whether the folder `argument` holds several submissions (folders or archives) rather
// than being one; its entries, sorted, either way.
bool is_batch_folder(const fs::path& path, std::vector<std::string>& entries) {
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(path, error)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.front() == '.') continue;
    entries.push_back(entry.path().string());
  }
  std::sort(entries.begin(), entries.end());
  // A folder holding only a course's files (no sub-submissions) is itself one submission.
  return std::any_of(entries.begin(), entries.end(), [](const std::string& e) {
    std::error_code ignored;
    const fs::path p(e);
    const std::string ext = p.extension().string();
    return fs::is_directory(fs::symlink_status(p, ignored)) || ext == ".zip" || ext == ".tgz" || ext == ".gz" ||
           ext == ".tar";
  });
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

// A submission's grade before grading: its labs laid out, or all refused.
SubmissionGrade new_grade(const Submission& submission, const std::string& source,
                          const std::vector<const Lab*>& labs) {
  SubmissionGrade grade;
  grade.name = submission.name;
  grade.source = source;
  grade.fingerprint = submission.fingerprint;
  grade.refused = submission.refused;
  grade.notes = submission.notes;
  for (const Lab* lab : labs) {
    grade.max_points += lab->points;
    LabGrade lab_grade;
    lab_grade.lab = lab;
    lab_grade.max_points = lab->points;
    if (!grade.refused.empty()) {
      lab_grade.status = "refused";
      lab_grade.message = grade.refused;
    }
    grade.labs.push_back(lab_grade);
  }
  return grade;
}

// Each submission's clock (budget.hpp): its workers are as many as it has labs to grade,
// up to `jobs`.
std::vector<std::unique_ptr<SubmissionClock>> clocks_for(const Batch& batch, const GradeOptions& options, int jobs) {
  std::vector<int> labs(batch.sources.size(), 0);
  for (const auto& [i, l] : batch.work) ++labs[i];
  std::vector<std::unique_ptr<SubmissionClock>> clocks;
  for (int count : labs)
    clocks.push_back(std::make_unique<SubmissionClock>(options.submission_time_limit, std::min(count, jobs)));
  return clocks;
}

// The work shared by the worker threads.
struct Workers {
  Workers(Batch& work, const std::vector<const Lab*>& graded, const GradingBuild& grading_build,
          const std::vector<std::unique_ptr<TempDir>>& staging, std::vector<std::unique_ptr<SubmissionClock>> times,
          LabCosts& lab_costs)
      : batch(work), labs(graded), build(grading_build), stages(staging), clocks(std::move(times)),
        costs(lab_costs), progress(work.work.size()) {}

  Batch& batch;
  const std::vector<const Lab*>& labs;
  const GradingBuild& build;
  const std::vector<std::unique_ptr<TempDir>>& stages;
  std::vector<std::unique_ptr<SubmissionClock>> clocks;  // one per submission
  LabCosts& costs;  // what each lab took, when it was graded through
  Progress progress;
  std::atomic<std::size_t> next{0};
  std::mutex mutex;  // for spent, costs and first_error
  std::string first_error;

  // Grades work item `index` as `context` says.
  void grade(std::size_t index, const RunContext& context) {
    const std::size_t i = batch.work[index].first;
    const std::size_t l = batch.work[index].second;
    const auto started = std::chrono::steady_clock::now();
    clocks[i]->lab_started();
    try {
      const auto& files = batch.submissions[i].labs;
      const auto it = std::find_if(files.begin(), files.end(), [&](const LabFiles& f) { return f.lab == labs[l]; });
      LabFiles empty;
      empty.lab = labs[l];
      const Budget budget(context.options->lab_time_limit, clocks[i].get());
      batch.grades[i].labs[l] = grade_lab(build, it == files.end() ? empty : *it, stages[i]->path(), context, budget);
    } catch (const std::exception& error) {
      std::lock_guard<std::mutex> lock(mutex);
      if (first_error.empty()) first_error = error.what();
      batch.grades[i].labs[l].status = "not graded";
      batch.grades[i].labs[l].message = error.what();
    }
    clocks[i]->lab_ended();
    {
      std::lock_guard<std::mutex> lock(mutex);
      const auto took = std::chrono::steady_clock::now() - started;
      batch.spent[i] += took;
      // Only a lab graded through costs what the next one will: a refused or broken file
      // stops early.
      if (batch.grades[i].labs[l].status == "graded")
        costs.record(labs[l]->number, std::chrono::duration<double>(took).count());
    }
    progress.step();
  }

  // One worker thread, in slot `slot`: its own sandbox uid.
  void run(const RunContext& context, int slot) {
    RunContext own = context;
    own.uid = kSandboxUidBase + static_cast<uid_t>(slot);
    for (std::size_t index = next.fetch_add(1); index < batch.work.size(); index = next.fetch_add(1)) {
      grade(index, own);
    }
  }
};

}  // namespace

void name_apart(std::vector<Submission>& submissions, const std::vector<std::string>& sources) {
  // First each name as a report's file will be called: names that differ only in what a
  // file name cannot hold ("a b" and "a_b"; a newline, a terminal escape) must be told
  // apart below, and a name printed in a table or a CSV line can forge no other row.
  for (auto& submission : submissions) {
    const std::string safe = file_stem(submission.name);
    if (safe == submission.name) continue;
    submission.notes.push_back(fmt::format("named {}: the name handed in ({}) holds characters a report's file "
                                           "name cannot",
                                           safe, submission_intake::printable(submission.name)));
    submission.name = safe;
  }
  // Case folded: the reports may be copied to a disk that ignores case.
  const auto key = [](std::string name) {
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return name;
  };
  std::map<std::string, int> count;
  for (const auto& submission : submissions) ++count[key(submission.name)];
  std::set<std::string> taken;  // every name not shared, and those given so far (folded)
  for (const auto& submission : submissions) {
    if (count[key(submission.name)] == 1) taken.insert(key(submission.name));
  }
  for (std::size_t i = 0; i < submissions.size(); ++i) {
    Submission& submission = submissions[i];
    if (count[key(submission.name)] < 2) continue;
    const std::string shared = submission.name;
    fs::path path(sources[i]);
    if (!path.has_filename()) path = path.parent_path();
    std::string name = file_stem(path.filename().string());  // "alice.zip", "alice"
    if (path.filename().empty() || name.front() == '.' || name.front() == '_' || taken.count(key(name)) > 0) {
      name = shared;
    }
    for (int n = 2; taken.count(key(name)) > 0; ++n) name = fmt::format("{}-{}", shared, n);
    taken.insert(key(name));
    if (name != shared) {
      submission.notes.push_back(
          fmt::format("named {}: another submission in this batch is also called {}", name, shared));
    }
    submission.name = name;
  }
}

std::vector<std::string> expand_submissions(const std::vector<std::string>& arguments) {
  std::vector<std::string> sources;
  for (const auto& argument : arguments) {
    std::error_code error;
    const fs::path path(argument);
    std::vector<std::string> entries;
    if (!fs::is_directory(fs::symlink_status(path, error)) || fs::exists(path / "labs", error) ||
        fs::exists(path / ".git", error) || fs::exists(path / "HEAD", error) || !is_batch_folder(path, entries)) {
      sources.push_back(argument);
      continue;
    }
    sources.insert(sources.end(), entries.begin(), entries.end());
  }
  return sources;
}

ResumeCache::ResumeCache(const fs::path& out)
    : out_(out), file_(out.empty() ? fs::path() : out / ".racelab-grade-cache.json"), cache_(nlohmann::json::object()) {
  if (file_.empty()) return;
  cache_ = nlohmann::json::parse(read_file(file_), nullptr, false);
  if (cache_.is_discarded() || !cache_.is_object()) cache_ = nlohmann::json::object();
}

std::optional<SubmissionGrade> ResumeCache::find(const std::string& key, const Catalogue& catalogue) const {
  if (!cache_.contains(key)) return std::nullopt;
  return grade_from_json(cache_[key], catalogue);
}

void ResumeCache::store(const std::string& key, const SubmissionGrade& grade) { cache_[key] = grade_to_json(grade); }

void ResumeCache::save() const {
  if (file_.empty()) return;
  fs::create_directories(out_);
  std::ofstream out(file_, std::ios::trunc);
  out << json_text(cache_) << '\n';
}

std::string cache_key(const Submission& submission, const GradeOptions& options, const GradingBuild& build,
                      const std::vector<const Lab*>& labs) {
  // The name too: two students who hand in the same files are two rows, each under their own name.
  std::string text = "name=" + std::to_string(submission.name.size()) + ":" + submission.name + "|" +
                     submission.fingerprint + "|runs=" + std::to_string(options.runs) +
                     "|limit=" + std::to_string(options.time_limit.count()) +
                     "|lab-limit=" + std::to_string(options.lab_time_limit.count()) +
                     "|submission-limit=" + std::to_string(options.submission_time_limit.count());
  for (const Lab* lab : labs) {
    text += "|" + lab->number;
    std::error_code error;
    const auto program = test_program_path(build.dir(), lab->target("starter"));
    const auto when = fs::last_write_time(program, error);
    if (!error) text += ":" + std::to_string(when.time_since_epoch().count());
  }
  return fnv1a_hex(text);
}

Batch read_batch(const std::vector<std::string>& sources, const Catalogue& catalogue,
                 const std::vector<const Lab*>& labs, const ResumeCache& cache, const GradeOptions& options,
                 const GradingBuild& build) {
  SubmissionLimits limits;
  // Students zip whole repositories, build folders included (300 MB here): counting a
  // gigabyte of decompressed bytes takes about a second and still stops a bomb.
  limits.max_total_bytes = std::uintmax_t{1} << 30;
  Batch batch;
  batch.sources = sources;
  batch.spent.resize(sources.size());
  for (const auto& source : sources) batch.submissions.push_back(read_submission(source, catalogue, limits));
  name_apart(batch.submissions, sources);
  for (std::size_t i = 0; i < sources.size(); ++i) {
    batch.keys.push_back(cache_key(batch.submissions[i], options, build, labs));
    if (auto cached = cache.find(batch.keys[i], catalogue); cached && cached->name == batch.submissions[i].name) {
      cached->source = sources[i];
      cached->from_cache = true;
      batch.grades.push_back(std::move(*cached));
      continue;
    }
    batch.grades.push_back(new_grade(batch.submissions[i], sources[i], labs));
    if (!batch.grades[i].refused.empty()) continue;
    for (std::size_t l = 0; l < labs.size(); ++l) batch.work.emplace_back(i, l);
  }
  return batch;
}

std::string grade_batch(Batch& batch, const std::vector<const Lab*>& labs, const GradingBuild& build,
                        RunContext context, int jobs, LabCosts& costs) {
  // Each submission is built and run in a fresh folder of its own under the system's
  // temporary directory (world-traversable, so the unprivileged user the sandbox runs the
  // program as can reach it even when the course tree is private), removed afterwards.
  std::vector<std::unique_ptr<TempDir>> stages(batch.sources.size());
  for (std::size_t i = 0; i < batch.sources.size(); ++i) {
    if (!batch.grades[i].from_cache && batch.grades[i].refused.empty()) stages[i] = std::make_unique<TempDir>(
        "racelab-grade", fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                             fs::perms::others_read | fs::perms::others_exec);
  }
  for (const auto& stage : stages) {
    if (stage) context.stages.push_back(stage->path());
  }
  std::vector<std::string> numbers;
  for (const Lab* lab : labs) numbers.push_back(lab->number);
  order_dearest_first(batch.work, numbers, costs);
  jobs = std::max(1, std::min<int>(jobs, static_cast<int>(std::max<std::size_t>(batch.work.size(), 1))));
  Workers workers(batch, labs, build, stages, clocks_for(batch, *context.options, jobs), costs);
  std::vector<std::thread> threads;
  for (int j = 0; j < jobs; ++j) threads.emplace_back([&workers, &context, j] { workers.run(context, j); });
  for (auto& thread : threads) thread.join();
  return workers.first_error;
}

void total_batch(Batch& batch, ResumeCache& cache) {
  for (std::size_t i = 0; i < batch.sources.size(); ++i) {
    SubmissionGrade& grade = batch.grades[i];
    if (grade.from_cache) continue;
    grade.points = 0;
    for (const auto& lab : grade.labs) grade.points += lab.points;
    grade.seconds = std::chrono::duration<double>(batch.spent[i]).count();
    const bool complete = std::none_of(grade.labs.begin(), grade.labs.end(),
                                       [](const LabGrade& g) { return g.status == "not graded"; });
    if (complete) cache.store(batch.keys[i], grade);
  }
}

}  // namespace labctl
