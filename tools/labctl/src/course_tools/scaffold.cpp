#include "course_tools/scaffold.hpp"

#include "base/errors.hpp"
#include "base/process.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cstdio>
#include <fstream>
#include <system_error>

namespace labctl {

namespace fs = std::filesystem;

namespace {

// "12-thread-pool" -> "thread_pool": the file names and nothing else of the lab's code.
std::string base_name(const std::string& slug) {
  std::string base = slug.substr(3);
  for (char& c : base) {
    if (c == '-') c = '_';
  }
  return base;
}

// "12-thread-pool" -> "Thread pool".
std::string default_title(const std::string& slug) {
  std::string title = slug.substr(3);
  for (char& c : title) {
    if (c == '-') c = ' ';
  }
  title[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(title[0])));
  return title;
}

// A TOML basic string's contents.
std::string toml_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\' || c == '"') out += '\\';
    out += c;
  }
  return out;
}

// Creates `file` holding `text`; never replaces one (O_EXCL through "wx").
void create_file(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::FILE* out = std::fopen(file.c_str(), "wx");
  if (out == nullptr) throw Error(fmt::format("cannot create {}: it exists or the folder is not writable", file.string()));
  const bool written = std::fwrite(text.data(), 1, text.size(), out) == text.size();
  if (std::fclose(out) != 0 || !written) throw Error(fmt::format("cannot write {}", file.string()));
}

constexpr const char* kReadme = R"(# Lab {nn} — {title}

**Lesson:** adding into one shared total from several threads loses updates; give each
task its own part of the sum and add the parts up at the end.

> Scaffolded by `tools/lab new {slug}`: a working example to replace with your lab. Keep
> `tools/lab verify {nn}` passing while you rewrite the handout, `{base}.hpp`, the starter
> `{base}.cpp`, `solutions/{slug}/{base}.cpp` and `tests/{slug}.cpp`.

## The scenario

`sum_of_squares` in `{base}.cpp` adds up the squares of a list of numbers. To go faster it
starts four threads, and every thread adds into the same global total: `+=` is a load, an
add and a store, so two threads can both load the same total and one addition is lost.

## What you will see

```
tools/lab check {nn}
```

ThreadSanitizer reports a data race on `g_total`, in `{base}.cpp`.

## Your task

Edit `labs/{slug}/{base}.cpp` where it says `TODO`: split the numbers into chunks, sum each
chunk in its own task on the executor (`executor.map`), and add the partial sums up on the
calling thread. No global variable may be left. `tools/lab hint {nn}` when stuck.
)";

constexpr const char* kHeader = R"(// Lab {nn} — {title}. The interface the tests call: do not change this file.
#pragma once

#include <labkit/executor.hpp>

#include <vector>

namespace lab{nn} {{

/// The sum of the squares of `values`. Must use `executor` to spread the work over several
/// tasks, and must return the same sum as a plain loop, every time.
long long sum_of_squares(const std::vector<int>& values, labkit::Executor& executor);

}}  // namespace lab{nn}
)";

constexpr const char* kStarter = R"(// Lab {nn} — {title}.
//
// Four threads add the squares of their share of the numbers into one global total. `+=`
// is three steps (load, add, store): two threads can load the same total and one addition
// is lost. ThreadSanitizer reports it as a data race.
//
// TODO: make sum_of_squares race-free WITHOUT any shared total:
//   - split the values into chunks and sum each chunk in its own task on `executor`
//     (executor.map), passing the chunk in as an argument;
//   - each task returns its own partial sum;
//   - the caller adds the partial sums up.
// When you are done this file has no global (or static) variable left.
#include "{base}.hpp"

#include <thread>

namespace lab{nn} {{

// The bug: a total every thread writes to.
long long g_total = 0;

long long sum_of_squares(const std::vector<int>& values, labkit::Executor& executor) {{
  (void)executor;  // TODO: use it instead of raw threads
  g_total = 0;
  const std::size_t thread_count = 4;
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < thread_count; ++t) {{
    threads.emplace_back([&values, t, thread_count] {{
      for (std::size_t i = t; i < values.size(); i += thread_count) {{
        g_total += static_cast<long long>(values[i]) * values[i];
      }}
    }});
  }}
  for (auto& thread : threads) thread.join();
  return g_total;
}}

}}  // namespace lab{nn}
)";

constexpr const char* kSolution = R"(// Lab {nn} — {title}: the reference solution.
//
// Each task sums its own chunk and RETURNS the partial sum: no two tasks write the same
// memory, no global is left, and the caller adds the parts in input order.
#include "{base}.hpp"

#include <algorithm>

namespace lab{nn} {{

namespace {{

long long sum_chunk(const std::vector<int>& chunk) {{
  long long sum = 0;
  for (int value : chunk) sum += static_cast<long long>(value) * value;
  return sum;
}}

}}  // namespace

long long sum_of_squares(const std::vector<int>& values, labkit::Executor& executor) {{
  const std::size_t chunk_count =
      std::clamp<std::size_t>(executor.max_workers() * 4, 1, std::max<std::size_t>(values.size(), 1));
  const std::size_t chunk_size = (values.size() + chunk_count - 1) / chunk_count;
  std::vector<std::vector<int>> chunks;
  for (std::size_t start = 0; start < values.size(); start += chunk_size) {{
    const std::size_t end = std::min(values.size(), start + chunk_size);
    chunks.emplace_back(values.begin() + static_cast<std::ptrdiff_t>(start),
                        values.begin() + static_cast<std::ptrdiff_t>(end));
  }}
  long long total = 0;
  for (long long partial : executor.map(sum_chunk, chunks)) total += partial;
  return total;
}}

}}  // namespace lab{nn}
)";

constexpr const char* kTests = R"(// Tests for lab {nn} — {title}. Built twice: against the student's starter
// (labs/{slug}) and against the reference solution (solutions/{slug}).
//
// Each suite is one grading criterion (tools/lab reads the suite names):
//   Correctness  the sum equals a plain sequential loop's (empty, a few, many values)
//   Determinism  the same sum whatever order the tasks run in (32 seeded orders)
//   RaceFree     run under the ExposureExecutor, where TSan sees any race between tasks
//   NoGlobals    the lab's object file holds no mutable static variable
//   Parallel     the work really went through the executor, as several tasks
#include "{base}.hpp"

#include <labkit/testing.hpp>

#include <gtest/gtest.h>

#include <vector>

namespace {{

// `count` numbers from -8 to 8, so that squares and signs both matter.
std::vector<int> make_values(std::size_t count) {{
  std::vector<int> values;
  for (std::size_t i = 0; i < count; ++i) values.push_back(static_cast<int>(i % 17) - 8);
  return values;
}}

// The sequential reference: one loop, no threads, obviously right.
long long sum_sequentially(const std::vector<int>& values) {{
  long long sum = 0;
  for (int value : values) sum += static_cast<long long>(value) * value;
  return sum;
}}

// Nothing to add is zero (and must not crash on zero chunks).
TEST(Correctness, EmptyInput) {{
  labkit::ThreadPoolExecutor executor(4);
  EXPECT_EQ(lab{nn}::sum_of_squares({{}}, executor), 0);
}}

// A few values, a few per thread: where ThreadSanitizer reliably sees a shared total.
TEST(Correctness, AFewValuesOnAThreadPool) {{
  const auto values = make_values(24);
  labkit::ThreadPoolExecutor executor(4);
  EXPECT_EQ(lab{nn}::sum_of_squares(values, executor), sum_sequentially(values));
}}

// Many values on a real pool: every square added once, none lost.
TEST(Correctness, ManyValuesOnAThreadPool) {{
  const auto values = make_values(20'000);
  labkit::ThreadPoolExecutor executor(4);
  EXPECT_EQ(lab{nn}::sum_of_squares(values, executor), sum_sequentially(values));
}}

// Whatever order the tasks finish in, the sum is the same.
TEST(Determinism, SameSumForEveryTaskOrder) {{
  const auto values = make_values(2'000);
  EXPECT_TRUE(labkit::testing::same_result_for_all_seeds(
      sum_sequentially(values), [&](labkit::Executor& executor) {{ return lab{nn}::sum_of_squares(values, executor); }}));
}}

// Every task on its own thread, released together: if two tasks write the same total,
// ThreadSanitizer reports a data race and the program exits 66.
TEST(RaceFree, UnderTheExposureExecutor) {{
  const auto values = make_values(5'000);
  labkit::testing::ExposureExecutor executor;
  EXPECT_EQ(lab{nn}::sum_of_squares(values, executor), sum_sequentially(values));
}}

// The discipline read off the compiled code: no global or static total.
TEST(NoGlobals, NoMutableStaticsInTheLabCode) {{
  EXPECT_TRUE(labkit::testing::has_no_mutable_statics(LAB_OBJECTS));
}}

// A "fix" that sums everything on the calling thread is not a fix.
TEST(Parallel, WorkIsSplitIntoSeveralTasks) {{
  const auto values = make_values(5'000);
  labkit::testing::ExposureExecutor executor;
  lab{nn}::sum_of_squares(values, executor);
  EXPECT_GE(executor.tasks_submitted(), 2u) << "not parallel: the work must go through the executor as several tasks";
}}

}}  // namespace
)";

std::string render(const char* text, const std::string& slug, const std::string& title) {
  return fmt::format(fmt::runtime(text), fmt::arg("nn", slug.substr(0, 2)), fmt::arg("slug", slug),
                     fmt::arg("base", base_name(slug)), fmt::arg("title", title));
}

}  // namespace

std::string slug_problem(const std::string& slug) {
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  const auto word_char = [&](char c) { return (c >= 'a' && c <= 'z') || digit(c); };
  if (slug.size() < 4 || !digit(slug[0]) || !digit(slug[1]) || slug[2] != '-') {
    return "a lab is named NN-slug: two digits, a dash, then lowercase words (like 12-thread-pool)";
  }
  if (slug.substr(0, 2) == "00") return "lab numbers start at 01";
  if (!(slug[3] >= 'a' && slug[3] <= 'z')) return "the part after NN- must start with a lowercase letter";
  for (std::size_t i = 3; i < slug.size(); ++i) {
    if (slug[i] == '-') {
      if (i + 1 == slug.size() || slug[i + 1] == '-') return "dashes separate words: none doubled or at the end";
    } else if (!word_char(slug[i])) {
      return fmt::format("'{}' is not allowed: only lowercase letters, digits and dashes", slug[i]);
    }
  }
  if (slug.size() > 40) return "keep it short: at most 40 characters";
  return {};
}

std::vector<ScaffoldFile> scaffold_files(const std::string& slug, const std::string& title) {
  const std::string base = base_name(slug);
  return {
      {fs::path("labs") / slug / "README.md", render(kReadme, slug, title)},
      {fs::path("labs") / slug / (base + ".hpp"), render(kHeader, slug, title)},
      {fs::path("labs") / slug / (base + ".cpp"), render(kStarter, slug, title)},
      {fs::path("solutions") / slug / (base + ".cpp"), render(kSolution, slug, title)},
      {fs::path("tests") / (slug + ".cpp"), render(kTests, slug, title)},
  };
}

std::string catalogue_entry(const std::string& slug, const std::string& title) {
  const std::string nn = slug.substr(0, 2);
  return fmt::format(R"(
[[lab]]
slug = "{slug}"
title = "{title}"
lesson = "Adding into one shared total from several threads loses updates; give each task its own part of the sum and add the parts up."
points = 10
editable = ["{base}.cpp"]
expect = "data-race"
hints = [
  "Run `tools/lab check {nn}` and read the two accesses in the ThreadSanitizer report: both are `+=` on the global `g_total`, from two different threads.",
  "Give each task its own partial sum: split the values into chunks and sum one chunk per task with `executor.map`.",
  "Add the partial sums on the calling thread after map returns, delete `g_total` and the std::thread code, and `tools/lab check {nn}` should pass.",
]
)",
                     fmt::arg("slug", slug), fmt::arg("title", toml_escape(title)), fmt::arg("base", base_name(slug)),
                     fmt::arg("nn", nn));
}

int run_new(const Workspace& workspace, const NewLabOptions& options) {
  const std::string& slug = options.slug;
  if (const std::string problem = slug_problem(slug); !problem.empty()) {
    throw Error(fmt::format("new {}: {}", slug, problem));
  }
  const std::string title = options.title.empty() ? default_title(slug) : options.title;
  if (title.find_first_of("\n\r") != std::string::npos) throw Error("--title must be one line");
  const std::string nn = slug.substr(0, 2);
  for (const auto& lab : workspace.catalogue.labs) {
    if (lab.number == nn) throw Error(fmt::format("lab {} already exists ({}): pick another number", nn, lab.slug));
    if (lab.slug.substr(3) == slug.substr(3)) {
      throw Error(fmt::format("a lab named {} already exists ({}): pick another name", slug.substr(3), lab.slug));
    }
  }
  // A folder the catalogue does not know yet (a lab half-added by hand) counts as taken too.
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(workspace.root / "labs", error)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_directory() && name.size() > 3 && name[2] == '-' && name.substr(0, 2) == nn) {
      throw Error(fmt::format("labs/{} already exists with number {}: pick another number", name, nn));
    }
  }
  const auto files = scaffold_files(slug, title);
  for (const auto& file : files) {
    if (fs::exists(workspace.root / file.path)) {
      throw Error(fmt::format("{} already exists: new never overwrites a file", file.path.string()));
    }
  }
  const fs::path catalogue = workspace.root / "labs" / "labs.toml";
  std::string text = read_file(catalogue);
  if (text.empty()) throw Error(fmt::format("cannot read the catalogue {}", catalogue.string()));
  for (const auto& file : files) create_file(workspace.root / file.path, file.text);
  std::ofstream out(catalogue, std::ios::app);
  out << (text.back() == '\n' ? "" : "\n") << catalogue_entry(slug, title);
  if (!out.flush()) throw Error(fmt::format("cannot append to {}", catalogue.string()));
  for (const auto& file : files) std::printf("racelab: created %s\n", file.path.c_str());
  std::printf("racelab: added lab %s to labs/labs.toml; `tools/lab verify %s` checks it\n", slug.c_str(), nn.c_str());
  return kExitOk;
}

}  // namespace labctl
