// What each lab cost to grade (lab_costs.hpp): kept across gradings in one small file, and
// the work ordered by it, each submission's dearest lab first.
#include "grade/lab_costs.hpp"

#include "base/temp_dir.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>

namespace {

namespace fs = std::filesystem;
using labctl::LabCosts;
using Work = std::vector<std::pair<std::size_t, std::size_t>>;

// A fresh build has no file: every lab is "never measured" (negative), and saving nothing
// recorded writes nothing.
TEST(LabCosts, NothingKnownWithoutAFile) {
  const labctl::TempDir dir("lab-costs-test");
  const LabCosts costs = LabCosts::load(dir.path() / "lab-seconds.json");
  EXPECT_LT(costs.seconds("01"), 0);
  costs.save(dir.path() / "lab-seconds.json");
  EXPECT_FALSE(fs::exists(dir.path() / "lab-seconds.json"));
}

// Recorded costs survive a save and a load; several gradings of a lab in one batch average;
// a lab not graded this time keeps what it cost before.
TEST(LabCosts, RecordedCostsAreKeptAndAveraged) {
  const labctl::TempDir dir("lab-costs-test");
  const fs::path file = dir.path() / "lab-seconds.json";
  LabCosts first = LabCosts::load(file);
  first.record("01", 6.0);
  first.record("02", 2.0);
  first.save(file);

  LabCosts second = LabCosts::load(file);
  EXPECT_DOUBLE_EQ(second.seconds("01"), 6.0);
  second.record("02", 3.0);
  second.record("02", 5.0);
  EXPECT_DOUBLE_EQ(second.seconds("02"), 4.0);
  second.save(file);

  const LabCosts third = LabCosts::load(file);
  EXPECT_DOUBLE_EQ(third.seconds("01"), 6.0);
  EXPECT_DOUBLE_EQ(third.seconds("02"), 4.0);
  EXPECT_FALSE(fs::exists(file.string() + "." + std::to_string(::getpid()) + ".tmp"));
}

// A file someone broke (or another program's) is as good as none: no error, no costs.
TEST(LabCosts, ABrokenFileIsNoFile) {
  const labctl::TempDir dir("lab-costs-test");
  const fs::path file = dir.path() / "lab-seconds.json";
  for (const char* text : {"{not json", "[1, 2]", "{\"01\": \"fast\", \"02\": -3}"}) {
    std::ofstream(file, std::ios::trunc) << text;
    const LabCosts costs = LabCosts::load(file);
    EXPECT_LT(costs.seconds("01"), 0) << text;
    EXPECT_LT(costs.seconds("02"), 0) << text;
  }
}

// Each submission's labs, dearest first; submissions stay in order; a lab never measured goes
// before every measured one; equal costs keep the catalogue's order.
TEST(OrderDearestFirst, EachSubmissionsDearestLabFirst) {
  const labctl::TempDir dir("lab-costs-test");
  LabCosts costs = LabCosts::load(dir.path() / "none.json");
  costs.record("01", 6.6);
  costs.record("02", 2.0);
  costs.record("03", 2.0);
  costs.record("11", 5.4);
  // Lab "12" (index 4) was never measured.
  const std::vector<std::string> numbers = {"01", "02", "03", "11", "12"};
  Work work;
  for (std::size_t submission : {0, 1}) {
    for (std::size_t lab = 0; lab < numbers.size(); ++lab) work.emplace_back(submission, lab);
  }
  labctl::order_dearest_first(work, numbers, costs);
  const Work expected = {{0, 4}, {0, 0}, {0, 3}, {0, 1}, {0, 2}, {1, 4}, {1, 0}, {1, 3}, {1, 1}, {1, 2}};
  EXPECT_EQ(work, expected);
}

}  // namespace
