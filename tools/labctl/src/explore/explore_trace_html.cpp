// `labctl explore --trace FILE.html` and `tools/lab race NN --explore`: the failing run as one
// self-contained page to step through. See render_trace_html() in explore_trace.hpp.
//
// Why a page: the SVG shows only the last points and the terminal the last twelve, and the
// step that caused a failure is often earlier. The page holds every point (repeats
// collapsed), and the keyboard walks through them one at a time, as a debugger would.
// Why one file with everything inline: a student opens it from a build folder, offline,
// with no build step; and a page that loads nothing cannot be made to load anything.
#include "explore/explore_trace.hpp"

#include <fmt/format.h>

#include <set>

namespace labctl {
namespace {

// The page. @DATA@ becomes the trace as JSON (see trace_json); all text is set from it with
// textContent, never as markup, so nothing in it is ever read as HTML.
constexpr std::string_view kPage = R"PAGE(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>racelab trace</title>
<style>
  body { font: 14px/1.4 "DejaVu Sans", sans-serif; margin: 0; color: #222; }
  header { position: sticky; top: 0; background: #fff; padding: 10px 16px; border-bottom: 1px solid #ccc; z-index: 1; }
  h1 { font-size: 18px; margin: 0 0 4px; overflow-wrap: anywhere; }  /* wraps, never cut */
  .mono, td, #replay { font-family: "DejaVu Sans Mono", monospace; font-size: 12px; }
  #failure { color: #a40000; font-weight: bold; }
  #status { font-weight: bold; margin-right: 1em; }
  #replay { width: 80%; vertical-align: middle; resize: none; }  /* wraps: the command is never cut */
  .help { color: #555; }
  table { border-collapse: collapse; table-layout: fixed; width: 100%; }
  th { background: #eee; text-align: left; padding: 4px 6px; }
  td { vertical-align: top; padding: 3px 6px; border-bottom: 1px solid #eee; overflow-wrap: anywhere; }
  .step { width: 5em; text-align: right; color: #777; }
  /* Control passed to another thread. 2px: a collapsed border's solid 1px neighbour would win. */
  tr.handover td { border-top: 2px dashed #999; }
  tr.key td.step::before { content: "\2691 "; color: #c00; }   /* a flag: matters to the failure */
  tr.key td.point { background: #fde0dc; }
  tr.current td { background: #ffe97a !important; }
  .where { color: #555; }
  .holds { color: #1a5fb4; }
</style>
</head>
<body>
<header>
  <h1 id="title"></h1>
  <div class="mono" id="schedule"></div>
  <div id="failure"></div>
  <div><span id="status"></span><span id="detail"></span></div>
  <div>replay: <textarea id="replay" rows="2" readonly></textarea> <button id="copy">copy</button> <span id="copied"></span></div>
  <div class="help">keys: &darr; or j next point, &uarr; or k previous, Home first, End last, n next flagged
    point; click a row to go there. &#9873; marks the points that matter to the failure; a dashed line is
    a hand-over of control to another thread.</div>
</header>
<table id="trace"><thead><tr id="heads"><th class="step">step</th></tr></thead><tbody id="rows"></tbody></table>
<script type="application/json" id="trace-data">@DATA@</script>
<script>
"use strict";
// The trace labctl embedded: {title, schedule, failure, replay, points, threads: [ids],
// rows: [{step, thread, repeats, object, where, words, holds, key}]}, one row per point
// (identical points in a row collapsed, with their count in repeats).
const data = JSON.parse(document.getElementById("trace-data").textContent);
const $ = (id) => document.getElementById(id);

document.title = data.title;
$("title").textContent = data.title;
$("schedule").textContent = data.schedule;
$("failure").textContent = "failed: " + data.failure;
$("replay").value = data.replay;

// One column per thread, in thread order (T0 is main).
const columnOf = new Map();
data.threads.forEach((thread, i) => {
  columnOf.set(thread, i);
  const th = document.createElement("th");
  th.textContent = "T" + thread + (thread === 0 ? " (main)" : "");
  $("heads").appendChild(th);
});

// One row per point: its step, then an empty cell in every column but its thread's.
const rows = data.rows.map((point, i) => {
  const tr = document.createElement("tr");
  if (point.key) tr.classList.add("key");
  if (i > 0 && data.rows[i - 1].thread !== point.thread) tr.classList.add("handover");
  const step = tr.insertCell();
  step.className = "step";
  step.textContent = point.step;
  data.threads.forEach(() => tr.insertCell());
  const cell = tr.cells[1 + columnOf.get(point.thread)];
  cell.className = "point";
  cell.title = point.object;  // the whole address, for the curious
  const line = (cls, text) => {
    const div = document.createElement("div");
    div.className = cls;
    div.textContent = text;
    cell.appendChild(div);
  };
  line("words", point.words + (point.repeats > 1 ? " \u00d7" + point.repeats : ""));
  if (point.where) line("where", point.where);
  if (point.holds) line("holds", "holds " + point.holds);
  tr.addEventListener("click", () => show(i));
  $("rows").appendChild(tr);
  return tr;
});

// The current point: highlighted, scrolled into view, and named in the status line.
let current = 0;
function show(i) {
  if (rows.length === 0) { $("status").textContent = "no scheduling points"; return; }
  rows[current].classList.remove("current");  // only the old one: a run can have thousands of rows
  current = Math.max(0, Math.min(rows.length - 1, i));
  rows[current].classList.add("current");
  rows[current].scrollIntoView({block: "center"});
  const point = data.rows[current];
  $("status").textContent = "step " + (current + 1) + " of " + rows.length;
  $("detail").textContent = "T" + point.thread + " " + point.words +
      " (scheduling point " + point.step + " of " + data.points + ")";
}

document.addEventListener("keydown", (event) => {
  if (event.target === $("replay")) return;  // Home and End move the cursor there
  const moves = {
    ArrowDown: () => current + 1, j: () => current + 1,
    ArrowUp: () => current - 1, k: () => current - 1,
    Home: () => 0, End: () => rows.length - 1,
    n: () => { const next = data.rows.findIndex((p, i) => i > current && p.key); return next < 0 ? current : next; },
  };
  if (!(event.key in moves)) return;
  event.preventDefault();  // the page would scroll by itself too
  show(moves[event.key]());
});

// Copy: the clipboard API where the browser allows it (not always for file://), else the
// old way through a selection.
$("copy").addEventListener("click", async () => {
  try {
    await navigator.clipboard.writeText(data.replay);
  } catch (error) {
    $("replay").select();
    document.execCommand("copy");
  }
  $("copied").textContent = "copied";
});

show(0);
</script>
</body>
</html>
)PAGE";

std::string json_number_list(const std::set<int>& numbers) {
  std::string out = "[";
  for (int number : numbers) out += (out.size() > 1 ? "," : "") + std::to_string(number);
  return out + "]";
}

}  // namespace

std::string json_string_for_html(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      // Markup characters: "</script>" or "<!--" in a name must not end or change the script.
      case '<': out += "\\u003c"; break;
      case '>': out += "\\u003e"; break;
      case '&': out += "\\u0026"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
        else out += c;  // UTF-8 passes as it is: the page is UTF-8
    }
  }
  return out + "\"";
}

std::string render_trace_html(const std::vector<TraceEvent>& events, const TraceLocations& locations,
                              const TracePage& page) {
  const std::vector<TracePointWords> words = explain_trace(events);
  std::set<int> threads;
  std::string rows;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const TraceEvent& event = events[i];
    threads.insert(event.thread);
    rows += fmt::format(
        "{}{{\"step\":{},\"thread\":{},\"repeats\":{},\"object\":{},\"where\":{},\"words\":{},\"holds\":{},"
        "\"key\":{}}}",
        i == 0 ? "" : ",\n", event.step, event.thread, event.repeats, json_string_for_html(event.object),
        json_string_for_html(trace_location(event, locations)), json_string_for_html(words[i].words),
        json_string_for_html(words[i].holds), words[i].key ? "true" : "false");
  }
  const std::string data = fmt::format(
      "{{\"title\":{},\"schedule\":{},\"failure\":{},\"replay\":{},\"points\":{},\"threads\":{},\"rows\":[\n{}]}}",
      json_string_for_html(page.title), json_string_for_html(page.schedule), json_string_for_html(page.failure),
      json_string_for_html(page.replay), point_count(events), json_number_list(threads), rows);
  std::string html(kPage);
  html.replace(html.find("@DATA@"), 6, data);
  return html;
}

}  // namespace labctl
