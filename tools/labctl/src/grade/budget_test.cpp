// Grading's time budgets (budget.hpp): a lab's own cap, and a submission's counted in
// worker time, so that waiting for a worker costs a submission nothing.
#include "grade/budget.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace {

using namespace std::chrono_literals;
using labctl::Budget;
using labctl::GradeClock;
using labctl::SubmissionClock;

TEST(Budget, UnlimitedByDefault) {
  const Budget budget;
  EXPECT_EQ(budget.next().at, GradeClock::time_point::max());
  EXPECT_EQ(budget.next().left(), std::chrono::seconds::max());
}

// The lab's own deadline, when it comes first, with words that say whose it is.
TEST(Budget, TheLabsOwnCap) {
  SubmissionClock clock(1000s, 4);
  clock.lab_started();
  const Budget budget(30s, &clock);
  const auto next = budget.next();
  EXPECT_EQ(next.words, "the lab's time budget (30 s)");
  EXPECT_GE(next.left(), 29s);
  EXPECT_LE(next.left(), 30s);
}

// A submission's budget is worker time shared by its labs in flight: 10 s on 2 workers is
// 20 s of worker time, so with both labs running each run may last 10 s, and one lab alone
// may have it all.
TEST(Budget, TheSubmissionsCapIsSharedByItsLabsInFlight) {
  SubmissionClock clock(10s, 2);
  clock.lab_started();
  clock.lab_started();
  const Budget budget(1000s, &clock);
  auto next = budget.next();
  EXPECT_EQ(next.words, "the submission's time budget (10 s)");
  EXPECT_GE(next.left(), 9s);
  EXPECT_LE(next.left(), 10s);
  clock.lab_ended();
  next = budget.next();
  EXPECT_GE(next.left(), 19s);
  EXPECT_LE(next.left(), 20s);
}

// The one line for a step the budget cut short names whose budget it was, and its size.
TEST(Budget, SaysWhoseBudgetRanOut) {
  SubmissionClock clock(10s, 1);
  clock.lab_started();
  EXPECT_EQ(Budget(1000s, &clock).next().ran_out_while("compiling"),
            "compiling took longer than the submission's budget of 10 s");
  EXPECT_EQ(Budget(5s, &clock).next().ran_out_while("linking"), "linking took longer than the lab's budget of 5 s");
  EXPECT_EQ(Budget().next().ran_out_while("compiling"), "compiling took longer than its time limit");
}

// Time passes only for labs in flight: a submission whose labs wait is not charged.
TEST(Budget, WaitingCostsNothing) {
  SubmissionClock clock(5s, 1);
  std::this_thread::sleep_for(1100ms);  // nothing in flight
  clock.lab_started();
  EXPECT_GE(Budget(1000s, &clock).next().left(), 4s);
  std::this_thread::sleep_for(1100ms);
  EXPECT_LE(Budget(1000s, &clock).next().left(), 3s);
}

// Spent: a deadline in the past, nothing left.
TEST(Budget, RunsOut) {
  SubmissionClock clock(1s, 1);
  clock.lab_started();
  std::this_thread::sleep_for(1100ms);
  EXPECT_EQ(Budget(1000s, &clock).next().left(), 0s);
  EXPECT_EQ(Budget(1s, nullptr).next().words, "the lab's time budget (1 s)");
}

}  // namespace
