// Vector clocks for source mode's race detector (issue 16): entry t of a thread's clock is
// how far thread t's history is known to have happened before the thread's present. An
// access by thread u at u's tick c happened before thread t's present iff c <= t's clock[u].
// Header-only, no allocation but std::vector's: the detector keeps one per thread and one per
// synchronisation object (mutex, condition variable, atomic location, thread end).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace labctl::explore {

class VectorClock {
 public:
  // Thread t's tick (0 when nothing of t is known).
  std::uint32_t get(int t) const {
    return static_cast<std::size_t>(t) < ticks_.size() ? ticks_[static_cast<std::size_t>(t)] : 0;
  }

  void set(int t, std::uint32_t value) {
    if (ticks_.size() <= static_cast<std::size_t>(t)) ticks_.resize(static_cast<std::size_t>(t) + 1, 0);
    ticks_[static_cast<std::size_t>(t)] = value;
  }

  // this := the pointwise maximum of this and other: everything other knows, this knows.
  void join(const VectorClock& other) {
    if (ticks_.size() < other.ticks_.size()) ticks_.resize(other.ticks_.size(), 0);
    for (std::size_t i = 0; i < other.ticks_.size(); ++i) ticks_[i] = std::max(ticks_[i], other.ticks_[i]);
  }

  // Whether the access (thread, clock) happened before the present this clock describes.
  bool knows(int thread, std::uint32_t clock) const { return clock <= get(thread); }

  bool empty() const { return ticks_.empty(); }

 private:
  std::vector<std::uint32_t> ticks_;
};

}  // namespace labctl::explore
