// The catalogue: a good file loads; every kind of mistake is one precise message.
#include "course/catalogue.hpp"
#include "base/errors.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using labctl::Error;
using labctl::parse_catalogue;

const std::string kFixtures = LABCTL_FIXTURES;

// The message parse_catalogue gives for `text`, or "" if it accepts it.
std::string error_for(const std::string& text) {
  try {
    parse_catalogue(text, "labs.toml");
  } catch (const Error& error) {
    return error.what();
  }
  return "";
}

// A valid lab table, with `field` replaced by `line` (or removed when line is empty).
std::string lab_with(const std::string& field, const std::string& line) {
  const std::vector<std::pair<std::string, std::string>> fields = {
      {"slug", R"(slug = "01-alpha")"},        {"title", R"(title = "Alpha")"},
      {"lesson", R"(lesson = "Races.")"},      {"points", "points = 10"},
      {"editable", R"(editable = ["a.cpp"])"}, {"expect", R"(expect = "data-race")"},
      {"hints", R"(hints = ["one"])"}};
  std::string text = "[[lab]]\n";
  for (const auto& [name, value] : fields) {
    const std::string chosen = name == field ? line : value;
    if (!chosen.empty()) text += chosen + "\n";
  }
  return text;
}

TEST(Catalogue, GoodFileLoads) {
  const auto catalogue = labctl::load_catalogue(kFixtures + "/tree/labs/labs.toml", kFixtures + "/tree");
  ASSERT_EQ(catalogue.labs.size(), 2u);
  const auto& alpha = catalogue.labs[0];
  EXPECT_EQ(alpha.number, "01");
  EXPECT_EQ(alpha.slug, "01-alpha");
  EXPECT_EQ(alpha.title, "Alpha: a race on a counter");
  EXPECT_EQ(alpha.points, 10);
  EXPECT_EQ(alpha.editable, std::vector<std::string>{"alpha.cpp"});
  EXPECT_EQ(alpha.expect, "data-race");
  EXPECT_EQ(alpha.hints.size(), 2u);
  EXPECT_EQ(alpha.target("starter"), "lab01_starter");
  EXPECT_EQ(catalogue.labs[1].expect, "wrong-result");
  EXPECT_TRUE(catalogue.labs[1].hints.empty());
  EXPECT_EQ(catalogue.numbers(), "01–02");
  EXPECT_EQ(catalogue.find("2"), &catalogue.labs[1]);
  EXPECT_EQ(catalogue.find("02"), &catalogue.labs[1]);
  EXPECT_EQ(catalogue.find("02-beta"), &catalogue.labs[1]);
  EXPECT_EQ(catalogue.find("99"), nullptr);
}

// The real course catalogue must always load (the labs being written included).
TEST(Catalogue, TheCourseCatalogueLoads) {
  const std::string root = kFixtures + "/../../../..";
  const auto catalogue = labctl::load_catalogue(root + "/labs/labs.toml", root);
  EXPECT_FALSE(catalogue.labs.empty());
}

TEST(Catalogue, MalformedTomlNamesLineAndColumn) {
  try {
    labctl::load_catalogue(kFixtures + "/catalogues/malformed.toml", kFixtures + "/tree");
    FAIL() << "accepted malformed TOML";
  } catch (const Error& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("malformed.toml:3:"), std::string::npos) << message;
  }
}

TEST(Catalogue, ValidLabIsAccepted) { EXPECT_EQ(error_for(lab_with("", "")), ""); }

TEST(Catalogue, MissingFieldIsNamed) {
  EXPECT_EQ(error_for(lab_with("expect", "")),
            "labs.toml:1:1: lab 1 (01-alpha): missing field `expect` (a string)");
  EXPECT_EQ(error_for(lab_with("slug", "")), "labs.toml:1:1: lab 1: missing field `slug` (a string)");
}

TEST(Catalogue, WrongTypeIsNamed) {
  EXPECT_EQ(error_for(lab_with("points", R"(points = "ten")")),
            "labs.toml:5:10: lab 1 (01-alpha): `points` must be a whole number");
  EXPECT_EQ(error_for(lab_with("editable", R"(editable = "a.cpp")")),
            "labs.toml:6:12: lab 1 (01-alpha): `editable` must be an array of strings");
  EXPECT_EQ(error_for(lab_with("hints", "hints = [1]")), "labs.toml:8:10: lab 1 (01-alpha): `hints` must hold only strings");
}

TEST(Catalogue, UnknownExpectIsNamedWithTheVocabulary) {
  const std::string message = error_for(lab_with("expect", R"(expect = "race-condition")"));
  EXPECT_EQ(message.rfind("labs.toml:7:10: lab 1 (01-alpha): unknown expect value `race-condition`; use one of: data-race, ", 0),
            0u)
      << message;
}

TEST(Catalogue, OtherMistakes) {
  EXPECT_NE(error_for(lab_with("slug", R"(slug = "lost-update")")).find("two-digit lab number"), std::string::npos);
  EXPECT_NE(error_for(lab_with("editable", R"(editable = ["../../etc/passwd"])")).find("must be a path inside"),
            std::string::npos);
  EXPECT_NE(error_for(lab_with("points", "points = -1")).find("must not be negative"), std::string::npos);
  EXPECT_NE(error_for(lab_with("", "") + lab_with("", "")).find("already used by 01-alpha"), std::string::npos);
  EXPECT_EQ(error_for("title = 'no labs'\n"), "labs.toml: no labs: expected [[lab]] tables");
  EXPECT_NE(error_for("lab = 3\n").find("[[lab]] tables"), std::string::npos);
}

// starter_max_points: 0 unless given, and never more than the lab's points.
TEST(Catalogue, StarterMaxPoints) {
  EXPECT_EQ(parse_catalogue(lab_with("", ""), "labs.toml").labs[0].starter_max_points, 0);
  EXPECT_EQ(parse_catalogue(lab_with("", "") + "starter_max_points = 3\n", "labs.toml").labs[0].starter_max_points, 3);
  for (const char* bad : {"starter_max_points = 11", "starter_max_points = -1", "starter_max_points = \"none\""}) {
    EXPECT_NE(error_for(lab_with("", "") + bad + "\n").find("`starter_max_points` must be a whole number from 0 to the lab's 10 points"),
              std::string::npos)
        << bad;
  }
}

TEST(Catalogue, MissingFolderIsNamed) {
  try {
    labctl::load_catalogue(kFixtures + "/catalogues/missing_folder.toml", kFixtures + "/tree");
    FAIL() << "accepted a lab without a folder";
  } catch (const Error& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("missing_folder.toml:10: lab 07-nowhere: its folder"), std::string::npos) << message;
  }
}

TEST(Catalogue, NumbersWithGaps) {
  labctl::Catalogue catalogue;
  for (const char* number : {"01", "02", "05"}) catalogue.labs.push_back({number});
  EXPECT_EQ(catalogue.numbers(), "01, 02, 05");
}

}  // namespace

// The grading schedules: the catalogue's top-level list applies to every lab that names none,
// a lab's own list replaces it, and each is made a full schedule string.
TEST(CatalogueSchedules, CourseDefaultAndLabOverride) {
  const std::string second = std::string(R"(
[[lab]]
slug = "02-beta"
title = "Beta"
lesson = "Races."
points = 10
editable = ["b.cpp"]
expect = "data-race"
hints = ["one"]
schedules = ["delay:seed=3:delays=2:steps=500"]
)");
  const auto catalogue = parse_catalogue("schedules = [\"random:seed=1\", \"pct:seed=2:depth=3:steps=100\"]\n" +
                                             lab_with("", "") + second,
                                         "labs.toml");
  ASSERT_EQ(catalogue.labs.size(), 2u);
  EXPECT_EQ(catalogue.labs[0].schedules,
            (std::vector<std::string>{"racelab-schedule:v1:random:seed=1", "racelab-schedule:v1:pct:seed=2:depth=3:steps=100"}));
  EXPECT_EQ(catalogue.labs[1].schedules, (std::vector<std::string>{"racelab-schedule:v1:delay:seed=3:delays=2:steps=500"}));
}

// No schedules anywhere: the labs are graded on real runs only.
TEST(CatalogueSchedules, NoneMeansEmpty) { EXPECT_TRUE(parse_catalogue(lab_with("", ""), "labs.toml").labs[0].schedules.empty()); }

// A schedule the explorer would not parse is refused where it is written.
TEST(CatalogueSchedules, AnUnparsableScheduleIsNamed) {
  EXPECT_NE(error_for("schedules = [\"random\"]\n" + lab_with("", "")).find("labs.toml:1:"), std::string::npos);
  EXPECT_NE(error_for(lab_with("hints", "hints = [\"one\"]\nschedules = [\"pct:seed=1:depth=0:steps=9\"]")).find("`schedules`"),
            std::string::npos);
  EXPECT_NE(error_for("schedules = \"random:seed=1\"\n" + lab_with("", "")).find("must be an array"), std::string::npos);
}
