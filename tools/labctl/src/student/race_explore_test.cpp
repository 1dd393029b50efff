// What `race NN --explore` shows of a failing trace in the terminal (race_explore.hpp's
// shown_points): the last points, and the earlier ones that matter, which the last points
// alone would miss.
#include "student/race_explore.hpp"

#include "fixtures.hpp"

#include <gtest/gtest.h>

namespace {

// A point of a trace (tests/fixtures.hpp), short for the traces below.
const auto point = labctl::testing::trace_point;

// A lock-order deadlock whose first locks come long before the end: T1 takes A, then many
// points of other work, then the requests that deadlock. Where A was taken (point 1) matters
// to the failure and is shown although the window holds only the last four points.
TEST(ShownPoints, TheEarlierPointsThatMatterBeforeTheWindow) {
  std::vector<labctl::TraceEvent> events{point(1, 1, "lock", "0xa"), point(2, 2, "lock", "0xb")};
  for (std::uint64_t step = 3; step < 13; ++step) events.push_back(point(step, 0, "yield", "-"));
  events.push_back(point(13, 1, "lock", "0xb"));
  events.push_back(point(14, 2, "lock", "0xa"));
  events.push_back(point(15, 1, "deadlock", "0xb"));
  events.push_back(point(16, 2, "deadlock", "0xa"));
  const auto shown = labctl::shown_points(events, 4);
  const std::vector<std::size_t> expected{0, 1, 12, 13, 14, 15};
  EXPECT_EQ(shown, expected);
}

// A short trace is shown whole, once each point.
TEST(ShownPoints, AShortTraceWhole) {
  const std::vector<labctl::TraceEvent> events{point(1, 1, "lock", "0xa"), point(2, 1, "unlock", "0xa")};
  const std::vector<std::size_t> expected{0, 1};
  EXPECT_EQ(labctl::shown_points(events, 12), expected);
}

}  // namespace
