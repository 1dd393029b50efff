// The race chart: counting and ordering outcomes, bar lengths, clipping, the text chart
// and the SVG (checked without parsing it).
#include "student/race_chart.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <string>

namespace {

using labctl::Chart;
using labctl::ExitStatus;

int occurrences(const std::string& text, const std::string& piece) {
  int n = 0;
  for (auto at = text.find(piece); at != std::string::npos; at = text.find(piece, at + piece.size())) ++n;
  return n;
}

std::vector<std::string> repeated(const std::string& outcome, int times) { return std::vector<std::string>(times, outcome); }

Chart sample_chart() {
  std::vector<std::string> mine = repeated("total 197", 3);
  auto more = repeated("total 200", 5);
  mine.insert(mine.end(), more.begin(), more.end());
  mine.push_back("total 150");
  mine.push_back("crash (SIGSEGV)");
  Chart chart;
  chart.lab = "01";
  chart.reference = "total 200";
  chart.sides = {{"your code", labctl::count_outcomes(mine)}, {"reference", labctl::count_outcomes(repeated("total 200", 10))}};
  return chart;
}

TEST(CountOutcomes, MostFrequentFirstTiesInFirstSeenOrder) {
  const auto tally = labctl::count_outcomes({"b", "a", "c", "a", "b", "a", "d"});
  EXPECT_EQ(tally.runs, 7);
  ASSERT_EQ(tally.distinct(), 4);
  EXPECT_EQ(tally.rows[0].outcome, "a");
  EXPECT_EQ(tally.rows[0].count, 3);
  EXPECT_EQ(tally.rows[1].outcome, "b");
  EXPECT_EQ(tally.rows[1].count, 2);
  EXPECT_EQ(tally.rows[2].outcome, "c");
  EXPECT_EQ(tally.rows[3].outcome, "d");
}

TEST(CountOutcomes, NoRuns) {
  const auto tally = labctl::count_outcomes({});
  EXPECT_EQ(tally.runs, 0);
  EXPECT_EQ(tally.distinct(), 0);
}

TEST(OutcomeOf, FirstLineOfStdoutTrimmed) {
  EXPECT_EQ(labctl::outcome_of(ExitStatus::exited(0), "  total 200 \r\nsecond line\n"), "total 200");
  EXPECT_EQ(labctl::outcome_of(ExitStatus::exited(0), "last line without newline"), "last line without newline");
  EXPECT_EQ(labctl::outcome_of(ExitStatus::exited(0), ""), "(no output)");
}

TEST(OutcomeOf, HowTheRunEnded) {
  EXPECT_EQ(labctl::outcome_of(ExitStatus::timed_out(5), "partial\n"), "timeout (killed after 5 s)");
  EXPECT_EQ(labctl::outcome_of(ExitStatus::signalled(SIGSEGV), ""), "crash (SIGSEGV)");
  EXPECT_EQ(labctl::outcome_of(ExitStatus::signalled(SIGABRT), ""), "crash (SIGABRT)");
  EXPECT_EQ(labctl::outcome_of(ExitStatus::exited(3), "total 1\n"), "exited 3");
}

TEST(BarWidth, ProportionalWithAtLeastOneCell) {
  EXPECT_EQ(labctl::bar_width(200, 200, 30), 30);
  EXPECT_EQ(labctl::bar_width(100, 200, 30), 15);
  EXPECT_EQ(labctl::bar_width(1, 200, 30), 1);
  EXPECT_EQ(labctl::bar_width(0, 200, 30), 0);
  EXPECT_EQ(labctl::bar_width(5, 0, 30), 0);
}

TEST(Clip, KeepsShortTextAndCutsLongTextOnCodePoints) {
  EXPECT_EQ(labctl::clip("short", 10), "short");
  EXPECT_EQ(labctl::clip("abcdefghij", 10), "abcdefghij");
  EXPECT_EQ(labctl::clip("abcdefghijk", 10), "abcdef…ijk");  // the start and the end
  EXPECT_EQ(labctl::clip("1xx=7875 2xx=31092 3xx=15432 4xx=15703 5xx=15613 bad=14285 lost=0", 40),
            "1xx=7875 2xx=31092 3xx=1…ad=14285 lost=0");
  EXPECT_EQ(labctl::clip("ééééé", 3), "éé…");
  EXPECT_EQ(labctl::display_width("ééé…"), 4);
}

TEST(RenderText, OneBarPerOutcomeReferenceMarked) {
  const std::string text = labctl::render_text(sample_chart());
  EXPECT_NE(text.find("your code (10 runs, 4 different answers):\n"), std::string::npos) << text;
  EXPECT_NE(text.find("reference (10 runs, 1 different answer):\n"), std::string::npos) << text;
  // total 200: 5 of 10 runs → 15 cells of 30, marked as the reference's answer.
  std::string bar;
  for (int i = 0; i < 15; ++i) bar += "█";
  EXPECT_NE(text.find("\n  " + bar + std::string(15, ' ') + "   5  total 200  ✓ reference\n"), std::string::npos)
      << text;
  EXPECT_EQ(occurrences(text, "✓ reference"), 2);
  EXPECT_EQ(occurrences(text, "\n"), 2 + 5 + 1);  // two heads, five rows, a blank line between the sides
  // Rows in order of count.
  EXPECT_LT(text.find("total 200"), text.find("total 197"));
  EXPECT_LT(text.find("total 197"), text.find("total 150"));
}

TEST(RenderText, LinesFitOneHundredColumns) {
  Chart chart = sample_chart();
  chart.sides[0].tally.rows[1].outcome = std::string(300, 'x');
  const std::string text = labctl::render_text(chart);
  std::size_t start = 0;
  for (auto end = text.find('\n'); end != std::string::npos; start = end + 1, end = text.find('\n', start)) {
    EXPECT_LE(labctl::display_width(std::string_view(text).substr(start, end - start)), labctl::kChartColumns);
  }
  EXPECT_NE(text.find("xxx…xxx"), std::string::npos);
}

TEST(RenderText, ManyOutcomesAreSummedUp) {
  std::vector<std::string> outcomes;
  for (int i = 0; i < 30; ++i) outcomes.push_back("total " + std::to_string(i));
  Chart chart;
  chart.lab = "01";
  chart.reference = "total 0";
  chart.sides = {{"your code", labctl::count_outcomes(outcomes)}};
  const std::string text = labctl::render_text(chart);
  EXPECT_EQ(occurrences(text, "█"), labctl::kMaxRows);
  EXPECT_NE(text.find("… 10 more answers, 10 runs\n"), std::string::npos) << text;
}

TEST(SummaryLine, BothSidesAndReferenceOnly) {
  Chart chart = sample_chart();
  EXPECT_EQ(labctl::summary_line(chart), "your code: 4 different answers in 10 runs; reference: 1");
  chart.sides.erase(chart.sides.begin());
  EXPECT_EQ(labctl::summary_line(chart), "reference: 1 different answer in 10 runs");
}

TEST(XmlEscape, EscapesMarkupCharacters) {
  EXPECT_EQ(labctl::xml_escape("a<b> & \"c\" 'd'"), "a&lt;b&gt; &amp; &quot;c&quot; &apos;d&apos;");
  EXPECT_EQ(labctl::xml_escape(std::string("bell\x07") + "é"), "bellé");
}

TEST(RenderSvg, Structure) {
  const std::string svg = labctl::render_svg(sample_chart());
  EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
  EXPECT_EQ(occurrences(svg, "<svg "), 1);
  EXPECT_EQ(occurrences(svg, "</svg>"), 1);
  // A background, one bar per row (4 + 1) and a highlight band behind each reference row (2).
  EXPECT_EQ(occurrences(svg, "<rect "), 1 + 5 + 2);
  EXPECT_EQ(occurrences(svg, "<g class=\"panel\">"), 2);
  EXPECT_NE(svg.find("lab 01: 4 different answers in 10 runs"), std::string::npos);
  EXPECT_NE(svg.find(">your code — 4 different answers in 10 runs<"), std::string::npos);
  EXPECT_NE(svg.find(">reference — 1 different answer in 10 runs<"), std::string::npos);
  EXPECT_EQ(occurrences(svg, "✓ reference"), 2);
  // Nothing from outside.
  EXPECT_EQ(svg.find("href"), std::string::npos);
  EXPECT_EQ(svg.find("<script"), std::string::npos);
}

TEST(RenderSvg, OutcomesAreEscaped) {
  Chart chart = sample_chart();
  chart.sides[0].tally.rows[1].outcome = "<b>bold</b> & \"quoted\"";
  const std::string svg = labctl::render_svg(chart);
  EXPECT_NE(svg.find("&lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot;"), std::string::npos);
  EXPECT_EQ(svg.find("<b>"), std::string::npos);
}

}  // namespace
