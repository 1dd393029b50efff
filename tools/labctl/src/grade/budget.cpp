// Grading's time budgets (budget.hpp).
#include "grade/budget.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace labctl {

SubmissionClock::SubmissionClock(std::chrono::seconds limit, int slots)
    : limit_(limit), left_(limit * std::max(1, slots)), since_(GradeClock::now()) {}

void SubmissionClock::charge(GradeClock::time_point now) {
  left_ -= (now - since_) * in_flight_;
  since_ = now;
}

void SubmissionClock::lab_started() {
  std::lock_guard<std::mutex> lock(mutex_);
  charge(GradeClock::now());
  ++in_flight_;
}

void SubmissionClock::lab_ended() {
  std::lock_guard<std::mutex> lock(mutex_);
  charge(GradeClock::now());
  in_flight_ = std::max(0, in_flight_ - 1);
}

GradeClock::time_point SubmissionClock::deadline() {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto now = GradeClock::now();
  charge(now);
  if (left_ <= GradeClock::duration::zero()) return now;
  return now + left_ / std::max(1, in_flight_);
}

Budget::Budget(std::chrono::seconds lab_limit, SubmissionClock* submission)
    : lab_deadline_(GradeClock::now() + lab_limit), lab_limit_(lab_limit), submission_(submission) {}

std::chrono::seconds Budget::Deadline::left() const {
  if (at == GradeClock::time_point::max()) return std::chrono::seconds::max();
  const auto now = GradeClock::now();
  return at <= now ? std::chrono::seconds(0) : std::chrono::duration_cast<std::chrono::seconds>(at - now);
}

std::string Budget::Deadline::ran_out_while(const std::string& doing) const {
  if (owner.empty()) return doing + " took longer than its time limit";
  return fmt::format("{} took longer than the {} budget of {} s", doing, owner, limit.count());
}

Budget::Deadline Budget::next() const {
  Deadline deadline;
  if (lab_limit_ > std::chrono::seconds(0)) {
    deadline.at = lab_deadline_;
    deadline.words = fmt::format("the lab's time budget ({} s)", lab_limit_.count());
    deadline.owner = "lab's";
    deadline.limit = lab_limit_;
  }
  if (submission_ != nullptr) {
    const auto at = submission_->deadline();
    if (at < deadline.at) {
      deadline.at = at;
      deadline.words = fmt::format("the submission's time budget ({} s)", submission_->limit().count());
      deadline.owner = "submission's";
      deadline.limit = submission_->limit();
    }
  }
  return deadline;
}

}  // namespace labctl
