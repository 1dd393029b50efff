// A sanitizer report made short enough for a beginner to read in one screen: what each
// thread did, where in THEIR code (file:line and that line of source), where the threads
// came from, with the standard library's, GoogleTest's and labkit's frames folded away.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace labctl {

// The only files a condensed report may quote a line of: copies the caller made itself (the
// grader's staged files, the lab folder of a working tree), read before the program ran.
// A report is the program's output: a path in it is a claim, never something to open. A
// frame's path picks one of these files by its name relative to the course
// ("labs/01-lost-update/lost_update.cpp"): the frame's path must be that name or end with
// "/" + it, and hold no ".." part; anything else is shown without its source line.
class ReportSources {
 public:
  // Adds a file by its name relative to the course, with its contents.
  void add(std::string relative, std::string contents);
  // Adds every regular file directly inside `folder` as `relative_prefix` + its name: no
  // symbolic link is followed, no subfolder entered, nothing bigger than 1 MiB read.
  void add_folder(const std::filesystem::path& folder, const std::string& relative_prefix);

  // The contents of the file `frame_path` names, or nullptr.
  const std::string* find(std::string_view frame_path) const;
  bool empty() const { return files_.empty(); }

 private:
  std::map<std::string, std::string> files_;  // relative name -> contents
};

struct CondensedReport {
  std::string kind;                // "data race", "lock-order-inversion (potential deadlock)"
  std::string guide;               // "docs/tsan.md#data-race": the section explaining this kind
  std::vector<std::string> lines;  // ready to print, indented by two spaces per level
};

// Condenses the first ThreadSanitizer (or AddressSanitizer) report in `output`, or nothing
// if there is none. Frames whose file contains `code_dir` ("labs/01-lost-update/") are the
// student's and are always shown, with their source line when `sources` holds the file.
// Nothing is read from disk.
std::optional<CondensedReport> condense_first_report(std::string_view output, std::string_view code_dir,
                                                     const ReportSources& sources);

// "lock-order-inversion (potential deadlock)" → "docs/tsan.md#lock-order-inversion".
std::string guide_section(std::string_view kind);

}  // namespace labctl
