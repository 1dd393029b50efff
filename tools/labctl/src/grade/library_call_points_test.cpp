// Library calls made scheduling points: which calls get a wrapper, and what it looks like.
#include "grade/library_call_points.hpp"

#include <gtest/gtest.h>

#include <elf.h>

namespace {

using labctl::ElfObject;
using labctl::ElfRelocation;
using labctl::ElfSymbol;

// An object whose symbol i is `symbols[i]` (index 0 the null symbol), each referenced by one
// relocation of the type given.
ElfObject object_with(const std::vector<std::pair<ElfSymbol, std::uint32_t>>& references) {
  ElfObject object;
  object.symbols.emplace_back();  // the null symbol
  for (const auto& [symbol, type] : references) {
    object.symbols.push_back(symbol);
    ElfRelocation relocation;
    relocation.symbol = static_cast<std::uint32_t>(object.symbols.size() - 1);
    relocation.type = type;
    object.relocations.push_back(relocation);
  }
  return object;
}

ElfSymbol undefined(const std::string& name, unsigned char bind = STB_GLOBAL) {
  ElfSymbol symbol;
  symbol.name = name;
  symbol.bind = bind;
  return symbol;
}

// The library functions the code calls are wrapped; data it only points at, what it defines
// itself, weak references, the instrumentation's and the unwinder's calls are not.
TEST(LibraryCallPoints, OnlyCallsToFunctionsDefinedElsewhere) {
  ElfSymbol defined = undefined("_ZN5lab015localEv");
  defined.section = 3;
  const ElfObject object = object_with({
      {undefined("_ZSt10from_charsPKcS0_RdSt12chars_format"), R_X86_64_PLT32},
      {undefined("strtod"), R_X86_64_PLT32},
      {undefined("strtod"), R_X86_64_PLT32},  // called twice, wrapped once
      {undefined("_ZTVN10__cxxabiv117__class_type_infoE"), R_X86_64_64},  // data
      {defined, R_X86_64_PLT32},
      {undefined("__pthread_key_create", STB_WEAK), R_X86_64_PLT32},
      {undefined("__tsan_read8"), R_X86_64_PLT32},
      {undefined("_Unwind_Resume"), R_X86_64_PLT32},
      {undefined("__cxa_throw"), R_X86_64_PLT32},
      {undefined("odd name"), R_X86_64_PLT32},
  });
  EXPECT_EQ(labctl::called_functions(object),
            (std::set<std::string>{"_ZSt10from_charsPKcS0_RdSt12chars_format", "strtod"}));
}

// A library function whose address is taken (through the GOT, or in a table) is wrapped too:
// a call through the pointer is a library call (fixture race_via_function_pointer). Variables
// never are: std::cout, stdout, a typeinfo.
TEST(LibraryCallPoints, FunctionsWhoseAddressIsTakenToo) {
  const ElfObject object = object_with({
      {undefined("_ZSt10from_charsPKcS0_RdSt12chars_format"), R_X86_64_REX_GOTPCRELX},
      {undefined("erand48"), R_X86_64_64},
      {undefined("_ZSt4cout"), R_X86_64_REX_GOTPCRELX},
      {undefined("stdout"), R_X86_64_REX_GOTPCRELX},
      {undefined("_ZTISt9exception"), R_X86_64_64},
  });
  EXPECT_EQ(labctl::called_functions(object),
            (std::set<std::string>{"_ZSt10from_charsPKcS0_RdSt12chars_format", "erand48"}));
}

// Each wrapper saves the argument registers, calls the explorer's point, restores them and
// jumps to the real function; the linker is told to route the calls through it.
TEST(LibraryCallPoints, WrapperPerFunction) {
  const std::string text = labctl::call_point_wrappers({"strtod", "erand48"});
  for (const char* name : {"strtod", "erand48"}) {
    EXPECT_NE(text.find(std::string("__wrap_") + name + ":\n"), std::string::npos) << name;
    EXPECT_NE(text.find(std::string("jmp __real_") + name + "\n"), std::string::npos) << name;
  }
  EXPECT_NE(text.find("call racelab_explore_call_point@PLT"), std::string::npos);
  EXPECT_NE(text.find("movdqu %xmm7, 112(%rsp)"), std::string::npos);
  EXPECT_EQ(labctl::wrap_arguments({"erand48", "strtod"}),
            (std::vector<std::string>{"-Wl,--wrap=erand48", "-Wl,--wrap=strtod"}));
}

}  // namespace

// After the point, each store the function may make through an argument is told to the
// explorer, with the argument as the wrapper saved it: erand48's state, 6 bytes at %rdi.
TEST(LibraryCallPoints, StoresThroughArgumentsAreRecorded) {
  const std::string text = labctl::call_point_wrappers({"erand48", "strlen"});
  const auto erand = text.find("__wrap_erand48:");
  const auto strlen_at = text.find("__wrap_strlen:");
  ASSERT_NE(erand, std::string::npos);
  ASSERT_NE(strlen_at, std::string::npos);
  const std::string erand_text = text.substr(erand, strlen_at > erand ? strlen_at - erand : std::string::npos);
  EXPECT_NE(erand_text.find("  movq 176(%rsp), %rdi\n  movq $6, %rsi\n  movq 184(%rsp), %rdx\n  call racelab_explore_library_write@PLT\n"),
            std::string::npos)
      << erand_text;
  const std::string strlen_text = text.substr(strlen_at);
  EXPECT_EQ(strlen_text.find("racelab_explore_library_write"), std::string::npos);  // it only reads
}

// A range [first, last) is told as last - first bytes from first (std::to_chars), computed in
// the wrapper from the saved %rdi and %rsi; an end before the start tells nothing, and more
// than kMaxRange bytes are told as kMaxRange.
TEST(LibraryCallPoints, RangesAreToldFromTheirTwoEnds) {
  const std::string text = labctl::call_point_wrappers({"_ZSt8to_charsPcS_d"});
  EXPECT_NE(text.find("  movq 176(%rsp), %rdi\n  movq 168(%rsp), %rsi\n  subq %rdi, %rsi\n  jns 1f\n  xorl %esi, %esi\n"
                      "1:\n  cmpq $4096, %rsi\n  jbe 2f\n  movq $4096, %rsi\n2:\n  movq 184(%rsp), %rdx\n"
                      "  call racelab_explore_library_write@PLT\n"),
            std::string::npos)
      << text;
}

// A member that is not const: its object, the saved %rdi, goes to the explorer's own entry for
// objects (kLibraryObjectWriteFunction), which leaves a shared library's globals (std::cout) alone.
TEST(LibraryCallPoints, AMembersObjectIsToldAsSuch) {
  const std::string text = labctl::call_point_wrappers({"_ZNSo5seekpElSt12_Ios_Seekdir"});
  EXPECT_NE(text.find("  movq 176(%rsp), %rdi\n  movq 184(%rsp), %rsi\n  call racelab_explore_library_object_write@PLT\n"),
            std::string::npos)
      << text;
}
