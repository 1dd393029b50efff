// Tests of the condensed sanitizer report that `tools/lab check` shows, on real captured
// reports (tests/fixtures/runs).
#include "run/tsan_report.hpp"

#include "base/temp_dir.hpp"
#include "fixtures.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

namespace {

namespace fs = std::filesystem;
using labctl::condense_first_report;
using labctl::ReportSources;

// A file of `count` lines, line N reading "<tag> line N".
std::string numbered_lines(const std::string& tag, int count) {
  std::string text;
  for (int n = 1; n <= count; ++n) text += tag + " line " + std::to_string(n) + "\n";
  return text;
}

// A report whose every frame names `files` in turn, each at line 3.
std::string fake_report(const std::vector<std::string>& files) {
  std::string text = "WARNING: ThreadSanitizer: data race (pid=1)\n  Write of size 8 by thread T1:\n";
  for (std::size_t i = 0; i < files.size(); ++i)
    text += "    #" + std::to_string(i) + " f" + std::to_string(i) + "() " + files[i] + ":3:1 (prog+0x1)\n";
  return text + "SUMMARY: ThreadSanitizer: data race\n";
}

std::string fixture(const std::string& name) { return labctl::testing::run_fixture(name); }

bool any_line_contains(const std::vector<std::string>& lines, const std::string& text) {
  return std::any_of(lines.begin(), lines.end(), [&](const std::string& line) {
    return line.find(text) != std::string::npos;
  });
}

// A data race: both accesses are kept with the student's file:line, addresses are gone,
// library frames are folded, and the guide section is named.
TEST(CondensedReport, DataRaceKeepsTheStudentsFramesAndFoldsTheRest) {
  ReportSources sources;
  sources.add("labs/01-lost-update/lost_update.cpp", numbered_lines("student", 60));
  const auto report = condense_first_report(fixture("lab01_starter.out"), "labs/01-lost-update/", sources);
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->kind, "data race");
  EXPECT_EQ(report->guide, "docs/tsan.md#data-race");
  EXPECT_TRUE(any_line_contains(report->lines, "Previous write of size 8 by thread T"));
  EXPECT_TRUE(any_line_contains(report->lines, "lost_update.cpp:49  in lab01::count_status_classes()"));
  EXPECT_TRUE(any_line_contains(report->lines, "    | student line 49")) << "the line, from the sources given";
  EXPECT_TRUE(any_line_contains(report->lines, "Location is global 'lab01::g_"));
  EXPECT_TRUE(any_line_contains(report->lines, "created by main thread at:"));
  EXPECT_TRUE(any_line_contains(report->lines, "folded"));
  EXPECT_FALSE(any_line_contains(report->lines, "0x")) << "addresses are noise for a student";
  EXPECT_FALSE(any_line_contains(report->lines, "std::__invoke")) << "library frames must be folded";
}

// A lock-order inversion: the cycle is kept, and the guide points at its own section.
TEST(CondensedReport, LockOrderInversionKeepsTheCycle) {
  const auto report = condense_first_report(fixture("tsan_lock_order.out"), "fxsrc/", ReportSources{});
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->guide, "docs/tsan.md#lock-order-inversion");
  EXPECT_TRUE(any_line_contains(report->lines, "Cycle in lock order graph: M0 => M1 => M0"));
  EXPECT_TRUE(any_line_contains(report->lines, "lock_order.cpp:5  in main::$_0::operator()()"));
}

// Output without a report condenses to nothing (the check shows the test failures instead).
TEST(CondensedReport, NoReportNoCondensedReport) {
  EXPECT_FALSE(condense_first_report(fixture("lab01_solution.out"), "labs/01-lost-update/", ReportSources{}).has_value());
}

// A report is the program's output: the paths in it are claims. Only the sources given are
// quoted, by their name relative to the course, and a path with ".." in it quotes nothing;
// nothing is read from disk, whatever the frames name.
TEST(CondensedReport, QuotesOnlyTheSourcesGivenNeverAPathTheProgramPrinted) {
  ReportSources sources;
  sources.add("labs/01-lost-update/lost_update.cpp", numbered_lines("student", 5));
  sources.add("labs/01-lost-update/lost_update.hpp", numbered_lines("public header", 5));
  const auto report = condense_first_report(
      fake_report({"../../../../etc/passwd", "/etc/passwd", "/tmp/racelab-grade-test-secret/01-lost-update.cpp",
                   "solutions/01-lost-update/lost_update.cpp", "/src/solutions/01-lost-update/lost_update.cpp",
                   "/src/labs/01-lost-update/../../solutions/01-lost-update/lost_update.cpp",
                   "/src/labs/01-lost-update/../01-lost-update/lost_update.cpp", "/src/xlabs/01-lost-update/lost_update.cpp",
                   "/tmp/stage/01/labs/01-lost-update/lost_update.cpp", "/work/course/labs/01-lost-update/lost_update.hpp"}),
      "labs/01-lost-update/", sources);
  ASSERT_TRUE(report.has_value());
  std::vector<std::string> quoted;
  for (const auto& line : report->lines)
    if (line.find(" | ") != std::string::npos) quoted.push_back(line);
  EXPECT_EQ(quoted, (std::vector<std::string>{"    | student line 3", "    | public header line 3"}));
  EXPECT_FALSE(any_line_contains(report->lines, "root:")) << "/etc/passwd was read";
}

// A folder's files are taken as they are in it: a symbolic link is not followed (not even
// to a file beside it), a subfolder is not entered.
TEST(ReportSources, AddFolderTakesOnlyItsOwnRegularFiles) {
  labctl::TempDir dir("racelab-sources-test");
  std::ofstream(dir.path() / "a.cpp") << numbered_lines("a", 3);
  fs::create_directory(dir.path() / "sub");
  std::ofstream(dir.path() / "sub" / "b.cpp") << numbered_lines("b", 3);
  fs::create_symlink("/etc/passwd", dir.path() / "passwd.cpp");
  fs::create_symlink(dir.path() / "a.cpp", dir.path() / "link.cpp");
  ReportSources sources;
  sources.add_folder(dir.path(), "labs/01-x/");
  ASSERT_NE(sources.find("/src/labs/01-x/a.cpp"), nullptr);
  EXPECT_EQ(*sources.find("/src/labs/01-x/a.cpp"), numbered_lines("a", 3));
  EXPECT_EQ(sources.find("/src/labs/01-x/sub/b.cpp"), nullptr);
  EXPECT_EQ(sources.find("/src/labs/01-x/passwd.cpp"), nullptr);
  EXPECT_EQ(sources.find("/src/labs/01-x/link.cpp"), nullptr);
  EXPECT_EQ(sources.find("labs/01-x/a.cpp"), sources.find("/src/labs/01-x/a.cpp"));
  EXPECT_EQ(sources.find("xlabs/01-x/a.cpp"), nullptr);
}

// Section names in docs/tsan.md for each kind the labs produce.
TEST(CondensedReport, GuideSectionsPerKind) {
  EXPECT_EQ(labctl::guide_section("heap-use-after-free"), "docs/tsan.md#heap-use-after-free");
  EXPECT_EQ(labctl::guide_section("thread leak"), "docs/tsan.md#thread-leak");
}

}  // namespace

namespace {

// The program's output is the student's: a report made of one enormous line, or of many
// lines each enormous, is condensed in about the time of reading it and without recursion
// (a std::regex here once ran labctl off its stack on a 1 MB line: fixture
// regex_stack_overflow.cpp).
TEST(CondensedReport, HugeLinesCostLittle) {
  const auto started = std::chrono::steady_clock::now();
  const std::string spaces(4 << 20, ' ');
  const auto one = condense_first_report("WARNING: ThreadSanitizer: data race" + spaces + "x\n", "labs/01/",
                                         labctl::ReportSources{});
  ASSERT_TRUE(one.has_value());
  const std::string brackets = "WARNING: ThreadSanitizer: data race (pid=1)\n  Write of size 8 at 0x1 by thread T1" +
                               std::string(1 << 20, '(') + "\n    #0 f" + std::string(1 << 20, '<') + " x.cpp:1:2\n";
  const auto nested = condense_first_report(brackets, "labs/01/", labctl::ReportSources{});
  ASSERT_TRUE(nested.has_value());
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(20));
}

// A program can print a sanitizer's headline itself: what follows, unless indented as a
// report's sections are, is its own output again, and is not shown as a report (it once
// put GoogleTest's lines, hidden test names included, into a student's feedback).
TEST(CondensedReport, UnindentedLinesEndTheReport) {
  const auto report = condense_first_report(
      "WARNING: ThreadSanitizer: data race\n[ RUN      ] HiddenCorrectness.Secret\nfoo.cpp:1: Failure\n", "labs/01/",
      labctl::ReportSources{});
  ASSERT_TRUE(report.has_value());
  for (const auto& line : report->lines) EXPECT_EQ(line.find("Hidden"), std::string::npos) << line;
}

// What the headline and section headers keep: the kind without the pid; headers without
// addresses, pids, tids or module offsets.
TEST(CondensedReport, HeadlineAndHeadersAreTidied) {
  const auto report = condense_first_report(
      "==================\nWARNING: ThreadSanitizer: data race (pid=4242)\n"
      "  Write of size 8 at 0x7b0400000010 by thread T2 (mutexes: write M1):\n    #0 f x.cpp:3:4 (prog+0x1234)\n"
      "  Thread T2 (tid=99, running) created by main thread at:\n    #0 pthread_create (libtsan.so.2+0xfe)\n"
      "SUMMARY: ThreadSanitizer: data race x.cpp:3:4 in f\n",
      "labs/01/", labctl::ReportSources{});
  ASSERT_TRUE(report.has_value());
  std::string text = report->kind + "\n";
  for (const auto& line : report->lines) text += line + "\n";
  EXPECT_EQ(report->kind, "data race");
  EXPECT_EQ(text.find("pid=4242"), std::string::npos) << text;
  EXPECT_EQ(text.find("0x7b04"), std::string::npos) << text;
  EXPECT_EQ(text.find("tid=99"), std::string::npos) << text;
}

}  // namespace
