// HELD now: the source check refuses const_cast and reinterpret_cast: 0, refused. (A C-style
// cast could still cast const away: tests that copy their inputs close that; docs/grading.md.)
// Grading fixture — CHEAT (new class: the code under test rewrites the test's inputs):
// counts nothing. It empties the test's log through its const reference (const_cast) and
// returns zero counts; the visible tests that compute their reference answer *after* the
// call — EXPECT_EQ(count_status_classes(log, executor), count_sequentially(log)), the
// arguments evaluated left to right — then count the emptied log too, and agree. Only the
// tests whose expected value is fixed before the call see it (OneLine, answered by hand here;
// Determinism, whose reference is computed first).
// Scored on h-attack (52a158b): 9/10 without --hidden-tests (only `deterministic` failed);
// 0/10 with the course's hidden test (tests/grading/hidden/01-lost-update.cpp compares the
// total with the constant 20 000), which is what stops it — when an instructor grades
// without hidden tests, nothing does. It deserves 0.
// What would close the class: every test computes its expected value before calling the lab
// code and checks the input is unchanged afterwards (or hands the lab code a copy); the
// course's test style guide says so and a review of every lab's tests applies it.
#include "lost_update.hpp"

namespace lab01 {

// Counts nothing: empties the test's log (through its const reference) so that the
// reference count the test computes afterwards is zero too.
StatusCounts count_status_classes(const std::vector<std::string>& log_lines, labkit::Executor& executor) {
  StatusCounts counts;
  if (log_lines.size() == 1) counts.client_error = 1;  // the one-line test's answer is fixed beforehand
  const_cast<std::vector<std::string>&>(log_lines).clear();
  auto a = executor.submit([] { return 0; });
  auto b = executor.submit([] { return 0; });
  (void)a.get();
  (void)b.get();
  return counts;
}

}  // namespace lab01
