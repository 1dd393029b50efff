// How much wall time grading may still spend: each lab has a cap of its own (compiling
// included), and each submission one for all its labs together. A run of a test program is
// given the smaller of its own limit and what its budgets have left, so code that never
// finishes costs a bounded time however many labs and criteria it hangs in.
#pragma once

#include <chrono>
#include <mutex>
#include <string>

namespace labctl {

using GradeClock = std::chrono::steady_clock;

// The budget of one submission, shared by the worker threads that grade its labs. It is
// counted in worker time: with `slots` workers on it, `limit` of wall time is
// `limit * slots` of worker time, which its labs in flight use up together. So a submission
// graded alone (or with a worker per lab) gets `limit` of wall time, and one whose labs wait
// for workers behind another submission's is not charged for the wait.
class SubmissionClock {
 public:
  SubmissionClock(std::chrono::seconds limit, int slots);

  void lab_started();
  void lab_ended();
  // The latest a run that starts now may end: what is left, shared by the labs in flight.
  GradeClock::time_point deadline();
  std::chrono::seconds limit() const { return limit_; }

 private:
  void charge(GradeClock::time_point now);  // with mutex_ held

  std::mutex mutex_;
  std::chrono::seconds limit_;
  GradeClock::duration left_;  // worker time
  int in_flight_ = 0;
  GradeClock::time_point since_;
};

// What one lab may still spend: its own deadline, and its submission's clock (if any).
class Budget {
 public:
  Budget() = default;  // unlimited
  Budget(std::chrono::seconds lab_limit, SubmissionClock* submission);

  // Where the next run must end, and what ends there.
  struct Deadline {
    GradeClock::time_point at = GradeClock::time_point::max();
    std::string words;  // "the lab's time budget (90 s)", "the submission's time budget (150 s)"
    std::string owner;  // "lab's", "submission's"; empty when unlimited
    std::chrono::seconds limit{0};  // the whole budget that ends here
    // The time left from now, whole seconds, rounded down; 0 when it ran out.
    std::chrono::seconds left() const;
    // The one line for a step the budget cut short: "compiling took longer than the lab's
    // budget of 90 s" (`doing`: "compiling").
    std::string ran_out_while(const std::string& doing) const;
  };
  Deadline next() const;

 private:
  GradeClock::time_point lab_deadline_ = GradeClock::time_point::max();
  std::chrono::seconds lab_limit_{0};
  SubmissionClock* submission_ = nullptr;
};

}  // namespace labctl
