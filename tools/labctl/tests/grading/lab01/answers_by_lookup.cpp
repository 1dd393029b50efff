// HELD now where a course has hidden tests: the example hidden test (hidden/01-lost-update.cpp)
// draws its own input, at a size no visible test uses: 0. Without hidden tests, public inputs
// stay guessable (docs/instructor.md, "Hidden tests").
// Grading fixture — CHEAT (new class: every input the grader uses is public): counts
// nothing. The tests' inputs come from the public generator lab01::test_data::make_log
// (fixed seed) at a handful of sizes, and the instructor's hidden test
// (tests/grading/hidden/01-lost-update.cpp) uses the same generator at a size the visible
// tests already use (20 000 lines). So the answers can be looked up by the log's size — a
// student reads them off the visible tests' failure messages (EXPECT_EQ prints both sides).
// The two tasks only hand back halves of the looked-up answer.
// Scored 10/10 on h-attack (6ab72d1), hidden test included; it deserves 0 (no counting).
// Every lab's tests draw their data from a public *.data.hpp in the same way.
// What would close the class: inputs the student cannot know in advance — hidden tests on
// data from a seed the grader draws per grading (passed to the test program like the nonce)
// or from a private generator, at sizes the visible tests do not use — and never a hidden
// test that repeats a visible one's input.
#include "lost_update.hpp"

#include <array>
#include <cstddef>

namespace lab01 {

namespace {

struct Known {
  std::size_t lines;
  std::array<long, 6> counts;  // 1xx 2xx 3xx 4xx 5xx malformed
};

// What the visible tests print as their expected values.
constexpr Known kAnswers[] = {
    {0, {0, 0, 0, 0, 0, 0}},
    {1, {0, 0, 0, 1, 0, 0}},
    {24, {3, 4, 4, 7, 3, 3}},
    {2000, {176, 599, 304, 311, 325, 285}},
    {5000, {399, 1537, 783, 777, 790, 714}},
    {20000, {1538, 6229, 3097, 3188, 3091, 2857}},
};

std::array<long, 6> look_up(std::size_t lines) {
  for (const Known& known : kAnswers) {
    if (known.lines == lines) return known.counts;
  }
  return {};
}

}  // namespace

StatusCounts count_status_classes(const std::vector<std::string>& log_lines,
                                  labkit::Executor& executor) {
  const std::size_t lines = log_lines.size();
  auto first = executor.submit([lines] {
    const auto a = look_up(lines);
    return StatusCounts{a[0], a[1], a[2], 0, 0, 0};
  });
  auto second = executor.submit([lines] {
    const auto a = look_up(lines);
    return StatusCounts{0, 0, 0, a[3], a[4], a[5]};
  });
  StatusCounts total = first.get();
  total += second.get();
  return total;
}

}  // namespace lab01
