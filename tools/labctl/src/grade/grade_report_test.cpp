// What the report writers (grade_report.hpp) do with bytes a student chose.
#include "grade/grade_report.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

// A line of the student's file quoted in feedback may hold any byte: the JSON text (reports
// and the resume cache) replaces what is not UTF-8 instead of throwing, which lost the whole
// batch's reports once (fixture report_invalid_utf8.sh).
TEST(JsonText, BytesThatAreNotUtf8AreReplacedNotThrown) {
  const nlohmann::json json = {{"excerpt", std::string("total += x;  // \xff\xfe end")}, {"points", 0}};
  std::string text;
  ASSERT_NO_THROW(text = labctl::json_text(json));
  EXPECT_NE(text.find("// \xef\xbf\xbd\xef\xbf\xbd end"), std::string::npos) << text;  // U+FFFD twice
  EXPECT_EQ(nlohmann::json::parse(text).at("points"), 0);
}

// A report's file is named by the student's name: only plain characters, never a path or a
// hidden file.
TEST(FileStem, OnlyPlainCharacters) {
  EXPECT_EQ(labctl::file_stem("alice.zip"), "alice.zip");
  EXPECT_EQ(labctl::file_stem("../../etc/passwd"), "_.._.._etc_passwd");
  EXPECT_EQ(labctl::file_stem(".hidden"), "_.hidden");
  EXPECT_EQ(labctl::file_stem("a b\nc"), "a_b_c");
}

}  // namespace
