// Git submissions (git_reader.hpp).
#include "grade/submission/git_reader.hpp"

#include "base/errors.hpp"
#include "base/process.hpp"
#include "base/temp_dir.hpp"
#include "base/text.hpp"
#include "grade/submission/archive_reader.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <optional>
#include <vector>

namespace labctl::submission_intake {
namespace {

namespace fs = std::filesystem;

// git, looked up in PATH before it is started so that "not installed" is a clear error.
void require_git() {
  if (find_in_path("git").empty()) throw Error("reading a git repository needs git: apt-get install git");
}

// The environment git runs with: none of the caller's GIT_* variables (a GIT_DIR set by a
// hook would point git elsewhere), no system or global configuration, never a prompt.
std::vector<std::string> git_environment(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (auto& entry : inherited_environment()) {
    if (entry.rfind("GIT_", 0) != 0 && entry.rfind("LC_ALL=", 0) != 0) env.push_back(std::move(entry));
  }
  for (const char* setting : {"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_TERMINAL_PROMPT=0",
                              "GIT_OPTIONAL_LOCKS=0", "GIT_ATTR_NOSYSTEM=1", "GIT_NO_REPLACE_OBJECTS=1", "LC_ALL=C"}) {
    env.emplace_back(setting);
  }
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

// One git command: its stdout on a pipe, its stderr in `errors`, in its own process group
// (killed as a whole) and under the time limit (base's PipedProcess). A git that cannot
// even be started here (its folder unreadable, say) is a failed command like any other,
// not an exception: a bad submission is a value.
class GitCommand {
 public:
  GitCommand(std::vector<std::string> args, std::vector<std::string> env, const fs::path& cwd,
             const fs::path& errors, std::chrono::seconds limit)
      : errors_(errors) {
    require_git();
    ProcessSpec spec;
    spec.argv = std::move(args);
    spec.argv.insert(spec.argv.begin(), "git");
    spec.env = std::move(env);
    spec.log = errors;
    spec.cwd = cwd;
    spec.limit = limit;
    try {
      process_.emplace(spec);
    } catch (const Error& error) {
      start_failure_ = error.what();
    }
  }

  // As PipedProcess::read; -1 when git never started.
  ssize_t read(char* buffer, std::size_t size) { return process_ ? process_->read(buffer, size) : -1; }

  // All of stdout (small outputs only: up to 64 KiB).
  std::string read_all() { return process_ ? process_->read_all() : std::string(); }

  // Closes the pipe, waits for git (to the time limit), kills its group. True if git exited 0.
  bool finish() { return process_ && process_->finish().status.ok(); }

  // Why reading stopped early, when it did (or why git never started).
  std::string failure() const { return process_ ? process_->failure() : start_failure_; }

  // git's first line on stderr, for messages.
  std::string error_line() const {
    if (!failure().empty()) return failure();
    std::string text = read_file(errors_);
    text = text.substr(0, text.find('\n'));
    if (text.rfind("fatal: ", 0) == 0) text = text.substr(7);
    return text.empty() ? "git failed" : text;
  }

  std::vector<char> block = std::vector<char>(kChunk);  // for read_git_pipe

 private:
  fs::path errors_;
  std::optional<PipedProcess> process_;
  std::string start_failure_;
};

// libarchive's read callback over git's stdout.
la_ssize_t read_git_pipe(archive* a, void* data, const void** block) {
  auto* git = static_cast<GitCommand*>(data);
  const ssize_t got = git->read(git->block.data(), git->block.size());
  if (got < 0) {
    archive_set_error(a, EIO, "%s", git->failure().c_str());
    return ARCHIVE_FATAL;
  }
  *block = git->block.data();
  return got;
}

// How git is run on the student's repository (never its own configuration's commands).
struct Repository {
  fs::path where;                    // canonical
  std::vector<std::string> options;  // before the subcommand: -c ...
  std::vector<std::string> env;
  fs::path errors;
  std::chrono::seconds limit;
};

Repository repository_at(const fs::path& where, const fs::path& errors, std::chrono::seconds limit) {
  Repository repository{where, {}, git_environment({}), errors, limit};
  // Root grading a student's repository is "dubious ownership" to git: trust this one only.
  repository.options = {"-c", "safe.directory=" + where.string()};
  if (where.filename() == ".git") {
    repository.options.insert(repository.options.end(), {"-c", "safe.directory=" + where.parent_path().string()});
  }
  repository.options.insert(repository.options.end(), {"-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null"});
  return repository;
}

// What `git rev-parse ARGS` printed (trimmed), and how it went.
struct RevParse {
  std::string out;
  bool ok = false;
  std::string failure;     // why reading stopped early, when it did
  std::string error_line;  // git's words
};

RevParse rev_parse(const Repository& repository, const std::vector<std::string>& args) {
  std::vector<std::string> argv = repository.options;
  argv.push_back("rev-parse");
  argv.insert(argv.end(), args.begin(), args.end());
  GitCommand git(argv, repository.env, repository.where, repository.errors, repository.limit);
  RevParse result;
  result.out = std::string(trim(git.read_all()));
  result.ok = git.finish();
  result.failure = git.failure();
  result.error_line = git.error_line();
  return result;
}

// The least git takes for a repository: HEAD, objects/ and refs/.
fs::path make_scratch_repository(const fs::path& temp) {
  const fs::path scratch = temp / "repo.git";
  std::error_code error;
  fs::create_directories(scratch / "objects", error);
  fs::create_directories(scratch / "refs", error);
  std::ofstream(scratch / "HEAD") << "ref: refs/heads/main\n";
  if (error || !fs::is_regular_file(scratch / "HEAD", error)) {
    throw Error(fmt::format("cannot prepare a scratch repository in {}", temp.string()));
  }
  return scratch;
}

// Streams `commit` from `git archive` in a scratch repository that borrows the objects of
// `git_dir` into `intake`. Returns why the submission is refused, or "".
std::string read_commit(const std::string& commit, const fs::path& git_dir, const fs::path& temp,
                        const Repository& repository, const std::string& label, Intake& intake) {
  const fs::path scratch = make_scratch_repository(temp);
  GitCommand archiver({"archive", "--format=tar", commit},
                      git_environment({"GIT_DIR=" + scratch.string(),
                                       "GIT_ALTERNATE_OBJECT_DIRECTORIES=" + (git_dir / "objects").string()}),
                      temp, repository.errors, repository.limit);
  ArchivePtr reader = new_reader();
  std::string refused;
  if (archive_read_open(reader.get(), &archiver, nullptr, read_git_pipe, nullptr) != ARCHIVE_OK) {
    refused = fmt::format("cannot read {}: {}", label,
                          archiver.failure().empty() ? archive_message(reader.get()) : archiver.failure());
  } else {
    refused = read_entries(reader.get(), label, intake);
  }
  reader.reset();
  const bool ok = archiver.finish();
  if (!ok && (refused.empty() || refused.rfind("corrupt", 0) == 0 || refused.rfind("empty", 0) == 0 ||
              refused.rfind("cannot", 0) == 0)) {
    refused = fmt::format("git archive failed for {}: {}", label, archiver.error_line());
  }
  return refused;
}

}  // namespace

bool is_git_repository(const fs::path& folder) {
  std::error_code error;
  if (fs::exists(fs::symlink_status(folder / ".git", error))) return true;
  return fs::is_regular_file(folder / "HEAD", error) && fs::is_directory(folder / "objects", error) &&
         fs::is_directory(folder / "refs", error);
}

Submission read_git(const fs::path& repo, const std::string& rev, const std::string& name, Intake& intake,
                    bool& unreadable) {
  if (rev.empty() || rev.front() == '-') return intake.finish(name, fmt::format("not a revision: `{}`", rev));
  std::error_code error;
  const fs::path where = fs::canonical(repo, error);
  unreadable = static_cast<bool>(error);
  if (error) return intake.finish(name, fmt::format("cannot read {}: {}", repo.string(), error.message()));
  const TempDir temp("labctl-submission");
  const Repository repository = repository_at(where, temp.path() / "git-errors", intake.limits().git_time_limit);

  const RevParse common = rev_parse(repository, {"--path-format=absolute", "--git-common-dir"});
  if (!common.ok || common.out.empty()) {
    unreadable = true;
    return intake.finish(name,
                         fmt::format("not a readable git repository: {}: {}", repo.string(), common.error_line));
  }
  const RevParse commit = rev_parse(repository, {"--verify", "--quiet", rev + "^{commit}"});
  if (!commit.ok || commit.out.empty()) {
    unreadable = true;
    if (!commit.failure.empty()) {
      return intake.finish(name, fmt::format("cannot read the repository {}: {}", repo.string(), commit.failure));
    }
    return intake.finish(name, fmt::format("no commit `{}` in the repository {}", rev, repo.string()));
  }
  // It becomes an argument of git archive: an object name and nothing else.
  if (commit.out.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return intake.finish(name, fmt::format("git named commit `{}` oddly: {}", rev, commit.out.substr(0, 80)));
  }
  const std::string refused = read_commit(commit.out, common.out, temp.path(), repository, name, intake);
  if (refused.empty()) intake.note(fmt::format("graded commit {} ({})", commit.out.substr(0, 12), rev));
  return intake.finish(name, refused);
}

}  // namespace labctl::submission_intake
