// Tests for lab 06 — hidden globals. Built twice: against the student's starter
// (labs/06-hidden-globals) and against the reference solution (solutions/06-hidden-globals).
//
// The bugs of this lab hide in the C library (strtok's position, rand's generator,
// gmtime's std::tm), which ThreadSanitizer does not instrument. So the tests catch them
// in two other ways, both deterministic:
//   - behaviour: one connection is held in the handler while another is served from
//     start to end (test-controlled yield points), and every response must still equal
//     a plain loop's;
//   - the object file: the lab's code must not call C library functions that keep
//     hidden state (its undefined symbols are read off the ELF symbol table).
//
// Each suite is one grading criterion (tools/lab reads the suite names):
//   Correctness  the responses equal a plain loop's (no connections, an empty one, one
//                request, many), also while another connection is served in the middle
//   Determinism  the same responses whatever order the tasks run in (32 seeded orders)
//   RaceFree     run under the ExposureExecutor, where TSan sees any race between tasks
//   NoGlobals    no mutable static in the lab's objects, and no call to a C library
//                function with hidden state
//   Parallel     the connections really went through the executor, as several tasks at once
#include "request_stamper.hpp"
#include "06-hidden-globals.data.hpp"

#include <labkit/testing.hpp>

#include <gtest/gtest.h>


#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using lab06::Connection;
using lab06::Request;
using lab06::Response;
using Responses = std::vector<std::vector<Response>>;

// ------------------------------------------------------------------ test data

using lab06::test_data::kSomeMorning;

using lab06::test_data::make_connections;

using lab06::test_data::echo;

// The request lines of `bytes`, one character at a time: obviously right.
std::vector<std::string> split_lines_simply(const std::string& bytes) {
  std::vector<std::string> lines;
  std::string line;
  for (const char c : bytes) {
    if (c == '\r' || c == '\n') {
      if (!line.empty()) lines.push_back(line);
      line.clear();
    } else {
      line += c;
    }
  }
  if (!line.empty()) lines.push_back(line);
  return lines;
}

// The sequential reference: one connection after another, on this thread, each with
// its own generator and its own std::tm.
Responses serve_sequentially(const std::vector<Connection>& connections) {
  Responses all;
  for (const auto& connection : connections) {
    std::tm arrived{};
    ::gmtime_r(&connection.arrived_at, &arrived);
    lab06::IdGenerator ids(connection.id_seed);
    std::vector<Response> responses;
    for (const auto& line : split_lines_simply(connection.bytes)) {
      Request request = lab06::parse_request_line(line);
      request.id = lab06::format_request_id(ids.next());
      request.date = lab06::format_http_date(arrived);
      responses.push_back(echo(request));
    }
    all.push_back(std::move(responses));
  }
  return all;
}

// Compares two sets of responses and names the first difference (which connection,
// which response), rather than printing them all.
::testing::AssertionResult same_responses(const Responses& expected, const Responses& got) {
  if (got.size() != expected.size()) {
    return ::testing::AssertionFailure() << "expected responses for " << expected.size() << " connections, got "
                                         << got.size();
  }
  for (std::size_t i = 0; i < expected.size(); ++i) {
    if (got[i].size() != expected[i].size()) {
      auto failure = ::testing::AssertionFailure();
      failure << "connection " << i << ": expected " << expected[i].size() << " responses, got " << got[i].size()
              << " (its request lines were split wrongly: strtok?)";
      for (std::size_t k = 0; k < got[i].size() && k < 4; ++k) failure << "\n  got: " << got[i][k];
      return failure;
    }
    for (std::size_t k = 0; k < expected[i].size(); ++k) {
      if (got[i][k] == expected[i][k]) continue;
      return ::testing::AssertionFailure() << "connection " << i << ", response " << k
                                           << " differs:\n  expected: " << expected[i][k]
                                           << "\n  got:      " << got[i][k];
    }
  }
  return ::testing::AssertionSuccess();
}

// ------------------------------------------------------------------ yield points

// A handler that controls the interleaving of two connections, 0 and 1, with
// `requests_each` well-formed request lines each. Connection 0 is held in the handler
// at its first request until connection 1 has been served from its first request to
// its last; connection 1 starts only once connection 0 is held. So connection 1 runs
// entirely in the middle of connection 0: whatever connection 0 keeps in a hidden
// global between two requests (strtok's position, rand's generator, gmtime's std::tm)
// has been used by connection 1 when connection 0 goes on.
//
// Every wait has a deadline (kPatience) and then simply goes on: code that serves the
// connections one after the other is not failed here, just not interleaved (the
// Parallel test is the one that asks for tasks). The flags are atomics with
// release/acquire, which ThreadSanitizer understands: the waits add no race of their own.
class InterleavingHandler {
 public:
  explicit InterleavingHandler(std::size_t requests_each)
      : last_of_connection_1_("/conn1/req" + std::to_string(requests_each - 1)) {}

  lab06::Handler handler() {
    return [this](const Request& request) { return on_request(request); };
  }

  // What the test saw, to print when the result is wrong.
  std::string notes() const {
    std::string text;
    if (gave_up_.load()) text += " (a wait timed out: the connections did not run at the same time)";
    if (derailed_.load()) {
      text += " (while connection 0 was held at its first request, its later requests reached the handler "
              "from another thread)";
    }
    return text;
  }

 private:
  static constexpr std::chrono::seconds kPatience{2};

  Response on_request(const Request& request) {
    if (request.target == "/conn0/req0") {
      first_held_.store(true, std::memory_order_release);
      wait_until([this] {
        return connection_1_done_.load(std::memory_order_acquire) || derailed_.load(std::memory_order_acquire);
      });
      first_released_.store(true, std::memory_order_release);
    } else if (request.target == "/conn1/req0") {
      wait_until([this] { return first_held_.load(std::memory_order_acquire); });
    } else if (request.target.rfind("/conn0/", 0) == 0 && !first_released_.load(std::memory_order_acquire)) {
      // Connection 0's later lines arrive while its first is still held: another thread
      // is splitting connection 0's bytes. Wrong already; let connection 0 go on.
      derailed_.store(true, std::memory_order_release);
    }
    Response response = echo(request);
    if (request.target == last_of_connection_1_) connection_1_done_.store(true, std::memory_order_release);
    return response;
  }

  template <class Condition>
  void wait_until(Condition condition) {
    const auto deadline = std::chrono::steady_clock::now() + kPatience;
    while (!condition()) {
      if (std::chrono::steady_clock::now() > deadline) {
        gave_up_.store(true);
        return;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }

  const std::string last_of_connection_1_;
  std::atomic<bool> first_held_{false};
  std::atomic<bool> first_released_{false};
  std::atomic<bool> connection_1_done_{false};
  std::atomic<bool> derailed_{false};
  std::atomic<bool> gave_up_{false};
};

// ------------------------------------------------------------------ object files

// C library functions that keep state in a global of the C library, shared by every
// thread (POSIX lists them as not required to be thread-safe; glibc's manual marks
// them MT-Unsafe), and what to use instead.
struct HiddenStateFunction {
  const char* name;
  const char* hidden_state;
  const char* instead;
};

constexpr const char* kOneGenerator = "one random-number generator for the whole process";
constexpr const char* kOwnGenerator =
    "a generator the task owns: in this lab IdGenerator (rand()'s own numbers, its state in the object); elsewhere std::mt19937";
constexpr const char* kStaticTm = "returns a pointer to one static std::tm, overwritten by every call";
constexpr const char* kStaticText = "returns one static buffer, overwritten by every call";
constexpr const char* kStaticEntry = "returns one static entry, overwritten by every call";

constexpr HiddenStateFunction kHiddenStateFunctions[] = {
    {"strtok", "remembers where it stopped in one hidden pointer",
     "std::string_view with find_first_of / find_first_not_of"},
    {"rand", kOneGenerator, kOwnGenerator},
    {"srand", kOneGenerator, kOwnGenerator},
    {"random", kOneGenerator, kOwnGenerator},
    {"srandom", kOneGenerator, kOwnGenerator},
    {"initstate", kOneGenerator, kOwnGenerator},
    {"setstate", kOneGenerator, kOwnGenerator},
    {"drand48", kOneGenerator, kOwnGenerator},
    {"erand48", kOneGenerator, kOwnGenerator},
    {"lrand48", kOneGenerator, kOwnGenerator},
    {"nrand48", kOneGenerator, kOwnGenerator},
    {"mrand48", kOneGenerator, kOwnGenerator},
    {"jrand48", kOneGenerator, kOwnGenerator},
    {"srand48", kOneGenerator, kOwnGenerator},
    {"seed48", kOneGenerator, kOwnGenerator},
    {"lcong48", kOneGenerator, kOwnGenerator},
    {"gmtime", kStaticTm, "gmtime_r(&time, &tm) into a std::tm of your own, or std::chrono"},
    {"localtime", kStaticTm, "localtime_r(&time, &tm) into a std::tm of your own, or std::chrono"},
    {"ctime", kStaticText, "strftime into a buffer of your own (or ctime_r)"},
    {"asctime", kStaticText, "strftime into a buffer of your own (or asctime_r)"},
    {"strerror", kStaticText, "strerror_r, or std::generic_category().message(code)"},
    {"strsignal", kStaticText, "sigdescr_np, or a table of your own"},
    {"inet_ntoa", kStaticText, "inet_ntop into a buffer of your own"},
    {"tmpnam", kStaticText, "mkstemp"},
    {"ttyname", kStaticText, "ttyname_r"},
    {"ptsname", kStaticText, "ptsname_r"},
    {"l64a", kStaticText, "a formatting function of your own"},
    {"ecvt", kStaticText, "std::to_chars"},
    {"fcvt", kStaticText, "std::to_chars"},
    {"crypt", kStaticText, "crypt_r"},
    {"getlogin", kStaticText, "getlogin_r"},
    {"gethostbyname", kStaticEntry, "getaddrinfo"},
    {"gethostbyname2", kStaticEntry, "getaddrinfo"},
    {"gethostbyaddr", kStaticEntry, "getnameinfo"},
    {"gethostent", kStaticEntry, "getaddrinfo"},
    {"getservbyname", kStaticEntry, "getservbyname_r"},
    {"getservbyport", kStaticEntry, "getservbyport_r"},
    {"getprotobyname", kStaticEntry, "getprotobyname_r"},
    {"getprotobynumber", kStaticEntry, "getprotobynumber_r"},
    {"getpwnam", kStaticEntry, "getpwnam_r"},
    {"getpwuid", kStaticEntry, "getpwuid_r"},
    {"getgrnam", kStaticEntry, "getgrnam_r"},
    {"getgrgid", kStaticEntry, "getgrgid_r"},
    {"getdate", kStaticTm, "getdate_r"},
    {"readdir", "returns an entry the next call may overwrite", "std::filesystem::directory_iterator"},
    {"hcreate", "one hidden hash table for the whole process", "hcreate_r, or std::unordered_map"},
    {"hsearch", "one hidden hash table for the whole process", "hsearch_r, or std::unordered_map"},
    {"hdestroy", "one hidden hash table for the whole process", "hdestroy_r, or std::unordered_map"},
    {"mblen", "one hidden conversion state", "mbrlen with a std::mbstate_t of your own"},
    {"mbtowc", "one hidden conversion state", "mbrtowc with a std::mbstate_t of your own"},
    {"wctomb", "one hidden conversion state", "wcrtomb with a std::mbstate_t of your own"},
};

// GoogleTest check over a '|'- or ';'-separated list of object files: succeeds when
// none calls a function of kHiddenStateFunctions; otherwise names each one, why it is
// shared, and what to use instead. Also fails if no undefined symbol is found at all:
// the lab's code certainly calls something (operator new, at least), so an empty list
// would mean this reader is broken, not that the code is clean.
::testing::AssertionResult calls_no_hidden_state_functions(const std::string& object_files) {
  std::set<std::string> called;
  for (const auto& file : labkit::testing::object_files_in(object_files)) {
    try {
      for (auto& name : labkit::testing::undefined_symbols(file)) called.insert(std::move(name));
    } catch (const std::exception& error) {
      return ::testing::AssertionFailure() << "cannot read the lab's object file: " << error.what();
    }
  }
  if (called.empty())
    return ::testing::AssertionFailure() << "found no undefined symbol in " << object_files << ": cannot check";

  std::vector<const HiddenStateFunction*> found;
  for (const auto& function : kHiddenStateFunctions) {
    if (called.count(function.name) != 0) found.push_back(&function);
  }
  if (found.empty()) return ::testing::AssertionSuccess();
  auto failure = ::testing::AssertionFailure();
  failure << "hidden global: the lab's code calls " << found.size()
          << " C library function(s) that keep their state in a global of the C library, shared by every "
             "thread (the C library is not instrumented: ThreadSanitizer sees little or nothing of it):";
  for (const auto* function : found) {
    failure << "\n  " << function->name << "(): " << function->hidden_state << ".\n      Use instead: "
            << function->instead;
  }
  return failure;
}

// ------------------------------------------------------------------ the tests

// Checks that the test data and the helpers are what the other tests assume: the
// IdGenerator gives rand()'s numbers, every connection has its own date and IDs, blank
// and malformed lines are there.
TEST(Correctness, TestDataIsWhatTheTestsAssume) {
  for (const unsigned seed : {0u, 1u, 2026u, 4'000'000'000u}) {
    lab06::IdGenerator ids(seed);
    std::srand(seed);  // only this thread runs now: the test may use the shared generator
    for (int i = 0; i < 100; ++i) ASSERT_EQ(ids.next(), static_cast<std::uint32_t>(std::rand())) << "seed " << seed;
  }
  std::tm tm{};
  ::gmtime_r(&kSomeMorning, &tm);
  EXPECT_EQ(lab06::format_http_date(tm), "Sun, 22 Nov 2026 10:00:00 GMT");

  const auto connections = make_connections(10, 4);
  const Responses reference = serve_sequentially(connections);
  std::set<std::string> bodies;
  std::size_t malformed = 0;
  for (const auto& responses : reference) {
    for (const auto& response : responses) {
      bodies.insert(response.body);
      malformed += response.status == 400 ? 1 : 0;
    }
  }
  EXPECT_EQ(reference[0].size(), 5u);  // four requests and a malformed line; the blank line is skipped
  EXPECT_EQ(reference[1].size(), 4u);
  EXPECT_EQ(malformed, 2u);
  EXPECT_EQ(bodies.size(), 42u) << "every response must differ (its own target, ID and date)";
}

// No connections, no responses (and no crash).
TEST(Correctness, NoConnections) {
  labkit::ThreadPoolExecutor executor(4);
  EXPECT_TRUE(lab06::serve_all({}, echo, executor).empty());
}

// Connections with no request line at all (nothing, or only line breaks) get no
// responses, and the handler is not called.
TEST(Correctness, ConnectionsWithoutRequestLines) {
  labkit::ThreadPoolExecutor executor(4);
  const std::vector<Connection> connections = {{"", kSomeMorning, 1}, {"\r\n\r\n\n", kSomeMorning, 2}};
  EXPECT_TRUE(same_responses(Responses(2), lab06::serve_all(connections, echo, executor)));
}

// One connection with one request: its ID is the first number of its seed, its date is
// its arrival time.
TEST(Correctness, OneRequest) {
  labkit::ThreadPoolExecutor executor(4);
  const std::vector<Connection> connections = {{"GET /index.html HTTP/1.1\r\n", kSomeMorning, 7}};
  lab06::IdGenerator ids(7);
  const Responses expected = {
      {{200, "GET /index.html HTTP/1.1 id=" + lab06::format_request_id(ids.next()) +
                 " date=Sun, 22 Nov 2026 10:00:00 GMT"}}};
  EXPECT_TRUE(same_responses(expected, lab06::serve_all(connections, echo, executor)));
}

// Many connections on a real pool: every response equals the plain loop's.
TEST(Correctness, ManyConnectionsOnAThreadPool) {
  const auto connections = make_connections(40, 6);
  labkit::ThreadPoolExecutor executor(4);
  EXPECT_TRUE(same_responses(serve_sequentially(connections), lab06::serve_all(connections, echo, executor)));
}

// The deterministic test of this lab. Connection 1 is served from start to end while
// connection 0 waits in the handler at its first request (InterleavingHandler). Code
// that keeps a connection's state in a hidden global of the C library gets it back
// changed: strtok carries on in connection 1's bytes (or at their end), rand goes on
// with connection 1's sequence, gmtime's std::tm shows connection 1's time. Code whose
// state belongs to its task is not disturbed. (The exposure executor gives each task
// its own thread, so no task waits behind the one held.)
TEST(Correctness, ConnectionServedWhileAnotherIsHeldInItsHandler) {
  constexpr std::size_t kRequestsEach = 3;
  const auto connections = make_connections(2, kRequestsEach);
  InterleavingHandler interleaving(kRequestsEach);
  labkit::testing::ExposureExecutor executor;
  const Responses got = lab06::serve_all(connections, interleaving.handler(), executor);
  EXPECT_TRUE(same_responses(serve_sequentially(connections), got))
      << "connection 0 was held in the handler at its first request while connection 1 was served"
      << interleaving.notes();
}

// Whatever order the tasks run in, the responses are the same.
TEST(Determinism, SameResponsesForEveryTaskOrder) {
  const auto connections = make_connections(8, 3);
  EXPECT_TRUE(labkit::testing::same_result_for_all_seeds(
      serve_sequentially(connections),
      [&](labkit::Executor& executor) { return lab06::serve_all(connections, echo, executor); }));
}

// Every task on its own thread, released together: a race between tasks on memory the
// program owns is reported by ThreadSanitizer (races inside the C library are not:
// that is what the other tests are for).
TEST(RaceFree, UnderTheExposureExecutor) {
  const auto connections = make_connections(20, 4);
  labkit::testing::ExposureExecutor executor;
  EXPECT_TRUE(same_responses(serve_sequentially(connections), lab06::serve_all(connections, echo, executor)));
}

// The discipline read off the compiled code: no global or static of the lab's own.
TEST(NoGlobals, NoMutableStaticsInTheLabCode) {
  EXPECT_TRUE(labkit::testing::has_no_mutable_statics(LAB_OBJECTS));
}

// ...and no global of the C library either: the lab's object files must not call
// strtok, rand, gmtime or any other function that keeps hidden state.
TEST(NoGlobals, NoCallsToCLibraryFunctionsWithHiddenState) {
  EXPECT_TRUE(calls_no_hidden_state_functions(LAB_OBJECTS));
}

// A "fix" that serves every connection on the calling thread is not a fix.
TEST(Parallel, ConnectionsRunAsSeveralTasks) {
  const auto connections = make_connections(6, 2);
  labkit::testing::ExposureExecutor executor;
  lab06::serve_all(connections, echo, executor);
  EXPECT_GE(executor.tasks_at_once(), 2u)
      << "not parallel: the connections must go through the executor as several tasks at once (submit them all, then wait)";
}

}  // namespace
