// Tests for lab 02 — shared results. Built twice: against the student's starter
// (labs/02-shared-results) and against the reference solution (solutions/02-shared-results).
//
// Each suite is one grading criterion (tools/lab reads the suite names):
//   Correctness  the responses equal a plain loop of fetch() calls, in request order
//                (no requests, one, many)
//   Determinism  the same responses whatever order the tasks run in (32 seeded orders)
//   RaceFree     run under the ExposureExecutor, where TSan sees any race between tasks
//   NoGlobals    the lab's object file holds no mutable static variable
//   Parallel     the fetches really went through the executor, as several tasks at once
#include "shared_results.hpp"
#include "02-shared-results.data.hpp"

#include <labkit/testing.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

namespace {

using lab02::Request;
using lab02::Response;

using lab02::test_data::make_requests;

// The sequential reference: one loop, no threads, obviously right.
std::vector<Response> fetch_sequentially(const std::vector<Request>& requests) {
  std::vector<Response> responses;
  for (const auto& request : requests) responses.push_back(lab02::fetch(request));
  return responses;
}

// Compares two lists of responses and, when they differ, says how: responses lost,
// or the first position that holds the wrong one, either another request's response
// (out of order) or nobody's (torn), rather than printing hundreds of responses.
::testing::AssertionResult same_responses(const std::vector<Response>& expected,
                                          const std::vector<Response>& got) {
  if (got.size() != expected.size()) {
    return ::testing::AssertionFailure() << "expected " << expected.size() << " responses, got "
                                         << got.size() << " (responses were lost or duplicated)";
  }
  for (std::size_t i = 0; i < expected.size(); ++i) {
    if (got[i] == expected[i]) continue;
    auto failure = ::testing::AssertionFailure();
    const auto match = std::find(expected.begin(), expected.end(), got[i]);
    if (match != expected.end()) {
      failure << "out of order: response " << i << " answers request " << (match - expected.begin());
    } else {
      failure << "torn: response " << i << " answers no request (a mix of two responses?)";
    }
    return failure << "\n  expected: " << expected[i] << "\n  got:      " << got[i];
  }
  return ::testing::AssertionSuccess();
}

// Checks that the test data itself is what the other tests assume: every kind of
// answer appears, and no two requests share a URL.
TEST(Correctness, TestDataCoversEveryKindOfResponse) {
  const auto requests = make_requests(300);
  std::set<int> statuses;
  std::set<std::string> urls;
  for (const auto& response : fetch_sequentially(requests)) {
    statuses.insert(response.status);
    urls.insert(response.url);
  }
  EXPECT_EQ(statuses, (std::set<int>{200, 400, 404, 405, 503}));
  EXPECT_EQ(urls.size(), requests.size());
}

// No requests, no responses (and no crash).
TEST(Correctness, NoRequests) {
  labkit::ThreadPoolExecutor executor(4);
  EXPECT_TRUE(lab02::fetch_all({}, executor).empty());
}

// One request gives exactly its response.
TEST(Correctness, OneRequest) {
  labkit::ThreadPoolExecutor executor(4);
  const std::vector<Request> requests = {{"GET", "http://example.test/status/418"}};
  const std::vector<Response> expected = {{"http://example.test/status/418", 418, "status 418"}};
  EXPECT_TRUE(same_responses(expected, lab02::fetch_all(requests, executor)));
}

// Many requests on a real pool: every response present, whole, in request order.
TEST(Correctness, ManyRequestsInRequestOrder) {
  const auto requests = make_requests(300);
  labkit::ThreadPoolExecutor executor(4);
  EXPECT_TRUE(same_responses(fetch_sequentially(requests), lab02::fetch_all(requests, executor)));
}

// Whatever order the tasks finish in, the responses come back in request order.
TEST(Determinism, SameResponsesForEveryTaskOrder) {
  const auto requests = make_requests(16);
  EXPECT_TRUE(labkit::testing::same_result_for_all_seeds(
      fetch_sequentially(requests),
      [&](labkit::Executor& executor) { return lab02::fetch_all(requests, executor); }));
}

// Every task on its own thread, released together: if two tasks write the same
// memory (one shared vector), ThreadSanitizer reports a data race and the program
// exits 66.
TEST(RaceFree, UnderTheExposureExecutor) {
  const auto requests = make_requests(200);
  labkit::testing::ExposureExecutor executor;
  EXPECT_TRUE(same_responses(fetch_sequentially(requests), lab02::fetch_all(requests, executor)));
}

// The discipline read off the compiled code: no global or static results vector.
TEST(NoGlobals, NoMutableStaticsInTheLabCode) {
  EXPECT_TRUE(labkit::testing::has_no_mutable_statics(LAB_OBJECTS));
}

// A "fix" that fetches everything on the calling thread is not a fix.
TEST(Parallel, FetchesRunAsSeveralTasks) {
  const auto requests = make_requests(20);
  labkit::testing::ExposureExecutor executor;
  lab02::fetch_all(requests, executor);
  EXPECT_GE(executor.tasks_at_once(), 2u)
      << "not parallel: the fetches must go through the executor as several tasks at once (submit them all, then wait)";
}

}  // namespace
