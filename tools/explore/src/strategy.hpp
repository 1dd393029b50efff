// The scheduling strategies of the preload library: given the threads that may run at a
// scheduling point, which one runs next. Every choice is a function of the schedule
// (strategy, seed, depth, steps) and of the sequence of calls made so far, nothing else,
// which is what makes a schedule replayable. Header-only; no allocation on the hot path
// beyond the per-thread priority table.
#pragma once

#include "schedule.hpp"

#include <cstdint>
#include <vector>

namespace labctl::explore {

// splitmix64: tiny, fast, and the same sequence on every platform (unlike std::
// distributions, whose output the standard leaves to the implementation).
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n), n > 0 (the modulo bias is irrelevant at these sizes).
  std::uint64_t below(std::uint64_t n) { return next() % n; }

 private:
  std::uint64_t state_;
};

// Random: every enabled thread equally likely at every scheduling point.
// PCT (Burckhardt et al., ASPLOS 2010): each thread gets a random priority when it is
// created, above depth; the highest-priority enabled thread runs; at D-1 random steps
// out of `steps` the running thread drops to priority D-i, below every initial one.
// A thread that yields or sleeps drops below everyone, so a spin-wait with sched_yield
// cannot starve the thread it waits for (PCT's usual fix for yield loops).
// Delay bounding (Emmi, Qadeer, Rakamaric, POPL 2011; randomised as in Thomson, Donaldson,
// Betts, TOPC 2016): the default scheduler is round-robin and non-preemptive (the current
// thread runs until it blocks, yields or ends, then the next enabled thread by id, cyclically);
// at `delays` random steps out of `steps` the thread the default would pick is skipped for the
// next one. A bug needing d deviations is found with probability about 1/steps^d per run,
// whatever the number of threads: PCT's bound divides by the thread count, this does not.
class Chooser {
 public:
  explicit Chooser(const Schedule& schedule) : schedule_(schedule), rng_(schedule.seed) {
    if (schedule.strategy == Strategy::pct) {
      for (int i = 1; i < schedule.depth; ++i) change_points_.push_back(1 + rng_.below(schedule.steps));
    } else if (schedule.strategy == Strategy::delay) {
      for (int i = 0; i < schedule.delays; ++i) change_points_.push_back(1 + rng_.below(schedule.steps));
    }
  }

  // Thread `id` (0 for main, then 1, 2, ... in creation order) now exists.
  void on_thread_created(int id) {
    if (static_cast<int>(priority_.size()) <= id) priority_.resize(id + 1, 0);
    priority_[id] = schedule_.depth + 1 + static_cast<std::int64_t>(rng_.next() >> 2);
  }

  // Which of `enabled` (thread ids, ascending, not empty) runs next. `current` is the thread
  // at the scheduling point (it may be among `enabled`); `yielded` when it called
  // sched_yield or a sleep.
  int pick(const std::vector<int>& enabled, int current, bool yielded) {
    ++step_;
    if (schedule_.strategy == Strategy::random || schedule_.strategy == Strategy::sync) {
      return enabled[rng_.below(enabled.size())];
    }
    if (schedule_.strategy == Strategy::delay) return pick_delayed(enabled, current, yielded);
    if (yielded && current >= 0 && current < static_cast<int>(priority_.size())) priority_[current] = --floor_;
    for (std::size_t i = 0; i < change_points_.size(); ++i) {
      if (change_points_[i] == step_ && current >= 0 && current < static_cast<int>(priority_.size())) {
        priority_[current] = schedule_.depth - 1 - static_cast<std::int64_t>(i);
      }
    }
    int best = enabled.front();
    for (int id : enabled) {
      if (priority_[id] > priority_[best]) best = id;
    }
    return best;
  }

  // A choice among n things that is not a thread switch (which waiter a signal wakes).
  std::uint64_t choose(std::uint64_t n) { return rng_.below(n); }

  std::uint64_t steps_taken() const { return step_; }

 private:
  // Delay bounding's choice: the round-robin default, skipped once per delay due now.
  int pick_delayed(const std::vector<int>& enabled, int current, bool yielded) {
    // The position of the default choice in `enabled` (ascending ids): the current thread
    // when it can go on, else the first enabled thread after it, cyclically.
    std::size_t at = 0;
    while (at < enabled.size() && enabled[at] < current) ++at;
    const bool current_enabled = at < enabled.size() && enabled[at] == current;
    if (current_enabled && yielded) ++at;
    if (at == enabled.size()) at = 0;
    for (std::uint64_t point : change_points_) {
      if (point == step_) at = (at + 1) % enabled.size();
    }
    return enabled[at];
  }

  Schedule schedule_;
  Rng rng_;
  std::vector<std::uint64_t> change_points_;
  std::vector<std::int64_t> priority_;
  std::int64_t floor_ = 0;  // below every change-point priority (1..D-1)
  std::uint64_t step_ = 0;
};

}  // namespace labctl::explore
