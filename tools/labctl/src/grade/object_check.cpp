// The grader's look at a student's object file (object_check.hpp).
#include "grade/object_check.hpp"

#include "base/errors.hpp"
#include "base/process.hpp"
#include "base/temp_dir.hpp"

#include <elf.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <array>
#include <set>
#include <utility>

namespace labctl {

namespace fs = std::filesystem;

namespace {

bool starts_with(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

// Names the sanitizers' runtimes and the C runtime define for themselves: a definition by
// the lab's file could replace theirs (or hide data under a name tools skip).
bool is_reserved_runtime_name(std::string_view name) {
  for (std::string_view prefix : {"__tsan", "__sanitizer", "__asan", "___asan", "__odr_asan", "__ubsan", "__lsan",
                                  "__msan", "__dfsan", "__hwasan", "__sancov", "__llvm_profile", "__interceptor_",
                                  "Annotate"}) {
    if (starts_with(name, prefix)) return true;
  }
  return name == "_init" || name == "_fini" || name == "_start" || name == "main";
}

// The C++-level name behind special symbols: "vtable for std::X" -> "std::X".
std::string_view entity_of(std::string_view demangled) {
  for (std::string_view prefix :
       {"typeinfo for ", "typeinfo name for ", "vtable for ", "VTT for ", "construction vtable for ",
        "guard variable for ", "TLS init function for ", "TLS wrapper function for ", "non-virtual thunk to ",
        "virtual thunk to ", "covariant return thunk to ", "transaction clone for "}) {
    if (starts_with(demangled, prefix)) return demangled.substr(prefix.size());
  }
  if (starts_with(demangled, "reference temporary #")) {
    if (const auto at = demangled.find(" for "); at != std::string_view::npos) return demangled.substr(at + 5);
  }
  return demangled;
}

// The namespaces of the standard library and of the harness (GoogleTest, labkit).
// Code or data of the standard library's own (or labkit's, the course's library: a lab file
// cannot open its namespace either), by its mangled name: std:: (`St`, or an abbreviation
// such as `So` for std::ostream), __gnu_cxx:: or labkit::, possibly a guard variable
// (`GV`) or a static local (`Z`) of such a function. The mangled name, because a demangled
// function template starts with its return type ("std::string lab01::f<int>()").
bool is_library_symbol(std::string_view mangled) {
  if (!starts_with(mangled, "_Z")) return false;
  mangled.remove_prefix(2);
  if (starts_with(mangled, "GV")) mangled.remove_prefix(2);
  if (starts_with(mangled, "Z")) mangled.remove_prefix(1);
  if (starts_with(mangled, "N")) {
    mangled.remove_prefix(1);
    while (!mangled.empty() && std::string_view("rVKRO").find(mangled.front()) != std::string_view::npos) {
      mangled.remove_prefix(1);
    }
  }
  if (starts_with(mangled, "9__gnu_cxx") || starts_with(mangled, "6labkit")) return true;
  return mangled.size() >= 2 && mangled[0] == 'S' && std::string_view("tabsiod").find(mangled[1]) != std::string_view::npos;
}

bool in_namespace(std::string_view entity, std::string_view space) {
  return starts_with(entity, space) && entity.substr(space.size(), 2) == "::";
}

// The C library's variables with names a C++ program may use for its own: one defined in the
// lab's file would take their place (names beginning with '_' are reserved anyway).
bool is_c_library_variable(std::string_view name) {
  for (std::string_view known : {"environ", "stdin", "stdout", "stderr", "optarg", "optind", "opterr", "optopt",
                                 "timezone", "daylight", "tzname", "program_invocation_name",
                                 "program_invocation_short_name", "signgam", "h_errno", "getdate_err", "errno"}) {
    if (name == known) return true;
  }
  return false;
}

// The symbols clang itself defines in a clean object with visible linkage and no C++ name:
// the function that calls std::terminate from a noexcept frame, and the pointers to the
// exception-handling personality routines (hidden, one per object).
bool is_compiler_helper(const ElfSymbol& symbol) {
  if (symbol.name == "__clang_call_terminate") return symbol.type == STT_FUNC && symbol.visibility == STV_HIDDEN;
  if (symbol.name == "DW.ref.__gxx_personality_v0" || symbol.name == "DW.ref.__gcc_personality_v0") {
    return symbol.type == STT_OBJECT && symbol.visibility == STV_HIDDEN && symbol.size == 8;
  }
  return false;
}

bool is_code_section(const ElfSection& section) {
  return (section.flags & SHF_ALLOC) != 0 && (section.flags & SHF_EXECINSTR) != 0;
}

// A place in code that refers to symbol `index` (the first relocation to it in code, from
// `first_use`), for a source line.
ObjectFinding located(std::string message, const ElfObject& object, const std::vector<std::int64_t>& first_use,
                      std::uint32_t index) {
  ObjectFinding finding{std::move(message), "", 0};
  if (first_use[index] >= 0) {
    const ElfRelocation& relocation = object.relocations[static_cast<std::size_t>(first_use[index])];
    finding.section = object.sections[relocation.section].name;
    finding.offset = relocation.offset;
  }
  return finding;
}

ObjectFinding defined_at(std::string message, const ElfObject& object, const ElfSymbol& symbol) {
  ObjectFinding finding{std::move(message), "", 0};
  if (symbol.section < object.sections.size() && is_code_section(object.sections[symbol.section])) {
    finding.section = object.sections[symbol.section].name;
    finding.offset = symbol.value;
  }
  return finding;
}

// Question 2, for one defined symbol: "" or why it may not be defined.
std::string forbidden_definition(const ElfSymbol& symbol, const std::string& readable) {
  if (symbol.name == "main") return "your file defines main(); remove it (the test harness has its own main)";
  if (is_reserved_runtime_name(symbol.name)) {
    return fmt::format("defines {}: a name the sanitizers and the C runtime reserve for themselves", symbol.name);
  }
  if (symbol.bind == STB_LOCAL) return "";
  if (symbol.name.rfind("_Z", 0) != 0) {
    if (is_compiler_helper(symbol)) return "";
    // C++ does not mangle the names of variables in the global namespace: `int counter;`
    // there is a plain global (question 3 counts it). But a variable of the C library's, or
    // a reserved name, defined here would replace the library's own for the whole program.
    const bool variable = symbol.type == STT_OBJECT || symbol.type == STT_TLS || symbol.common;
    if (variable && !is_c_library_variable(symbol.name) && symbol.name.front() != '_') return "";
    return fmt::format("defines the C symbol {} (extern \"C\"), which would replace the C library's or the harness's "
                       "own; a lab file defines C++ functions only",
                       symbol.name);
  }
  const std::string_view entity = entity_of(readable);
  if (in_namespace(entity, "testing") || in_namespace(entity, "labkit::testing")) {
    return fmt::format("defines {}: GoogleTest's and the test harness's code is not a lab file's to define", readable);
  }
  for (std::string_view prefix : {"operator new(", "operator new[](", "operator delete(", "operator delete[]("}) {
    if (starts_with(entity, prefix)) return fmt::format("replaces the global {}: a lab file may not", readable);
  }
  // A strong (non-inline, non-template) definition in the library's or the harness's
  // namespaces would win over their own at link time. Weak ones are the instantiations of
  // their templates and inline functions, made by including their headers.
  if (symbol.bind == STB_GLOBAL) {
    for (std::string_view space : {"std", "labkit"}) {
      if (in_namespace(entity, space)) {
        return fmt::format("defines {} in namespace {}: only the library's own templates may be instantiated there",
                           readable, space);
      }
    }
    // Reserved namespaces: the compiler's and the runtimes' (__gnu_cxx, __cxxabiv1, and the
    // sanitizers' own __tsan, __sanitizer, __interception, statically linked into the program).
    if (entity.size() > 2 && entity[0] == '_' && (entity[1] == '_' || std::isupper(static_cast<unsigned char>(entity[1]))) &&
        entity.find("::") != std::string_view::npos) {
      const std::string_view space = entity.substr(0, entity.find("::"));
      return fmt::format("defines {} in namespace {}, which the compiler and its runtimes reserve", readable, space);
    }
  }
  return "";
}

bool is_constructor_section(const ElfSection& section) {
  if (section.type == SHT_INIT_ARRAY || section.type == SHT_FINI_ARRAY || section.type == SHT_PREINIT_ARRAY) return true;
  for (std::string_view prefix : {".init_array", ".fini_array", ".preinit_array", ".ctors", ".dtors"}) {
    if (starts_with(section.name, prefix)) return true;
  }
  return false;
}

// Question 2's last part: code registered to run before main (or after it). Allowed: TSan's
// module constructor (it calls __tsan_init) in any priority, and the file's own dynamic
// initialisation (_GLOBAL__sub_I_<file>) at the default priority, whose globals question 3
// counts. Neither name can be written in C++: an asm label would be needed, and is refused.
void check_constructors(const ElfObject& object, std::vector<ObjectFinding>& refusals) {
  for (std::size_t index = 0; index < object.sections.size(); ++index) {
    const ElfSection& section = object.sections[index];
    if (!is_constructor_section(section) || section.size == 0) continue;
    const bool init = starts_with(section.name, ".init_array") && section.type == SHT_INIT_ARRAY;
    if (!init) {
      refusals.push_back({fmt::format("registers code to run before or after main (section {}): a lab file may not "
                                      "(constructor and destructor attributes are refused)",
                                      section.name),
                          "", 0});
      continue;
    }
    std::size_t entries = 0;
    for (const std::uint32_t r : object.relocations_in[index]) {
      const ElfRelocation& relocation = object.relocations[r];
      ++entries;
      const ElfSymbol* target = object.target(relocation);
      const std::string name = target != nullptr ? target->name : "";
      const bool tsan = name == "tsan.module_ctor" && target->bind == STB_LOCAL;
      const bool globals = name.rfind("_GLOBAL__sub_I_", 0) == 0 && target->bind == STB_LOCAL && section.name == ".init_array";
      if (tsan || globals) continue;
      refusals.push_back({fmt::format("runs {} before main (section {}): static constructors are not allowed in a lab "
                                      "file (a constructor attribute or init_priority)",
                                      name.empty() ? std::string("code") : demangle(name), section.name),
                          "", 0});
    }
    if (entries * 8 != section.size) {
      refusals.push_back({fmt::format("registers code to run before main that the grader cannot identify (section {})",
                                      section.name),
                          "", 0});
    }
  }
}

bool is_writable_data(const ElfSection& section) {
  if ((section.flags & SHF_ALLOC) == 0) return false;
  if ((section.flags & SHF_TLS) != 0) return true;
  if ((section.flags & SHF_WRITE) == 0) return false;
  if (is_constructor_section(section)) return false;  // check_constructors
  // Made read-only after relocation: the linker puts every .data.rel.ro* input section
  // into the GNU_RELRO segment, by this name, whoever chose it (a write there faults).
  return !(section.name == ".data.rel.ro" || starts_with(section.name, ".data.rel.ro."));
}

std::string describe_bytes(std::uint64_t bytes) { return fmt::format("{} byte{}", bytes, bytes == 1 ? "" : "s"); }

// Question 3, for one writable section.
void check_writable_section(const ElfObject& object, std::size_t index, std::vector<ObjectFinding>& state) {
  const ElfSection& section = object.sections[index];
  if (section.size == 0) return;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> covered;  // [start, end)
  bool named_state = false;
  for (const std::uint32_t s : object.symbols_in[index]) {
    const ElfSymbol& symbol = object.symbols[s];
    if (symbol.name.empty() || symbol.type == STT_SECTION || symbol.type == STT_FILE) continue;
    covered.emplace_back(symbol.value, symbol.value + std::max<std::uint64_t>(symbol.size, 1));
    // <iostream>'s `static std::ios_base::Init __ioinit` (internal linkage, in namespace
    // std, which a lab file cannot open): the library's, in every file that includes it.
    if (symbol.name == "_ZStL8__ioinit" && symbol.bind == STB_LOCAL && symbol.size <= 1) continue;
    // The pointer to the personality routine, alone in its own section.
    if (is_compiler_helper(symbol) && symbol.type == STT_OBJECT && section.name == ".data." + symbol.name) continue;
    const std::string readable = demangle(symbol.name);
    // The standard library's own statics, instantiated here from its headers (the waiter
    // pool behind std::atomic::wait and std::latch, with its guard): shared by the whole
    // program, reached only through the library's code. A lab file cannot make one: opening
    // std, specialisations and reserved names are refused, strong std:: definitions too.
    if (symbol.bind != STB_GLOBAL && is_library_symbol(symbol.name)) continue;
    state.push_back({fmt::format("{} ({} in {})", readable, describe_bytes(symbol.size), section.name), "", 0});
    named_state = true;
  }
  // The type slots of catch clauses: one pointer to a typeinfo object each, without a name,
  // which the exception tables refer to (clang puts them in .data).
  for (const std::uint32_t r : object.relocations_in[index]) {
    const ElfRelocation& relocation = object.relocations[r];
    if (relocation.type != R_X86_64_64) continue;
    const ElfSymbol& to = object.symbols[relocation.symbol];
    if (to.name.rfind("_ZTI", 0) != 0 || object.symbol_at(index, relocation.offset) != nullptr) continue;
    covered.emplace_back(relocation.offset, relocation.offset + 8);
  }
  if (named_state) return;  // already failing; padding between the symbols is not more state
  std::sort(covered.begin(), covered.end());
  std::uint64_t unnamed = 0, at = 0;
  for (const auto& [start, end] : covered) {
    if (start > at) unnamed += start - at;
    at = std::max(at, end);
  }
  if (section.size > at) unnamed += section.size - at;
  if (unnamed > 0) {
    state.push_back({fmt::format("{} of writable data without a name in {}", describe_bytes(unnamed), section.name), "", 0});
  }
}

// For a [library only] import: "" when every reference to symbol `index` lies in the
// library's own inline code (a weak or local definition in std::, __gnu_cxx:: or labkit::, which a lab
// file cannot write: the source check refuses opening those namespaces, specialisations and
// reserved names, and question 2 refuses strong definitions there), else the function, or
// the kind of section, that refers to it.
std::string used_outside_library(const ElfObject& object, std::uint32_t index) {
  for (const ElfRelocation& relocation : object.relocations) {
    if (relocation.symbol != index) continue;
    if (!is_code_section(object.sections[relocation.section])) return object.sections[relocation.section].name;
    const ElfSymbol* function = object.symbol_at(relocation.section, relocation.offset);
    if (function == nullptr) return "code outside any function";
    // Inline functions are weak; a few of the library's (__platform_notify) are static.
    if (function->bind == STB_GLOBAL || !is_library_symbol(function->name)) return demangle(function->name);
  }
  return "";
}

}  // namespace

ObjectFindings check_object(const ElfObject& object, const ImportRules& imports) {
  ObjectFindings findings;
  std::set<std::string> reported;
  std::vector<std::int64_t> first_use(object.symbols.size(), -1);
  for (std::size_t r = 0; r < object.relocations.size(); ++r) {
    const ElfRelocation& relocation = object.relocations[r];
    if (first_use[relocation.symbol] < 0 && is_code_section(object.sections[relocation.section])) {
      first_use[relocation.symbol] = static_cast<std::int64_t>(r);
    }
  }
  for (std::uint32_t index = 1; index < object.symbols.size(); ++index) {
    const ElfSymbol& symbol = object.symbols[index];
    if (symbol.name.empty() || symbol.type == STT_SECTION || symbol.type == STT_FILE) continue;
    const std::string readable = demangle(symbol.name);
    if (symbol.undefined()) {
      if (symbol.bind == STB_LOCAL || matches_any(imports.allowed, readable) || !reported.insert(readable).second) continue;
      if (matches_any(imports.library_only, readable)) {
        const std::string user = used_outside_library(object, index);
        if (user.empty()) continue;
        findings.refusals.push_back(located(
            fmt::format("uses {} in {}: only library code may (std::latch, std::atomic::wait and labkit's "
                        "process pool call it for you)",
                        readable, user),
            object, first_use, index));
        continue;
      }
      if (matches_any(imports.shared_state, readable)) {
        findings.mutable_state.push_back(located(
            fmt::format("{} (a global object of the standard library: its state, such as a stream's precision, "
                        "flags and buffer, is shared by every task; return results, let the caller print them)",
                        readable),
            object, first_use, index));
        continue;
      }
      const bool lab_variable = glob_match("lab??::*", readable) && readable.find('(') == std::string::npos;
      findings.refusals.push_back(located(
          lab_variable ? fmt::format("uses {}, a variable of the lab's given code: a lab file keeps no state of its "
                                     "own or of others' outside its functions",
                                     readable)
                       : fmt::format("uses {}, which a lab file may not use (no files, processes, environment, signals, "
                                     "system calls or sanitizer interfaces; the allowed list is {})",
                                     readable, ImportAllowlist::kPath),
          object, first_use, index));
      continue;
    }
    if (const std::string problem = forbidden_definition(symbol, readable); !problem.empty()) {
      findings.refusals.push_back(defined_at(problem, object, symbol));
    }
    if (symbol.common) {
      findings.mutable_state.push_back(
          {fmt::format("{} ({}, a common symbol)", readable, describe_bytes(symbol.size)), "", 0});
    }
  }
  check_constructors(object, findings.refusals);
  // The harness's own words first: a main() of the student's is the one thing to say.
  std::stable_partition(findings.refusals.begin(), findings.refusals.end(),
                        [](const ObjectFinding& f) { return f.message.rfind("your file defines main()", 0) == 0; });
  for (std::size_t index = 0; index < object.sections.size(); ++index) {
    if (is_writable_data(object.sections[index])) check_writable_section(object, index, findings.mutable_state);
  }
  return findings;
}

std::string source_line_of(const fs::path& object, const ObjectFinding& finding, const fs::path& source) {
  if (finding.section.empty()) return "";
  TempDir scratch("racelab-addr2line");
  ProcessSpec spec;
  spec.argv = {"addr2line", "-e", object.string(), "-j", finding.section, fmt::format("{:#x}", finding.offset)};
  spec.stdout_log = scratch.path() / "out";
  spec.log = scratch.path() / "log";
  spec.limit = std::chrono::seconds(30);
  try {
    if (!run_process(spec).status.ok()) return "";
  } catch (const Error&) {
    return "";  // no addr2line: the message goes without a line
  }
  std::string line = read_file(spec.stdout_log);
  if (const auto end = line.find_first_of(" \n"); end != std::string::npos) line.resize(end);
  const auto colon = line.rfind(':');
  if (colon == std::string::npos || line.substr(colon + 1) == "0" || line.substr(colon + 1) == "?") return "";
  if (fs::path(line.substr(0, colon)).lexically_normal() != source.lexically_normal()) return "";
  return source.filename().string() + line.substr(colon);
}

}  // namespace labctl
