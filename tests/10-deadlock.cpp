// Tests for lab 10 — deadlock. Built twice: against the student's starter
// (labs/10-deadlock) and against the reference solution (solutions/10-deadlock).
//
// Each suite is one grading criterion (tools/lab reads the suite names):
//   Correctness   the closing balances equal a plain loop's (no transfers, one, two
//                 opposite ones in two batches, many payments)
//   Determinism   the same balances whatever order the tasks run in (32 seeded orders)
//   RaceFree      run under the ExposureExecutor, where TSan sees any race between tasks
//   NoGlobals     the lab's object file holds no mutable static variable (a global
//                 mutex counts)
//   Parallel      the fraud checks really went through the executor, as several tasks at once
//   DeadlockFree  two opposite transfers forced to overlap still finish
//
// A deadlocked settle() never returns, so every call here runs on a thread of its own
// with a deadline (settle_with_deadline). When the deadline passes, the test prints what
// is blocked and ends the program as the test watchdog would (exit status 124), within
// seconds rather than at the watchdog's limit.
#include "payments.hpp"

#include <labkit/testing.hpp>

#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <exception>
#include <functional>
#include <memory>
#include <numeric>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

using lab10::Balances;
using lab10::FraudCheck;
using lab10::Transfer;

// How long one settle() may take before the test calls it a deadlock. A correct
// settle() of these batches takes milliseconds, even under ThreadSanitizer.
constexpr std::chrono::seconds kDeadline{3};

// ------------------------------------------------------------------ test data

// Every account starts with a different balance, so a mix-up of accounts shows.
Balances make_opening() {
  Balances opening{};
  for (int account = 0; account < lab10::kAccountCount; ++account) opening[account] = 10'000 + 100 * account;
  return opening;
}

// Accounts 0 .. kFirstMerchant - 1 belong to customers, the rest to shops.
constexpr int kFirstMerchant = 12;

// `count` card payments, each from a customer to a shop, drawn from a fixed seed. Money
// only ever flows from customers to shops here, so every transfer would take its two
// locks in the same order (customer, then shop): on their own these batches cannot
// deadlock. The tests that are about deadlock send money both ways on purpose.
std::vector<Transfer> make_payments(std::size_t count) {
  std::mt19937 rng(2026);
  std::vector<Transfer> payments;
  for (std::size_t i = 0; i < count; ++i) {
    const int from = static_cast<int>(rng() % kFirstMerchant);
    const int to = kFirstMerchant + static_cast<int>(rng() % (lab10::kAccountCount - kFirstMerchant));
    payments.push_back({from, to, 1 + static_cast<long>(rng() % 1200)});
  }
  return payments;
}

// The tests' fraud check: a pure function (safe on any thread), that declines every
// transfer above 1000, about one in six of make_payments().
bool approve_up_to_1000(const Transfer& t) { return t.amount <= 1000; }

// The sequential reference: one loop, no threads, no locks, obviously right.
Balances settle_sequentially(const Balances& opening, const std::vector<Transfer>& transfers,
                             const FraudCheck& approve) {
  Balances balances = opening;
  for (const Transfer& t : transfers) {
    if (approve(t)) lab10::move_money(balances, t);
  }
  return balances;
}

// Compares closing balances and, when they differ, names the accounts that are wrong
// (rather than printing two rows of sixteen numbers).
::testing::AssertionResult same_balances(const Balances& expected, const Balances& got) {
  if (got == expected) return ::testing::AssertionSuccess();
  auto failure = ::testing::AssertionFailure();
  failure << "wrong closing balances:";
  for (int account = 0; account < lab10::kAccountCount; ++account) {
    if (got[account] != expected[account])
      failure << "\n  account " << account << ": " << got[account] << " instead of " << expected[account];
  }
  return failure;
}

// ------------------------------------------------------------------ the deadline

// What a settle() that missed its deadline is blocked on, unless the test knows better.
std::string blocked_threads_in_general() {
  return "settle() did not return within " + std::to_string(kDeadline.count()) +
         " s: its threads are blocked, each holding the lock of one account while it waits for "
         "the lock of another that a second thread holds";
}

// Runs lab10::settle under kDeadline (labkit::testing::call_within). Too late: prints
// `what_is_blocked()` and ends the program as the test watchdog does, which tools/lab
// reads as a deadlock; the blocked threads leave no clean way out.
Balances settle_with_deadline(const Balances& opening, const std::vector<Transfer>& transfers,
                              const FraudCheck& approve, labkit::Executor& executor,
                              const std::function<std::string()>& what_is_blocked = blocked_threads_in_general) {
  return labkit::testing::call_within(
      kDeadline, [&] { return lab10::settle(opening, transfers, approve, executor); },
      [&]() -> std::string {
        labkit::testing::end_as_hung("still blocked after " + std::to_string(kDeadline.count()) +
                                         "s: settle() never returned (a deadlock: threads waiting for each "
                                         "other's locks).",
                                     "deadlock: " + what_is_blocked());
      });
}

// A fraud check that holds back its answers until `expected` checks are in progress at
// the same time (or until it has waited kMaxWait, then it answers anyway): a controlled
// yield point that makes transfers overlap in every run, instead of once in a while.
// It approves everything. Only atomics: it adds no lock of its own to the picture.
class OverlappingChecks {
 public:
  static constexpr std::chrono::seconds kMaxWait{2};

  explicit OverlappingChecks(int expected) : expected_(expected) {}

  FraudCheck check() {
    return [this](const Transfer&) {
      started_.fetch_add(1);
      const auto give_up = std::chrono::steady_clock::now() + kMaxWait;
      while (started_.load() < expected_ && std::chrono::steady_clock::now() < give_up)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      if (started_.load() >= expected_) overlapped_.store(true);
      return true;
    };
  }

  // True once `expected` checks were in progress together.
  bool overlapped() const { return overlapped_.load(); }

 private:
  const int expected_;
  std::atomic<int> started_{0};
  std::atomic<bool> overlapped_{false};
};

// ------------------------------------------------------------------ Correctness

// Checks that the test data itself is what the other tests assume: every payment goes
// from a customer to a shop, some are declined, and settling moves money around
// without creating or destroying any.
TEST(Correctness, TestDataPaysShopsFromCustomers) {
  const auto payments = make_payments(2'000);
  int declined = 0;
  for (const Transfer& t : payments) {
    EXPECT_LT(t.from, kFirstMerchant);
    EXPECT_GE(t.to, kFirstMerchant);
    EXPECT_LT(t.to, lab10::kAccountCount);
    if (!approve_up_to_1000(t)) ++declined;
  }
  EXPECT_GT(declined, 100);
  const Balances opening = make_opening();
  const Balances closing = settle_sequentially(opening, payments, approve_up_to_1000);
  EXPECT_NE(closing, opening);
  EXPECT_EQ(std::accumulate(closing.begin(), closing.end(), 0L), std::accumulate(opening.begin(), opening.end(), 0L));
}

// No transfers: the balances do not change (and no crash on zero chunks).
TEST(Correctness, NoTransfers) {
  labkit::ThreadPoolExecutor executor(4);
  EXPECT_TRUE(same_balances(make_opening(), settle_with_deadline(make_opening(), {}, approve_up_to_1000, executor)));
}

// One approved transfer moves its money; one declined transfer moves nothing.
TEST(Correctness, OneTransfer) {
  labkit::ThreadPoolExecutor executor(4);
  Balances expected = make_opening();
  expected[3] -= 500;
  expected[7] += 500;
  EXPECT_TRUE(same_balances(expected, settle_with_deadline(make_opening(), {{3, 7, 500}}, approve_up_to_1000, executor)));
  EXPECT_TRUE(same_balances(make_opening(),
                            settle_with_deadline(make_opening(), {{3, 7, 5'000}}, approve_up_to_1000, executor)));
}

// Two friends settle up: money goes 3 -> 7 in one batch, then 7 -> 3 in the next. The
// two batches never run at the same time, so they cannot deadlock. But code that locks
// the payer first took the locks 3-then-7, and then 7-then-3: ThreadSanitizer remembers
// the order in which locks were taken over the whole program, and reports the
// inversion here.
TEST(Correctness, OppositeTransfersOneBatchAfterTheOther) {
  labkit::ThreadPoolExecutor executor(4);
  const std::vector<Transfer> there = {{3, 7, 500}};
  const std::vector<Transfer> back = {{7, 3, 200}};
  const Balances after_there = settle_with_deadline(make_opening(), there, approve_up_to_1000, executor);
  EXPECT_TRUE(same_balances(settle_sequentially(make_opening(), there, approve_up_to_1000), after_there));
  EXPECT_TRUE(same_balances(settle_sequentially(after_there, back, approve_up_to_1000),
                            settle_with_deadline(after_there, back, approve_up_to_1000, executor)));
}

// Many payments on a real pool: every approved one moved once, none lost.
TEST(Correctness, ManyPaymentsOnAThreadPool) {
  const auto payments = make_payments(2'000);
  labkit::ThreadPoolExecutor executor(4);
  EXPECT_TRUE(same_balances(settle_sequentially(make_opening(), payments, approve_up_to_1000),
                            settle_with_deadline(make_opening(), payments, approve_up_to_1000, executor)));
}

// ------------------------------------------------------------------ Determinism

// Whatever order the tasks run in, the closing balances are the same.
TEST(Determinism, SameBalancesForEveryTaskOrder) {
  const auto payments = make_payments(200);
  EXPECT_TRUE(labkit::testing::same_result_for_all_seeds(
      settle_sequentially(make_opening(), payments, approve_up_to_1000), [&](labkit::Executor& executor) {
        return settle_with_deadline(make_opening(), payments, approve_up_to_1000, executor);
      }));
}

// ------------------------------------------------------------------ RaceFree

// Every task on its own thread, released together: if two tasks write the same
// memory, ThreadSanitizer reports a data race and the program exits 66.
TEST(RaceFree, UnderTheExposureExecutor) {
  const auto payments = make_payments(500);
  labkit::testing::ExposureExecutor executor;
  EXPECT_TRUE(same_balances(settle_sequentially(make_opening(), payments, approve_up_to_1000),
                            settle_with_deadline(make_opening(), payments, approve_up_to_1000, executor)));
}

// ------------------------------------------------------------------ NoGlobals

// The discipline read off the compiled code: no global accounts, no global mutexes.
TEST(NoGlobals, NoMutableStaticsInTheLabCode) {
  EXPECT_TRUE(labkit::testing::has_no_mutable_statics(LAB_OBJECTS));
}

// ------------------------------------------------------------------ Parallel

// A "fix" that checks every transfer on the calling thread is not a fix.
TEST(Parallel, FraudChecksRunAsSeveralTasks) {
  const auto payments = make_payments(50);
  labkit::testing::ExposureExecutor executor;
  settle_with_deadline(make_opening(), payments, approve_up_to_1000, executor);
  EXPECT_GE(executor.tasks_at_once(), 2u)
      << "not parallel: the fraud checks must go through the executor as several tasks at once (submit them all, then wait)";
}

// ------------------------------------------------------------------ DeadlockFree

// Money goes 3 -> 7 and 7 -> 3 in the same batch, and the fraud check holds each answer
// until both checks are in progress at once: the two transfers overlap in every run.
// Code that holds the payer's lock during the check and then takes the payee's lock
// deadlocks here, every time; the test names the locks and ends the program.
TEST(DeadlockFree, OppositeTransfersAtTheSameTime) {
  const std::vector<Transfer> transfers = {{3, 7, 500}, {7, 3, 200}};
  labkit::ThreadPoolExecutor executor(4);
  OverlappingChecks checks(2);
  const Balances closing =
      settle_with_deadline(make_opening(), transfers, checks.check(), executor, [&checks]() -> std::string {
        if (!checks.overlapped()) return blocked_threads_in_general();
        return "both transfer threads are blocked (the thread paying 3 -> 7 holds account 3 and waits "
               "for account 7; the thread paying 7 -> 3 holds account 7 and waits for account 3). "
               "Both fraud checks were answered; neither transfer finished";
      });
  EXPECT_TRUE(same_balances(settle_sequentially(make_opening(), transfers, approve_up_to_1000), closing));
}

}  // namespace
