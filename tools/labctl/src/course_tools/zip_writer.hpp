// Writing a zip archive with libarchive (the Gradescope package is a zip): members from
// files on disk (mode, symlinks and modification times kept) or from text.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace labctl {

// One member of a zip: `name` inside it, taken from `file` when set, else `text`.
struct ZipMember {
  std::string name;
  std::filesystem::path file;
  std::string text;
  bool executable = false;  // for `text` members; a file's own mode is used otherwise
};

// Writes `zip` (which must not exist) through a temporary file renamed at the end, so a
// failure never leaves a partial archive under the final name. Throws labctl::Error.
void write_zip(const std::filesystem::path& zip, const std::vector<ZipMember>& members);

}  // namespace labctl
