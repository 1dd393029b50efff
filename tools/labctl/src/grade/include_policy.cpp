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

}  // namespace

std::optional<std::string> include_policy_violation(std::string_view source) {
  for (const auto& [number, raw] : logical_lines(source)) {
    const std::string text = without_block_comments(raw);
    if (lower(text).find("incbin") != std::string::npos) {
      return fmt::format("line {}: `.incbin` (including a file's bytes) is not allowed", number);
    }
    std::string_view rest = trim_left(text);
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
    } else if (directive == "include_next" || directive == "import") {
      return fmt::format("line {}: #{} is not allowed", number, directive);
    }
  }
  return std::nullopt;
}

}  // namespace labctl
