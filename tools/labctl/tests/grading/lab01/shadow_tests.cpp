// Grading fixture — HOSTILE: a stub with the wrong answer that registers, beside the
// course's tests, empty tests of the same names (the hidden one too: its name is no secret
// from code inside the program). Each name then ends twice in the result record, once
// failed (the course's) and once passed (its own); a grader that kept the last would give
// it 10/10. Refused by the source check (TEST() expands to an attribute), and a record
// naming a test twice is not believed either: 0.
#include "lost_update.hpp"

#include <gtest/gtest.h>

namespace lab01 {
StatusCounts count_status_classes(const std::vector<std::string>&, labkit::Executor&) { return {}; }
}  // namespace lab01

namespace {
TEST(Correctness, ReferenceCountsEveryClass) {}
TEST(Correctness, EmptyLog) {}
TEST(Correctness, OneLine) {}
TEST(Correctness, AFewLinesOnAThreadPool) {}
TEST(Correctness, ManyLinesOnAThreadPool) {}
TEST(HiddenCorrectness, EveryLineOfALongLogIsCounted) {}
TEST(Determinism, SameCountsForEveryTaskOrder) {}
TEST(RaceFree, UnderTheExposureExecutor) {}
TEST(NoGlobals, NoMutableStaticsInTheLabCode) {}
TEST(Parallel, WorkIsSplitIntoSeveralTasks) {}
}  // namespace
