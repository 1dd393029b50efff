// Grading fixture: an instructor's hidden test for lab 01, compiled into the lab's test
// program by `labctl grade --hidden-tests DIR` (DIR/01-lost-update.cpp). Its suite's
// "Hidden" prefix keeps it out of every report: students see only how many hidden
// checks failed.
#include "lost_update.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

// A log no visible test uses, of a size none uses, from a generator of this file's own: a
// submission that looks answers up by what the visible tests show (fixture
// answers_by_lookup.cpp) gets it wrong; the expected counts are computed here, one line at
// a time, with the lab's own status_of. Counted on four workers: a lost update shows up as
// a total short of the number of lines. A course's hidden tests should be written so: inputs
// a student cannot know (docs/instructor.md, "Hidden tests").
TEST(HiddenCorrectness, EveryLineOfALongLogIsCounted) {
  static constexpr int kStatuses[] = {101, 202, 206, 302, 307, 410, 418, 429, 502, 504};
  std::vector<std::string> log;
  unsigned state = 0x5eed1234u;
  for (int i = 0; i < 17'389; ++i) {
    state = state * 1664525u + 1013904223u;  // a private generator: not the visible tests'
    log.push_back(state % 11 == 0 ? "not a log line"
                                  : "192.168.7." + std::to_string(state % 200) + " - - [x] \"GET / HTTP/1.1\" " +
                                        std::to_string(kStatuses[(state >> 8) % 10]) + " 64");
  }
  lab01::StatusCounts expected;
  for (const auto& line : log) {
    switch (lab01::status_of(line) / 100) {
      case 1: ++expected.informational; break;
      case 2: ++expected.success; break;
      case 3: ++expected.redirect; break;
      case 4: ++expected.client_error; break;
      case 5: ++expected.server_error; break;
      default: ++expected.malformed; break;
    }
  }
  labkit::ThreadPoolExecutor executor(4);
  EXPECT_TRUE(lab01::count_status_classes(log, executor) == expected);
}

}  // namespace
