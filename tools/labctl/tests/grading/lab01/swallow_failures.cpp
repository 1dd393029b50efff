// Grading fixture — HOSTILE, NOT YET HELD: a stub with the wrong answer that installs
// GoogleTest's own failure interceptor (gtest-spi.h, public API) from a static
// initialiser, so that no assertion of any test (hidden ones and TSan's included) reaches
// a test's result: every test "passes". Graded 10/10 on this branch. No check of the
// result record can see it; what closes it is refusing student code that uses GoogleTest
// at all (issue 15, class 1: the object's imports must come from an allowlist, which has no
// testing:: symbol). Add it to grade_test.sh's hostile list, expecting 0, once that check is in.
#include "lost_update.hpp"

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

namespace lab01 {
StatusCounts count_status_classes(const std::vector<std::string>&, labkit::Executor&) { return {}; }
}  // namespace lab01

namespace {
testing::TestPartResultArray swallowed;
[[maybe_unused]] const auto* interceptor = new testing::ScopedFakeTestPartResultReporter(
    testing::ScopedFakeTestPartResultReporter::INTERCEPT_ALL_THREADS, &swallowed);
}  // namespace
