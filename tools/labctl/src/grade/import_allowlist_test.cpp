// allowed_imports.txt (import_allowlist.hpp): its format, and the real file's promises.
#include "base/errors.hpp"
#include "grade/import_allowlist.hpp"

#include <gtest/gtest.h>

#include <filesystem>
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

TEST(ImportAllowlist, SectionsAndPatterns) {
  const auto list = ImportAllowlist::parse(
      "# comment\n[all]\nmemcpy  # why\nstd::thread::*\n[lab 12]\nfork\n[shared state]\nstd::cout\n[library only]\nsyscall\n",
      "test");
  EXPECT_EQ(list.rules_for("01").allowed, (std::vector<std::string>{"lab01::*(*", "memcpy", "std::thread::*"}));
  EXPECT_EQ(list.rules_for("12").allowed, (std::vector<std::string>{"lab12::*(*", "memcpy", "std::thread::*", "fork"}));
  EXPECT_EQ(list.rules_for("01").shared_state, (std::vector<std::string>{"std::cout"}));
  EXPECT_EQ(list.rules_for("12").library_only, (std::vector<std::string>{"syscall"}));
  EXPECT_THROW(ImportAllowlist::parse("memcpy\n", "test"), Error);
  EXPECT_THROW(ImportAllowlist::parse("[lab]\n", "test"), Error);
}

TEST(ImportAllowlist, GlobMatching) {
  EXPECT_TRUE(glob_match("memcpy", "memcpy"));
  EXPECT_FALSE(glob_match("memcpy", "memcpy_chk"));
  EXPECT_TRUE(glob_match("std::thread::*", "std::thread::join()"));
  EXPECT_FALSE(glob_match("std::thread::*", "std::threadX::join()"));
  EXPECT_TRUE(glob_match("operator new(*", "operator new(unsigned long)"));
  EXPECT_FALSE(glob_match("operator new(*", "operator new[](unsigned long)"));
  EXPECT_TRUE(glob_match("a*b*c", "aXXbYYbc"));
  EXPECT_TRUE(glob_match("*", ""));
}

// The real file parses, and keeps the doors it promises closed.
TEST(ImportAllowlist, TheCourseListRefusesTheDangerousFamilies) {
  const auto rules = allowed("01");
  const auto& patterns = rules.allowed;
  for (const char* name : {"open", "fopen", "read", "write", "getenv", "secure_getenv", "environ", "system", "popen",
                           "fork", "execve", "_exit", "exit", "abort", "kill", "raise", "signal", "dlopen", "dlsym",
                           "syscall", "mmap", "mprotect", "ptrace", "socket", "connect", "__tsan_acquire",
                           "__tsan_release", "__tsan_ignore_thread_begin", "__tsan_on_report", "AnnotateHappensBefore",
                           "__sanitizer_set_report_path", "__asan_poison_memory_region", "__ubsan_handle_add_overflow",
                           "std::basic_ofstream<char, std::char_traits<char> >::basic_ofstream(char const*, std::_Ios_Openmode)",
                           "std::basic_ifstream<char, std::char_traits<char> >::basic_ifstream(char const*, std::_Ios_Openmode)",
                           "std::basic_filebuf<char, std::char_traits<char> >::open(char const*, std::_Ios_Openmode)",
                           "std::filesystem::remove(std::filesystem::__cxx11::path const&)", "std::ios_base::xalloc()",
                           "std::locale::global(std::locale const&)", "strtok", "rand"}) {
    EXPECT_FALSE(matches_any(patterns, name)) << name;
  }
  for (const char* name : {"__tsan_read8", "__tsan_func_entry", "__tsan_atomic32_fetch_add", "memcpy",
                           "operator new(unsigned long)", "std::thread::join()", "pthread_mutex_lock", "strlen",
                           "__cxa_throw", "lab01::helper()"}) {
    EXPECT_TRUE(matches_any(patterns, name)) << name;
  }
  // Allowed with a condition, so not in the plain list.
  for (const char* name : {"std::cout", "stdout", "std::cerr"}) EXPECT_TRUE(matches_any(rules.shared_state, name)) << name;
  EXPECT_TRUE(matches_any(rules.library_only, "syscall"));
  // Lab 12's given demonstration.cpp: its functions may be called, its globals not used.
  const auto lab12 = allowed("12").allowed;
  EXPECT_TRUE(matches_any(lab12, "lab12::tally_with_global(labkit::ProcessPoolExecutor&, std::vector<int> const&)"));
  EXPECT_FALSE(matches_any(lab12, "lab12::demonstration::g_bytes_by_client[abi:cxx11]"));
  EXPECT_FALSE(matches_any(lab12, "lab12::demonstration::g_bytes_mutex"));
}

}  // namespace
}  // namespace labctl
