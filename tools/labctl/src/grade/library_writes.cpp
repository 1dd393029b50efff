// Which arguments a library function may store through (library_writes.hpp).
#include "grade/library_writes.hpp"

#include "base/text.hpp"

#include <cxxabi.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string_view>

namespace labctl {
namespace {

// C functions of the allowed list (allowed_imports.txt) that store through a pointer
// argument: which register, and how many bytes (size_reg: the byte count is in that
// argument register at run time). A function whose store cannot be stated so (strcat's, at
// the end of what the buffer holds; random_r's, through a pointer inside its argument) is
// not on the allowed list at all.
const std::map<std::string, std::vector<LibraryWrite>>& c_functions() {
  static const std::map<std::string, std::vector<LibraryWrite>> table{
      {"memcpy", {{0, 0, 2}}},    {"memmove", {{0, 0, 2}}},   {"memset", {{0, 0, 2}}},
      {"strncpy", {{0, 0, 2}}},   {"snprintf", {{0, 0, 1}}},  {"vsnprintf", {{0, 0, 1}}},
      {"strftime", {{0, 0, 1}}},  {"strerror_r", {{1, 0, 2}}}, {"__xpg_strerror_r", {{1, 0, 2}}},
      {"strtol", {{1, 8}}},       {"strtoul", {{1, 8}}},      {"strtoll", {{1, 8}}},
      {"strtoull", {{1, 8}}},     {"strtod", {{1, 8}}},       {"strtof", {{1, 8}}},
      {"strtold", {{1, 8}}},
      {"rand_r", {{0, 4}}},       {"erand48", {{0, 6}}},      {"nrand48", {{0, 6}}},
      {"jrand48", {{0, 6}}},
      {"gmtime_r", {{1, 56}}},    {"localtime_r", {{1, 56}}}, {"mktime", {{0, 56}}},
      {"timegm", {{0, 56}}},      {"time", {{0, 8}}},         {"clock_gettime", {{1, 16}}},
      {"gettimeofday", {{0, 16}}},  {"nanosleep", {{1, 16}}},  {"clock_nanosleep", {{3, 16}}},
  };
  return table;
}

// The size of a type as it is spelt in a demangled name, when it is a fundamental type or a
// pointer; 0 when unknown (a class).
std::size_t size_of(std::string_view type) {
  type = trim(type);
  if (type.ends_with("*")) return 8;
  static const std::map<std::string_view, std::size_t> sizes{
      {"bool", 1},          {"char", 1},          {"signed char", 1},        {"unsigned char", 1},
      {"char8_t", 1},       {"short", 2},         {"unsigned short", 2},     {"char16_t", 2},
      {"int", 4},           {"unsigned int", 4},  {"float", 4},              {"char32_t", 4},
      {"wchar_t", 4},       {"long", 8},          {"unsigned long", 8},      {"long long", 8},
      {"unsigned long long", 8}, {"double", 8},   {"long double", 16},       {"__int128", 16},
      {"unsigned __int128", 16},
  };
  const auto it = sizes.find(type);
  return it == sizes.end() ? 0 : it->second;
}

// How a parameter is passed: in the next integer register, in a vector register, or in a
// way the name does not tell.
enum class Passing { integer, vector, unknown };

// Enumerations of the standard library that appear as parameters (passed as integers).
bool is_known_enum(std::string_view type) {
  static const std::set<std::string_view> enums{"std::chars_format", "std::errc", "std::memory_order",
                                                "std::launch", "std::float_round_style", "std::_Ios_Openmode",
                                                "std::_Ios_Fmtflags", "std::_Ios_Iostate", "std::_Ios_Seekdir"};
  return enums.count(trim(type)) > 0;
}

Passing passing_of(std::string_view type) {
  type = trim(type);
  if (type.ends_with("&") || type.ends_with("*")) return Passing::integer;
  if (type == "float" || type == "double") return Passing::vector;
  if (type == "long double") return Passing::unknown;  // on the stack
  if (size_of(type) > 0 || is_known_enum(type)) return Passing::integer;
  return Passing::unknown;
}

// The top-level parts of a parameter list, split at commas outside <> and ().
std::vector<std::string_view> split_parameters(std::string_view list) {
  std::vector<std::string_view> parts;
  int depth = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const char c = list[i];
    if (c == '<' || c == '(') ++depth;
    if (c == '>' || c == ')') --depth;
    if (c == ',' && depth == 0) {
      parts.push_back(trim(list.substr(start, i - start)));
      start = i + 1;
    }
  }
  if (const auto last = trim(list.substr(start)); !last.empty()) parts.push_back(last);
  return parts;
}

// Namespaces whose functions are free functions: a name scoped by anything else (a class,
// a class template) is a member function, which passes a `this` the name does not show.
bool is_namespace(std::string_view scope) {
  static const std::set<std::string_view> namespaces{"",
                                                     "std",
                                                     "std::__cxx11",
                                                     "std::__detail",
                                                     "std::chrono",
                                                     "std::this_thread",
                                                     "std::filesystem",
                                                     "std::filesystem::__cxx11",
                                                     "std::_V2"};
  return namespaces.count(scope) > 0;
}

// Whether a space stands outside <> and (): a return type before the name.
bool has_top_level_space(std::string_view function) {
  int depth = 0;
  for (const char c : function) {
    if (c == '<' || c == '(') ++depth;
    if (c == '>' || c == ')') --depth;
    if (depth == 0 && c == ' ') return true;
  }
  return false;
}

// Where the last "::" outside <> and () is in a function's name, or npos.
std::size_t last_top_level_scope(std::string_view function) {
  int depth = 0;
  std::size_t found = std::string_view::npos;
  for (std::size_t i = 0; i + 1 < function.size(); ++i) {
    const char c = function[i];
    if (c == '<' || c == '(') ++depth;
    if (c == '>' || c == ')') --depth;
    if (depth == 0 && c == ':' && function[i + 1] == ':') found = i;
  }
  return found;
}

// Classes whose members synchronise threads: their arguments are the words threads share on
// purpose (a future's futex word, a condition variable's lock), never a race.
bool is_synchronisation(std::string_view scope) {
  for (std::string_view prefix : {"std::__atomic_futex_unsigned_base", "std::condition_variable", "std::_V2::condition_variable_any",
                                  "std::__condvar", "std::mutex", "std::recursive_mutex", "std::timed_mutex",
                                  "std::shared_mutex", "std::thread", "std::__future_base", "std::promise",
                                  "std::future", "std::shared_future", "std::__basic_future", "std::once_flag"}) {
    if (scope.substr(0, prefix.size()) == prefix) return true;
  }
  return false;
}

// Static members, which have no `this` although a class scopes them: libstdc++ names its own
// _S_... (std::string's _S_copy, _S_move, _S_assign, ...); the others of the allowed list by
// name. `function`: the qualified name without its parameters.
bool is_static_member(std::string_view function) {
  const auto scope_end = last_top_level_scope(function);
  const std::string_view unqualified = scope_end == std::string_view::npos ? function : function.substr(scope_end + 2);
  if (unqualified.substr(0, 3) == "_S_") return true;
  static const std::set<std::string_view> statics{"std::__detail::_List_node_base::swap",
                                                  "std::thread::hardware_concurrency",
                                                  "std::chrono::_V2::steady_clock::now",
                                                  "std::chrono::_V2::system_clock::now",
                                                  "std::locale::classic",
                                                  "std::locale::global",
                                                  "std::ios_base::sync_with_stdio",
                                                  "std::ios_base::xalloc"};
  return statics.count(function) > 0;
}

// Static members of libstdc++ that store a counted run of characters: which register holds
// the count (std::string's _S_copy(char*, char const*, n), _S_move(char*, char const*, n),
// _S_assign(char*, n, char)). Counted in characters: told for char only.
std::optional<int> counted_store(std::string_view function) {
  if (!function.starts_with("std::__cxx11::basic_string<char, std::char_traits<char>")) return std::nullopt;
  if (function.ends_with("::_S_copy") || function.ends_with("::_S_move")) return 2;
  if (function.ends_with("::_S_assign")) return 1;
  return std::nullopt;
}

std::optional<std::string> demangle(const std::string& symbol) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> text(abi::__cxa_demangle(symbol.c_str(), nullptr, nullptr, &status), std::free);
  if (status != 0 || !text) return std::nullopt;
  return std::string(text.get());
}

}  // namespace

std::vector<LibraryWrite> library_writes(const std::string& symbol) {
  if (const auto it = c_functions().find(symbol); it != c_functions().end()) return it->second;
  const auto text = demangle(symbol);
  if (!text) return {};
  std::string_view name = *text;
  // A const (volatile, ref-qualified) member: its qualifiers follow the parameter list, and
  // only a member that has a `this` can carry them.
  bool qualified = false;
  bool const_member = false;
  for (bool more = true; more;) {
    more = false;
    for (const std::string_view qualifier : {" const", " volatile", " &&", " &"}) {
      if (name.ends_with(qualifier)) {
        name.remove_suffix(qualifier.size());
        qualified = more = true;
        const_member = const_member || qualifier == " const";
      }
    }
  }
  // "std::from_chars(char const*, char const*, double&, std::chars_format)": the parameter
  // list is the last top-level parenthesis; a template's return type may come first.
  if (!name.ends_with(")")) return {};  // a variable, a special name
  int depth = 0;
  std::size_t open = std::string_view::npos;
  for (std::size_t i = name.size(); i-- > 0;) {
    if (name[i] == ')') ++depth;
    if (name[i] == '(' && --depth == 0) {
      open = i;
      break;
    }
  }
  if (open == std::string_view::npos) return {};
  std::string_view function = name.substr(0, open);
  // The scope: a namespace (a free function) or a class (a member function, its `this` in
  // %rdi). A template's return type ("std::basic_istream<char>& std::operator>>(...)") comes
  // before a space at the top level; a name with one is left out, as is an operator.
  if (has_top_level_space(function)) return {};
  const auto scope_end = last_top_level_scope(function);
  const std::string_view scope = scope_end == std::string_view::npos ? std::string_view{} : function.substr(0, scope_end);
  const bool static_member = !qualified && !is_namespace(scope) && is_static_member(function);
  const bool member = (qualified || !is_namespace(scope)) && !static_member;
  if (member && is_synchronisation(scope)) return {};
  if (!member && !static_member && function.find('<') != std::string_view::npos) return {};

  const std::vector<std::string_view> parameters = split_parameters(name.substr(open + 1, name.size() - open - 2));
  // std::to_chars(char* first, char* last, ...): the store is a range, [first, last).
  if (function == "std::to_chars" && parameters.size() >= 2 && parameters[0] == "char*" && parameters[1] == "char*") {
    return {LibraryWrite{0, 0, -1, 1}};
  }
  if (const auto count = counted_store(function); count && !parameters.empty() && parameters[0] == "char*") {
    return {LibraryWrite{0, 0, *count, -1}};
  }

  std::vector<LibraryWrite> writes;
  // A member that is not const may store into its own object (a stream's position).
  if (member && !const_member) writes.push_back(LibraryWrite{0, 1, -1, -1, true});
  int reg = member ? 1 : 0;  // the arguments start after `this`
  for (const std::string_view parameter : parameters) {
    const Passing passing = passing_of(parameter);
    if (passing == Passing::unknown || parameter == "...") break;  // the registers after it are not known
    if (passing == Passing::vector) continue;
    if (reg > 5) break;
    const bool reference = parameter.ends_with("&") && !parameter.ends_with("&&");
    const bool pointer = parameter.ends_with("*");
    if (reference || pointer) {
      const std::string_view pointee = trim(parameter.substr(0, parameter.size() - 1));
      if (!pointee.ends_with(" const") && !pointee.ends_with("const")) {
        const std::size_t size = size_of(pointee);
        writes.push_back({reg, size == 0 ? std::size_t{1} : size});
      }
    }
    ++reg;
  }
  return writes;
}

}  // namespace labctl
