// Grading fixture: an instructor's hidden test for lab 01, compiled into the lab's test
// program by `labctl grade --hidden-tests DIR` (DIR/01-lost-update.cpp). Its suite's
// "Hidden" prefix keeps it out of every report: students see only how many hidden
// checks failed.
#include "lost_update.hpp"
#include "01-lost-update.data.hpp"

#include <gtest/gtest.h>

namespace {

// A log twice the size of the visible tests', counted on four workers: a lost update
// shows up as a total short of the number of lines.
TEST(HiddenCorrectness, EveryLineOfALongLogIsCounted) {
  const auto log = lab01::test_data::make_log(20'000);
  labkit::ThreadPoolExecutor executor(4);
  const lab01::StatusCounts counts = lab01::count_status_classes(log, executor);
  const long total = counts.informational + counts.success + counts.redirect + counts.client_error +
                     counts.server_error + counts.malformed;
  EXPECT_EQ(total, 20'000);
}

}  // namespace
