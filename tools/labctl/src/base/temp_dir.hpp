// A fresh folder under the system's temporary directory, removed with everything in it when
// the object goes away (however the command ends: return, error line or exception). The
// grader's staging folders, the explorer's logs, the export's and git reading's scratch.
#pragma once

#include <filesystem>
#include <string_view>

namespace labctl {

class TempDir {
 public:
  // TMPDIR/PREFIX-XXXXXX, with `mode` (default: private to labctl's user). Throws
  // labctl::Error when it cannot be made.
  explicit TempDir(std::string_view prefix,
                   std::filesystem::perms mode = std::filesystem::perms::owner_all);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace labctl
