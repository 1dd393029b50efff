// The class report page (grade_report_html.hpp). The page is a fixed template; labctl only
// fills in @DATA@, the grades as JSON, and the script draws everything from it.
#include "grade/grade_report_html.hpp"

#include "course/rubric.hpp"
#include "grade/grade_report.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace labctl {
namespace {

constexpr std::string_view kPage = R"PAGE(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<!-- Nothing may load from anywhere: the page is whole as it is. -->
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>racelab class report</title>
<style>
  body { font: 14px/1.4 "DejaVu Sans", sans-serif; margin: 16px; color: #222; }
  h1 { font-size: 20px; margin: 0 0 4px; }
  h2 { font-size: 16px; margin: 18px 0 6px; }
  .labs { display: flex; flex-wrap: wrap; gap: 12px; }
  .lab { border: 1px solid #ccc; border-radius: 4px; padding: 8px 12px; width: 360px; }
  .lab h3 { font-size: 14px; margin: 0 0 6px; overflow-wrap: anywhere; }
  /* The top margin holds the tallest bar's count. */
  .histogram { display: flex; align-items: flex-end; gap: 2px; height: 90px; margin-top: 18px; border-bottom: 1px solid #888; }
  .bar { flex: 1; background: #1a5fb4; min-height: 1px; position: relative; }
  .bar .count { position: absolute; top: -16px; width: 100%; text-align: center; font-size: 10px; }
  .axis { display: flex; gap: 2px; font-size: 10px; color: #555; }
  .axis span { flex: 1; text-align: center; }
  .criterion { display: flex; align-items: center; gap: 6px; font-size: 12px; }
  .criterion .name { width: 8em; }
  .criterion .rate { flex: 1; background: #eee; height: 10px; }
  .criterion .rate div { background: #26a269; height: 10px; }
  .criterion .passed { width: 5em; text-align: right; }
  table { border-collapse: collapse; }
  th, td { padding: 3px 8px; border-bottom: 1px solid #eee; text-align: left; vertical-align: top; }
  th { background: #eee; }
  td.points, th.points { text-align: right; font-variant-numeric: tabular-nums; }
  td.full { color: #26a269; }
  td.short { color: #a40000; }
  button.name { font: inherit; background: none; border: none; color: #1a5fb4; cursor: pointer; padding: 0; text-align: left; }
  tr.details td { background: #fafafa; }
  .details ul { margin: 4px 0; padding-left: 20px; }
  .details pre { font: 12px "DejaVu Sans Mono", monospace; background: #f3f3f3; padding: 4px; white-space: pre-wrap;
                 overflow-wrap: anywhere; max-width: 900px; }
  .refused, .failed { color: #a40000; }
  .note { color: #555; }
</style>
</head>
<body>
<h1>racelab class report</h1>
<div id="summary"></div>
<h2>Labs</h2>
<div class="labs" id="labs"></div>
<h2>Submissions</h2>
<p>filter: <input id="filter" placeholder="part of a name"> <span id="shown"></span>
  <span class="note">click a name for its criteria and reasons</span></p>
<table id="submissions"><thead><tr id="heads"><th>name</th><th class="points">points</th></tr></thead><tbody id="rows"></tbody></table>
<script type="application/json" id="report-data">@DATA@</script>
<script>
"use strict";
// The grades labctl embedded: {labs: [{number, title, max, criteria: [{name, title}]}],
// submissions: [{name, points, max, refused, notes, labs: [{lab, points, max, status,
// message, criteria: [{criterion, points, max, status, reason, excerpt}]}]}]}.
const data = JSON.parse(document.getElementById("report-data").textContent);
const $ = (id) => document.getElementById(id);
const element = (tag, cls, text) => {
  const made = document.createElement(tag);
  if (cls) made.className = cls;
  if (text !== undefined) made.textContent = text;
  return made;
};
const labOf = (submission, number) => submission.labs.find((lab) => lab.lab === number);

const totals = data.submissions.map((s) => s.points).sort((a, b) => a - b);
const mean = totals.length ? totals.reduce((a, b) => a + b, 0) / totals.length : 0;
const median = totals.length ? (totals[(totals.length - 1) >> 1] + totals[totals.length >> 1]) / 2 : 0;
const max = data.submissions.length ? data.submissions[0].max : 0;
$("summary").textContent = data.submissions.length + " submissions; mean " + mean.toFixed(1) + ", median " +
    median + " of " + max + " points";

// Per lab: how many submissions got each number of points, and how many passed each criterion.
for (const lab of data.labs) {
  const box = element("div", "lab");
  box.dataset.lab = lab.number;
  box.appendChild(element("h3", "", "Lab " + lab.number + " " + lab.title));
  const counts = new Array(lab.max + 1).fill(0);
  for (const submission of data.submissions) {
    const graded = labOf(submission, lab.number);
    if (graded) counts[Math.max(0, Math.min(lab.max, graded.points))] += 1;
  }
  const most = Math.max(1, ...counts);
  const histogram = element("div", "histogram");
  const axis = element("div", "axis");
  counts.forEach((count, points) => {
    const bar = element("div", "bar");
    bar.style.height = (100 * count / most) + "%";
    bar.dataset.points = points;
    bar.dataset.count = count;
    bar.title = count + " with " + points + " of " + lab.max + " points";
    if (count > 0) bar.appendChild(element("span", "count", String(count)));
    histogram.appendChild(bar);
    axis.appendChild(element("span", "", String(points)));
  });
  box.appendChild(histogram);
  box.appendChild(axis);
  for (const criterion of lab.criteria) {
    let passed = 0, graded = 0;
    for (const submission of data.submissions) {
      const result = (labOf(submission, lab.number) || {criteria: []}).criteria.find((c) => c.criterion === criterion.name);
      if (!result) continue;
      graded += 1;
      if (result.status === "passed") passed += 1;
    }
    const row = element("div", "criterion");
    row.dataset.criterion = criterion.name;
    row.appendChild(element("span", "name", criterion.title));
    const rate = element("span", "rate");
    const fill = element("div");
    fill.style.width = (graded ? 100 * passed / graded : 0) + "%";
    rate.appendChild(fill);
    row.appendChild(rate);
    row.appendChild(element("span", "passed", passed + " of " + graded));
    box.appendChild(row);
  }
  $("labs").appendChild(box);
}

// The table: a row per submission, and under it a row with its details, shown on a click.
for (const lab of data.labs) $("heads").appendChild(element("th", "points", lab.number));
const rows = data.submissions.map((submission) => {
  const tr = element("tr", "submission");
  tr.dataset.name = submission.name;
  const name = element("button", "name", submission.name);
  tr.insertCell().appendChild(name);
  const total = tr.insertCell();
  total.className = "points " + (submission.points === submission.max ? "full" : "short");
  total.textContent = submission.points + "/" + submission.max;
  for (const lab of data.labs) {
    const graded = labOf(submission, lab.number);
    const cell = tr.insertCell();
    cell.className = "points " + (graded && graded.points === graded.max ? "full" : "short");
    cell.textContent = graded ? String(graded.points) : "";
  }
  const details = element("tr", "details");
  details.hidden = true;
  const cell = details.insertCell();
  cell.colSpan = 2 + data.labs.length;
  if (submission.refused) cell.appendChild(element("div", "refused", "refused: " + submission.refused));
  for (const lab of submission.labs) {
    if (lab.points === lab.max && lab.status === "graded") continue;
    cell.appendChild(element("div", "", "Lab " + lab.lab + ": " + lab.points + "/" + lab.max +
                                        (lab.status === "graded" ? "" : " (" + lab.status + ")")));
    const list = element("ul");
    if (lab.message) list.appendChild(element("li", "failed", lab.message));
    for (const c of lab.criteria) {
      if (c.status === "passed") continue;
      const item = element("li", "failed", c.title + " " + c.points + "/" + c.max + ": " + (c.reason || c.status));
      if (c.excerpt && c.status !== "not scored") item.appendChild(element("pre", "", c.excerpt));
      list.appendChild(item);
    }
    cell.appendChild(list);
  }
  if (submission.points === submission.max) cell.appendChild(element("div", "", "every criterion passed"));
  for (const note of submission.notes) cell.appendChild(element("div", "note", "note: " + note));
  name.addEventListener("click", () => { details.hidden = !details.hidden; });
  $("rows").appendChild(tr);
  $("rows").appendChild(details);
  return {tr, details, name: submission.name.toLowerCase()};
});

// The filter: rows whose name holds the text typed (details of a hidden row hide too).
function filter() {
  const wanted = $("filter").value.toLowerCase();
  let shown = 0;
  for (const row of rows) {
    const match = row.name.includes(wanted);
    row.tr.hidden = !match;
    if (!match) row.details.hidden = true;
    shown += match ? 1 : 0;
  }
  $("shown").textContent = shown + " of " + rows.length + " shown";
}
$("filter").addEventListener("input", filter);
filter();
</script>
</body>
</html>
)PAGE";

// The JSON of the grades, as the page's script reads it.
nlohmann::json report_data(const std::vector<SubmissionGrade>& grades) {
  std::vector<const Lab*> labs;  // every lab any submission has, in first-seen order
  for (const auto& grade : grades) {
    for (const auto& lab : grade.labs) {
      if (std::find(labs.begin(), labs.end(), lab.lab) == labs.end()) labs.push_back(lab.lab);
    }
  }
  std::sort(labs.begin(), labs.end(), [](const Lab* a, const Lab* b) { return a->number < b->number; });
  nlohmann::json data;
  data["labs"] = nlohmann::json::array();
  for (const Lab* lab : labs) {
    long long max_points = 0;
    for (const auto& grade : grades) {
      for (const auto& graded : grade.labs) {
        if (graded.lab == lab) max_points = std::max(max_points, graded.max_points);
      }
    }
    nlohmann::json entry{{"number", lab->number}, {"title", lab->title}, {"max", max_points}};
    entry["criteria"] = nlohmann::json::array();
    for (const auto& name : criteria()) entry["criteria"].push_back({{"name", name}, {"title", criterion_title(name)}});
    data["labs"].push_back(std::move(entry));
  }
  data["submissions"] = nlohmann::json::array();
  for (const auto& grade : grades) {
    nlohmann::json submission{{"name", grade.name}, {"points", grade.points}, {"max", grade.max_points},
                              {"refused", grade.refused}, {"notes", grade.notes}};
    submission["labs"] = nlohmann::json::array();
    for (const auto& lab : grade.labs) {
      nlohmann::json entry{{"lab", lab.lab->number}, {"points", lab.points}, {"max", lab.max_points},
                           {"status", lab.status}, {"message", lab.message}};
      entry["criteria"] = nlohmann::json::array();
      for (const auto& c : lab.criteria) {
        entry["criteria"].push_back({{"criterion", c.criterion}, {"title", criterion_title(c.criterion)},
                                     {"points", c.points}, {"max", c.max_points}, {"status", c.status},
                                     {"reason", c.reason}, {"excerpt", c.excerpt}});
      }
      submission["labs"].push_back(std::move(entry));
    }
    data["submissions"].push_back(std::move(submission));
  }
  return data;
}

// JSON text that may stand inside a <script> element: '<', '>' and '&' occur only inside
// its strings, where \u003c and friends mean the same; "</script>" or "<!--" in a student's
// quoted code can then neither end the script nor change how it is read.
std::string script_safe(const std::string& json) {
  std::string out;
  out.reserve(json.size());
  for (const char c : json) {
    if (c == '<') out += "\\u003c";
    else if (c == '>') out += "\\u003e";
    else if (c == '&') out += "\\u0026";
    else out += c;
  }
  return out;
}

}  // namespace

std::string grades_html(const std::vector<SubmissionGrade>& grades) {
  std::string html(kPage);
  html.replace(html.find("@DATA@"), 6, script_safe(json_text(report_data(grades))));
  return html;
}

}  // namespace labctl
