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
