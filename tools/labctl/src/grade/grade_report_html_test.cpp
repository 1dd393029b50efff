// The class report page (grade_report_html.hpp) as text: the grades are in it as data only.
// What a browser shows of it is checked in headless Chromium (tests/grading/class_report_test.py).
#include "grade/grade_report_html.hpp"

#include "fixtures.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace {

labctl::SubmissionGrade graded(const labctl::Lab& lab, const std::string& name, const std::string& excerpt) {
  labctl::SubmissionGrade grade;
  grade.name = name;
  grade.points = 6;
  grade.max_points = 10;
  labctl::LabGrade lab_grade;
  lab_grade.lab = &lab;
  lab_grade.points = 6;
  lab_grade.max_points = 10;
  lab_grade.status = "graded";
  labctl::CriterionResult race_free;
  race_free.criterion = "race_free";
  race_free.max_points = 3;
  race_free.status = "failed";
  race_free.reason = "ThreadSanitizer: data race in lost_update.cpp:12";
  race_free.excerpt = excerpt;
  lab_grade.criteria.push_back(race_free);
  grade.labs.push_back(lab_grade);
  return grade;
}

// The embedded data between the page's markers, parsed back.
nlohmann::json embedded(const std::string& html) {
  const std::string open = "<script type=\"application/json\" id=\"report-data\">";
  const auto begin = html.find(open);
  const auto end = html.find("</script>", begin);
  EXPECT_NE(begin, std::string::npos);
  return nlohmann::json::parse(html.substr(begin + open.size(), end - begin - open.size()));
}

// Quoted code that would end the script or open markup ("</script><img onerror=...>") stays
// inside the data: the page has exactly its own two scripts, and the data reads back whole.
TEST(GradesHtml, QuotedCodeCannotBecomeMarkup) {
  const labctl::Lab lab = labctl::testing::ten_point_lab();
  const std::string hostile = "x = 1; // </script><script>alert(1)</script><!-- & <img src=x onerror=alert(2)>";
  const std::string html = labctl::grades_html({graded(lab, "alice", hostile)});
  std::size_t scripts = 0;
  for (auto at = html.find("<script"); at != std::string::npos; at = html.find("<script", at + 1)) ++scripts;
  EXPECT_EQ(scripts, 2u);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  const nlohmann::json data = embedded(html);
  EXPECT_EQ(data["submissions"][0]["labs"][0]["criteria"][0]["excerpt"], hostile);
  EXPECT_EQ(data["submissions"][0]["name"], "alice");
}

// The data holds each lab with its most points and the rubric's criteria, and each
// submission's points per lab and criterion, as the script draws them.
TEST(GradesHtml, EveryLabCriterionAndSubmissionInTheData) {
  const labctl::Lab lab = labctl::testing::ten_point_lab();
  const nlohmann::json data = embedded(labctl::grades_html({graded(lab, "alice", ""), graded(lab, "bob", "")}));
  ASSERT_EQ(data["labs"].size(), 1u);
  EXPECT_EQ(data["labs"][0]["number"], "01");
  EXPECT_EQ(data["labs"][0]["max"], 10);
  EXPECT_EQ(data["labs"][0]["criteria"].size(), 5u);
  ASSERT_EQ(data["submissions"].size(), 2u);
  EXPECT_EQ(data["submissions"][1]["name"], "bob");
  EXPECT_EQ(data["submissions"][1]["labs"][0]["points"], 6);
  EXPECT_EQ(data["submissions"][1]["labs"][0]["criteria"][0]["title"], "race-free");
}

// A class with no submissions still makes a page (an empty shard merged, say).
TEST(GradesHtml, NoSubmissionsIsStillAPage) {
  const nlohmann::json data = embedded(labctl::grades_html({}));
  EXPECT_TRUE(data["labs"].empty());
  EXPECT_TRUE(data["submissions"].empty());
}

}  // namespace
