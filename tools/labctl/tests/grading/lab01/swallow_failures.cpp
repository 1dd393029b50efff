// Grading fixture — HOSTILE: a stub with the wrong answer that installs GoogleTest's own
// failure interceptor (gtest-spi.h, public API) from a static initialiser, so that no
// assertion of any test (hidden ones and TSan's included) reaches a test's result: every
// test "passes". It scored 10/10 before the object check; no check of the result record can
// see it. Refused: the object defines and uses testing:: symbols, which are the harness's,
// not a lab file's (grade/object_check.cpp). Expected: 0, refused, with that reason.
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
