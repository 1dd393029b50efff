// The grader's pure parts: the include policy, the rubric, reading the build's commands,
// and the report formats. (The whole grader, on real submissions, is
// tools/labctl/tests/grading/grade_test.sh.)
#include "course/catalogue.hpp"
#include "base/errors.hpp"
#include "grade/grade_build.hpp"
#include "grade/grade_report.hpp"
#include "grade/include_policy.hpp"
#include "course/rubric.hpp"

#include <gtest/gtest.h>

#include <string>

namespace labctl {
namespace {

// ------------------------------------------------------------ include policy
// Ordinary lab code passes: system headers, the lab's own header, labkit.
TEST(IncludePolicy, OrdinaryIncludesPass) {
  EXPECT_EQ(include_policy_violation("#include \"lost_update.hpp\"\n#include <vector>\n"
                                     "#include <labkit/executor.hpp>\n  #  include <map>\nint x;\n"),
            std::nullopt);
}

// Every way to name a file outside the lab is refused, with the line it is on.
TEST(IncludePolicy, PathsOutsideAreRefused) {
  EXPECT_EQ(include_policy_violation("int a;\n#include \"/etc/passwd\"\n"),
            "line 2: #include of an absolute path is not allowed (\"/etc/passwd\")");
  EXPECT_NE(include_policy_violation("#include <../../solutions/01-lost-update/lost_update.cpp>"), std::nullopt);
  EXPECT_NE(include_policy_violation("#include \"../lost_update.cpp\""), std::nullopt);
  EXPECT_NE(include_policy_violation("#include \"sub/dir.hpp\""), std::nullopt);
  EXPECT_NE(include_policy_violation("#define F \"/etc/passwd\"\n#include F\n"), std::nullopt);
  EXPECT_NE(include_policy_violation("#include_next <vector>"), std::nullopt);
  EXPECT_NE(include_policy_violation("#import \"x.hpp\""), std::nullopt);
}

// The disguises: a line continuation, a digraph, a comment between # and include.
TEST(IncludePolicy, DisguisesAreSeenThrough) {
  EXPECT_EQ(include_policy_violation("int a;\n#inc\\\nlude \"/etc/passwd\"\n"),
            "line 2: #include of an absolute path is not allowed (\"/etc/passwd\")");
  EXPECT_NE(include_policy_violation("%:include \"/etc/passwd\""), std::nullopt);
  EXPECT_NE(include_policy_violation("# /* hidden */ include \"/etc/passwd\""), std::nullopt);
}

// The assembler's .incbin would copy any file's bytes into the program.
TEST(IncludePolicy, IncbinIsRefused) {
  EXPECT_NE(include_policy_violation("asm(\".section .rodata\\n.INCBIN \\\"/srv/solutions.cpp\\\"\");"), std::nullopt);
}

// Only the plain directives: no pragmas, no line markers that would make the student's
// code look as if it came from a header, nothing a compiler adds.
TEST(IncludePolicy, OnlyPlainDirectives) {
  EXPECT_EQ(include_policy_violation("#include <vector>\n#define N 3\n#if N > 2\n#undef N\n#elif 0\n#else\n#endif\n"
                                     "#error no\n#warning maybe\n#\n"),
            std::nullopt);
  EXPECT_EQ(include_policy_violation("int a;\n#pragma clang section data=\".x\"\n"),
            "line 2: #pragma is not allowed in a lab file");
  EXPECT_NE(include_policy_violation("#line 1 \"/usr/include/c++/12/vector\"\n"), std::nullopt);
  EXPECT_NE(include_policy_violation("# 1 \"/usr/include/c++/12/vector\" 3\n"), std::nullopt);
  EXPECT_NE(include_policy_violation("#ident \"x\"\n"), std::nullopt);
  EXPECT_NE(include_policy_violation("%:pragma once\n"), std::nullopt);
}

// A macro defined before a header is included could change what the header means in this
// file: macros come after the last #include.
TEST(IncludePolicy, MacrosAfterTheIncludes) {
  EXPECT_EQ(include_policy_violation("#define private public\n#include <vector>\n"),
            "line 1: #define before an #include: define macros after the last #include (line 2), where they cannot "
            "change what a header means");
  EXPECT_NE(include_policy_violation("#include <map>\n#undef assert\n#include <cassert>\n"), std::nullopt);
  EXPECT_EQ(include_policy_violation("#include <vector>\n#define N 3\nint a[N];\n"), std::nullopt);
}

// Modules and __has_include name files too.
TEST(IncludePolicy, ModulesAndHasInclude) {
  EXPECT_NE(include_policy_violation("import \"/etc/shadow\";\n"), std::nullopt);
  EXPECT_NE(include_policy_violation("export module lab;\n"), std::nullopt);
  EXPECT_NE(include_policy_violation("module;\n"), std::nullopt);
  EXPECT_EQ(include_policy_violation("int important = 1;\nint modules = 2;\n"), std::nullopt);
  EXPECT_NE(include_policy_violation("#if __has_include(\"/etc/shadow\")\n#endif\n"), std::nullopt);
  EXPECT_NE(include_policy_violation("#if __has_include_next(<vector>)\n#endif\n"), std::nullopt);
  EXPECT_EQ(include_policy_violation("#if __has_include(<vector>)\n#endif\n"), std::nullopt);
}

// ------------------------------------------------------------ rubric
Lab lab_with_points(long long points) {
  Lab lab;
  lab.number = "01";
  lab.slug = "01-alpha";
  lab.points = points;
  return lab;
}

// 40/30/10/10/10, rounding going to `correct`, always adding up to the lab's points.
TEST(Rubric, DefaultSplitAddsUp) {
  const auto ten = points_by_criterion(lab_with_points(10));
  ASSERT_EQ(ten.size(), 5u);
  EXPECT_EQ(ten[0], (std::pair<std::string, long long>{"correct", 4}));
  EXPECT_EQ(ten[1], (std::pair<std::string, long long>{"race_free", 3}));
  EXPECT_EQ(ten[4], (std::pair<std::string, long long>{"parallel", 1}));
  for (long long points : {0, 1, 7, 15, 33}) {
    long long sum = 0;
    for (const auto& [name, share] : points_by_criterion(lab_with_points(points))) sum += share;
    EXPECT_EQ(sum, points) << points;
  }
}

// Suites map to criteria; hidden suites keep their criterion.
TEST(Rubric, SuitesBelongToCriteria) {
  EXPECT_EQ(criterion_of_suite("Correctness"), "correct");
  EXPECT_EQ(criterion_of_suite("Lifetime"), "correct");
  EXPECT_EQ(criterion_of_suite("RaceFree"), "race_free");
  EXPECT_EQ(criterion_of_suite("HiddenRaceFree"), "race_free");
  EXPECT_EQ(criterion_of_suite("Determinism"), "deterministic");
  EXPECT_EQ(criterion_of_suite("NoGlobals"), "no_globals");
  EXPECT_EQ(criterion_of_suite("Parallel"), "parallel");
  EXPECT_TRUE(is_hidden_suite("HiddenCorrectness"));
  EXPECT_FALSE(is_hidden_suite("Hidden"));
  EXPECT_FALSE(is_hidden_suite("Correctness"));
}

const char* kCatalogueHead =
    "[[lab]]\nslug = \"01-alpha\"\ntitle = \"A\"\nlesson = \"L\"\npoints = 10\neditable = [\"a.cpp\"]\n"
    "expect = \"data-race\"\nhints = []\n";

// A catalogue's rubric is read, and must name real criteria and add up.
TEST(Rubric, CatalogueRubric) {
  const Catalogue good = parse_catalogue(std::string(kCatalogueHead) + "rubric = { correct = 6, race_free = 4 }\n", "t");
  const auto points = points_by_criterion(good.labs.at(0));
  EXPECT_EQ(points[0].second, 6);
  EXPECT_EQ(points[1].second, 4);
  EXPECT_EQ(points[2].second, 0);
  try {
    parse_catalogue(std::string(kCatalogueHead) + "rubric = { correct = 6 }\n", "t");
    FAIL() << "a rubric of 6 points for a 10-point lab was accepted";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("add up to 6, but the lab has 10"), std::string::npos) << error.what();
  }
  try {
    parse_catalogue(std::string(kCatalogueHead) + "rubric = { speed = 10 }\n", "t");
    FAIL() << "an unknown criterion was accepted";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("unknown rubric criterion `speed`"), std::string::npos) << error.what();
  }
}

// ------------------------------------------------------------ the build's commands
TEST(GradeBuild, SplitsCommandsLikeAShell) {
  EXPECT_EQ(split_command("clang++ -I'/a b' \"-DX=\\\"y\\\"\" c\\ d  -o out"),
            (std::vector<std::string>{"clang++", "-I/a b", "-DX=\"y\"", "c d", "-o", "out"}));
}

// What a keep-going build could not make, from ninja's log: every output of every FAILED
// line (a command may have several), nothing from the other lines.
TEST(GradeBuild, ReadsTheFailedOutputsOfABuildLog) {
  const std::string log =
      "[1/9] Building CXX object tests/CMakeFiles/lab01_code.dir/a.cpp.o\n"
      "FAILED: tests/CMakeFiles/lab02_code.dir/b.cpp.o \n"
      "/usr/bin/clang++ -c b.cpp -o tests/CMakeFiles/lab02_code.dir/b.cpp.o\n"
      "b.cpp:3:1: error: expected unqualified-id (FAILED: is not at the start here)\n"
      "FAILED: gen/x.h gen/y.h\n"
      "ninja: build stopped: cannot make progress due to previous errors.\n";
  EXPECT_EQ(failed_outputs(log),
            (std::set<std::string>{"tests/CMakeFiles/lab02_code.dir/b.cpp.o", "gen/x.h", "gen/y.h"}));
  EXPECT_TRUE(failed_outputs("[1/1] Linking CXX executable tests/lab01_starter\n").empty());
}

TEST(GradeBuild, ReadsTheTestList) {
  const std::string listing =
      "Correctness.\n  EmptyLog\n  OneLine\nParam/Suite.  # TypeParam = int\n  Case/0  # GetParam() = 1\n";
  EXPECT_EQ(parse_test_list(listing),
            (std::vector<std::string>{"Correctness.EmptyLog", "Correctness.OneLine", "Param/Suite.Case/0"}));
}

TEST(GradeBuild, FillsPlaceholders) {
  EXPECT_EQ(fill({"cc", "{objects}", "-o", "{program}"}, {{"{program}", "p"}}, {"a.o", "b.o"}),
            (std::vector<std::string>{"cc", "a.o", "b.o", "-o", "p"}));
  EXPECT_NE(objects_file_source({"/s/a.o", "/s/b.o"}).find("return \"/s/a.o|/s/b.o\";"), std::string::npos);
}

// ------------------------------------------------------------ reports
SubmissionGrade sample_grade(const Lab& lab) {
  SubmissionGrade grade;
  grade.name = "=cmd|' /C calc'!A0";  // a spreadsheet formula: must not reach a CSV as one
  grade.points = 7;
  grade.max_points = 10;
  grade.seconds = 3.4;
  LabGrade lab_grade;
  lab_grade.lab = &lab;
  lab_grade.points = 7;
  lab_grade.max_points = 10;
  lab_grade.status = "graded";
  for (const auto& [criterion, max] : points_by_criterion(lab)) {
    CriterionResult result;
    result.criterion = criterion;
    result.max_points = max;
    const bool passed = criterion != "race_free";
    result.status = passed ? "passed" : "failed";
    result.points = passed ? max : 0;
    if (!passed) {
      result.reason = "ThreadSanitizer: data race in a.cpp:3 <&>";
      result.excerpt = "Write of size 8\n";
    }
    lab_grade.criteria.push_back(result);
  }
  grade.labs.push_back(lab_grade);
  return grade;
}

// Gradescope's results.json: the fields its autograder reads, scores adding up.
TEST(GradeReport, GradescopeSchema) {
  const Catalogue catalogue = parse_catalogue(kCatalogueHead, "t");
  const auto json = grade_gradescope(sample_grade(catalogue.labs[0]));
  EXPECT_EQ(json.at("score"), 7);
  EXPECT_TRUE(json.at("execution_time").is_number_integer());
  EXPECT_TRUE(json.at("output").is_string());
  ASSERT_EQ(json.at("tests").size(), 5u);
  long long sum = 0;
  for (const auto& test : json.at("tests")) {
    for (const char* key : {"name", "score", "max_score", "status", "output", "visibility"}) {
      EXPECT_TRUE(test.contains(key)) << key;
    }
    sum += test.at("score").get<long long>();
  }
  EXPECT_EQ(sum, 7);
  EXPECT_EQ(json.at("tests")[1].at("status"), "failed");
  EXPECT_NE(json.at("tests")[1].at("output").get<std::string>().find("data race in a.cpp:3"), std::string::npos);
}

// The JSON report reads back as it was (the resume cache depends on it).
TEST(GradeReport, JsonRoundTrip) {
  const Catalogue catalogue = parse_catalogue(kCatalogueHead, "t");
  const SubmissionGrade grade = sample_grade(catalogue.labs[0]);
  const auto back = grade_from_json(grade_to_json(grade), catalogue);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(grade_to_json(*back), grade_to_json(grade));
  EXPECT_FALSE(grade_from_json(nlohmann::json{{"name", "x"}}, catalogue).has_value());
}

// JUnit: escaped, one failure for the one failed criterion; CSV: no formula injection.
TEST(GradeReport, JunitAndCsv) {
  const Catalogue catalogue = parse_catalogue(kCatalogueHead, "t");
  const SubmissionGrade grade = sample_grade(catalogue.labs[0]);
  const std::string xml = grade_junit(grade);
  EXPECT_NE(xml.find("tests=\"5\" failures=\"1\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("&lt;&amp;&gt;"), std::string::npos) << xml;
  EXPECT_EQ(xml.find("<&>"), std::string::npos) << xml;
  const std::string csv = grades_csv({grade});
  EXPECT_EQ(csv.substr(0, csv.find('\n')), "name,points,max_points,lab01,refused");
  EXPECT_NE(csv.find("'=cmd|' /C calc'!A0,7,10,7,"), std::string::npos) << csv;
}

}  // namespace
}  // namespace labctl
