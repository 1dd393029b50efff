#include "base/temp_dir.hpp"

#include "base/errors.hpp"

#include <fmt/format.h>

#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace labctl {

namespace fs = std::filesystem;

TempDir::TempDir(std::string_view prefix, fs::perms mode) {
  std::string pattern = (fs::temp_directory_path() / (std::string(prefix) + "-XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw Error(fmt::format("cannot create a temporary folder in {}: {}", fs::temp_directory_path().string(),
                            std::strerror(errno)));
  }
  path_ = pattern;
  std::error_code ignored;
  fs::permissions(path_, mode, ignored);
}

TempDir::~TempDir() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

}  // namespace labctl
