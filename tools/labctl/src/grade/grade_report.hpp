// The grader's outputs, all written from one internal result (grade.hpp's SubmissionGrade):
//   table       the terminal table
//   md          Markdown, one section per submission (feedback a student can read)
//   json        racelab's own JSON: everything, and what the resume cache stores
//   gradescope  Gradescope's results.json: score, execution_time, output, tests[] with name,
//               score, max_score, status, output, visibility
//   junit       JUnit XML: one testsuite per lab, one testcase per criterion
//   csv         one row per submission: name, total, then each lab's points
//   html        the class report: histograms per lab and criterion, each submission's
//               details a click away (grade_report_html.hpp)
#pragma once

#include "course/catalogue.hpp"
#include "grade/grade.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace labctl {

bool is_grade_format(const std::string& format);
std::string grade_formats_text();  // "table, md, json, gradescope, junit, csv, html"

// A student's name as a file name: letters, digits, '-', '_', '.', '@'; everything else
// (spaces, control characters, bytes of other scripts) becomes '_'. Batches name every
// submission so from the start (batch.hpp's name_apart), so a report's file name and the
// name shown in it are the same, and two students never share one.
std::string file_stem(const std::string& name);

// JSON text of `json` that cannot fail on the bytes it holds: a student's bytes (a line of
// their file quoted in feedback, a compiler message) need not be UTF-8, and nlohmann::json
// throws on those; here each invalid byte becomes U+FFFD. Every report and the resume cache
// are written through it. `indent` as nlohmann's dump (-1: one line).
std::string json_text(const nlohmann::json& json, int indent = -1);

// Each format as text. (table and csv take every submission; the others one.)
std::string grades_table(const std::vector<SubmissionGrade>& grades, bool colour);
std::string grade_markdown(const SubmissionGrade& grade);
nlohmann::json grade_to_json(const SubmissionGrade& grade);
nlohmann::json grade_gradescope(const SubmissionGrade& grade);
std::string grade_junit(const SubmissionGrade& grade);
std::string grades_csv(const std::vector<SubmissionGrade>& grades);

// Reads back grade_to_json's output (the resume cache); nullopt when it does not fit the
// catalogue any more (a lab renamed, a field missing).
std::optional<SubmissionGrade> grade_from_json(const nlohmann::json& json, const Catalogue& catalogue);

// Writes `grades` in `format`: to stdout when `out` is empty; else into `out`: one file per
// submission (NAME.md, NAME.json, NAME.xml; gradescope: results.json for a single
// submission, NAME.results.json for several), grades.csv, report.html, or table.txt. Never overwrites
// anything but its own kinds of output files.
void write_grades(const std::vector<SubmissionGrade>& grades, const std::string& format,
                  const std::filesystem::path& out);

}  // namespace labctl
