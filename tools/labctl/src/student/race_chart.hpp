// The chart `labctl race` draws: how often each distinct answer came out of N runs of a
// lab's demo program, for the student's code and for the reference. Pure functions
// (no files, no processes), so every rule is unit-tested.
#pragma once

#include "base/exit_status.hpp"
#include "base/text.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace labctl {

// One distinct outcome and how many runs gave it.
struct OutcomeCount {
  std::string outcome;
  int count = 0;
};

// All the runs of one side, as distinct outcomes: most frequent first; ties in the order
// they first appeared.
struct Tally {
  std::vector<OutcomeCount> rows;
  int runs = 0;
  int distinct() const { return static_cast<int>(rows.size()); }
};

Tally count_outcomes(const std::vector<std::string>& outcomes);

// What one run of a demo amounted to: "timeout (killed after 5 s)", "crash (SIGSEGV)",
// "exited 3", else the first line of its stdout, trimmed ("(no output)" if empty).
std::string outcome_of(const ExitStatus& status, std::string_view stdout_text);

// Bar length in cells for `count` of `runs`, out of `width`: proportional, and at least
// one cell for any count above zero.
int bar_width(int count, int runs, int width);


// One side of the chart, as given to the renderers.
struct ChartSide {
  std::string name;  // "your code", "reference"
  Tally tally;
};

struct Chart {
  std::string lab;        // "11"
  std::string reference;  // the correct outcome: the reference's most common one
  std::vector<ChartSide> sides;
};

inline constexpr int kChartColumns = 100;
inline constexpr int kBarCells = 30;
inline constexpr int kMaxRows = 20;  // more distinct outcomes than this are summed up in one line

// The text chart, lines ending in '\n', at most kChartColumns columns each. Bars are █;
// `good`/`bad` wrap the reference's bar and the others (colour on a terminal, or nothing).
struct Paint {
  std::string good_open, bad_open, close;
};
std::string render_text(const Chart& chart, const Paint& paint = {});

// "your code: 37 different answers in 200 runs; reference: 1"
std::string summary_line(const Chart& chart);

// The chart as a standalone SVG document (no scripts, no external resources): a title
// "lab NN: K different answers in N runs", one panel per side, stacked, one bar per row
// with its count and outcome, the reference's outcome highlighted.
std::string render_svg(const Chart& chart);

}  // namespace labctl
