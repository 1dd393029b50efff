// An ELF64 relocatable object file (a compiled .o), read as the grader's object check
// (object_check.hpp) needs it: its sections, its symbols and its relocations. Read from the
// bytes alone, by labctl itself: no tool between the grader and what the compiler wrote.
// Every offset is checked against the file's size; a file that is not a well-formed ELF64
// relocatable object is refused with labctl::Error.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace labctl {

struct ElfSection {
  std::string name;
  std::uint32_t type = 0;   // SHT_*
  std::uint64_t flags = 0;  // SHF_*
  std::uint64_t size = 0;
  std::uint64_t align = 0;
  std::uint64_t file_offset = 0;
  std::uint32_t link = 0;
  std::uint32_t info = 0;
};

struct ElfSymbol {
  std::string name;        // as stored (mangled)
  std::uint64_t value = 0; // offset in its section (for SHN_COMMON: its alignment)
  std::uint64_t size = 0;
  unsigned char type = 0;  // STT_*
  unsigned char bind = 0;  // STB_*
  unsigned char visibility = 0;  // STV_*
  // The index of its section (extended indexes resolved); 0 when it has none: undefined,
  // absolute or common, which the flags below tell apart.
  std::uint32_t section = 0;
  bool absolute = false;  // SHN_ABS
  bool common = false;    // SHN_COMMON: storage the linker allocates

  bool undefined() const { return section == 0 && !absolute && !common; }
};

struct ElfRelocation {
  std::size_t section = 0;  // the section the relocation applies to
  std::uint64_t offset = 0;
  std::uint32_t symbol = 0; // index into symbols
  std::uint32_t type = 0;   // R_X86_64_*
  std::int64_t addend = 0;
};

struct ElfObject {
  std::vector<ElfSection> sections;
  std::vector<ElfSymbol> symbols;  // the symbol table, index 0 included (the null symbol)
  std::vector<ElfRelocation> relocations;
  // By section index: the symbols defined in it, the relocations that apply to it.
  std::vector<std::vector<std::uint32_t>> symbols_in;
  std::vector<std::vector<std::uint32_t>> relocations_in;

  // Reads `file`; throws labctl::Error when it is not an ELF64 relocatable object.
  static ElfObject read(const std::filesystem::path& file);
  static ElfObject parse(const std::string& bytes, const std::string& what);

  // The defined symbol of a code or data type (not a section or file symbol) in
  // `section` that covers `offset`, or nullptr.
  const ElfSymbol* symbol_at(std::size_t section, std::uint64_t offset) const;
  // What a relocation points at: its symbol, or for a relocation against a section
  // symbol, the symbol at the addend in that section (nullptr when there is none).
  const ElfSymbol* target(const ElfRelocation& relocation) const;
};

// "std::vector<int>::push_back(int const&)" for "_ZNSt6vectorIiSaIiEE9push_backERKi"; a
// name that is not a mangled C++ name comes back as it is.
std::string demangle(const std::string& name);

}  // namespace labctl
