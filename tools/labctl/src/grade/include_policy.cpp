#include "grade/include_policy.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <vector>

namespace labctl {
namespace {

// The source's logical lines (backslash-newlines joined), each with the physical line
// number where it starts, so a message points at what the student wrote.
struct LogicalLine {
  int number;
  std::string text;
};

std::vector<LogicalLine> logical_lines(std::string_view source) {
  std::vector<LogicalLine> lines;
  LogicalLine current{1, {}};
  int physical = 1;
  for (std::size_t i = 0; i < source.size(); ++i) {
    const char c = source[i];
    if (c == '\\') {
      std::size_t j = i + 1;
      if (j < source.size() && source[j] == '\r') ++j;
      if (j < source.size() && source[j] == '\n') {
        i = j;
        ++physical;
        continue;
      }
    }
    if (c == '\n') {
      lines.push_back(std::move(current));
      ++physical;
      current = LogicalLine{physical, {}};
      continue;
    }
    current.text += c;
  }
  lines.push_back(std::move(current));
  return lines;
}

std::string_view trim_left(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  return text;
}

// Block comments between `#` and the directive name are legal C++; drop them all.
std::string without_block_comments(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text.substr(i, 2) == "/*") {
      const auto end = text.find("*/", i + 2);
      if (end == std::string_view::npos) break;
      out += ' ';
      i = end + 1;
      continue;
    }
    out += text[i];
  }
  return out;
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::optional<std::string> check_header_name(std::string_view rest, int line) {
  rest = trim_left(rest);
  if (rest.empty()) return fmt::format("line {}: #include without a file name", line);
  const char open = rest.front();
  if (open != '<' && open != '"') {
    return fmt::format("line {}: #include of a computed name (a macro) is not allowed", line);
  }
  const char close = open == '<' ? '>' : '"';
  const auto end = rest.find(close, 1);
  if (end == std::string_view::npos) return fmt::format("line {}: #include with an unterminated name", line);
  const std::string_view name = rest.substr(1, end - 1);
  if (name.empty()) return fmt::format("line {}: #include of an empty name", line);
  if (name.front() == '/') {
    return fmt::format("line {}: #include of an absolute path is not allowed (\"{}\")", line, name);
  }
  if (name.find("..") != std::string_view::npos) {
    return fmt::format("line {}: #include with `..` is not allowed (\"{}\")", line, name);
  }
  if (open == '"' && name.find('/') != std::string_view::npos) {
    return fmt::format("line {}: #include \"{}\": only the lab's own headers may be included with quotes", line, name);
  }
  return std::nullopt;
}

// The directives a lab file may use: conditions, macros after the includes, diagnostics.
// Not #pragma (it can move data into sections or change code generation), #line and GNU
// line markers (they would make the grader's source check attribute the student's code to
// another file), #ident, #assert, #include_next, #import and whatever else a compiler knows.
bool is_allowed_directive(std::string_view directive) {
  for (std::string_view allowed : {"", "define", "undef", "if", "ifdef", "ifndef", "elif", "elifdef", "elifndef",
                                   "else", "endif", "error", "warning"}) {
    if (directive == allowed) return true;
  }
  return false;
}

}  // namespace

std::optional<std::string> include_policy_violation(std::string_view source) {
  const std::vector<LogicalLine> lines = logical_lines(source);
  // Where the last #include is: a macro defined before it could change what a library
  // header means in this file (and the linker may keep this file's copy of a template
  // for the whole program), so macros are defined after it.
  int last_include = 0;
  for (const auto& [number, raw] : lines) {
    const std::string text = without_block_comments(raw);
    std::string_view rest = trim_left(text);
    if (rest.substr(0, 2) == "%:" || (!rest.empty() && rest.front() == '#')) {
      rest.remove_prefix(rest.front() == '#' ? 1 : 2);
      if (trim_left(rest).substr(0, 7) == "include") last_include = number;
    }
  }
  for (const auto& [number, raw] : lines) {
    const std::string text = without_block_comments(raw);
    if (lower(text).find("incbin") != std::string::npos) {
      return fmt::format("line {}: `.incbin` (including a file's bytes) is not allowed", number);
    }
    for (std::size_t at = 0; (at = text.find("__has_include", at)) != std::string::npos; at += 13) {
      std::string_view rest = std::string_view(text).substr(at + 13);
      if (rest.substr(0, 5) == "_next") return fmt::format("line {}: __has_include_next is not allowed", number);
      rest = trim_left(rest);
      if (rest.empty() || rest.front() != '(') return fmt::format("line {}: __has_include without (\"name\")", number);
      if (auto problem = check_header_name(rest.substr(1), number)) return problem;
    }
    std::string_view rest = trim_left(text);
    // C++20 modules: `import "file";` and `module` declarations name files too.
    std::string_view declaration = rest;
    if (declaration.substr(0, 6) == "export") declaration = trim_left(declaration.substr(6));
    for (std::string_view word : {"import", "module"}) {
      if (declaration.substr(0, word.size()) == word &&
          (declaration.size() == word.size() || std::string_view(" \t<\";:").find(declaration[word.size()]) != std::string_view::npos)) {
        return fmt::format("line {}: C++ modules (`{}`) are not allowed in a lab file", number, word);
      }
    }
    if (rest.substr(0, 2) == "%:") {
      rest.remove_prefix(2);
    } else if (!rest.empty() && rest.front() == '#') {
      rest.remove_prefix(1);
    } else {
      continue;
    }
    rest = trim_left(rest);
    std::size_t word_end = 0;
    while (word_end < rest.size() && (std::isalnum(static_cast<unsigned char>(rest[word_end])) || rest[word_end] == '_')) {
      ++word_end;
    }
    const std::string_view directive = rest.substr(0, word_end);
    if (directive == "include") {
      if (auto problem = check_header_name(rest.substr(word_end), number)) return problem;
    } else if ((directive == "define" || directive == "undef") && number < last_include) {
      return fmt::format("line {}: #{} before an #include: define macros after the last #include (line {}), where "
                         "they cannot change what a header means",
                         number, directive, last_include);
    } else if (!is_allowed_directive(directive)) {
      return fmt::format("line {}: #{} is not allowed in a lab file", number, directive);
    }
  }
  return std::nullopt;
}

}  // namespace labctl
