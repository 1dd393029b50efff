// What the grader reads off a student's compiled lab file before linking or running it
// (docs/grading.md, "What the object may hold"). Three questions, answered from the ELF
// object itself (elf_object.hpp), never from names the student chose:
//
//   1. What does it import? Every undefined symbol must match the reviewed allowlist,
//      allowed_imports.txt ([all] and the lab's own section): no files, processes,
//      environment, signals, raw system calls, dynamic loading, or sanitizer interfaces.
//      Two kinds of import are allowed with a condition: [library only] ones (`syscall`,
//      which std::latch and std::atomic::wait use for futexes) only from the standard
//      library's own inline code instantiated in the file, never from the student's
//      functions; [shared state] ones (std::cout, stdout) are the library's global objects,
//      whose state every task shares: allowed, but they fail no_globals like a global.
//   2. What does it define? Not main (the harness owns the program), nothing the C library,
//      the sanitizers, GoogleTest or the harness define (extern "C" names, __tsan_*,
//      testing::, a strong definition in std:: or labkit::), no global operator new or
//      delete, and no code run before main but the compiler's own (TSan's module
//      constructor, the initialisation of the file's globals).
//   3. What writable data does it hold? Every byte of every allocated, writable section
//      and every common symbol, whatever its name, is mutable global state, except what a
//      clean lab file needs and cannot name: the exception-handling personality pointers,
//      the type slots of catch clauses, <iostream>'s std::__ioinit. Sections the linker
//      makes read-only after relocation (.data.rel.ro*: vtables, typeinfo) are not writable.
//
// Questions 1 and 2 refuse the lab; question 3 fails its no_globals criterion.
#pragma once

#include "grade/elf_object.hpp"
#include "grade/import_allowlist.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace labctl {

struct ObjectFinding {
  std::string message;  // one line, without the file name: "uses fopen, ..."
  // Where the finding is in the code, for a source line (addr2line): a section and an
  // offset in it; empty section when there is no such place.
  std::string section;
  std::uint64_t offset = 0;
};

struct ObjectFindings {
  std::vector<ObjectFinding> refusals;       // the lab may not be linked
  std::vector<ObjectFinding> mutable_state;  // writable data: the no_globals criterion fails
};

// The three questions above, for one object and the lab's allowed imports.
ObjectFindings check_object(const ElfObject& object, const ImportRules& imports);

// "lost_update.cpp:12" for a finding in code compiled from `source` (a path as the compiler
// saw it), by binutils' addr2line on `object`; "" when it cannot say, or when the line is in
// another file (a header).
std::string source_line_of(const std::filesystem::path& object, const ObjectFinding& finding,
                           const std::filesystem::path& source);

}  // namespace labctl
