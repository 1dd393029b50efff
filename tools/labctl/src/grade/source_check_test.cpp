// The source check (source_check.hpp): on preprocessed text written out here (line markers
// included, as clang -E prints them), and once on the real preprocessor's output.
#include "base/process.hpp"
#include "base/temp_dir.hpp"
#include "grade/source_check.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <string>

namespace labctl {
namespace {

namespace fs = std::filesystem;

bool in_stage(std::string_view path) { return path.rfind("/stage/labs/", 0) == 0; }

// `code` as the student's file, after a few lines of a system header.
std::optional<std::string> check(const std::string& code) {
  const std::string text = "# 1 \"/stage/labs/01-x/a.cpp\"\n"
                           "# 1 \"<built-in>\" 1\n"
                           "# 1 \"/usr/include/x.h\" 1 3\n"
                           "__attribute__((always_inline)) inline int helper() { asm(\"nop\"); return 0; }\n"
                           "#pragma GCC visibility push(default)\n"
                           "namespace std { [[gnu::always_inline]] inline void f(); }\n"
                           "# 2 \"/stage/labs/01-x/a.cpp\" 2\n" +
                           code;
  return source_check_violation(text, in_stage);
}

TEST(SourceCheck, OrdinaryCodePasses) {
  EXPECT_EQ(check("namespace lab01 {\nusing namespace std;\n[[nodiscard]] int f(int x) {\n"
                  "  switch (x) { case 1: [[fallthrough]]; case 2: return 1'000'000; }\n"
                  "  const char* s = \"__attribute__((section(\\\".x\\\")))\"; char q = '\"';\n"
                  "  auto r = R\"raw(asm(\"nop\") [[gnu::used]]\n namespace std {)raw\";\n"
                  "  template_helper<int>(); return s[0] + q + r[0] + helper(); }\n"
                  "template <class T> struct Box { T value; };\ntemplate <class T> T twice(T t) { return t + t; }\n"
                  "template <class T> T call(T t) { return t.template get<0>(); }\nnamespace alias = std;\n}\n"),
            std::nullopt);
}

// The library's internal names: a FILE's descriptor, errno's thread-local slot, builtins
// that read the stack. Refused whether typed or brought by a macro; the names the standard
// macros expand to in ordinary code (assert, NULL, offsetof, NAN) pass.
TEST(SourceCheck, ReservedNamesAreRefused) {
  EXPECT_EQ(check("void f() { (*__errno_location ()) = 3; }\n"),
            "a.cpp:2: `__errno_location` is a name reserved for the compiler and the standard library (typed, or from "
            "a macro such as errno); a lab file may not use it");
  EXPECT_NE(check("void* f() { return __builtin_frame_address(0); }\n"), std::nullopt);
  EXPECT_NE(check("extern char __libc_single_threaded;\nvoid f() { __libc_single_threaded = 2; }\n"), std::nullopt);
  EXPECT_NE(check("int f() { return _Exit(0), 0; }\n"), std::nullopt);
  EXPECT_EQ(check("int f(int* p, int x) {\n"
                  "  (static_cast <bool> (x>0) ? void (0) : __assert_fail (\"x>0\", \"a.cpp\", 2, __extension__ "
                  "__PRETTY_FUNCTION__));\n"
                  "  return (p == __null) + __builtin_offsetof(S, a) + (__builtin_nanf (\"\")) + sizeof(__func__); }\n"),
            std::nullopt);
}

// [library only] names (syscall): the standard library's inline code may call them, the
// student's own code may not, however it spells the call.
TEST(SourceCheck, LibraryOnlyNamesAreRefusedInTheStudentsCode) {
  const std::string text = "# 1 \"/usr/include/latch\" 1 3\nvoid w() { syscall(202, 0); }\n"
                           "# 1 \"/stage/labs/01-x/a.cpp\"\nlong f() { return syscall(39); }\n";
  EXPECT_EQ(source_check_violation(text, in_stage, {"syscall"}),
            "a.cpp:1: `syscall` is not for a lab file (only library code may call it: std::latch, std::atomic::wait "
            "and labkit's process pool do it for you)");
  EXPECT_EQ(source_check_violation(text, in_stage, {}), std::nullopt);
}

// Explicit instantiations bypass access checks; const_cast changes what a task was given
// to read (the tests' inputs); reinterpret_cast reads an object as another.
TEST(SourceCheck, AccessAndConstBypassesAreRefused) {
  EXPECT_EQ(check("template <auto M> struct Lend {};\ntemplate struct Lend<&X::private_count>;\n"),
            "a.cpp:3: explicit instantiations (`template` without `<`) are not allowed in a lab file (they bypass "
            "access checks)");
  EXPECT_NE(check("extern template class std::vector<int>;\n"), std::nullopt);
  EXPECT_NE(check("void f(const std::vector<int>& v) { const_cast<std::vector<int>&>(v).clear(); }\n"), std::nullopt);
  EXPECT_NE(check("long f(double* d) { return *reinterpret_cast<long*>(d); }\n"), std::nullopt);
  // `x.template get<0>()` and `T::template rebind<U>` name a member template: allowed.
  EXPECT_EQ(check("template <class T> auto f(T t) { return t.template get<0>() + T::template size<1>; }\n"),
            std::nullopt);
}

// A lab's code works on the executor it is given, whichever it is: asking which one
// (typeid), reaching labkit's inside (detail::) or naming the Executor class other than as the
// reference it is given (deriving from it reaches the protected schedule()) is refused
// (helper-14: racy on every pool but the tests' own, and tasks that never went through
// submit(), both 10/10). `labkit::Executor& executor` stays allowed.
TEST(SourceCheck, TellingExecutorsApartAndReachingInsideThemAreRefused) {
  EXPECT_NE(check("bool f(labkit::Executor& e) { return typeid(e) == typeid(int); }\n"), std::nullopt);
  EXPECT_NE(check("void f(labkit::Executor& e) { labkit::detail::TaskPtr p; }\n"), std::nullopt);
  EXPECT_NE(check("using namespace labkit;\nstruct T : detail::Task {};\n"), std::nullopt);
  EXPECT_NE(check("struct Door : labkit::Executor { using Executor::schedule; };\n"), std::nullopt);
  EXPECT_NE(check("using E = labkit::Executor;\n"), std::nullopt);
  EXPECT_EQ(check("int f(labkit::Executor& executor) { return static_cast<int>(executor.max_workers()); }\n"),
            std::nullopt);
  EXPECT_EQ(check("struct Detail { int detail = 0; };\nint g(Detail d) { return d.detail; }\n"), std::nullopt);
}

// Each refusal names the student's file and the line.
TEST(SourceCheck, InlineAssemblyIsRefused) {
  EXPECT_EQ(check("int x;\nvoid f() { asm volatile(\"nop\"); }\n"),
            "a.cpp:3: inline assembly (`asm`) is not allowed in a lab file");
  EXPECT_NE(check("__asm__(\".inc\" \"bin \\\"/etc/shadow\\\"\");\n"), std::nullopt);
  EXPECT_NE(check("int hidden __asm(\".Lhidden\");\n"), std::nullopt);
}

TEST(SourceCheck, AttributesAndPragmasAreRefused) {
  EXPECT_EQ(check("\n\n__attribute__((no_sanitize(\"thread\"))) void f();\n"),
            "a.cpp:4: `__attribute__` is not allowed in a lab file (attributes can move data, run code before main or "
            "turn the sanitizer off)");
  EXPECT_NE(check("int x __attribute ((section(\".d\")));\n"), std::nullopt);
  EXPECT_NE(check("__declspec(dllexport) int x;\n"), std::nullopt);
  EXPECT_NE(check("#pragma clang section data=\".x\"\nint x;\n"), std::nullopt);
  for (const char* attribute : {"[[gnu::section(\".x\")]] int x;", "[[clang::no_sanitize(\"thread\")]] void f();",
                                "[[using gnu: used, retain]] int x;", "[[gnu::constructor]] void f();",
                                "[[nodiscard, gnu::weak]] int f();", "[ [gnu::used] ] int x;", "<:<:gnu::used:>:> int x;"}) {
    const auto problem = check(std::string(attribute) + "\n");
    ASSERT_NE(problem, std::nullopt) << attribute;
    EXPECT_NE(problem->find("a.cpp:2: the attribute [["), std::string::npos) << *problem;
  }
  EXPECT_EQ(check("[[nodiscard]] [[maybe_unused]] [[deprecated(\"x\")]] [[noreturn]] void f();\n"
                  "int g(int a) { if (a) [[likely]] return 1; else [[unlikely]] return 2; }\n"),
            std::nullopt);
  // `<::` is `<` `::`, not a digraph: a template argument from the global namespace.
  EXPECT_EQ(check("std::vector<::lab01::Item> v;\n"), std::nullopt);
}

TEST(SourceCheck, ReservedNamespacesAreRefused) {
  EXPECT_EQ(check("namespace std { int hidden; }\n"),
            "a.cpp:2: a lab file may not open namespace std (it belongs to the standard library, the compiler or the "
            "test harness)");
  for (const char* code : {"namespace labkit::testing { }", "namespace testing { }", "namespace __gnu_cxx { }",
                           "inline namespace _Hidden { }", "namespace std::chrono { }"}) {
    EXPECT_NE(check(std::string(code) + "\n"), std::nullopt) << code;
  }
}

TEST(SourceCheck, SpecialisationsAreRefused) {
  EXPECT_NE(check("template <> struct std::hash<lab01::Key> { };\n"), std::nullopt);
  EXPECT_NE(check("template<> void std::vector<int>::push_back(const int&) { }\n"), std::nullopt);
  EXPECT_NE(check("template <class A> class std::vector<lab01::Item, A> { };\n"), std::nullopt);
  EXPECT_NE(check("template <class T> struct Box<T*> { };\n"), std::nullopt);
  EXPECT_EQ(check("template <class T> struct Outer<T>::Inner { };\n"), std::nullopt);
}

// A file made to cost the check quadratic time (deeply nested template heads) is refused
// quickly instead.
TEST(SourceCheck, PathologicalTemplateHeadsAreCheap) {
  std::string code;
  for (int i = 0; i < 50000; ++i) code += "template < ";
  for (int i = 0; i < 50000; ++i) code += "> ";
  const auto started = std::chrono::steady_clock::now();
  const auto problem = check(code + "\n");
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
  ASSERT_NE(problem, std::nullopt);
  EXPECT_NE(problem->find("too many nested template parameter lists"), std::string::npos) << *problem;
}

// Only the student's tokens count: the header above holds every one of these and passes.
TEST(SourceCheck, HeadersAreNotTheStudentsCode) {
  EXPECT_EQ(check("int x;\n"), std::nullopt);
  // And after a header included in the middle, lines are counted from its marker.
  EXPECT_EQ(check("int x;\n# 1 \"/usr/include/y.h\" 1 3\nint __attribute__((used)) y;\n"
                  "# 5 \"/stage/labs/01-x/a.cpp\" 2\n\nasm(\"x\");\n"),
            "a.cpp:6: inline assembly (`asm`) is not allowed in a lab file");
}

// The real preprocessor: a macro from a header that spells an attribute is caught where the
// student uses it; assert, std::lock_guard and friends pass.
TEST(SourceCheck, RealPreprocessorOutput) {
  TempDir dir("labctl-source-check-test");
  fs::create_directories(dir.path() / "include");
  fs::create_directories(dir.path() / "labs");
  {
    std::ofstream header(dir.path() / "include" / "sneaky.hpp");
    header << "#define KEEP __attribute__((used, section(\".keep\")))\n#define ASSERT_POSITIVE(x) assert((x) > 0)\n";
    std::ofstream source(dir.path() / "labs" / "a.cpp");
    source << "#include <sneaky.hpp>\n#include <cassert>\n#include <mutex>\n"
              "int f(int x) {\n  static std::mutex m;\n  std::lock_guard<std::mutex> lock(m);\n"
              "  ASSERT_POSITIVE(x);\n  assert(x < 100);\n  return x;\n}\n"
              "KEEP int kept = 1;\n";
  }
  ProcessSpec spec;
  spec.argv = {"clang++", "-std=c++20", "-I", (dir.path() / "include").string(), "-E",
               (dir.path() / "labs" / "a.cpp").string(), "-o", (dir.path() / "a.ii").string()};
  spec.log = dir.path() / "log";
  ASSERT_TRUE(run_process(spec).status.ok()) << read_file(spec.log);
  const std::string folder = (dir.path() / "labs").string() + "/";
  const auto problem = source_check_violation(read_file(dir.path() / "a.ii"), [&](std::string_view path) {
    return fs::path(path).lexically_normal().string().rfind(folder, 0) == 0;
  });
  EXPECT_EQ(problem, "a.cpp:11: `__attribute__` is not allowed in a lab file (attributes can move data, run code "
                     "before main or turn the sanitizer off)");
}

}  // namespace
}  // namespace labctl
