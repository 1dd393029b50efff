#include "course/lab_files.hpp"

#include "base/errors.hpp"

#include <fmt/format.h>

namespace labctl {

namespace fs = std::filesystem;

std::string lab_file_path(const Lab& lab, const std::string& file) { return "labs/" + lab.slug + "/" + file; }

std::optional<std::string> missing_lab_file(const fs::path& root, const Lab& lab) {
  for (const auto& file : lab.editable) {
    if (!fs::is_regular_file(root / "labs" / lab.slug / file)) return file;
  }
  return std::nullopt;
}

void require_lab_files(const fs::path& root, const Lab& lab) {
  const auto missing = missing_lab_file(root, lab);
  if (!missing) return;
  throw Error(fmt::format("{} is missing: restore the starter with `tools/lab reset {}` (your other files are kept)",
                          lab_file_path(lab, *missing), lab.number));
}

}  // namespace labctl
