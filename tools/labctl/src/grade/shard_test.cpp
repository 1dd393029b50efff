// Sharding a batch (--shard K/N) and merging the shards' reports (--merge): the split is
// stable and whole, and the merge gives back every grade once, or says in one line why not.
#include "grade/shard.hpp"

#include "base/errors.hpp"
#include "fixtures.hpp"
#include "grade/grade_report.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

namespace {

namespace fs = std::filesystem;
using labctl::Shard;

std::vector<std::string> class_of(int students) {
  std::vector<std::string> sources;
  for (int i = 0; i < students; ++i) sources.push_back("/batch/student-" + std::to_string(i) + ".zip");
  return sources;
}

// "K/N" with 1 <= K <= N; anything else is one line that shows the form.
TEST(ParseShard, KOfNOrAOneLineError) {
  const Shard shard = labctl::parse_shard("2/3");
  EXPECT_EQ(shard.index, 2);
  EXPECT_EQ(shard.count, 3);
  for (const std::string bad : {"0/3", "4/3", "3", "a/b", "1/0", "-1/2", "1/2/3", "", "1/99999999"}) {
    try {
      labctl::parse_shard(bad);
      ADD_FAILURE() << bad << " was taken";
    } catch (const labctl::Error& error) {
      EXPECT_NE(std::string(error.what()).find("like 2/3"), std::string::npos) << error.what();
    }
  }
}

// Every source is in exactly one shard, and the shards are of about the same size.
TEST(SourcesOfShard, EverySourceInExactlyOneShard) {
  const auto sources = class_of(300);
  std::multiset<std::string> seen;
  for (int k = 1; k <= 3; ++k) {
    const auto mine = labctl::sources_of_shard(sources, {k, 3});
    EXPECT_GT(mine.size(), 70u) << "shard " << k;
    EXPECT_LT(mine.size(), 130u) << "shard " << k;
    seen.insert(mine.begin(), mine.end());
  }
  EXPECT_EQ(seen, std::multiset<std::string>(sources.begin(), sources.end()));
  EXPECT_EQ(labctl::sources_of_shard(sources, {1, 1}), sources);
}

// A student's shard depends on their own source alone: others handing in late move no one;
// and sources a batch would have to name apart (alice/ and alice.zip, "a b" and "a_b")
// land together, where name_apart sees them all.
TEST(SourcesOfShard, StableAndTheSameStudentTogether) {
  const auto before = labctl::sources_of_shard(class_of(50), {2, 4});
  auto more = class_of(50);
  more.push_back("/batch/late-student.zip");
  more.insert(more.begin(), "/batch/early.tar.gz");
  auto after = labctl::sources_of_shard(more, {2, 4});
  after.erase(std::remove_if(after.begin(), after.end(),
                             [](const std::string& s) { return s.find("student-") == std::string::npos; }),
              after.end());
  EXPECT_EQ(after, before);
  for (int k = 1; k <= 4; ++k) {
    const auto mine = labctl::sources_of_shard({"/a/Alice/", "/b/alice.zip", "/c/ALICE.tar.gz"}, {k, 4});
    EXPECT_TRUE(mine.empty() || mine.size() == 3) << "shard " << k << " has " << mine.size();
    const auto same_file_name = labctl::sources_of_shard({"/s/a b", "/s/a_b", "/s/A:B.zip"}, {k, 4});
    EXPECT_TRUE(same_file_name.empty() || same_file_name.size() == 3) << "shard " << k;
  }
}

class ReadShardReports : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("labctl-shard-test-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    catalogue_.labs.push_back(labctl::testing::ten_point_lab());
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A report as grade --format json writes it, for `name` with `points` in lab 01.
  void write_report(const fs::path& folder, const std::string& name, long long points) {
    labctl::SubmissionGrade grade;
    grade.name = name;
    grade.points = points;
    grade.max_points = 10;
    labctl::LabGrade lab;
    lab.lab = &catalogue_.labs.front();
    lab.points = points;
    lab.max_points = 10;
    lab.status = "graded";
    grade.labs.push_back(lab);
    fs::create_directories(folder);
    std::ofstream(folder / (name + ".json")) << labctl::json_text(labctl::grade_to_json(grade), 2);
  }

  std::string error_of(const std::vector<fs::path>& dirs) {
    try {
      labctl::read_shard_reports(dirs, catalogue_);
    } catch (const labctl::Error& error) {
      return error.what();
    }
    return "";
  }

  fs::path dir_;
  labctl::Catalogue catalogue_;
};

// Two shards' folders give every grade once, by name; the resume cache and Gradescope's
// files beside them are not reports.
TEST_F(ReadShardReports, EveryGradeOnceByName) {
  write_report(dir_ / "shard-1", "carol", 10);
  write_report(dir_ / "shard-1", "alice", 4);
  write_report(dir_ / "shard-2", "bob", 7);
  std::ofstream(dir_ / "shard-1" / ".racelab-grade-cache.json") << "{}";
  std::ofstream(dir_ / "shard-2" / "bob.results.json") << "{}";
  const auto grades = labctl::read_shard_reports({dir_ / "shard-1", dir_ / "shard-2"}, catalogue_);
  ASSERT_EQ(grades.size(), 3u);
  EXPECT_EQ(grades[0].name, "alice");
  EXPECT_EQ(grades[0].points, 4);
  EXPECT_EQ(grades[1].name, "bob");
  EXPECT_EQ(grades[2].name, "carol");
  EXPECT_EQ(grades[2].labs.front().lab, &catalogue_.labs.front());
}

// What cannot be merged is one line each: a folder without reports, a file that is not a
// grade of this course, a student in two shards.
TEST_F(ReadShardReports, WhatCannotBeMergedIsOneLine) {
  fs::create_directories(dir_ / "empty");
  EXPECT_NE(error_of({dir_ / "empty"}).find("holds no grade reports"), std::string::npos);
  EXPECT_NE(error_of({dir_ / "missing"}).find("is not a folder of grade reports"), std::string::npos);
  write_report(dir_ / "a", "alice", 4);
  write_report(dir_ / "b", "alice", 5);
  EXPECT_NE(error_of({dir_ / "a", dir_ / "b"}).find("alice is graded in both"), std::string::npos);
  fs::create_directories(dir_ / "c");
  std::ofstream(dir_ / "c" / "notes.json") << "[1, 2]";
  EXPECT_NE(error_of({dir_ / "c"}).find("is not a grade report of this course"), std::string::npos);
  std::ofstream(dir_ / "c" / "notes.json") << "{\"not json";
  EXPECT_NE(error_of({dir_ / "c"}).find("is not a grade report of this course"), std::string::npos);
}

}  // namespace
