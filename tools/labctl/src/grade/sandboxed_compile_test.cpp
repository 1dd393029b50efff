// The compile steps in the sandbox (sandboxed_compile.hpp): the plan they get, the budget
// they are charged to, and, with the real clang, that a hidden file is invisible to the
// preprocessor and that a compile that would outlast its budget is cut there.
#include "grade/sandboxed_compile.hpp"

#include "base/errors.hpp"
#include "base/process.hpp"

#include <gtest/gtest.h>

#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using labctl::Budget;
using labctl::CompileSandbox;
using labctl::CompileStep;

bool is_root() { return ::geteuid() == 0; }

// Whether a child can make the namespaces the sandbox hides paths with (as sandbox_test.cpp
// finds out): where it cannot, what they defend is not defended, and those tests skip.
bool namespaces_available() {
  static const bool available = [] {
    const pid_t child = ::fork();
    if (child == 0) {
      const int user = is_root() ? 0 : CLONE_NEWUSER;
      const bool ok = ::unshare(user | CLONE_NEWNS | CLONE_NEWPID) == 0 &&
                      ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0;
      ::_exit(ok ? 0 : 1);
    }
    int status = 0;
    return child > 0 && ::waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }();
  return available;
}

constexpr fs::perms kOpen = fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                            fs::perms::others_read | fs::perms::others_exec;

std::string slurp(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(StepTime, ItsOwnLimitWithoutABudget) {
  const auto time = labctl::step_time(120s, nullptr);
  EXPECT_EQ(time.wall, 120s);
  EXPECT_FALSE(time.by_budget);
}

// The budget's deadline when it comes first, with the words the report shows.
TEST(StepTime, TheBudgetWhenItHasLessLeft) {
  const Budget budget(8s, nullptr);
  const auto time = labctl::step_time(120s, &budget);
  EXPECT_TRUE(time.by_budget);
  EXPECT_LE(time.wall, 8s);
  EXPECT_GE(time.wall, 7s);
  EXPECT_EQ(time.deadline.ran_out_while("compiling"), "compiling took longer than the lab's budget of 8 s");
  const Budget roomy(600s, nullptr);
  EXPECT_FALSE(labctl::step_time(120s, &roomy).by_budget);
}

TEST(NamedPaths, TheCompilerIncludeFoldersAndEveryAbsoluteWord) {
  const auto paths = labctl::named_paths({"/usr/bin/clang++", "-I/course/labs/01", "-isystem/deps/include", "-Xclang",
                                          "/build/pch.hxx.pch", "-o", "/stage/x.o", "relative.cpp", "-O0"});
  const std::vector<fs::path> expected = {"/usr/bin/clang++", "/course/labs/01", "/deps/include", "/build/pch.hxx.pch",
                                          "/stage/x.o"};
  EXPECT_EQ(paths, expected);
}

// No result channel, its limits, an environment of its own; a hidden path stays hidden
// unless the command needs something inside it.
TEST(CompileSpec, NoResultChannelItsLimitsAndTheHiddenPaths) {
  CompileStep step;
  step.argv = {"/usr/bin/clang++", "-I/course/labs/01-lost-update", "-c", "/stage/01/compile-a.cpp/a.cpp"};
  step.workdir = "/stage/01/compile-a.cpp";
  step.limit = 120s;
  step.max_file_bytes = 1234;
  CompileSandbox where;
  where.uid = 64901;
  where.hidden = {"/secret/hidden-tests", "/course/solutions", "/course/", "/stage"};
  where.namespaces = false;
  const labctl::SandboxSpec spec = labctl::compile_spec(step, where, 7s);
  EXPECT_FALSE(spec.result_channel);
  EXPECT_EQ(spec.wall, 7s);
  EXPECT_EQ(spec.cpu, 120s);
  EXPECT_EQ(spec.max_file_bytes, 1234u);
  EXPECT_EQ(spec.max_output_bytes, 1u << 20);
  EXPECT_EQ(spec.uid, 64901u);
  EXPECT_EQ(spec.gid, 64901u);
  EXPECT_FALSE(spec.namespaces);
  EXPECT_EQ(spec.workdir, step.workdir);
  const std::vector<fs::path> hidden = {"/secret/hidden-tests", "/course/solutions"};
  EXPECT_EQ(spec.hidden, hidden);  // /course holds an -I folder, /stage the workdir
  const bool has_tmpdir = std::find(spec.env.begin(), spec.env.end(),
                                    std::pair<std::string, std::string>{"TMPDIR", step.workdir.string()}) != spec.env.end();
  EXPECT_TRUE(has_tmpdir);
}

class SandboxedCompile : public ::testing::Test {
 protected:
  void SetUp() override {
    // Under /tmp and world-traversable, so the sandbox uid can reach it (labctl root).
    dir_ = fs::temp_directory_path() / ("labctl-sandboxed-compile-test-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "work");
    fs::create_directories(dir_ / "secret");
    for (const auto& folder : {dir_, dir_ / "work", dir_ / "secret"}) fs::permissions(folder, kOpen);
    std::ofstream(dir_ / "secret" / "answer.txt") << "open-sesame\n";
    fs::permissions(dir_ / "secret" / "answer.txt", fs::perms::owner_read | fs::perms::owner_write |
                                                        fs::perms::group_read | fs::perms::others_read);
    where_.uid = 60'000 + static_cast<uid_t>(::getpid()) % 2'400;  // this test process's own, as sandbox_test's
    where_.weak = &weak_;
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A step on `code`, written to the workdir: "-E" (to out.ii) or "-c" (to out.o).
  CompileStep step(const std::string& code, const std::string& mode) {
    const fs::path source = dir_ / "work" / "lab.cpp";
    std::ofstream(source) << code;
    CompileStep step;
    step.workdir = dir_ / "work";
    step.doing = mode == "-E" ? "preprocessing" : "compiling";
    step.argv = {labctl::resolve_program("clang++"), "-std=c++20", mode, source.string(), "-o",
                 (dir_ / "work" / (mode == "-E" ? "out.ii" : "out.o")).string()};
    return step;
  }

  fs::path dir_;
  CompileSandbox where_;
  labctl::WeakIsolation weak_;
};

// `__has_include` spelled by token pasting gets past the include policy (its fixture is
// tools_grading's has_include_probe); in the sandbox the file it probes is not there.
TEST_F(SandboxedCompile, AHiddenFileIsInvisibleToThePreprocessor) {
  const std::string code = "#define PASTE(a, b) a##b\n#define PROBE PASTE(__has_, include)\n#if PROBE(\"" +
                           (dir_ / "secret" / "answer.txt").string() +
                           "\")\nint seen = 1;\n#else\nint seen = 0;\n#endif\n";
  auto outcome = labctl::run_compile_step(step(code, "-E"), where_);
  ASSERT_EQ(outcome.error, "");
  EXPECT_NE(slurp(dir_ / "work" / "out.ii").find("int seen = 1;"), std::string::npos) << "nothing hidden: it is seen";
  if (!namespaces_available()) GTEST_SKIP() << "no namespaces here: hidden paths are not hidden (docs/grading.md)";
  where_.hidden = {dir_ / "secret"};
  outcome = labctl::run_compile_step(step(code, "-E"), where_);
  ASSERT_EQ(outcome.error, "");
  EXPECT_TRUE(outcome.sandboxed);
  EXPECT_NE(slurp(dir_ / "work" / "out.ii").find("int seen = 0;"), std::string::npos);
  EXPECT_FALSE(weak_.hidden);
}

// Constant evaluation within clang's own limits can take a second per constant: a compile
// that would take minutes is cut when the lab's budget runs out, with one line that says so.
TEST_F(SandboxedCompile, ABudgetCutsASlowCompile) {
  const std::string code = R"(
    #include <utility>
    constexpr unsigned burn(unsigned seed) {
      for (unsigned i = 0; i < 250000; ++i) seed = seed * 1664525u + 1013904223u;
      return seed;
    }
    template <unsigned I> constexpr unsigned kBurnt = burn(I);
    template <unsigned... Is> constexpr unsigned all(std::integer_sequence<unsigned, Is...>) {
      constexpr unsigned values[] = {kBurnt<Is>...};
      return values[0];
    }
    unsigned value = all(std::make_integer_sequence<unsigned, 500>{});
  )";
  const Budget budget(3s, nullptr);
  where_.budget = &budget;
  const auto started = std::chrono::steady_clock::now();
  const auto outcome = labctl::run_compile_step(step(code, "-c"), where_);
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_TRUE(outcome.out_of_time);
  EXPECT_EQ(outcome.error, "compiling took longer than the lab's budget of 3 s");
  EXPECT_LT(took, 15s);
  // Less than a second left (whole seconds, rounded down): not even started.
  const Budget spent(1s, nullptr);
  where_.budget = &spent;
  const auto none = labctl::run_compile_step(step("int x;", "-c"), where_);
  EXPECT_TRUE(none.out_of_time);
  EXPECT_EQ(none.error, "compiling took longer than the lab's budget of 1 s");
}

// A compile error is the compiler's first error line; an ordinary file compiles.
TEST_F(SandboxedCompile, ErrorsAreTheCompilersFirstLine) {
  auto outcome = labctl::run_compile_step(step("int f() { return undeclared; }\n", "-c"), where_);
  EXPECT_NE(outcome.error.find("lab.cpp:1:"), std::string::npos) << outcome.error;
  EXPECT_NE(outcome.error.find("undeclared identifier"), std::string::npos) << outcome.error;
  outcome = labctl::run_compile_step(step("int f() { return 1; }\n", "-c"), where_);
  EXPECT_EQ(outcome.error, "");
  EXPECT_TRUE(fs::exists(dir_ / "work" / "out.o"));
}

// A file whose preprocessed text is about 4 MiB: 64 strings of 1024 copies of 64 bytes.
std::string expands_to_four_mib() {
  std::string code = "#define A0 \"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"\n";
  for (int i = 1; i <= 10; ++i) code += "#define A" + std::to_string(i) + " A" + std::to_string(i - 1) + " A" + std::to_string(i - 1) + "\n";
  for (int i = 0; i < 64; ++i) code += "const char* s" + std::to_string(i) + " = A10;\n";
  return code;
}

// The preprocessor may write only so much: a file past max_file_bytes stops it.
TEST_F(SandboxedCompile, TheFileSizeLimitHolds) {
  CompileStep big = step(expands_to_four_mib(), "-E");
  big.max_file_bytes = 1 << 20;  // the output is about 4 MiB
  const auto outcome = labctl::run_compile_step(big, where_);
  EXPECT_TRUE(outcome.file_too_big) << outcome.error;
}

// Without namespaces (a container that forbids them) it still compiles, within its limits, and
// says what did not hold: a world-readable hidden file is seen, and the notes say so.
TEST_F(SandboxedCompile, WithoutNamespacesItCompilesAndSaysWhatDidNotHold) {
  where_.namespaces = false;
  where_.hidden = {dir_ / "secret"};
  const auto outcome = labctl::run_compile_step(step("int f() { return 1; }\n", "-c"), where_);
  EXPECT_EQ(outcome.error, "");
  EXPECT_TRUE(fs::exists(dir_ / "work" / "out.o"));
  EXPECT_TRUE(weak_.pids);
  EXPECT_TRUE(weak_.hidden);
}

// The address space is limited: a compile that needs more stops with one line that says so.
// Two million integers in one initialiser take clang about 400 MiB; given 256, it stops (a
// lab file needs under 512 MiB, and gets 2 GiB).
TEST_F(SandboxedCompile, TheMemoryLimitHolds) {
  std::string code = "#define A0 1, 2, 3, 4, 5, 6, 7, 8,\n";
  for (int i = 1; i <= 6; ++i) {
    const std::string before = "A" + std::to_string(i - 1) + " ";
    std::string times_eight;
    for (int j = 0; j < 8; ++j) times_eight += before;
    code += "#define A" + std::to_string(i) + " " + times_eight + "\n";
  }
  code += "int values[] = {A6 0};\n";
  CompileStep hungry = step(code, "-c");
  hungry.max_memory_bytes = 256u << 20;
  const auto outcome = labctl::run_compile_step(hungry, where_);
  EXPECT_TRUE(outcome.out_of_memory) << outcome.error;
  EXPECT_EQ(outcome.error, "compiling needed more than 256 MiB of memory");
}

// As root, where the sandbox uid cannot reach the files (a private folder above them, as in
// some CI clones), the step runs as the grader, as before the sandbox, and says so.
TEST_F(SandboxedCompile, APrivateFolderFallsBackToTheGraderAndSaysSo) {
  if (!is_root()) GTEST_SKIP() << "only root has a sandbox uid of another user";
  const fs::path hidden_away = dir_ / "private";
  fs::create_directories(hidden_away);
  fs::permissions(hidden_away, fs::perms::owner_all);
  EXPECT_FALSE(labctl::reachable_by(hidden_away / "lab.cpp", where_.uid, where_.uid));
  EXPECT_TRUE(labctl::reachable_by(dir_ / "work", where_.uid, where_.uid));
  CompileStep inside = step("int f() { return 1; }\n", "-c");
  inside.argv.back() = (hidden_away / "out.o").string();
  const auto outcome = labctl::run_compile_step(inside, where_);
  EXPECT_EQ(outcome.error, "");
  EXPECT_FALSE(outcome.sandboxed);
  EXPECT_TRUE(weak_.compiler);
}

// ... and there its file-size limit holds as in the sandbox: a course folder of mode 0700
// (a `mktemp -d` clone) must not let a compile write an object of any size (the fixture
// object_ballast, tests/grading). The same words as in the sandbox.
TEST_F(SandboxedCompile, APrivateFolderKeepsTheFileSizeLimit) {
  if (!is_root()) GTEST_SKIP() << "only root has a sandbox uid of another user";
  const fs::path hidden_away = dir_ / "private";
  fs::create_directories(hidden_away);
  fs::permissions(hidden_away, fs::perms::owner_all);
  CompileStep big = step(expands_to_four_mib(), "-E");
  big.argv.back() = (hidden_away / "out.ii").string();
  big.max_file_bytes = 1 << 20;
  const auto outcome = labctl::run_compile_step(big, where_);
  EXPECT_FALSE(outcome.sandboxed);
  EXPECT_TRUE(outcome.file_too_big) << outcome.error;
  EXPECT_EQ(outcome.error, "preprocessing stopped at the file-size limit (1 MiB)");
  // clang removes its partial output when it is stopped; if it is there, it is within the limit.
  const fs::path out = hidden_away / "out.ii";
  if (fs::exists(out)) EXPECT_LE(fs::file_size(out), std::uintmax_t{1} << 20);
}

}  // namespace
