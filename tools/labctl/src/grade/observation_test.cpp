// The result record as the grader reads it (observation.hpp: parse_record): believed only
// whole, with the run's nonce, and naming each test once.
#include "grade/observation.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using labctl::parse_record;

std::string line(const std::string& tests, const std::string& nonce = "n0") {
  return R"({"nonce":")" + nonce + R"(","exit":0,"tsan_reports":0,"tests":[)" + tests + "]}\n";
}

TEST(ResultRecord, AWellFormedRecordIsBelieved) {
  const auto record = parse_record(line(R"(["Correctness.A",true,0],["RaceFree.B",false,1])"), "n0");
  ASSERT_TRUE(record.valid);
  EXPECT_TRUE(record.tests.at("Correctness.A"));
  EXPECT_FALSE(record.tests.at("RaceFree.B"));
  EXPECT_EQ(record.tests_with_reports.count("RaceFree.B"), 1u);
  EXPECT_TRUE(record.refused.empty());
}

TEST(ResultRecord, AnotherNonceOrTwoLinesAreNot) {
  EXPECT_FALSE(parse_record(line(R"(["Correctness.A",true,0])", "other"), "n0").valid);
  EXPECT_FALSE(parse_record(line(R"(["Correctness.A",true,0])") + line("", "n0"), "n0").valid);
  EXPECT_FALSE(parse_record("", "n0").valid);
}

// The course names each test once: a name twice means the submitted code registered a test
// of the same name (one that passes beside the course's that fails). Not believed, whichever
// order they came in; a hidden test is not named.
TEST(ResultRecord, ATestNamedTwiceIsNotBelieved) {
  for (const char* tests : {R"(["Correctness.A",false,0],["Correctness.A",true,0])",
                            R"(["Correctness.A",true,0],["Correctness.A",false,0])"}) {
    const auto record = parse_record(line(tests), "n0");
    EXPECT_FALSE(record.valid) << tests;
    EXPECT_TRUE(record.tests.empty());
    EXPECT_NE(record.refused.find("the test Correctness.A twice"), std::string::npos) << record.refused;
  }
  const auto hidden = parse_record(line(R"(["HiddenCorrectness.Secret",false,0],["HiddenCorrectness.Secret",true,0])"), "n0");
  EXPECT_FALSE(hidden.valid);
  EXPECT_EQ(hidden.refused.find("Secret"), std::string::npos) << hidden.refused;
  EXPECT_NE(hidden.refused.find("a hidden test twice"), std::string::npos) << hidden.refused;
}

}  // namespace
