// Which labs a grading's workers take first. A whole submission's labs are graded side by
// side (--jobs), and the submission is done when its last lab is: the dearest labs (lab 01's
// explored schedules, lab 11's 2000 connections) must not be the last ones started, or a
// worker grades them alone at the end while the other cores wait (a whole submission took
// 17 s with labs in number order; the labs' own times, spread well, fit in about 14).
//
// What a lab costs is what it cost the last time it was graded: wall seconds per lab, kept
// in the grader's build (lab-seconds.json), since they are a property of the course and the
// machine, not of any one submission. Only the order of the work depends on them, never a
// verdict.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace labctl {

class LabCosts {
 public:
  // The costs kept in `file`; none when it is missing or unreadable (a fresh build).
  static LabCosts load(const std::filesystem::path& file);

  // Lab `number`'s last cost in seconds; negative when it was never measured.
  double seconds(const std::string& number) const;
  // Records one grading of lab `number` that took `seconds`; several in one batch average.
  void record(const std::string& number, double seconds);
  // Writes every cost to `file` (through a temporary file and a rename: two gradings that
  // share a build never leave a half-written file). Costs not recorded since load() stay.
  void save(const std::filesystem::path& file) const;

 private:
  std::map<std::string, double> seconds_;                       // as loaded
  std::map<std::string, std::pair<double, int>> measured_;       // this run's: sum, count
};

// Orders `work`, (submission, lab) pairs as indices into `labs`' numbers, so that each
// submission's labs come dearest first: submissions keep their order (one is finished before
// the next begins, as far as the workers allow), and a lab never measured comes before any
// measured one (it might be the dearest; it will be measured now). Ties keep their order.
void order_dearest_first(std::vector<std::pair<std::size_t, std::size_t>>& work,
                         const std::vector<std::string>& lab_numbers, const LabCosts& costs);

}  // namespace labctl
