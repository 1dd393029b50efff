// Embedded templates: each one is its file under tools/labctl/templates, byte for byte,
// whatever the file holds, and asking for one that does not exist is a clear error.
#include "course_tools/templates.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace labctl {

// tools/labctl/tests/fixtures/embed, embedded by the same script (../CMakeLists.txt).
std::span<const EmbeddedFile> embedded_test_fixtures();

namespace {

namespace fs = std::filesystem;

std::string file_bytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  EXPECT_TRUE(in) << file;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The *.in files under `dir`, by name: their paths under it without ".in", sorted.
std::vector<std::string> in_files(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    const std::string name = entry.path().lexically_relative(dir).string();
    if (entry.is_regular_file() && name.ends_with(".in")) names.push_back(name.substr(0, name.size() - 3));
  }
  std::sort(names.begin(), names.end());
  return names;
}

void expect_embedded_as_on_disk(std::span<const EmbeddedFile> files, const fs::path& dir) {
  std::vector<std::string> names;
  for (const EmbeddedFile& file : files) {
    names.emplace_back(file.name);
    EXPECT_EQ(file.text, file_bytes(dir / (std::string(file.name) + ".in"))) << file.name;
  }
  EXPECT_EQ(names, in_files(dir));
}

TEST(Templates, EachIsItsFileByteForByte) {
  expect_embedded_as_on_disk(embedded_templates(), LABCTL_TEMPLATES);
  EXPECT_NE(template_text("new_lab/README.md").find("# Lab {nn} — {title}"), std::string_view::npos);
}

// Quotes, backslashes, `)"`, NUL bytes, bytes that are not UTF-8, an empty file, a file
// that fills its last line exactly: all come through unchanged; a README beside them stays out.
TEST(Templates, AnyBytesAreEmbeddedUnchanged) {
  const fs::path dir = fs::path(LABCTL_FIXTURES) / "embed";
  expect_embedded_as_on_disk(embedded_test_fixtures(), dir);
  const std::string_view awkward = embedded_file(embedded_test_fixtures(), "awkward.bin");
  EXPECT_NE(awkward.find(std::string_view("\0", 1)), std::string_view::npos);
  EXPECT_NE(awkward.find(")\""), std::string_view::npos);
  EXPECT_EQ(embedded_file(embedded_test_fixtures(), "nested/empty"), "");
}

TEST(Templates, AnUnknownNameIsAnError) {
  EXPECT_THROW(template_text("new_lab/nothing.md"), std::logic_error);
  EXPECT_THROW(template_text("new_lab/README.md.in"), std::logic_error);
  EXPECT_THROW(embedded_file(embedded_test_fixtures(), "README.md"), std::logic_error);
}

}  // namespace
}  // namespace labctl
