// An ELF64 relocatable object read from its bytes (elf_object.hpp).
#include "grade/elf_object.hpp"

#include "base/errors.hpp"
#include "base/process.hpp"

#include <cxxabi.h>
#include <elf.h>
#include <fmt/format.h>

#include <cstdlib>
#include <cstring>
#include <memory>

namespace labctl {
namespace {

template <class T>
T read_at(const std::string& bytes, std::uint64_t offset, const std::string& what) {
  if (offset > bytes.size() || bytes.size() - offset < sizeof(T)) throw Error(what + ": truncated ELF file");
  T value;
  std::memcpy(&value, bytes.data() + offset, sizeof(T));
  return value;
}

// The NUL-terminated string at `offset` of the string table `table`.
std::string string_at(const std::string& bytes, const ElfSection& table, std::uint64_t offset, const std::string& what) {
  if (table.type != SHT_STRTAB || offset >= table.size || table.file_offset > bytes.size() ||
      bytes.size() - table.file_offset < table.size) {
    throw Error(what + ": bad string table offset");
  }
  const char* start = bytes.data() + table.file_offset + offset;
  const std::size_t room = static_cast<std::size_t>(table.size - offset);
  const void* end = std::memchr(start, '\0', room);
  if (end == nullptr) throw Error(what + ": unterminated string in the string table");
  return std::string(start, static_cast<const char*>(end));
}

}  // namespace

ElfObject ElfObject::read(const std::filesystem::path& file) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(file, error)) throw Error(file.string() + ": no such object file");
  return parse(read_file(file), file.string());
}

ElfObject ElfObject::parse(const std::string& bytes, const std::string& what) {
  if (bytes.size() < sizeof(Elf64_Ehdr) || bytes.compare(0, SELFMAG, ELFMAG) != 0 || bytes[EI_CLASS] != ELFCLASS64 ||
      bytes[EI_DATA] != ELFDATA2LSB) {
    throw Error(what + ": not an ELF64 little-endian object file");
  }
  const auto header = read_at<Elf64_Ehdr>(bytes, 0, what);
  if (header.e_type != ET_REL) throw Error(what + ": not a relocatable object file");
  if (header.e_shentsize != sizeof(Elf64_Shdr)) throw Error(what + ": unexpected section header size");

  ElfObject object;
  std::vector<Elf64_Shdr> raw;
  // Extended numbering, for objects of 65280 sections or more (every template instance
  // has a section of its own): the count and the name table's index are in section 0.
  std::uint64_t count = header.e_shnum;
  std::uint64_t names_index = header.e_shstrndx;
  if (header.e_shoff != 0 && (count == 0 || names_index == SHN_XINDEX)) {
    const auto first = read_at<Elf64_Shdr>(bytes, header.e_shoff, what);
    if (count == 0) count = first.sh_size;
    if (names_index == SHN_XINDEX) names_index = first.sh_link;
  }
  if (header.e_shoff > bytes.size() || count > (bytes.size() - header.e_shoff) / sizeof(Elf64_Shdr)) {
    throw Error(what + ": the section headers lie outside the file");
  }
  for (std::size_t i = 0; i < count; ++i) {
    raw.push_back(read_at<Elf64_Shdr>(bytes, header.e_shoff + i * sizeof(Elf64_Shdr), what));
  }
  for (const auto& section : raw) {
    ElfSection out;
    out.type = section.sh_type;
    out.flags = section.sh_flags;
    out.size = section.sh_size;
    out.align = section.sh_addralign;
    out.file_offset = section.sh_offset;
    out.link = section.sh_link;
    out.info = section.sh_info;
    if (out.type != SHT_NOBITS && (out.file_offset > bytes.size() || bytes.size() - out.file_offset < out.size)) {
      throw Error(what + ": a section lies outside the file");
    }
    object.sections.push_back(out);
  }
  if (names_index >= object.sections.size()) throw Error(what + ": no section name table");
  for (std::size_t i = 0; i < raw.size(); ++i) {
    object.sections[i].name = string_at(bytes, object.sections[names_index], raw[i].sh_name, what);
  }

  // The symbol table (a relocatable object has one; its relocations index into it).
  std::size_t symtab_index = 0;
  for (std::size_t i = 0; i < object.sections.size(); ++i) {
    if (object.sections[i].type != SHT_SYMTAB) continue;
    if (symtab_index != 0) throw Error(what + ": more than one symbol table");
    symtab_index = i;
  }
  // Section indexes of symbols past SHN_LORESERVE, with extended numbering.
  std::size_t shndx_index = 0;
  for (std::size_t i = 0; i < object.sections.size(); ++i) {
    if (object.sections[i].type == SHT_SYMTAB_SHNDX && object.sections[i].link == symtab_index) shndx_index = i;
  }
  if (symtab_index != 0) {
    const ElfSection& symtab = object.sections[symtab_index];
    if (symtab.link >= object.sections.size()) throw Error(what + ": bad symbol table");
    const ElfSection& names = object.sections[symtab.link];
    for (std::uint64_t at = 0; at + sizeof(Elf64_Sym) <= symtab.size; at += sizeof(Elf64_Sym)) {
      const auto raw_symbol = read_at<Elf64_Sym>(bytes, symtab.file_offset + at, what);
      ElfSymbol symbol;
      symbol.name = raw_symbol.st_name == 0 ? "" : string_at(bytes, names, raw_symbol.st_name, what);
      symbol.value = raw_symbol.st_value;
      symbol.size = raw_symbol.st_size;
      symbol.type = ELF64_ST_TYPE(raw_symbol.st_info);
      symbol.bind = ELF64_ST_BIND(raw_symbol.st_info);
      symbol.visibility = ELF64_ST_VISIBILITY(raw_symbol.st_other);
      symbol.section = raw_symbol.st_shndx;
      if (raw_symbol.st_shndx == SHN_ABS || raw_symbol.st_shndx == SHN_COMMON) {
        symbol.absolute = raw_symbol.st_shndx == SHN_ABS;
        symbol.common = raw_symbol.st_shndx == SHN_COMMON;
        symbol.section = 0;
      } else if (raw_symbol.st_shndx == SHN_XINDEX) {
        if (shndx_index == 0) throw Error(what + ": an extended section index without its table");
        const ElfSection& table = object.sections[shndx_index];
        const std::uint64_t entry = at / sizeof(Elf64_Sym) * sizeof(Elf64_Word);
        if (entry + sizeof(Elf64_Word) > table.size) throw Error(what + ": an extended section index out of its table");
        symbol.section = read_at<Elf64_Word>(bytes, table.file_offset + entry, what);
      }
      if (symbol.section >= object.sections.size() ||
          (raw_symbol.st_shndx >= SHN_LORESERVE && raw_symbol.st_shndx != SHN_XINDEX && !symbol.absolute &&
           !symbol.common)) {
        throw Error(what + ": a symbol names a section that does not exist");
      }
      // A section symbol has no name of its own: give it its section's, as tools show it.
      if (symbol.type == STT_SECTION && symbol.section != 0) {
        symbol.name = object.sections[symbol.section].name;
      }
      object.symbols.push_back(std::move(symbol));
    }
  }

  for (std::size_t i = 0; i < object.sections.size(); ++i) {
    const ElfSection& section = object.sections[i];
    if (section.type == SHT_REL) throw Error(what + ": REL relocations are not supported (x86-64 uses RELA)");
    if (section.type != SHT_RELA) continue;
    if (section.info >= object.sections.size() || section.link != symtab_index) {
      throw Error(what + ": a relocation section names a section that does not exist");
    }
    for (std::uint64_t at = 0; at + sizeof(Elf64_Rela) <= section.size; at += sizeof(Elf64_Rela)) {
      const auto raw_relocation = read_at<Elf64_Rela>(bytes, section.file_offset + at, what);
      ElfRelocation relocation;
      relocation.section = section.info;
      relocation.offset = raw_relocation.r_offset;
      relocation.symbol = static_cast<std::uint32_t>(ELF64_R_SYM(raw_relocation.r_info));
      relocation.type = static_cast<std::uint32_t>(ELF64_R_TYPE(raw_relocation.r_info));
      relocation.addend = raw_relocation.r_addend;
      if (relocation.symbol >= object.symbols.size()) throw Error(what + ": a relocation names a symbol that does not exist");
      object.relocations.push_back(relocation);
    }
  }
  object.symbols_in.resize(object.sections.size());
  object.relocations_in.resize(object.sections.size());
  for (std::uint32_t i = 1; i < object.symbols.size(); ++i) {
    if (object.symbols[i].section != 0) object.symbols_in[object.symbols[i].section].push_back(i);
  }
  for (std::uint32_t i = 0; i < object.relocations.size(); ++i) {
    object.relocations_in[object.relocations[i].section].push_back(i);
  }
  return object;
}

const ElfSymbol* ElfObject::symbol_at(std::size_t section, std::uint64_t offset) const {
  const ElfSymbol* best = nullptr;
  if (section >= symbols_in.size()) return nullptr;
  for (const std::uint32_t index : symbols_in[section]) {
    const ElfSymbol& symbol = symbols[index];
    if (symbol.type == STT_SECTION || symbol.type == STT_FILE || symbol.name.empty()) continue;
    const bool covers = offset >= symbol.value && (offset < symbol.value + symbol.size || (symbol.size == 0 && offset == symbol.value));
    if (covers && (best == nullptr || symbol.value > best->value)) best = &symbol;
  }
  return best;
}

const ElfSymbol* ElfObject::target(const ElfRelocation& relocation) const {
  const ElfSymbol& symbol = symbols[relocation.symbol];
  if (symbol.type != STT_SECTION) return &symbol;
  if (relocation.addend < 0) return nullptr;
  return symbol_at(symbol.section, static_cast<std::uint64_t>(relocation.addend));
}

std::string demangle(const std::string& name) {
  if (name.rfind("_Z", 0) != 0) return name;
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> text(abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status), std::free);
  if (status != 0 || text == nullptr) return name;
  return text.get();
}

}  // namespace labctl
