// allowed_imports.txt, parsed (import_allowlist.hpp).
#include "grade/import_allowlist.hpp"

#include "base/errors.hpp"
#include "base/process.hpp"  // read_file

#include <fmt/format.h>

#include <algorithm>

namespace labctl {

namespace fs = std::filesystem;

namespace {

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t' || text.front() == '\r')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) text.remove_suffix(1);
  return text;
}

bool starts_with(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

}  // namespace

ImportAllowlist ImportAllowlist::parse(std::string_view text, const std::string& what) {
  ImportAllowlist list;
  std::string section;
  int number = 0;
  while (!text.empty()) {
    ++number;
    const auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (const auto comment = line.find('#'); comment != std::string_view::npos) line = line.substr(0, comment);
    line = trimmed(line);
    if (line.empty()) continue;
    if (line.front() == '[') {
      if (line == "[all]" || line == "[library only]" || line == "[shared state]") {
        section = std::string(line.substr(1, line.size() - 2));
      } else if (starts_with(line, "[lab ") && line.back() == ']' && line.size() > 6) {
        section = std::string(trimmed(line.substr(5, line.size() - 6)));  // "12", "12 library only"
      } else {
        throw Error(fmt::format("{}:{}: a section is [all], [lab NN], [library only], [lab NN library only] or [shared state], not {}", what, number, line));
      }
      list.sections_[section];
      continue;
    }
    if (section.empty()) throw Error(fmt::format("{}:{}: a pattern before the first [section]", what, number));
    list.sections_[section].emplace_back(line);
  }
  return list;
}

ImportAllowlist ImportAllowlist::load(const fs::path& root) {
  const fs::path file = root / kPath;
  std::error_code error;
  if (!fs::is_regular_file(file, error)) {
    throw Error(fmt::format("cannot read {}: the grader's list of allowed imports (is --root the course tree?)", file.string()));
  }
  return parse(read_file(file), file.string());
}

ImportRules ImportAllowlist::rules_for(const std::string& number) const {
  // The lab's own functions (namespace labNN), defined in its other files: lab 12's given
  // demonstration.cpp, another editable file of the same lab. Functions only (a demangled
  // function name has its parameters): the given code's globals are not the student's to use.
  ImportRules rules;
  rules.allowed.push_back("lab" + number + "::*(*");
  const auto add = [&](const std::string& section, std::vector<std::string>& to) {
    if (const auto it = sections_.find(section); it != sections_.end()) to.insert(to.end(), it->second.begin(), it->second.end());
  };
  add("all", rules.allowed);
  add(number, rules.allowed);
  add("library only", rules.library_only);
  add(number + " library only", rules.library_only);
  add("shared state", rules.shared_state);
  return rules;
}

bool glob_match(std::string_view pattern, std::string_view text) {
  // Iterative matching with backtracking to the last '*': linear enough for symbol names.
  std::size_t p = 0, t = 0, star = std::string_view::npos, resume = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool matches_any(const std::vector<std::string>& patterns, std::string_view text) {
  return std::any_of(patterns.begin(), patterns.end(), [&](const std::string& p) { return glob_match(p, text); });
}

}  // namespace labctl
