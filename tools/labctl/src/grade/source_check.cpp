// The check of a student's preprocessed file (source_check.hpp).
#include "grade/source_check.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <filesystem>
#include <vector>

namespace labctl {
namespace {

struct Token {
  std::string text;  // punctuators with their digraphs spelled out: "<:" is "["
  bool identifier = false;
  std::string file;  // as the line marker names it
  int line = 0;
  bool boundary = false;  // stands for text from other files, between two of the student's tokens
};

bool is_identifier_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '$'; }
bool is_identifier_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$'; }

// Splits preprocessed text into the student's tokens. Directives left in -E output are line
// markers (followed) and pragmas (kept as one token "#pragma").
class Lexer {
 public:
  Lexer(std::string_view text, const std::function<bool(std::string_view)>& is_student)
      : text_(text), is_student_(is_student) {}

  std::vector<Token> run() {
    bool line_start = true;
    while (at_ < text_.size()) {
      const char c = text_[at_];
      if (c == '\n') {
        ++line_;
        ++at_;
        line_start = true;
        continue;
      }
      if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
        ++at_;
        continue;
      }
      if (line_start && c == '#') {
        directive();
        continue;
      }
      line_start = false;
      if (c == '/' && peek(1) == '/') {
        while (at_ < text_.size() && text_[at_] != '\n') ++at_;
      } else if (c == '/' && peek(1) == '*') {
        const std::size_t start = at_;
        const auto end = text_.find("*/", at_ + 2);
        at_ = end == std::string_view::npos ? text_.size() : end + 2;
        count_lines(start, at_);
      } else if (is_identifier_start(c)) {
        identifier_or_literal();
      } else if (std::isdigit(static_cast<unsigned char>(c)) || (c == '.' && std::isdigit(static_cast<unsigned char>(peek(1))))) {
        number();
      } else if (c == '"' || c == '\'') {
        quoted(c);
      } else {
        punctuator();
      }
    }
    return std::move(tokens_);
  }

 private:
  char peek(std::size_t ahead) const { return at_ + ahead < text_.size() ? text_[at_ + ahead] : '\0'; }

  void count_lines(std::size_t from, std::size_t to) {
    for (std::size_t i = from; i < to && i < text_.size(); ++i) {
      if (text_[i] == '\n') ++line_;
    }
  }

  void emit(std::string text, bool identifier, int line) {
    if (!student_) {
      if (!tokens_.empty() && !tokens_.back().boundary) tokens_.push_back(Token{"", false, "", line, true});
      return;
    }
    tokens_.push_back(Token{std::move(text), identifier, file_, line, false});
  }

  // `# 12 "file" 1 3` (a line marker) or `#pragma ...`: consumes the whole line.
  void directive() {
    const std::size_t start = at_;
    auto end = text_.find('\n', at_);
    if (end == std::string_view::npos) end = text_.size();
    std::string_view line = text_.substr(at_ + 1, end - at_ - 1);
    at_ = end;  // the '\n' is counted by the main loop
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (!line.empty() && std::isdigit(static_cast<unsigned char>(line.front()))) {
      std::size_t digits = 0;
      while (digits < line.size() && std::isdigit(static_cast<unsigned char>(line[digits]))) ++digits;
      const int number = std::stoi(std::string(line.substr(0, digits)));
      const auto quote = line.find('"', digits);
      if (quote != std::string_view::npos) {
        std::string name;
        std::size_t i = quote + 1;
        for (; i < line.size() && line[i] != '"'; ++i) {
          if (line[i] == '\\' && i + 1 < line.size()) ++i;
          name += line[i];
        }
        file_ = name;
        student_ = is_student_(file_);
      }
      line_ = number - 1;  // the marker's own newline makes it `number`
      return;
    }
    (void)start;
    std::size_t word = 0;
    while (word < line.size() && is_identifier_char(line[word])) ++word;
    emit("#" + std::string(line.substr(0, word)), false, line_);
  }

  void identifier_or_literal() {
    const std::size_t start = at_;
    while (at_ < text_.size() && is_identifier_char(text_[at_])) ++at_;
    const std::string_view word = text_.substr(start, at_ - start);
    const char next = at_ < text_.size() ? text_[at_] : '\0';
    static constexpr std::array<std::string_view, 5> kPrefixes{"u8", "u", "U", "L", ""};
    if (next == '"' || next == '\'') {
      for (std::string_view prefix : kPrefixes) {
        if (word == prefix) return quoted(next);
        if (next == '"' && word.size() == prefix.size() + 1 && word.substr(0, prefix.size()) == prefix && word.back() == 'R') {
          return raw_string();
        }
      }
    }
    emit(std::string(word), true, line_);
  }

  // A pp-number: digits, letters, '.', digit separators and exponent signs.
  void number() {
    ++at_;
    while (at_ < text_.size()) {
      const char c = text_[at_];
      if ((c == '+' || c == '-') && std::string_view("eEpP").find(text_[at_ - 1]) != std::string_view::npos) {
        ++at_;
      } else if (c == '\'' && is_identifier_char(peek(1))) {
        at_ += 2;
      } else if (is_identifier_char(c) || c == '.') {
        ++at_;
      } else {
        break;
      }
    }
    emit("0", false, line_);
  }

  void quoted(char quote) {
    const int line = line_;
    ++at_;
    while (at_ < text_.size() && text_[at_] != quote && text_[at_] != '\n') {
      if (text_[at_] == '\\') ++at_;
      ++at_;
    }
    ++at_;
    while (at_ < text_.size() && is_identifier_char(text_[at_])) ++at_;  // a user-defined literal's suffix
    emit(quote == '"' ? "\"\"" : "''", false, line);
  }

  // R"delim( ... )delim", newlines and all.
  void raw_string() {
    const int line = line_;
    const std::size_t open = at_;  // at the '"'
    const auto paren = text_.find('(', open + 1);
    if (paren == std::string_view::npos) {
      at_ = text_.size();
      return;
    }
    const std::string close = ")" + std::string(text_.substr(open + 1, paren - open - 1)) + "\"";
    const auto end = text_.find(close, paren + 1);
    const std::size_t stop = end == std::string_view::npos ? text_.size() : end + close.size();
    count_lines(open, stop);
    at_ = stop;
    while (at_ < text_.size() && is_identifier_char(text_[at_])) ++at_;
    emit("\"\"", false, line);
  }

  void punctuator() {
    const char c = text_[at_];
    const char n = peek(1);
    // Digraphs; "<::" is "<" "::" unless followed by ':' or '>' ([lex.pptoken]).
    if (c == '<' && n == ':' && !(peek(2) == ':' && peek(3) != ':' && peek(3) != '>')) {
      at_ += 2;
      return emit("[", false, line_);
    }
    if (c == ':' && n == '>') {
      at_ += 2;
      return emit("]", false, line_);
    }
    if (c == '<' && n == '%') {
      at_ += 2;
      return emit("{", false, line_);
    }
    if (c == '%' && n == '>') {
      at_ += 2;
      return emit("}", false, line_);
    }
    if (c == '%' && n == ':') {
      at_ += 2;
      return emit("#", false, line_);
    }
    for (std::string_view two : {"::", "->", ">>", "<<", "<=", ">=", "==", "!=", "&&", "||", "++", "--"}) {
      if (c == two[0] && n == two[1]) {
        at_ += 2;
        return emit(std::string(two), false, line_);
      }
    }
    ++at_;
    emit(std::string(1, c), false, line_);
  }

  std::string_view text_;
  const std::function<bool(std::string_view)>& is_student_;
  std::size_t at_ = 0;
  int line_ = 1;
  std::string file_;
  bool student_ = false;
  std::vector<Token> tokens_;
};

bool is_reserved_identifier(const std::string& name);

bool is_reserved_namespace(const std::string& name) {
  if (name == "std" || name == "labkit" || name == "testing" || name == "posix") return true;
  return is_reserved_identifier(name);
}

// `__x` or `_X`: the compiler's and the library's names.
bool is_reserved_identifier(const std::string& name) {
  return name.size() >= 2 && name[0] == '_' && (name[1] == '_' || std::isupper(static_cast<unsigned char>(name[1])));
}

// Reserved names that ordinary code gets from the standard macros (assert, NULL, offsetof,
// NAN, INFINITY, HUGE_VAL) or writes itself (__func__): none reaches state or the stack.
bool is_harmless_reserved(const std::string& name) {
  static const std::array<std::string_view, 20> kHarmless{
      "__func__",          "__FUNCTION__",       "__PRETTY_FUNCTION__", "__extension__",      "__null",
      "__assert_fail",     "__assert_perror_fail", "__builtin_offsetof", "__builtin_expect",   "__builtin_nan",
      "__builtin_nanf",    "__builtin_nanl",     "__builtin_inf",       "__builtin_inff",     "__builtin_infl",
      "__builtin_huge_val", "__builtin_huge_valf", "__builtin_huge_vall", "__builtin_unreachable", "__restrict"};
  return std::find(kHarmless.begin(), kHarmless.end(), name) != kHarmless.end();
}

std::string where(const Token& token) {
  return fmt::format("{}:{}", std::filesystem::path(token.file).filename().string(), token.line);
}

// The index just past the `<...>` that starts at `open` (a "<" token), counting nested
// angle brackets (">>" closes two) and skipping (), [] and {}.
// `budget` counts the tokens looked at across all calls: a file made of nested template
// heads could otherwise cost time quadratic in its length.
std::size_t past_angles(const std::vector<Token>& tokens, std::size_t open, std::size_t& budget) {
  int angles = 0, others = 0;
  for (std::size_t i = open; i < tokens.size(); ++i) {
    if (budget == 0) return tokens.size();
    --budget;
    const std::string& t = tokens[i].text;
    if (t == "(" || t == "[" || t == "{") ++others;
    if (t == ")" || t == "]" || t == "}") --others;
    if (others > 0) continue;
    if (t == "<") ++angles;
    if (t == ">") --angles;
    if (t == ">>") angles -= 2;
    if (t == ";" || others < 0) return tokens.size();
    if (angles <= 0) return i + 1;
  }
  return tokens.size();
}

// [[...]] starting at `open` (the first "["): "" when every attribute is allowed, else the
// first one that is not; `end` is set past the closing "]]".
std::string refused_attribute(const std::vector<Token>& tokens, std::size_t open, std::size_t& end) {
  static const std::array<std::string_view, 7> kAllowed{"nodiscard", "maybe_unused", "fallthrough", "likely",
                                                        "unlikely",  "noreturn",     "deprecated"};
  std::string refused;
  int depth = 0;
  bool expect_name = true;
  std::size_t i = open + 2;
  for (; i < tokens.size(); ++i) {
    const std::string& t = tokens[i].text;
    if (depth == 0 && t == "]" && i + 1 < tokens.size() && tokens[i + 1].text == "]") {
      end = i + 2;
      return refused;
    }
    if (t == "(" || t == "[" || t == "{") ++depth;
    if (t == ")" || t == "]" || t == "}") --depth;
    if (depth != 0) continue;
    if (t == ",") {
      expect_name = true;
      continue;
    }
    if (!expect_name) continue;
    expect_name = false;
    std::string name = t;  // a namespaced one: gnu::section, clang::no_sanitize
    if (i + 2 < tokens.size() && tokens[i + 1].text == "::" && tokens[i + 2].identifier) {
      name += "::" + tokens[i + 2].text;
      i += 2;
    }
    const bool allowed = std::find(kAllowed.begin(), kAllowed.end(), name) != kAllowed.end();
    if (!allowed && refused.empty()) refused = name.empty() ? "..." : name;
  }
  end = tokens.size();
  return refused.empty() ? "[[" : refused;
}

// A class-head after a template parameter list: (class|struct|union) A::B<...> — a partial
// specialisation when its last name has template arguments.
bool is_partial_specialisation(const std::vector<Token>& tokens, std::size_t i, std::size_t& budget) {
  if (i >= tokens.size()) return false;
  const std::string& key = tokens[i].text;
  if (key != "class" && key != "struct" && key != "union") return false;
  ++i;
  if (i < tokens.size() && tokens[i].text == "::") ++i;
  while (i < tokens.size() && tokens[i].identifier) {
    ++i;
    bool arguments = false;
    if (i < tokens.size() && tokens[i].text == "<") {
      i = past_angles(tokens, i, budget);
      arguments = true;
    }
    if (i < tokens.size() && tokens[i].text == "::") {
      ++i;
      continue;
    }
    return arguments;
  }
  return false;
}

}  // namespace

std::optional<std::string> source_check_violation(std::string_view preprocessed,
                                                  const std::function<bool(std::string_view)>& is_student_file,
                                                  const std::vector<std::string>& library_only) {
  const std::vector<Token> tokens = Lexer(preprocessed, is_student_file).run();
  std::size_t budget = 64 * tokens.size() + 100000;  // template heads' scans, all together
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    if (budget == 0) {
      return fmt::format("{}: too many nested template parameter lists to check", where(tokens[i]));
    }
    const Token& token = tokens[i];
    if (token.boundary) continue;
    const std::string& t = token.text;
    const auto next = [&](std::size_t ahead) -> const std::string& {
      static const std::string none;
      return i + ahead < tokens.size() && !tokens[i + ahead].boundary ? tokens[i + ahead].text : none;
    };
    if (token.identifier && (t == "asm" || t == "__asm" || t == "__asm__")) {
      return fmt::format("{}: inline assembly (`{}`) is not allowed in a lab file", where(token), t);
    }
    if (token.identifier && (t == "__attribute__" || t == "__attribute" || t == "__declspec")) {
      return fmt::format("{}: `{}` is not allowed in a lab file (attributes can move data, run code before main or "
                         "turn the sanitizer off)",
                         where(token), t);
    }
    if ((token.identifier && (t == "_Pragma" || t == "__pragma")) || t.rfind("#", 0) == 0) {
      return fmt::format("{}: `{}` is not allowed in a lab file (pragmas can move data or change how code is "
                         "compiled)",
                         where(token), t == "#" ? std::string("#") : t);
    }
    if (token.identifier && std::find(library_only.begin(), library_only.end(), t) != library_only.end()) {
      return fmt::format("{}: `{}` is not for a lab file (only library code may call it: std::latch, "
                         "std::atomic::wait and labkit's process pool do it for you)",
                         where(token), t);
    }
    if (token.identifier && is_reserved_identifier(t) && !is_harmless_reserved(t)) {
      return fmt::format("{}: `{}` is a name reserved for the compiler and the standard library (typed, or from a "
                         "macro such as errno); a lab file may not use it",
                         where(token), t);
    }
    if (t == "[" && next(1) == "[") {
      std::size_t end = i;
      const std::string refused = refused_attribute(tokens, i, end);
      if (!refused.empty()) {
        return fmt::format("{}: the attribute [[{}]] is not allowed in a lab file (only [[nodiscard]], "
                           "[[maybe_unused]], [[fallthrough]], [[likely]], [[unlikely]], [[noreturn]] and "
                           "[[deprecated]])",
                           where(token), refused);
      }
      i = end - 1;
      continue;
    }
    if (token.identifier && t == "namespace" && !(i > 0 && tokens[i - 1].text == "using")) {
      const std::string& name = next(1) == "::" ? next(2) : next(1);
      if (is_reserved_namespace(name)) {
        return fmt::format("{}: a lab file may not open namespace {} (it belongs to the standard library, the "
                           "compiler or the test harness)",
                           where(token), name);
      }
    }
    // An explicit instantiation (`template struct X<...>;`, `extern template ...`): its
    // template arguments are not access-checked, so it hands out any private member's
    // address (the executor's own counters, a test double's state).
    if (token.identifier && t == "template" && next(1) != "<" && !(i > 0 && tokens[i - 1].text == "::") &&
        !(i > 0 && (tokens[i - 1].text == "." || tokens[i - 1].text == "->"))) {
      return fmt::format("{}: explicit instantiations (`template` without `<`) are not allowed in a lab file (they "
                         "bypass access checks)",
                         where(token));
    }
    // Casting const away lets lab code change what the tests handed it to read (their own
    // inputs, after which a wrong answer agrees with the expected one); reinterpret_cast
    // reads any object as any other.
    if (token.identifier && (t == "const_cast" || t == "reinterpret_cast")) {
      return fmt::format("{}: `{}` is not allowed in a lab file (a task may not change what it was given to read, "
                         "nor read an object as another type)",
                         where(token), t);
    }
    // Code that tells the executor it was given from another can race on every pool but the
    // tests' own (helper-14: `typeid(executor) == typeid(labkit::ThreadPoolExecutor)` chose a
    // racy branch on any other pool, 10/10). A lab's code works on any executor.
    if (token.identifier && t == "typeid") {
      return fmt::format("{}: `typeid` is not allowed in a lab file (the code must work the same on any executor "
                         "it is given, not ask which one it is)",
                         where(token));
    }
    // labkit::detail is the executor's inside (its task blocks, the queue's pointer): a lab file
    // that reaches it can hand an executor tasks that never went through submit().
    if (token.identifier && t == "detail" && next(1) == "::") {
      return fmt::format("{}: `detail::` is not allowed in a lab file (labkit::detail is the executor's inside: use "
                         "submit(), map() and the futures they return)",
                         where(token));
    }
    // The executor a lab is given is used through its reference (labkit::Executor&): naming the
    // class otherwise (deriving from it, an alias) reaches its protected members, such as
    // schedule(), which takes tasks that never went through submit() (helper-14).
    if (token.identifier && t == "Executor" && next(1) != "&") {
      return fmt::format("{}: `Executor` may only be named as the reference a lab is given (labkit::Executor&), not "
                         "derived from, aliased or used otherwise",
                         where(token));
    }
    if (token.identifier && t == "template" && next(1) == "<") {
      if (next(2) == ">") {
        return fmt::format("{}: explicit specialisations (`template <>`) are not allowed in a lab file", where(token));
      }
      if (is_partial_specialisation(tokens, past_angles(tokens, i + 1, budget), budget)) {
        return fmt::format("{}: partial specialisations of class templates are not allowed in a lab file",
                           where(token));
      }
    }
  }
  return std::nullopt;
}

}  // namespace labctl
