#include "course/lab_files.hpp"

#include "base/errors.hpp"
#include "base/temp_dir.hpp"

#include <gtest/gtest.h>

#include <fstream>

namespace labctl {
namespace {

Lab lab_01() {
  Lab lab;
  lab.number = "01";
  lab.slug = "01-alpha";
  lab.editable = {"alpha.cpp", "helper.cpp"};
  return lab;
}

TEST(LabFiles, AllPresentIsFine) {
  TempDir root("lab-files");
  std::filesystem::create_directories(root.path() / "labs/01-alpha");
  std::ofstream(root.path() / "labs/01-alpha/alpha.cpp") << "// a\n";
  std::ofstream(root.path() / "labs/01-alpha/helper.cpp") << "// h\n";
  EXPECT_FALSE(missing_lab_file(root.path(), lab_01()));
  EXPECT_NO_THROW(require_lab_files(root.path(), lab_01()));
}

// A deleted (or renamed) file: one line naming it and the way back, not a catalogue error.
TEST(LabFiles, MissingFileNamesItAndTheReset) {
  TempDir root("lab-files");
  std::filesystem::create_directories(root.path() / "labs/01-alpha");
  std::ofstream(root.path() / "labs/01-alpha/alpha.cpp") << "// a\n";
  EXPECT_EQ(missing_lab_file(root.path(), lab_01()), "helper.cpp");
  try {
    require_lab_files(root.path(), lab_01());
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_STREQ(error.what(),
                 "labs/01-alpha/helper.cpp is missing: restore the starter with `tools/lab reset 01` "
                 "(your other files are kept)");
  }
}

}  // namespace
}  // namespace labctl
