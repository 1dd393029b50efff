// Tests for lab 05 — check-then-act, locked. Built twice: against the student's starter
// (labs/05-check-then-act-locked) and against the reference solution
// (solutions/05-check-then-act-locked).
//
// Each suite is one grading criterion (tools/lab reads the suite names):
//   Correctness  the decisions and the credits left equal a plain loop's (no calls, one,
//                many), and no client is ever charged beyond its quota, even when the
//                test pauses threads between their check and their charge
//   Determinism  the same decisions whatever order the tasks run in (32 seeded orders)
//   RaceFree     run under the ExposureExecutor, where TSan sees any race between tasks
//   NoGlobals    the lab's object file holds no mutable static variable
//   Parallel     the pricing really went through the executor, as several tasks at once
//
// The bug of this lab is not a data race: every access to the quota store is locked
// and TSan stays silent. It is a gap between two locked steps, which ordinary
// scheduling hits only now and then. So one test widens the gap on purpose
// (HoldAfterCheck below), through the hook QuotaStore calls after every check, and
// makes the overdraft happen in every run.
#include "quota_service.hpp"
#include "05-check-then-act-locked.data.hpp"

#include <labkit/testing.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

using lab05::ApiCall;
using lab05::Decision;
using lab05::test_data::Credits;

// What a batch leaves behind: one decision per call, and every client's credit after.
struct Outcome {
  std::vector<Decision> decisions;
  Credits credits;
  bool operator==(const Outcome&) const = default;
};

// Printed compactly: "approved: 1 1 0 1 ... | credit left: acme=3 globex=0".
void PrintTo(const Outcome& outcome, std::ostream* out) {
  *out << "approved:";
  for (const auto& decision : outcome.decisions) *out << ' ' << (decision.approved ? 1 : 0);
  *out << " | credit left:";
  for (const auto& [client, credit] : outcome.credits) *out << ' ' << client << '=' << credit;
}

using lab05::test_data::make_calls;

const std::vector<std::string> kAllEndpoints = {"/v1/search", "/v1/translate", "/v1/generate", "/v1/ping"};

using lab05::test_data::quotas_for;

// The sequential reference: one loop, no threads, obviously right.
Outcome admit_sequentially(const std::vector<ApiCall>& calls, Credits credits) {
  Outcome outcome;
  for (const auto& call : calls) {
    const long price = lab05::quote(call);
    const auto found = credits.find(call.client);
    const bool approved = found != credits.end() && found->second >= price;
    if (approved) found->second -= price;
    outcome.decisions.push_back({price, approved});
  }
  outcome.credits = std::move(credits);
  return outcome;
}

// Runs the lab on a fresh store holding `quotas` (with `hook`, if any) and collects
// what it left behind.
Outcome admit(const std::vector<ApiCall>& calls, const Credits& quotas, labkit::Executor& executor,
              lab05::QuotaStore::CheckHook hook = {}) {
  lab05::QuotaStore store(quotas, std::move(hook));
  Outcome outcome;
  outcome.decisions = lab05::admit_all(calls, store, executor);
  outcome.credits = store.credits();
  return outcome;
}

// The invariant of a quota: no client is charged more than it had. Checked from the
// decisions and the credits left, client by client, with a message that says which
// client paid for what.
::testing::AssertionResult no_client_overdrawn(const std::vector<ApiCall>& calls, const Credits& quotas,
                                               const Outcome& outcome) {
  if (outcome.decisions.size() != calls.size()) {
    return ::testing::AssertionFailure() << "expected one decision per call: " << calls.size() << " calls, "
                                         << outcome.decisions.size() << " decisions";
  }
  std::map<std::string, long> spent;
  std::map<std::string, int> approved;
  for (std::size_t i = 0; i < calls.size(); ++i) {
    if (!outcome.decisions[i].approved) continue;
    spent[calls[i].client] += outcome.decisions[i].price;
    ++approved[calls[i].client];
  }
  auto failure = ::testing::AssertionFailure();
  failure << "overdrawn: clients were charged beyond their quota";
  bool failed = false;
  for (const auto& [client, quota] : quotas) {
    const auto left = outcome.credits.find(client);
    const long credit_left = left == outcome.credits.end() ? 0 : left->second;
    if (spent[client] <= quota && credit_left >= 0) continue;
    failed = true;
    failure << "\n  " << client << ": " << approved[client] << " calls approved for " << spent[client]
            << " credits with a quota of " << quota << "; credit left: " << credit_left;
  }
  if (!failed) return ::testing::AssertionSuccess();
  return failure << "\n  Several calls passed the credit check before any of them was charged (check-then-act). "
                    "Each step was locked; the check and the charge together were not.";
}

// The test's hand on the timing, through QuotaStore's hook. A thread whose check said
// "enough" is held right there, between its check and its charge, until every call of
// the same client has been checked too. When the calls are checked by threads that run
// at the same time, they all see the full quota, all pass, and all charge: the client
// is overdrawn in every run, not one run in a thousand.
//
// It never makes a correct program hang or crawl:
//   - a check made on the thread that called admit_all is never held: that thread
//     runs one step at a time, so nothing else can slip between its check and charge;
//   - every hold has a deadline (kHold). If the other checks do not come in time (the
//     checks are serialised by a lock, or queued behind this one on a small pool), the
//     test gives up holding, for every thread at once.
class HoldAfterCheck {
 public:
  explicit HoldAfterCheck(const std::vector<ApiCall>& calls) : caller_(std::this_thread::get_id()) {
    for (const auto& call : calls) ++calls_per_client_[call.client];
  }

  lab05::QuotaStore::CheckHook hook() {
    return [this](const std::string& client, long /*amount*/, bool enough) { after_check(client, enough); };
  }

  // How many threads were held between check and charge, and whether it gave up.
  int held() const {
    std::lock_guard<std::mutex> lock(m_);
    return held_;
  }
  bool gave_up() const {
    std::lock_guard<std::mutex> lock(m_);
    return gave_up_;
  }

 private:
  static constexpr std::chrono::milliseconds kHold{1000};

  void after_check(const std::string& client, bool enough) {
    if (std::this_thread::get_id() == caller_) return;
    std::unique_lock<std::mutex> lock(m_);
    const int all = calls_per_client_[client];
    ++checks_[client];
    cv_.notify_all();
    if (!enough || gave_up_ || checks_[client] >= all) return;
    ++held_;
    // A system_clock deadline: with steady_clock, libstdc++ waits in
    // pthread_cond_clockwait, which clang 14's ThreadSanitizer does not intercept.
    const auto deadline = std::chrono::system_clock::now() + kHold;
    cv_.wait_until(lock, deadline, [&] { return gave_up_ || checks_[client] >= all; });
    if (!gave_up_ && checks_[client] < all) {
      gave_up_ = true;
      cv_.notify_all();
    }
  }

  mutable std::mutex m_;  // guards everything below
  std::condition_variable cv_;
  std::map<std::string, int> calls_per_client_;
  std::map<std::string, int> checks_;
  int held_ = 0;
  bool gave_up_ = false;
  const std::thread::id caller_;  // the thread that calls admit_all
};

// Three clients with three calls each, all of one endpoint per client, and quotas of
// exactly the first two calls' prices: in call order, the third call of each client
// is rejected.
std::vector<ApiCall> contested_calls() {
  std::vector<ApiCall> calls;
  const std::vector<std::pair<std::string, std::string>> clients = {
      {"acme", "/v1/generate"}, {"globex", "/v1/translate"}, {"initech", "/v1/generate"}};
  for (int round = 0; round < 3; ++round) {
    for (const auto& [client, endpoint] : clients)
      calls.push_back({client, endpoint, "{\"text\": \"" + client + " request " + std::to_string(round) + "\"}"});
  }
  return calls;
}

Credits contested_quotas(const std::vector<ApiCall>& calls) {
  Credits quotas;
  std::map<std::string, int> seen;
  for (const auto& call : calls) {
    if (seen[call.client]++ < 2) quotas[call.client] += lab05::quote(call);
  }
  return quotas;
}

// Checks that the test data itself is what the other tests assume: the contested
// batch rejects exactly the third call of each client, yet each call alone would fit
// the full quota (so overlapping checks all pass); the larger batch rejects some calls
// and approves some for every client.
TEST(Correctness, TestDataContestsEveryQuota) {
  const auto calls = contested_calls();
  const Credits quotas = contested_quotas(calls);
  const Outcome reference = admit_sequentially(calls, quotas);
  for (std::size_t i = 0; i < calls.size(); ++i) {
    EXPECT_EQ(reference.decisions[i].approved, i < 6) << calls[i];
    EXPECT_LE(lab05::quote(calls[i]), quotas.at(calls[i].client)) << calls[i];
  }
  const auto many = make_calls({"acme", "globex", "initech", "umbrella", "hooli"}, 12, kAllEndpoints);
  const Outcome many_reference = admit_sequentially(many, quotas_for(many, 60));
  std::map<std::string, std::pair<int, int>> approved_rejected;
  for (std::size_t i = 0; i < many.size(); ++i)
    ++(many_reference.decisions[i].approved ? approved_rejected[many[i].client].first
                                            : approved_rejected[many[i].client].second);
  EXPECT_EQ(approved_rejected.size(), 5u);
  for (const auto& [client, counts] : approved_rejected) {
    EXPECT_GT(counts.first, 0) << client;
    EXPECT_GT(counts.second, 0) << client;
  }
}

// No calls: no decisions, and nobody is charged.
TEST(Correctness, NoCalls) {
  labkit::ThreadPoolExecutor executor(4);
  const Credits quotas = {{"acme", 100}};
  EXPECT_EQ(admit({}, quotas, executor), (Outcome{{}, quotas}));
}

// One call that fits is approved and charged; one that does not, or from a client
// without a quota, is rejected and charges nothing.
TEST(Correctness, OneCall) {
  labkit::ThreadPoolExecutor executor(4);
  const ApiCall call{"acme", "/v1/search", "{\"query\": \"anvils\"}"};
  const long price = lab05::quote(call);
  EXPECT_EQ(admit({call}, {{"acme", 100}}, executor), (Outcome{{{price, true}}, {{"acme", 100 - price}}}));
  EXPECT_EQ(admit({call}, {{"acme", price - 1}}, executor), (Outcome{{{price, false}}, {{"acme", price - 1}}}));
  EXPECT_EQ(admit({call}, {{"globex", 100}}, executor), (Outcome{{{price, false}}, {{"globex", 100}}}));
}

// Many calls on a real pool, every quota contested: the same decisions and credits as
// the plain loop, and nobody overdrawn.
TEST(Correctness, ManyCallsOnAThreadPool) {
  const auto calls = make_calls({"acme", "globex", "initech", "umbrella", "hooli"}, 12, kAllEndpoints);
  const Credits quotas = quotas_for(calls, 60);
  labkit::ThreadPoolExecutor executor(4);
  const Outcome got = admit(calls, quotas, executor);
  EXPECT_TRUE(no_client_overdrawn(calls, quotas, got));
  EXPECT_EQ(got, admit_sequentially(calls, quotas));
}

// The invariant, with the test holding each thread between its check and its charge
// (see HoldAfterCheck) on an executor that runs every task on its own thread: a client
// must never be charged beyond its quota, however the checks and charges interleave.
TEST(Correctness, NoClientOverdrawnWhenChecksOverlap) {
  const auto calls = contested_calls();
  const Credits quotas = contested_quotas(calls);
  HoldAfterCheck timing(calls);
  labkit::testing::ExposureExecutor executor;
  const Outcome got = admit(calls, quotas, executor, timing.hook());
  EXPECT_TRUE(no_client_overdrawn(calls, quotas, got))
      << "\n  (the test held " << timing.held() << " threads between their check and their charge"
      << (timing.gave_up() ? ", then gave up: the other checks did not come" : "") << ")";
  EXPECT_EQ(got, admit_sequentially(calls, quotas));
}

// Whatever order the tasks run in (32 seeded orders on the ShuffledExecutor), the same
// calls are approved: first come, first served means the order of `calls`, not the
// order the tasks happened to run in. A failure names the seed; LABKIT_SEED=<seed>
// replays just that order.
TEST(Determinism, SameDecisionsForEveryTaskOrder) {
  const auto calls = make_calls({"acme", "globex", "initech"}, 6, kAllEndpoints);
  const Credits quotas = quotas_for(calls, 50);
  EXPECT_TRUE(labkit::testing::same_result_for_all_seeds(
      admit_sequentially(calls, quotas),
      [&](labkit::Executor& executor) { return admit(calls, quotas, executor); }));
}

// Every task on its own thread, released together: ThreadSanitizer reports any data
// race between tasks (and the program exits 66).
TEST(RaceFree, UnderTheExposureExecutor) {
  const auto calls = make_calls({"acme", "globex", "initech", "umbrella"}, 10, kAllEndpoints);
  const Credits quotas = quotas_for(calls, 60);
  labkit::testing::ExposureExecutor executor;
  const Outcome got = admit(calls, quotas, executor);
  EXPECT_TRUE(no_client_overdrawn(calls, quotas, got));
  EXPECT_EQ(got, admit_sequentially(calls, quotas));
}

// The discipline read off the compiled code: no global or static variable.
TEST(NoGlobals, NoMutableStaticsInTheLabCode) {
  EXPECT_TRUE(labkit::testing::has_no_mutable_statics(LAB_OBJECTS));
}

// A "fix" that prices every call on the calling thread is not a fix.
TEST(Parallel, PricingRunsAsSeveralTasks) {
  const auto calls = make_calls({"acme", "globex"}, 5, kAllEndpoints);
  labkit::testing::ExposureExecutor executor;
  admit(calls, quotas_for(calls, 50), executor);
  EXPECT_GE(executor.tasks_at_once(), 2u)
      << "not parallel: the calls must be priced through the executor, as several tasks at once (submit them all, then wait)";
}

}  // namespace
