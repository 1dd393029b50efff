#include "grade/grade_report.hpp"

#include "grade/grade_report_html.hpp"

#include "base/errors.hpp"
#include "base/text.hpp"
#include "course/rubric.hpp"
#include "base/style.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <fstream>

namespace labctl {

namespace fs = std::filesystem;

namespace {

const std::vector<std::string>& formats() {
  static const std::vector<std::string> names{"table", "md", "json", "gradescope", "junit", "csv", "html"};
  return names;
}

}  // namespace

std::string json_text(const nlohmann::json& json, int indent) {
  return json.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string file_stem(const std::string& name) {
  std::string stem;
  for (char c : name) {
    const bool plain = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == '@';
    stem += plain ? c : '_';
  }
  if (stem.empty() || stem.front() == '.') stem = "_" + stem;
  return stem;
}

namespace {

std::string csv_field(const std::string& text) {
  // A leading = + - @ would make a spreadsheet run a formula from a student's name.
  std::string value = text;
  if (!value.empty() && std::string_view("=+-@").find(value.front()) != std::string_view::npos) value = "'" + value;
  if (value.find_first_of(",\"\n\r") == std::string::npos) return value;
  std::string quoted = "\"";
  for (char c : value) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

// One criterion's line of feedback: "race-free 0/3: ThreadSanitizer: data race in x.cpp:12".
std::string criterion_line(const CriterionResult& result) {
  std::string line = fmt::format("{} {}/{}", criterion_title(result.criterion), result.points, result.max_points);
  if (result.status == "passed") return line + ": passed";
  if (!result.reason.empty()) return line + ": " + result.reason;
  return line + ": " + result.status;
}

std::string lab_heading(const LabGrade& lab) {
  return fmt::format("Lab {} ({}): {}/{}", lab.lab->number, lab.lab->title, lab.points, lab.max_points);
}

void write_file(const fs::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw Error(fmt::format("cannot write {}", file.string()));
}

}  // namespace

bool is_grade_format(const std::string& format) {
  return std::find(formats().begin(), formats().end(), format) != formats().end();
}

std::string grade_formats_text() {
  std::string text;
  for (const auto& name : formats()) text += (text.empty() ? "" : ", ") + name;
  return text;
}

std::string grades_table(const std::vector<SubmissionGrade>& grades, bool colour) {
  const Style style(colour);
  std::string text;
  for (const auto& grade : grades) {
    text += style(fmt::format("{}  {}/{} points", grade.name, grade.points, grade.max_points), Tone::bold);
    text += grade.from_cache ? "  (unchanged since the last grading)\n" : fmt::format("  ({:.1f} s)\n", grade.seconds);
    if (!grade.refused.empty()) text += "  refused: " + grade.refused + "\n";
    for (const auto& lab : grade.labs) {
      const Tone tone = lab.points == lab.max_points ? Tone::good : Tone::bad;
      text += "  " + style(fmt::format("{:>2}  {:<10}", lab.lab->number, fmt::format("{}/{}", lab.points, lab.max_points)), tone);
      if (lab.status != "graded") {
        text += lab.status + (lab.message.empty() ? "" : ": " + lab.message) + "\n";
        continue;
      }
      std::string marks;
      for (const auto& criterion : lab.criteria) {
        marks += fmt::format("{} {}  ", criterion.passed() ? "✓" : "✗", criterion_title(criterion.criterion));
      }
      text += marks + "\n";
      for (const auto& criterion : lab.criteria) {
        if (!criterion.passed() && !criterion.reason.empty() && criterion.status != "not scored") {
          text += "        " + style(criterion_title(criterion.criterion) + ": " + criterion.reason, Tone::dim) + "\n";
        }
      }
    }
    for (const auto& note : grade.notes) text += "  note: " + note + "\n";
  }
  if (grades.size() > 1) text += fmt::format("{} submissions graded\n", grades.size());
  return text;
}

std::string grade_markdown(const SubmissionGrade& grade) {
  std::string text = fmt::format("# {}: {}/{} points\n\n", grade.name, grade.points, grade.max_points);
  if (!grade.refused.empty()) text += "**Refused:** " + grade.refused + "\n\n";
  text += "| lab | points | correct | race-free | deterministic | no globals | parallel |\n";
  text += "|---|---:|:-:|:-:|:-:|:-:|:-:|\n";
  for (const auto& lab : grade.labs) {
    text += fmt::format("| {} {} | {}/{} |", lab.lab->number, lab.lab->title, lab.points, lab.max_points);
    for (const auto& name : criteria()) {
      const auto it = std::find_if(lab.criteria.begin(), lab.criteria.end(),
                                   [&](const CriterionResult& c) { return c.criterion == name; });
      text += it == lab.criteria.end() ? " |" : (it->passed() ? " ✓ |" : " ✗ |");
    }
    text += "\n";
  }
  for (const auto& lab : grade.labs) {
    if (lab.points == lab.max_points) continue;
    text += "\n## " + lab_heading(lab) + "\n\n";
    if (lab.status != "graded") {
      text += lab.status + (lab.message.empty() ? "" : ": `" + lab.message + "`") + "\n";
      continue;
    }
    for (const auto& criterion : lab.criteria) {
      if (criterion.passed()) continue;
      text += "- " + criterion_line(criterion) + "\n";
      if (!criterion.excerpt.empty() && criterion.status != "not scored") text += "\n```\n" + criterion.excerpt + "```\n";
    }
  }
  if (!grade.notes.empty()) {
    text += "\n## Notes\n\n";
    for (const auto& note : grade.notes) text += "- " + note + "\n";
  }
  return text;
}

nlohmann::json grade_to_json(const SubmissionGrade& grade) {
  nlohmann::json json;
  json["name"] = grade.name;
  json["source"] = grade.source;
  json["fingerprint"] = grade.fingerprint;
  json["points"] = grade.points;
  json["max_points"] = grade.max_points;
  json["refused"] = grade.refused;
  json["notes"] = grade.notes;
  json["seconds"] = grade.seconds;
  json["labs"] = nlohmann::json::array();
  for (const auto& lab : grade.labs) {
    nlohmann::json entry;
    entry["lab"] = lab.lab->number;
    entry["slug"] = lab.lab->slug;
    entry["points"] = lab.points;
    entry["max_points"] = lab.max_points;
    entry["status"] = lab.status;
    entry["message"] = lab.message;
    entry["criteria"] = nlohmann::json::array();
    for (const auto& c : lab.criteria) {
      entry["criteria"].push_back({{"criterion", c.criterion},
                                   {"points", c.points},
                                   {"max_points", c.max_points},
                                   {"status", c.status},
                                   {"reason", c.reason},
                                   {"excerpt", c.excerpt},
                                   {"runs", c.runs},
                                   {"runs_passed", c.runs_passed},
                                   {"hidden_total", c.hidden_total},
                                   {"hidden_failed", c.hidden_failed}});
    }
    json["labs"].push_back(std::move(entry));
  }
  return json;
}

std::optional<SubmissionGrade> grade_from_json(const nlohmann::json& json, const Catalogue& catalogue) {
  try {
    SubmissionGrade grade;
    grade.name = json.at("name").get<std::string>();
    grade.source = json.at("source").get<std::string>();
    grade.fingerprint = json.at("fingerprint").get<std::string>();
    grade.points = json.at("points").get<long long>();
    grade.max_points = json.at("max_points").get<long long>();
    grade.refused = json.at("refused").get<std::string>();
    grade.notes = json.at("notes").get<std::vector<std::string>>();
    grade.seconds = json.at("seconds").get<double>();
    for (const auto& entry : json.at("labs")) {
      LabGrade lab;
      lab.lab = catalogue.find(entry.at("slug").get<std::string>());
      if (lab.lab == nullptr) return std::nullopt;
      lab.points = entry.at("points").get<long long>();
      lab.max_points = entry.at("max_points").get<long long>();
      lab.status = entry.at("status").get<std::string>();
      lab.message = entry.at("message").get<std::string>();
      for (const auto& c : entry.at("criteria")) {
        CriterionResult result;
        result.criterion = c.at("criterion").get<std::string>();
        result.points = c.at("points").get<long long>();
        result.max_points = c.at("max_points").get<long long>();
        result.status = c.at("status").get<std::string>();
        result.reason = c.at("reason").get<std::string>();
        result.excerpt = c.at("excerpt").get<std::string>();
        result.runs = c.at("runs").get<int>();
        result.runs_passed = c.at("runs_passed").get<int>();
        result.hidden_total = c.at("hidden_total").get<int>();
        result.hidden_failed = c.at("hidden_failed").get<int>();
        lab.criteria.push_back(std::move(result));
      }
      grade.labs.push_back(std::move(lab));
    }
    return grade;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

nlohmann::json grade_gradescope(const SubmissionGrade& grade) {
  nlohmann::json json;
  json["score"] = grade.points;
  json["execution_time"] = static_cast<long long>(grade.seconds + 0.5);
  std::string output = fmt::format("racelab: {}/{} points.", grade.points, grade.max_points);
  if (!grade.refused.empty()) output += " The submission was refused: " + grade.refused;
  for (const auto& note : grade.notes) output += "\nNote: " + note;
  json["output"] = output;
  json["tests"] = nlohmann::json::array();
  for (const auto& lab : grade.labs) {
    if (lab.status != "graded") {
      json["tests"].push_back({{"name", lab_heading(lab)},
                               {"score", 0},
                               {"max_score", lab.max_points},
                               {"status", "failed"},
                               {"output", lab.status + (lab.message.empty() ? "" : ": " + lab.message)},
                               {"visibility", "visible"}});
      continue;
    }
    for (const auto& c : lab.criteria) {
      std::string text = criterion_line(c);
      if (!c.excerpt.empty() && c.status != "not scored") text += "\n\n" + c.excerpt;
      json["tests"].push_back({{"name", fmt::format("Lab {} {}: {}", lab.lab->number, lab.lab->title, criterion_title(c.criterion))},
                               {"score", c.points},
                               {"max_score", c.max_points},
                               {"status", c.passed() ? "passed" : "failed"},
                               {"output", text},
                               {"visibility", "visible"}});
    }
  }
  return json;
}

std::string grade_junit(const SubmissionGrade& grade) {
  std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  std::size_t tests = 0;
  std::size_t failures = 0;
  for (const auto& lab : grade.labs) {
    for (const auto& c : lab.criteria) {
      ++tests;
      if (!c.passed()) ++failures;
    }
  }
  xml += fmt::format("<testsuites name=\"{}\" tests=\"{}\" failures=\"{}\" time=\"{:.3f}\">\n", xml_escape(grade.name),
                     tests, failures, grade.seconds);
  for (const auto& lab : grade.labs) {
    std::size_t lab_failures = 0;
    for (const auto& c : lab.criteria) lab_failures += c.passed() ? 0 : 1;
    xml += fmt::format("  <testsuite name=\"lab{}-{}\" tests=\"{}\" failures=\"{}\">\n", lab.lab->number,
                       xml_escape(lab.lab->slug.substr(3)), lab.criteria.size(), lab_failures);
    for (const auto& c : lab.criteria) {
      xml += fmt::format("    <testcase classname=\"lab{}\" name=\"{}\"", lab.lab->number, xml_escape(c.criterion));
      if (c.passed()) {
        xml += "/>\n";
        continue;
      }
      const std::string message = lab.status != "graded" ? lab.status + ": " + lab.message : criterion_line(c);
      xml += fmt::format(">\n      <failure message=\"{}\">{}</failure>\n    </testcase>\n", xml_escape(message),
                         xml_escape(c.excerpt));
    }
    xml += "  </testsuite>\n";
  }
  xml += "</testsuites>\n";
  return xml;
}

std::string grades_csv(const std::vector<SubmissionGrade>& grades) {
  std::vector<const Lab*> labs;
  for (const auto& grade : grades) {
    for (const auto& lab : grade.labs) {
      if (std::find(labs.begin(), labs.end(), lab.lab) == labs.end()) labs.push_back(lab.lab);
    }
  }
  std::string csv = "name,points,max_points";
  for (const Lab* lab : labs) csv += ",lab" + lab->number;
  csv += ",refused\n";
  for (const auto& grade : grades) {
    csv += fmt::format("{},{},{}", csv_field(grade.name), grade.points, grade.max_points);
    for (const Lab* lab : labs) {
      const auto it = std::find_if(grade.labs.begin(), grade.labs.end(), [&](const LabGrade& g) { return g.lab == lab; });
      csv += "," + (it == grade.labs.end() ? std::string() : std::to_string(it->points));
    }
    csv += "," + csv_field(grade.refused) + "\n";
  }
  return csv;
}

void write_grades(const std::vector<SubmissionGrade>& grades, const std::string& format, const fs::path& out) {
  if (out.empty()) {
    std::string text;
    if (format == "table") text = grades_table(grades, Style::for_stdout().colour());
    if (format == "csv") text = grades_csv(grades);
    if (format == "html") text = grades_html(grades);
    for (const auto& grade : grades) {
      if (format == "md") text += grade_markdown(grade) + (grades.size() > 1 ? "\n" : "");
      if (format == "junit") text += grade_junit(grade);
    }
    if (format == "json") {
      nlohmann::json all = nlohmann::json::array();
      for (const auto& grade : grades) all.push_back(grade_to_json(grade));
      text = json_text(grades.size() == 1 ? all[0] : all, 2) + "\n";
    }
    if (format == "gradescope") text = json_text(grade_gradescope(grades.front()), 2) + "\n";
    std::fwrite(text.data(), 1, text.size(), stdout);
    return;
  }
  fs::create_directories(out);
  if (format == "table") write_file(out / "table.txt", grades_table(grades, false));
  if (format == "csv") write_file(out / "grades.csv", grades_csv(grades));
  if (format == "html") write_file(out / "report.html", grades_html(grades));
  for (const auto& grade : grades) {
    const std::string stem = file_stem(grade.name);
    if (format == "md") write_file(out / (stem + ".md"), grade_markdown(grade));
    if (format == "json") write_file(out / (stem + ".json"), json_text(grade_to_json(grade), 2) + "\n");
    if (format == "junit") write_file(out / (stem + ".xml"), grade_junit(grade));
    if (format == "gradescope") {
      write_file(out / (grades.size() == 1 ? std::string("results.json") : stem + ".results.json"),
                 json_text(grade_gradescope(grade), 2) + "\n");
    }
  }
  // The terminal still gets the table, so a batch run shows its outcome.
  if (format != "table") {
    const std::string text = grades_table(grades, Style::for_stdout().colour());
    std::fwrite(text.data(), 1, text.size(), stdout);
  }
}

}  // namespace labctl
