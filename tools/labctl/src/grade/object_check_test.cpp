// The object check (object_check.hpp) on real objects: small files compiled here the way
// lab code is (clang++ -fsanitize=thread -O0 -g), WITHOUT the source check that comes
// first in the grader, so that each attack is seen by this layer alone (defence in depth).
// The labs' own starters and solutions are checked by ctest labctl_checks_labNN.
#include "base/errors.hpp"
#include "base/process.hpp"
#include "base/temp_dir.hpp"
#include "grade/elf_object.hpp"
#include "grade/object_check.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

namespace labctl {
namespace {

namespace fs = std::filesystem;

// The real allowlist, from the source tree (LABCTL_SOURCE_DIR: tools/labctl).
ImportRules allowed(const std::string& lab = "01") {
  const fs::path root = fs::path(LABCTL_SOURCE_DIR).parent_path().parent_path();
  return ImportAllowlist::load(root).rules_for(lab);
}

class ObjectCheck : public ::testing::Test {
 protected:
  // Compiles `code` as lab code is compiled; the object's findings.
  ObjectFindings check(const std::string& code, const std::string& lab = "01") {
    compile(code);
    return check_object(ElfObject::read(object()), allowed(lab));
  }
  void compile(const std::string& code) {
    {
      std::ofstream out(dir_.path() / "lab.cpp");
      out << code;
    }
    ProcessSpec spec;
    spec.argv = {"clang++", "-std=c++20", "-fsanitize=thread", "-O0", "-g", "-c", (dir_.path() / "lab.cpp").string(),
                 "-o", object().string()};
    spec.log = dir_.path() / "compile.log";
    spec.limit = std::chrono::seconds(120);
    const ProcessResult result = run_process(spec);
    ASSERT_TRUE(result.status.ok()) << read_file(spec.log);
  }
  fs::path object() const { return dir_.path() / "lab.o"; }

  static std::string joined(const std::vector<ObjectFinding>& findings) {
    std::string text;
    for (const auto& finding : findings) text += finding.message + "\n";
    return text;
  }

  TempDir dir_{"labctl-object-check-test"};
};

// Ordinary lab code: containers, strings, threads, futures, atomics, exceptions, output.
TEST_F(ObjectCheck, CleanCodePasses) {
  const auto findings = check(R"(
    #include <atomic>
    #include <cstdio>
    #include <future>
    #include <iostream>
    #include <map>
    #include <mutex>
    #include <sstream>
    #include <stdexcept>
    #include <string>
    #include <thread>
    #include <vector>
    namespace lab01 {
    constexpr int kLimit = 4;
    const char* const kNames[] = {"a", "b"};
    int work(const std::vector<std::string>& lines) {
      std::map<std::string, int> counts;
      std::mutex m;
      std::atomic<int> total{0};
      std::vector<std::thread> threads;
      for (int t = 0; t < kLimit; ++t) threads.emplace_back([&] { std::lock_guard g(m); ++counts[kNames[t % 2]]; ++total; });
      for (auto& t : threads) t.join();
      std::ostringstream out;
      out << total.load();
      std::printf("%s %zu\n", out.str().c_str(), lines.size());
      try { throw std::runtime_error("x"); } catch (const std::runtime_error& e) { std::puts(e.what()); }
      return total + static_cast<int>(counts.size());
    }
    }  // namespace lab01
  )");
  EXPECT_EQ(joined(findings.refusals), "");
  EXPECT_EQ(joined(findings.mutable_state), "");
}

// Files, processes, the environment, system calls, the loader, sanitizer interfaces.
TEST_F(ObjectCheck, ForbiddenImportsAreRefused) {
  const auto findings = check(R"(
    #include <cstdio>
    #include <cstdlib>
    #include <fstream>
    #include <unistd.h>
    #include <dlfcn.h>
    #include <sys/syscall.h>
    extern "C" void __tsan_acquire(void*);
    extern "C" char** environ;
    int f() {
      std::FILE* file = std::fopen("/etc/shadow", "r");
      std::ofstream out("/tmp/x");
      __tsan_acquire(file);
      return (std::getenv("HOME") != nullptr) + ::write(3, "x", 1) + static_cast<int>(::syscall(SYS_getpid)) +
             (dlsym(nullptr, "x") != nullptr) + (environ != nullptr) + ::fork();
    }
  )");
  const std::string refused = joined(findings.refusals);
  for (const char* name : {"uses fopen,", "uses std::basic_ofstream<", "uses __tsan_acquire,", "uses getenv,",
                           "uses write,", "uses syscall in f()", "uses dlsym,", "uses environ,", "uses fork,"}) {
    EXPECT_NE(refused.find(name), std::string::npos) << name << " not in:\n" << refused;
  }
}

// What the explorer does not model is refused rather than misjudged (helper-15): a spin lock
// (correct code was reported racing) and std::async/std::promise, whose futex wait the
// explorer does not see (correct code was ended as hung).
TEST_F(ObjectCheck, SynchronisationTheExplorerCannotSeeIsRefused) {
  const auto findings = check(R"(
    #include <future>
    #include <pthread.h>
    int f() {
      pthread_spinlock_t lock;
      pthread_spin_init(&lock, 0);
      pthread_spin_lock(&lock);
      pthread_spin_unlock(&lock);
      auto later = std::async(std::launch::async, [] { return 1; });
      return later.get();
    }
  )");
  const std::string refused = joined(findings.refusals);
  for (const char* name : {"uses pthread_spin_lock,", "uses std::__future_base::"}) {
    EXPECT_NE(refused.find(name), std::string::npos) << name << " not in:\n" << refused;
  }
}

// The standard library's global objects hold state every task shares: std::cout's
// precision is a counter as good as a global. Allowed (debugging output), but state.
TEST_F(ObjectCheck, LibraryGlobalObjectsAreState) {
  const auto findings = check(R"(
    #include <cstdio>
    #include <iostream>
    namespace lab01 {
    long count_call() { std::cout.precision(std::cout.precision() + 1); return std::cout.precision(); }
    void say() { std::fputs("x", stderr); }
    }  // namespace lab01
  )");
  EXPECT_EQ(joined(findings.refusals), "");
  const std::string state = joined(findings.mutable_state);
  EXPECT_NE(state.find("std::cout (a global object of the standard library"), std::string::npos) << state;
  EXPECT_NE(state.find("stderr (a global object"), std::string::npos) << state;
}

// std::latch, std::barrier, std::counting_semaphore and std::atomic::wait reach futexes
// through syscall() in the library's inline code: allowed there, and only there.
TEST_F(ObjectCheck, SyscallOnlyFromTheLibrarysOwnCode) {
  const auto library = check(R"(
    #include <atomic>
    #include <barrier>
    #include <latch>
    #include <semaphore>
    namespace lab01 {
    void wait_all(std::latch& l, std::barrier<>& b, std::counting_semaphore<4>& s, std::atomic<int>& a) {
      l.count_down(); l.wait(); b.arrive_and_wait(); s.acquire(); s.release(); a.wait(1); a.notify_all();
    }
    }  // namespace lab01
  )");
  EXPECT_EQ(joined(library.refusals), "");
  EXPECT_EQ(joined(library.mutable_state), "");
  const auto own = check(R"(
    #include <unistd.h>
    #include <sys/syscall.h>
    #include <latch>
    namespace lab01 {
    long peek(std::latch& l) { l.wait(); return ::syscall(SYS_getpid); }
    }  // namespace lab01
  )");
  EXPECT_NE(joined(own.refusals).find("uses syscall in lab01::peek(std::latch&): only library code may"),
            std::string::npos)
      << joined(own.refusals);
  // A function template's demangled name starts with its return type: "std::string
  // lab01::make<int>()" is the student's, not the library's.
  const auto templated = check(R"(
    #include <unistd.h>
    #include <string>
    namespace lab01 {
    template <class T> std::string make() { return std::string(static_cast<std::size_t>(::syscall(39)), 'x'); }
    std::string g() { return make<int>(); }
    }  // namespace lab01
  )");
  EXPECT_NE(joined(templated.refusals).find("uses syscall in std::__cxx11::basic_string"), std::string::npos)
      << joined(templated.refusals);
}

// Lab 12's process pool forks and talks over socket pairs from labkit's inline code: allowed
// there; the same calls in the student's own function would keep state in the kernel
// (descriptors found again by number), and are refused.
TEST_F(ObjectCheck, ProcessCallsOnlyFromLabkitInLab12) {
  const auto own = check(R"(
    #include <sys/socket.h>
    namespace lab12 {
    int stash() { int fds[2]; return ::socketpair(AF_UNIX, SOCK_STREAM, 0, fds); }
    }  // namespace lab12
  )", "12");
  EXPECT_NE(joined(own.refusals).find("uses socketpair in lab12::stash(): only library code may"), std::string::npos)
      << joined(own.refusals);
  EXPECT_TRUE(matches_any(allowed("12").library_only, "fork"));
  EXPECT_FALSE(matches_any(allowed("01").library_only, "fork"));
  EXPECT_TRUE(matches_any(allowed("12").allowed, "getpid"));
}

// A forbidden call is located in the code, so the grader can name the source line.
TEST_F(ObjectCheck, ForbiddenImportHasASourceLine) {
  const auto findings = check("#include <cstdlib>\nint f() {\n  return std::getenv(\"X\") != nullptr;\n}\n");
  ASSERT_EQ(findings.refusals.size(), 1u);
  EXPECT_EQ(source_line_of(object(), findings.refusals[0], dir_.path() / "lab.cpp"), "lab.cpp:3");
}

// A lab's own section of the allowlist: getpid in lab 12 (current_pid()), not in lab 01.
TEST_F(ObjectCheck, LabSectionsAddImports) {
  const std::string code = "#include <unistd.h>\nint f() { return ::getpid(); }\n";
  EXPECT_EQ(check(code, "01").refusals.size(), 1u);
  EXPECT_EQ(check(code, "12").refusals.size(), 0u);
}

// The harness owns main; C-linkage, sanitizer, GoogleTest and std definitions would replace
// theirs; so would a global operator new.
TEST_F(ObjectCheck, ForbiddenDefinitionsAreRefused) {
  EXPECT_EQ(joined(check("int main() { return 0; }\n").refusals),
            "your file defines main(); remove it (the test harness has its own main)\n");
  const auto findings = check(R"(
    #include <cstddef>
    #include <cstdlib>
    extern "C" int write(int, const void*, std::size_t) { return 0; }
    extern "C" const char* __tsan_default_options() { return "report_bugs=0"; }
    int __tsan_x;
    namespace std { int hidden_in_std; }
    namespace testing { namespace internal { bool fake() { return true; } } }
    namespace labkit::testing { const char* lab_objects() { return ""; } }
    void* operator new(std::size_t n) { return std::malloc(n); }
  )");
  const std::string refused = joined(findings.refusals);
  for (const char* what : {"defines the C symbol write", "defines __tsan_default_options", "defines __tsan_x",
                           "defines std::hidden_in_std in namespace std", "defines testing::internal::fake()",
                           "defines labkit::testing::lab_objects()", "replaces the global operator new"}) {
    EXPECT_NE(refused.find(what), std::string::npos) << what << " not in:\n" << refused;
  }
}

// A plain global in the global namespace has no mangled name (C++ does not mangle variables
// there): it is state (no_globals), not a C symbol. A C library variable's name is refused.
TEST_F(ObjectCheck, GlobalNamespaceVariablesAreStateNotRefusals) {
  const auto plain = check("int counter;\nthread_local long calls;\nconst char* const kName = \"x\";\n");
  EXPECT_EQ(joined(plain.refusals), "");
  EXPECT_NE(joined(plain.mutable_state).find("counter (4 bytes in .bss)"), std::string::npos);
  EXPECT_NE(joined(plain.mutable_state).find("calls (8 bytes in .tbss)"), std::string::npos);
  const std::string refused = joined(check("char** environ;\nvoid* stdout = nullptr;\nint _hidden;\n"
                                           "namespace __tsan { int flags_shadow; }\n").refusals);
  for (const char* what : {"defines the C symbol environ", "defines the C symbol stdout", "defines the C symbol _hidden",
                           "defines __tsan::flags_shadow in namespace __tsan"}) {
    EXPECT_NE(refused.find(what), std::string::npos) << what << " not in:\n" << refused;
  }
}

// Template instantiations from the headers are weak definitions in std:: and labkit::: fine.
TEST_F(ObjectCheck, InstantiationsInStdAreFine) {
  const auto findings = check("#include <vector>\n#include <string>\n"
                              "int f() { std::vector<std::string> v{\"a\"}; v.push_back(\"b\"); return int(v.size()); }\n");
  EXPECT_EQ(joined(findings.refusals), "");
}

// Code run before main: attributes and init_priority are refused; a global's dynamic
// initialisation is not refused (its storage is counted as mutable state instead).
TEST_F(ObjectCheck, StaticConstructorsAreRefused) {
  EXPECT_NE(joined(check("__attribute__((constructor)) void early() {}\n").refusals).find("runs early() before main"),
            std::string::npos);
  EXPECT_NE(joined(check("__attribute__((constructor(101))) void early() {}\n").refusals).find("before main"),
            std::string::npos);
  EXPECT_NE(joined(check("struct S { S(); };\nS s __attribute__((init_priority(101)));\n").refusals).find("before main"),
            std::string::npos);
  EXPECT_NE(joined(check("__attribute__((destructor)) void late() {}\n").refusals), "");
  const auto dynamic = check("#include <string>\nstd::string name = std::to_string(42);\n");
  EXPECT_EQ(joined(dynamic.refusals), "");
  EXPECT_NE(joined(dynamic.mutable_state).find("name[abi:cxx11]"), std::string::npos) << joined(dynamic.mutable_state);
}

// Every way to keep writable data, whatever the section or the name.
TEST_F(ObjectCheck, EveryWritableByteCounts) {
  const struct {
    const char* code;
    const char* expected;  // in the mutable-state lines
  } cases[] = {
      {"int counter;\n", "counter (4 bytes in .bss)"},
      {"long counter = 5;\n", "counter (8 bytes in .data)"},
      {"thread_local int counter;\n", "counter (4 bytes in .tbss)"},
      {"int next() { static int n; return ++n; }\n", "next()::n (4 bytes in .bss)"},
      {"struct S { mutable int n; };\nconst S s{};\nint f() { return ++s.n; }\n", "s ("},
      {"namespace std { int hidden; }\n", "std::hidden (4 bytes in .bss)"},
      {"int __tsan_hidden;\n", "__tsan_hidden (4 bytes"},
      {"__attribute__((section(\".mydata\"))) int hidden = 1;\n", "hidden (4 bytes in .mydata)"},
      {"#pragma clang section data=\".x\" bss=\".y\"\nint hidden = 1;\nint zero;\n", "hidden (4 bytes in .x)"},
      {"asm(\".comm hidden_common,8,8\");\n", "hidden_common (8 bytes, a common symbol)"},
      {"int hidden asm(\".Lhidden\") = 7;\nint* f() { return &hidden; }\n", ".Lhidden (4 bytes in .data)"},
      {"asm(\".section .data.evil,\\\"aw\\\"\\n.quad 0\\n.previous\");\n", "8 bytes of writable data without a name in .data.evil"},
      {"template <class T> struct Box { static inline int count = 0; };\nint f() { return ++Box<int>::count; }\n",
       "Box<int>::count"},
  };
  for (const auto& c : cases) {
    const std::string state = joined(check(c.code).mutable_state);
    EXPECT_NE(state.find(c.expected), std::string::npos) << c.code << "--- gave:\n" << state;
  }
}

// An object of more sections than ELF's 16-bit fields can count (extended numbering) is read
// whole, and quickly: one section per variable here, 70000 of them.
TEST_F(ObjectCheck, ObjectsOfManySectionsAreRead) {
  std::string code;
  for (int i = 0; i < 70000; ++i) code += "int v" + std::to_string(i) + ";\n";
  {
    std::ofstream out(dir_.path() / "many.cpp");
    out << code;
  }
  ProcessSpec spec;
  spec.argv = {"clang++", "-c", "-fdata-sections", (dir_.path() / "many.cpp").string(), "-o", object().string()};
  spec.log = dir_.path() / "compile.log";
  ASSERT_TRUE(run_process(spec).status.ok()) << read_file(spec.log);
  const auto started = std::chrono::steady_clock::now();
  const ElfObject elf = ElfObject::read(object());
  EXPECT_GT(elf.sections.size(), 70000u);
  const auto findings = check_object(elf, allowed());
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(20));
  EXPECT_EQ(findings.mutable_state.size(), 70000u);
  EXPECT_EQ(findings.mutable_state.back().message, "v69999 (4 bytes in .bss.v69999)");
}

// What a clean object holds that is not the student's state: read-only-after-relocation
// data (vtables, typeinfo, tables of pointers), catch clauses' type slots, <iostream>'s init.
TEST_F(ObjectCheck, CompilerDataIsNotState) {
  const auto findings = check(R"(
    #include <iostream>
    #include <sstream>
    #include <stdexcept>
    #include <string>
    struct Base { virtual ~Base() = default; virtual int f() const { return 1; } };
    struct Derived : Base { int f() const override { return 2; } };
    const char* const kTable[] = {"x", "y"};
    int g(const Base& b) {
      std::ostringstream out;
      try { throw std::invalid_argument(kTable[0]); } catch (const std::invalid_argument& e) { out << e.what(); }
      catch (const std::exception&) {}
      return b.f();
    }
    int h() { Derived d; return g(d); }
  )");
  EXPECT_EQ(joined(findings.mutable_state), "");
  EXPECT_EQ(joined(findings.refusals), "");
}

}  // namespace
}  // namespace labctl
