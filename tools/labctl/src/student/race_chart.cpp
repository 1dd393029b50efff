#include "student/race_chart.hpp"
#include "base/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <string.h>
#include <vector>

namespace labctl {
namespace {

std::string plural(int n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

std::string repeat(std::string_view piece, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out += piece;
  return out;
}

// The shown rows of a tally, and what is left over.
struct Shown {
  int rows = 0;
  int hidden_rows = 0;
  int hidden_runs = 0;
};
Shown shown(const Tally& tally) {
  Shown s;
  s.rows = std::min(tally.distinct(), kMaxRows);
  for (int i = s.rows; i < tally.distinct(); ++i) {
    ++s.hidden_rows;
    s.hidden_runs += tally.rows[static_cast<std::size_t>(i)].count;
  }
  return s;
}

std::string more_line(const Shown& s) {
  return fmt::format("… {} more {}, {}", s.hidden_rows, s.hidden_rows == 1 ? "answer" : "answers", plural(s.hidden_runs, "run", "runs"));
}

// ---------------------------------------------------------------- the SVG drawing
namespace svg {

// Layout, in px.
// Outcomes are set in a monospace font (about 7.8 px a character at 13 px), so that
// kLabelChars plus the mark always fit the width.
constexpr int kWidth = 1020, kMargin = 20, kTitleHeight = 44, kPanelHead = 30, kRow = 24, kPanelGap = 22;
constexpr int kBarX = kMargin + 10, kBarMax = 240, kCountX = kBarX + kBarMax + 40, kLabelX = kCountX + 14;
constexpr int kLabelChars = 72;
constexpr const char* kGood = "#2e9d4b";
constexpr const char* kBad = "#d9534f";

}  // namespace svg

// One answer's row at height `y`: its bar, its count and the answer, marked when it is the reference's.
std::string svg_row(const OutcomeCount& row, int runs, const std::string& reference, int y) {
  using namespace svg;
  const bool correct = row.outcome == reference;
  const int length = runs > 0 ? std::max(2, row.count * kBarMax / runs) : 0;
  std::string out;
  if (correct) {
    out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#e6f4ea\"/>\n", kMargin, y,
                       kWidth - 2 * kMargin, kRow);
  }
  out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"/>\n", kBarX, y + 4, length,
                     kRow - 8, correct ? kGood : kBad);
  out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-family=\"DejaVu Sans Mono, monospace\" fill=\"#222\">{}</text>\n", kCountX, y + 17,
                     row.count);
  const std::string label = clip(row.outcome, kLabelChars) + (correct ? "  ✓ reference" : "");
  out += fmt::format("<text x=\"{}\" y=\"{}\" font-family=\"DejaVu Sans Mono, monospace\" fill=\"{}\"{}>{}</text>\n", kLabelX, y + 17,
                     correct ? "#1e6b33" : "#222", correct ? " font-weight=\"bold\"" : "", xml_escape(label));
  return out;
}

// One side's panel, from height `y` on; moves `y` past it.
std::string svg_panel(const ChartSide& side, const std::string& reference, int& y) {
  using namespace svg;
  const Shown s = shown(side.tally);
  std::string out;
  out += fmt::format("<g class=\"panel\">\n");
  out += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"15\" font-weight=\"bold\" fill=\"#333\">{}</text>\n",
                     kMargin, y + 20,
                     xml_escape(fmt::format("{} — {} in {}", side.name,
                                            plural(side.tally.distinct(), "different answer", "different answers"),
                                            plural(side.tally.runs, "run", "runs"))));
  y += kPanelHead;
  for (int r = 0; r < s.rows; ++r) {
    out += svg_row(side.tally.rows[static_cast<std::size_t>(r)], side.tally.runs, reference, y);
    y += kRow;
  }
  if (s.hidden_rows > 0) {
    out += fmt::format("<text x=\"{}\" y=\"{}\" fill=\"#666\">{}</text>\n", kBarX, y + 17, xml_escape(more_line(s)));
    y += kRow;
  }
  out += "</g>\n";
  y += kPanelGap;
  return out;
}

}  // namespace

Tally count_outcomes(const std::vector<std::string>& outcomes) {
  Tally tally;
  tally.runs = static_cast<int>(outcomes.size());
  for (const auto& outcome : outcomes) {
    auto found = std::find_if(tally.rows.begin(), tally.rows.end(),
                              [&](const OutcomeCount& row) { return row.outcome == outcome; });
    if (found == tally.rows.end()) {
      tally.rows.push_back({outcome, 1});
    } else {
      ++found->count;
    }
  }
  std::stable_sort(tally.rows.begin(), tally.rows.end(),
                   [](const OutcomeCount& a, const OutcomeCount& b) { return a.count > b.count; });
  return tally;
}

std::string outcome_of(const ExitStatus& status, std::string_view stdout_text) {
  switch (status.kind) {
    case ExitStatus::Kind::timed_out: return fmt::format("timeout (killed after {} s)", status.code);
    case ExitStatus::Kind::signalled: {
      const char* abbrev = ::sigabbrev_np(status.code);
      return abbrev != nullptr ? fmt::format("crash (SIG{})", abbrev) : fmt::format("crash (signal {})", status.code);
    }
    case ExitStatus::Kind::exited:
      if (status.code != 0) return fmt::format("exited {}", status.code);
      break;
  }
  const std::string_view first = trim(stdout_text.substr(0, stdout_text.find('\n')));
  return first.empty() ? "(no output)" : std::string(first);
}

int bar_width(int count, int runs, int width) {
  if (count <= 0 || runs <= 0 || width <= 0) return 0;
  const long long cells = (static_cast<long long>(count) * width + runs / 2) / runs;
  return static_cast<int>(std::clamp<long long>(cells, 1, width));
}

std::string render_text(const Chart& chart, const Paint& paint) {
  constexpr std::string_view kMark = "  ✓ reference";
  std::string out;
  int count_digits = 1;
  for (const auto& side : chart.sides) {
    count_digits = std::max(count_digits, static_cast<int>(std::to_string(side.tally.runs).size()));
  }
  // "  " bar "  " count "  " text [mark]
  const int text_room = kChartColumns - 2 - kBarCells - 2 - count_digits - 2;
  for (std::size_t i = 0; i < chart.sides.size(); ++i) {
    const auto& side = chart.sides[i];
    if (i > 0) out += '\n';
    out += fmt::format("{} ({}, {}):\n", side.name, plural(side.tally.runs, "run", "runs"),
                       plural(side.tally.distinct(), "different answer", "different answers"));
    const Shown s = shown(side.tally);
    for (int r = 0; r < s.rows; ++r) {
      const auto& row = side.tally.rows[static_cast<std::size_t>(r)];
      const bool correct = row.outcome == chart.reference;
      const int cells = bar_width(row.count, side.tally.runs, kBarCells);
      out += "  ";
      out += correct ? paint.good_open : paint.bad_open;
      out += repeat("█", cells);
      out += paint.close;
      out += std::string(static_cast<std::size_t>(kBarCells - cells), ' ');
      out += fmt::format("  {:>{}}  {}", row.count, count_digits, clip(row.outcome, correct ? text_room - display_width(kMark) : text_room));
      if (correct) out += kMark;
      out += '\n';
    }
    if (s.hidden_rows > 0) out += fmt::format("  {}\n", more_line(s));
  }
  return out;
}

std::string summary_line(const Chart& chart) {
  std::string line;
  for (std::size_t i = 0; i < chart.sides.size(); ++i) {
    const auto& side = chart.sides[i];
    if (i == 0) {
      line = fmt::format("{}: {} in {}", side.name,
                         plural(side.tally.distinct(), "different answer", "different answers"),
                         plural(side.tally.runs, "run", "runs"));
    } else {
      line += fmt::format("; {}: {}", side.name, side.tally.distinct());
    }
  }
  return line;
}

std::string render_svg(const Chart& chart) {
  using namespace svg;
  int height = kTitleHeight;
  for (const auto& side : chart.sides) {
    const Shown s = shown(side.tally);
    height += kPanelHead + kRow * (s.rows + (s.hidden_rows > 0 ? 1 : 0)) + kPanelGap;
  }
  height += kMargin;

  const ChartSide* first = chart.sides.empty() ? nullptr : &chart.sides.front();
  const std::string title =
      first == nullptr ? fmt::format("lab {}", chart.lab)
                       : fmt::format("lab {}: {} in {}", chart.lab,
                                     plural(first->tally.distinct(), "different answer", "different answers"),
                                     plural(first->tally.runs, "run", "runs"));

  std::string out;
  out += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"13\">\n",
      kWidth, height);
  out += fmt::format("<title>{}</title>\n", xml_escape(title));
  out += fmt::format("<rect x=\"0\" y=\"0\" width=\"{}\" height=\"{}\" fill=\"#ffffff\"/>\n", kWidth, height);
  out += fmt::format("<text x=\"{}\" y=\"30\" font-size=\"20\" font-weight=\"bold\" fill=\"#222\">{}</text>\n",
                     kMargin, xml_escape(title));

  int y = kTitleHeight;
  for (const auto& side : chart.sides) out += svg_panel(side, chart.reference, y);
  out += "</svg>\n";
  return out;
}

}  // namespace labctl
