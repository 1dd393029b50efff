// allowed_imports.txt, the reviewed list of what a student's compiled lab file may import
// (object_check.hpp asks it), parsed: its sections, the rules that apply to one lab, and the
// glob matching of its patterns against demangled names.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace labctl {

// What one lab's object may import: the patterns of allowed_imports.txt that apply to it.
struct ImportRules {
  std::vector<std::string> allowed;       // [all], [lab NN] and the lab's own functions
  std::vector<std::string> library_only;  // [library only], [lab NN library only]: library code only
  std::vector<std::string> shared_state;  // [shared state]: allowed, counted as mutable state
};

// allowed_imports.txt, parsed: the patterns of each section ("all", "12", "library only",
// "shared state").
class ImportAllowlist {
 public:
  // Where the grader reads it, relative to the course tree.
  static constexpr std::string_view kPath = "tools/labctl/src/grade/allowed_imports.txt";

  // Throws labctl::Error naming the line of a malformed section header.
  static ImportAllowlist parse(std::string_view text, const std::string& what);
  // ROOT/kPath; throws labctl::Error when it cannot be read.
  static ImportAllowlist load(const std::filesystem::path& root);

  // The rules for lab `number`: allowed are its own functions (labNN::*(*), defined in its
  // other files), [all] and [lab NUMBER]; the two conditional sections as they are.
  ImportRules rules_for(const std::string& number) const;

 private:
  std::map<std::string, std::vector<std::string>> sections_;
};

// `*` matches any run of characters (none included); every other character itself.
bool glob_match(std::string_view pattern, std::string_view text);
bool matches_any(const std::vector<std::string>& patterns, std::string_view text);

}  // namespace labctl
