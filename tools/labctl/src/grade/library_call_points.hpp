// Library calls made scheduling points in a submission's explored program.
//
// The explorer sees the lab code's own memory accesses (instrumented), not the stores made
// inside library functions compiled elsewhere (std::from_chars, strtod, erand48, stream
// extraction). A task that loads a shared total, then has a library function store the new
// value through a reference, loses updates that no schedule could show: between its load and
// that store there was no scheduling point (fixture race_in_library_code: 10/10 before).
// So every library function the submission's own code calls gets a wrapper, linked with
// `-Wl,--wrap=NAME` into the explored program only: the wrapper calls the explorer's
// scheduling point (kCallPointFunction in tools/explore/src/schedule.hpp), then jumps to the
// real function with every argument register as it was. The real runs are not changed.
#pragma once

#include "grade/elf_object.hpp"

#include <set>
#include <string>
#include <vector>

namespace labctl {

// The functions `object` calls (R_X86_64_PLT32 relocations), or whose address it takes (any
// other relocation naming a function: a C++ name with a signature, or a C function that stores
// through its arguments), that it does not define: what the link will find in a library. Left out: ThreadSanitizer's entry points
// (the instrumentation's own calls), weak references, the unwinder's and the C++ runtime's
// exception machinery (called mid-unwind), and any name that is not a plain identifier.
std::set<std::string> called_functions(const ElfObject& object);

// x86-64 assembly defining __wrap_NAME for each name: save the argument registers (the six
// integer ones, %rax for variadic calls, %xmm0-7), call the explorer's point, restore them,
// jump to __real_NAME.
std::string call_point_wrappers(const std::set<std::string>& names);

// The linker's arguments that route the submission's calls through the wrappers.
std::vector<std::string> wrap_arguments(const std::set<std::string>& names);

}  // namespace labctl
