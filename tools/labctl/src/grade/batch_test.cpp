// A batch's submissions each keep a name of their own (batch.hpp: name_apart): reports,
// their files and the resume cache go by it.
#include "grade/batch.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

std::vector<std::string> names_after(const std::vector<std::string>& names, const std::vector<std::string>& sources) {
  std::vector<labctl::Submission> submissions;
  for (const auto& name : names) {
    labctl::Submission submission;
    submission.name = name;
    submissions.push_back(submission);
  }
  labctl::name_apart(submissions, sources);
  std::vector<std::string> result;
  for (const auto& submission : submissions) result.push_back(submission.name);
  return result;
}

TEST(BatchNames, DistinctNamesAreKept) {
  EXPECT_EQ(names_after({"alice", "bob"}, {"subs/alice", "subs/bob.zip"}), (std::vector<std::string>{"alice", "bob"}));
}

// alice/ and alice.zip are both "alice": each is named by its file name instead.
TEST(BatchNames, ASharedNameBecomesEachFileName) {
  EXPECT_EQ(names_after({"alice", "alice", "bob"}, {"subs/alice", "subs/alice.zip", "subs/bob"}),
            (std::vector<std::string>{"alice", "alice.zip", "bob"}));
  EXPECT_EQ(names_after({"alice", "alice"}, {"subs/alice.tar.gz", "subs/alice.zip"}),
            (std::vector<std::string>{"alice.tar.gz", "alice.zip"}));
}

// The same folder name from two places, or a file name another student already has: a number.
TEST(BatchNames, OtherwiseANumber) {
  EXPECT_EQ(names_after({"alice", "alice", "alice"}, {"a/alice", "b/alice/", "c/alice"}),
            (std::vector<std::string>{"alice", "alice-2", "alice-3"}));
  EXPECT_EQ(names_after({"alice.zip", "alice", "alice"}, {"x/alice.zip", "y/alice", "y/alice.zip"}),
            (std::vector<std::string>{"alice.zip", "alice", "alice-2"}));
}

// Names that would share a report file (the same after file_stem, or apart from case), and
// names that hold newlines or escapes (which could forge rows in a table or a CSV), are
// named apart too, as files are written.
TEST(BatchNames, NamesAreWhatTheReportFilesAreCalled) {
  EXPECT_EQ(names_after({"a b", "a_b"}, {"subs/a b", "subs/a_b"}), (std::vector<std::string>{"a_b", "a_b-2"}));
  EXPECT_EQ(names_after({"Alice", "alice"}, {"s/Alice", "s/alice"}), (std::vector<std::string>{"Alice", "alice-2"}));
  EXPECT_EQ(names_after({"zed\nalice,10,10,10,", "alice"}, {"s/zed\nalice,10,10,10,", "s/alice"}),
            (std::vector<std::string>{"zed_alice_10_10_10_", "alice"}));
  EXPECT_EQ(names_after({"\x1b[2Kbob"}, {"s/x"}), (std::vector<std::string>{"__2Kbob"}));
}

// Whoever is renamed is told why.
TEST(BatchNames, ARenameIsNoted) {
  std::vector<labctl::Submission> submissions(2);
  submissions[0].name = submissions[1].name = "alice";
  labctl::name_apart(submissions, {"subs/alice", "subs/alice.zip"});
  EXPECT_TRUE(submissions[0].notes.empty());
  ASSERT_EQ(submissions[1].notes.size(), 1u);
  EXPECT_EQ(submissions[1].notes[0], "named alice.zip: another submission in this batch is also called alice");
}

}  // namespace
