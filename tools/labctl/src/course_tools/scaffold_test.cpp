// `labctl new`: slugs, refusals that write nothing, and a scaffold the catalogue accepts.
// (That the scaffold builds and `verify` passes on it is tools/labctl/tests/new_lab_test.sh.)
#include "course/catalogue.hpp"
#include "base/errors.hpp"
#include "base/process.hpp"
#include "course_tools/scaffold.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace labctl {
namespace {

namespace fs = std::filesystem;

// A copy of the fixture course (labs 01-alpha and 02-beta).
class ScaffoldTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "labctl-scaffold-test-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    fs::copy(fs::path(LABCTL_FIXTURES) / "tree", root_, fs::copy_options::recursive);
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(root_, ignored);
  }
  Workspace workspace() const {
    Options options;
    options.root = root_;
    return Workspace::open(options);
  }
  fs::path root_;
};

// Well-formed slugs pass; every malformed one names its problem.
TEST(ScaffoldSlug, ChecksTheShape) {
  EXPECT_EQ(slug_problem("12-example"), "");
  EXPECT_EQ(slug_problem("12-thread-pool2"), "");
  for (const char* bad : {"12", "1-x", "ab-x", "12x", "12-", "12-Example", "12-2x", "12-a--b", "12-a-", "12-a_b",
                          "12-a/b", "00-zero", "12-../x"}) {
    EXPECT_NE(slug_problem(bad), "") << bad;
  }
}

// The scaffold's files: where the build looks for them, named after the slug, with the
// five criterion suites and a starter that races on a global.
TEST(ScaffoldFiles, LayoutAndContents) {
  const auto files = scaffold_files("12-thread-pool", "Thread pool");
  ASSERT_EQ(files.size(), 5u);
  EXPECT_EQ(files[0].path, "labs/12-thread-pool/README.md");
  EXPECT_EQ(files[1].path, "labs/12-thread-pool/thread_pool.hpp");
  EXPECT_EQ(files[2].path, "labs/12-thread-pool/thread_pool.cpp");
  EXPECT_EQ(files[3].path, "solutions/12-thread-pool/thread_pool.cpp");
  EXPECT_EQ(files[4].path, "tests/12-thread-pool.cpp");
  for (const char* suite : {"TEST(Correctness,", "TEST(Determinism,", "TEST(RaceFree,", "TEST(NoGlobals,", "TEST(Parallel,"}) {
    EXPECT_NE(files[4].text.find(suite), std::string::npos) << suite;
  }
  EXPECT_NE(files[2].text.find("long long g_total"), std::string::npos);
  EXPECT_NE(files[2].text.find("TODO"), std::string::npos);
  EXPECT_EQ(files[3].text.find("g_total"), std::string::npos);
  EXPECT_NE(files[1].text.find("namespace lab12 {"), std::string::npos);
}

// The catalogue entry parses, with the lab's number, editable file and expected failure.
TEST(ScaffoldFiles, CatalogueEntryParses) {
  const Catalogue catalogue = parse_catalogue(catalogue_entry("12-example", "Say \"hi\" \\ bye"), "entry");
  ASSERT_EQ(catalogue.labs.size(), 1u);
  EXPECT_EQ(catalogue.labs[0].number, "12");
  EXPECT_EQ(catalogue.labs[0].title, "Say \"hi\" \\ bye");
  EXPECT_EQ(catalogue.labs[0].editable, std::vector<std::string>{"example.cpp"});
  EXPECT_EQ(catalogue.labs[0].expect, "data-race");
  EXPECT_FALSE(catalogue.labs[0].hints.empty());
}

// `new` writes the files and appends an entry the catalogue then loads (files checked too).
TEST_F(ScaffoldTest, NewLabJoinsTheCatalogue) {
  const std::string before = read_file(root_ / "labs/labs.toml");
  EXPECT_EQ(run_new(workspace(), {"12-example", ""}), kExitOk);
  EXPECT_TRUE(fs::is_regular_file(root_ / "solutions/12-example/example.cpp"));
  EXPECT_TRUE(read_file(root_ / "labs/labs.toml").starts_with(before));
  const Workspace after = workspace();
  ASSERT_EQ(after.catalogue.labs.size(), 3u);
  EXPECT_EQ(after.catalogue.labs.back().slug, "12-example");
  EXPECT_EQ(after.catalogue.labs.back().title, "Example");
}

// A taken number, a taken name, a malformed slug or an existing file: refused, nothing written.
TEST_F(ScaffoldTest, RefusalsWriteNothing) {
  const std::string catalogue = read_file(root_ / "labs/labs.toml");
  EXPECT_THROW(run_new(workspace(), {"01-other", ""}), Error);      // number taken
  EXPECT_THROW(run_new(workspace(), {"12-alpha", ""}), Error);      // name taken
  EXPECT_THROW(run_new(workspace(), {"12-Bad", ""}), Error);        // malformed
  EXPECT_THROW(run_new(workspace(), {"12-x", "two\nlines"}), Error);  // title on two lines
  fs::create_directories(root_ / "tests");
  std::ofstream(root_ / "tests/13-taken.cpp") << "// mine\n";
  EXPECT_THROW(run_new(workspace(), {"13-taken", ""}), Error);      // a file exists
  EXPECT_EQ(read_file(root_ / "tests/13-taken.cpp"), "// mine\n");
  fs::create_directories(root_ / "labs/14-half-done");
  EXPECT_THROW(run_new(workspace(), {"14-other", ""}), Error);      // a folder with that number exists
  EXPECT_EQ(read_file(root_ / "labs/labs.toml"), catalogue);
  EXPECT_FALSE(fs::exists(root_ / "labs/12-other"));
  EXPECT_FALSE(fs::exists(root_ / "labs/13-taken"));
  EXPECT_FALSE(fs::exists(root_ / "solutions"));
}

}  // namespace
}  // namespace labctl
