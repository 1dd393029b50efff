// Which arguments a library function may store through, read off its name.
//
// A store made inside a library function (compiled elsewhere, not instrumented) is no access
// the explorer or ThreadSanitizer sees: two tasks that load a shared total and have
// std::from_chars store the sum through a `double&` race, and nothing reports it (fixture
// race_in_library_code). The wrapper the grader puts before each library call
// (library_call_points.hpp) therefore also tells the explorer about the stores the call may
// make: one per argument that is a reference or pointer to something not const, in the
// integer argument register that carries it (x86-64 System V: %rdi, %rsi, %rdx, %rcx, %r8,
// %r9), with the size of what it points to.
//
// Read from the demangled name, whose parameters a mangled name spells out. A function scoped
// by a class is taken as a member, its `this` in %rdi, unless it is static: libstdc++ names its
// static members _S_... (the few others the labs may call are listed), and a mangled name does
// not say, so a static member read as a member would have every argument read one register
// off (its first not told, a register past its last told as a store). A member that is not
// const may store into its own object: that is told too, as a write at `this` (LibraryWrite's
// `object`), which the explorer leaves alone when the object is a shared library's own global
// (std::cout, shared by design). Until helper-16's seekp_lost_update (a shared stream's write
// position used as a counter: read, add and store inside one library call, 10/10) the object
// was not told at all. The classes that synchronise threads (locks, condition variables,
// futures) are left out altogether: they are shared on purpose. Any argument behind a parameter whose
// register class the name does not tell (a class passed by value) is left out, and so are
// operators and templates whose names carry their return types. C functions have no
// parameters in their names: the few on the allowed list that store through a pointer are
// listed by hand. std::to_chars stores into [first, last) (told up to kMaxRange bytes from
// first: it writes only what the number needs, never past last).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace labctl {

struct LibraryWrite {
  int reg = 0;           // integer argument register: 0 %rdi, 1 %rsi, ... 5 %r9
  std::size_t size = 1;  // bytes stored from that address (1 when the type's size is unknown)
  int size_reg = -1;     // or, when not -1: the register holding the byte count (memcpy's n)
  int end_reg = -1;      // or, when not -1: the register holding the end of [address, end)
  bool object = false;   // the member's own object (`this`, reg 0): told as such, see below

  bool operator==(const LibraryWrite&) const = default;
};

// The most bytes told for one range [address, end): more, or an end before the address, is
// told as this many (an end before the address: none).
inline constexpr std::size_t kMaxRange = 4096;

// The stores a call of the function with this (mangled) symbol name may make through its
// arguments; empty when none, or when the name does not say.
std::vector<LibraryWrite> library_writes(const std::string& symbol);

}  // namespace labctl
