// Tests for lab 07 — publication. Built against the student's starter
// (labs/07-publication) and against the reference solution (solutions/07-publication).
//
// Code that spins on a plain bool can hang: the compiler may read the flag once and loop
// forever. So every call of the lab's code runs under a deadline (within_deadline): a
// call still running after a few seconds ends the program the way the test watchdog does
// ("[racelab watchdog] timeout: ...", exit 124), instead of hanging the suite.
//
// Each suite is one grading criterion (tools/lab reads the suite names):
//   Correctness  the dispatches equal a plain loop's (no paths, empty tables, one path,
//                many paths)
//   Determinism  the same dispatches whatever order the tasks run in (32 seeded orders)
//   RaceFree     run under the ExposureExecutor: a flag or table shared without
//                synchronisation is a ThreadSanitizer report
//   NoGlobals    the lab's object file holds no mutable static variable
//   Parallel     the two tables were loaded through the executor, as two tasks at once
#include "route_tables.hpp"

#include <labkit/testing.hpp>

#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <exception>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace {

using lab07::Dispatch;

// ------------------------------------------------------------------ no hangs

// How long one call of the lab's code may take. The reference solution needs a few
// milliseconds under ThreadSanitizer; a spin that never ends is stopped after this.
constexpr std::chrono::seconds kDeadline{5};

// Runs `call()` under kDeadline (labkit::testing::call_within): past it, the program
// ends as the test watchdog would end it (labctl then reports a deadlock), rather than
// hanging on a spin that never ends.
template <class Call>
auto within_deadline(const char* what, Call call) {
  return labkit::testing::call_within(kDeadline, call, [what] {
    return std::string(what) + " has not returned after " + std::to_string(kDeadline.count()) +
           " s. Is a thread spinning on a flag it never sees change? (The compiler may read a plain "
           "bool once and loop forever.)";
  });
}

// lab07::dispatch_all, under the deadline.
std::vector<Dispatch> dispatch_all_within_deadline(const std::string& routes_text, const std::string& mime_text,
                                   const std::vector<std::string>& raw_paths, labkit::Executor& executor) {
  return within_deadline("dispatch_all", [&] {
    return lab07::dispatch_all(routes_text, mime_text, raw_paths, executor);
  });
}

// ------------------------------------------------------------------ test data

// A route table with a few hand-written routes (nested prefixes, an exact file, a
// comment, a blank line, a malformed line, a prefix given twice: the later line wins)
// and `services` generated ones ("/svc12/ service-12"), so that parsing takes a while.
std::string make_routes_text(std::size_t services) {
  std::string text =
      "# prefix handler\n"
      "/api/ api-old\n"
      "/api/ api\n"
      "/api/v2/ api-v2\n"
      "/static/ files\n"
      "/static/img/ images\n"
      "/index.html home\n"
      "\n"
      "a-line-without-a-handler\n";
  for (std::size_t i = 0; i < services; ++i)
    text += "/svc" + std::to_string(i) + "/ service-" + std::to_string(i) + "\r\n";
  return text;
}

// A MIME types table: the common types and `extras` generated ones ("x7 application/x-7").
std::string make_mime_text(std::size_t extras) {
  std::string text =
      "# extension type\n"
      "html text/html\n"
      "css text/css\n"
      "js text/javascript\n"
      "png image/png\n"
      "jpg image/jpeg\n"
      "json application/json\n"
      "txt text/plain\n";
  for (std::size_t i = 0; i < extras; ++i)
    text += "x" + std::to_string(i) + " application/x-" + std::to_string(i) + "\n";
  return text;
}

// `count` request paths: a hand-written set that covers every rule (queries, fragments,
// nested prefixes, no route, no extension, an unknown extension, a dot in a directory),
// then generated ones spread over the services and extensions.
std::vector<std::string> make_paths(std::size_t count, std::size_t services) {
  static constexpr const char* kHandWritten[] = {
      "/index.html", "/api/users?id=3", "/api/v2/items/7.json", "/static/img/logo.png#top",
      "/static/app.js", "/nowhere/page.html", "/static/README", "/static/archive.tar.bz2",
      "/api/v1.5/status", "?just-a-query", "/static/img",
  };
  static constexpr const char* kExtensions[] = {".html", ".json", ".png", ".x3", ".bin", ""};
  std::vector<std::string> paths(std::begin(kHandWritten), std::end(kHandWritten));
  for (std::size_t i = 0; paths.size() < count; ++i) {
    paths.push_back("/svc" + std::to_string(i % (services + 5)) + "/file" + std::to_string(i) +
                    kExtensions[i % std::size(kExtensions)] + (i % 4 == 0 ? "?page=" + std::to_string(i) : ""));
  }
  paths.resize(count);
  return paths;
}

// The sequential reference: load both tables, then dispatch each path. No threads.
std::vector<Dispatch> dispatch_sequentially(const std::string& routes_text, const std::string& mime_text,
                                            const std::vector<std::string>& raw_paths) {
  const lab07::RouteTable routes = lab07::parse_routes(routes_text);
  const lab07::MimeTable types = lab07::parse_mime_types(mime_text);
  std::vector<Dispatch> dispatches;
  for (const auto& raw : raw_paths) dispatches.push_back(lab07::dispatch(routes, types, lab07::normalise_path(raw)));
  return dispatches;
}

// Compares two lists of dispatches and names the first difference.
::testing::AssertionResult same_dispatches(const std::vector<Dispatch>& expected, const std::vector<Dispatch>& got) {
  if (got.size() != expected.size())
    return ::testing::AssertionFailure() << "expected " << expected.size() << " dispatches, got " << got.size();
  for (std::size_t i = 0; i < expected.size(); ++i) {
    if (got[i] == expected[i]) continue;
    return ::testing::AssertionFailure() << "dispatch " << i << " differs (was a table read before it was "
                                         << "complete?)\n  expected: " << expected[i] << "\n  got:      " << got[i];
  }
  return ::testing::AssertionSuccess();
}

constexpr std::size_t kServices = 300;

// ------------------------------------------------------------------ the tests

// Checks that the test data is what the other tests assume: every rule of dispatch()
// is exercised.
TEST(Correctness, TestDataIsWhatTheTestsAssume) {
  const auto paths = make_paths(200, kServices);
  const auto reference = dispatch_sequentially(make_routes_text(kServices), make_mime_text(100), paths);
  ASSERT_EQ(reference.size(), 200u);
  EXPECT_EQ(reference[0], (Dispatch{"/index.html", "home", "text/html"}));
  EXPECT_EQ(reference[1], (Dispatch{"/api/users", "api", "application/octet-stream"}));  // the later line won
  EXPECT_EQ(reference[2], (Dispatch{"/api/v2/items/7.json", "api-v2", "application/json"}));
  EXPECT_EQ(reference[3], (Dispatch{"/static/img/logo.png", "images", "image/png"}));
  EXPECT_EQ(reference[5], (Dispatch{"/nowhere/page.html", "not-found", "text/html"}));
  EXPECT_EQ(reference[8], (Dispatch{"/api/v1.5/status", "api", "application/octet-stream"}));
  EXPECT_EQ(reference[9], (Dispatch{"/", "not-found", "application/octet-stream"}));
  EXPECT_EQ(reference[10], (Dispatch{"/static/img", "files", "application/octet-stream"}));
  std::set<std::string> handlers;
  std::set<std::string> types;
  for (const auto& d : reference) {
    handlers.insert(d.handler);
    types.insert(d.content_type);
  }
  EXPECT_GT(handlers.size(), 50u);
  EXPECT_GE(types.size(), 5u);
}

// No paths: no dispatches (the tables are still loaded, and nothing hangs).
TEST(Correctness, NoPaths) {
  labkit::ThreadPoolExecutor executor(4);
  EXPECT_TRUE(dispatch_all_within_deadline(make_routes_text(10), make_mime_text(10), {}, executor).empty());
}

// Empty tables: every path is not found and has no known type.
TEST(Correctness, EmptyTables) {
  labkit::ThreadPoolExecutor executor(4);
  const std::vector<std::string> paths = {"/index.html", "/api/x"};
  EXPECT_TRUE(
      same_dispatches(dispatch_sequentially("", "", paths), dispatch_all_within_deadline("", "", paths, executor)));
}

// One path: its handler and type.
TEST(Correctness, OnePath) {
  labkit::ThreadPoolExecutor executor(4);
  const std::vector<Dispatch> expected = {{"/static/img/logo.png", "images", "image/png"}};
  const std::vector<std::string> paths = {"/static/img/logo.png#top"};
  EXPECT_TRUE(same_dispatches(
      expected, dispatch_all_within_deadline(make_routes_text(kServices), make_mime_text(100), paths, executor)));
}

// Many paths against big tables on a real pool: every dispatch equals the plain loop's.
TEST(Correctness, ManyPaths) {
  const std::string routes = make_routes_text(kServices);
  const std::string types = make_mime_text(100);
  const auto paths = make_paths(500, kServices);
  labkit::ThreadPoolExecutor executor(4);
  EXPECT_TRUE(same_dispatches(dispatch_sequentially(routes, types, paths),
                              dispatch_all_within_deadline(routes, types, paths, executor)));
}

// Whatever order the two loading tasks run in, the dispatches are the same.
TEST(Determinism, SameDispatchesForEveryTaskOrder) {
  const std::string routes = make_routes_text(40);
  const std::string types = make_mime_text(20);
  const auto paths = make_paths(60, 40);
  const auto expected = dispatch_sequentially(routes, types, paths);
  EXPECT_TRUE(within_deadline("same_result_for_all_seeds(dispatch_all)", [&] {
    return labkit::testing::same_result_for_all_seeds(expected, [&](labkit::Executor& executor) {
      return lab07::dispatch_all(routes, types, paths, executor);
    });
  }));
}

// Every task on its own thread: a table or flag shared without synchronisation between
// a loading task and the reader is a ThreadSanitizer report (exit status 66).
TEST(RaceFree, UnderTheExposureExecutor) {
  const std::string routes = make_routes_text(kServices);
  const std::string types = make_mime_text(100);
  const auto paths = make_paths(300, kServices);
  labkit::testing::ExposureExecutor executor;
  EXPECT_TRUE(same_dispatches(dispatch_sequentially(routes, types, paths),
                              dispatch_all_within_deadline(routes, types, paths, executor)));
}

// The discipline read off the compiled code: no global tables, no global flags.
TEST(NoGlobals, NoMutableStaticsInTheLabCode) {
  EXPECT_TRUE(labkit::testing::has_no_mutable_statics(LAB_OBJECTS));
}

// A "fix" that loads the tables on the calling thread is not a fix: the two loads must
// go through the executor, as two tasks.
TEST(Parallel, TablesLoadAsSeveralTasks) {
  labkit::testing::ExposureExecutor executor;
  dispatch_all_within_deadline(make_routes_text(20), make_mime_text(20), make_paths(20, 20), executor);
  EXPECT_GE(executor.tasks_at_once(), 2u)
      << "not parallel: the route table and the MIME types must each be loaded in a task of the executor";
}

}  // namespace
