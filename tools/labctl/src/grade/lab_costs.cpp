// What each lab cost to grade, and the work ordered by it (lab_costs.hpp).
#include "grade/lab_costs.hpp"

#include "base/process.hpp"  // read_file

#include <nlohmann/json.hpp>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <system_error>

namespace labctl {

namespace fs = std::filesystem;

LabCosts LabCosts::load(const fs::path& file) {
  LabCosts costs;
  const nlohmann::json json = nlohmann::json::parse(read_file(file), nullptr, false);
  if (json.is_discarded() || !json.is_object()) return costs;
  for (const auto& [number, value] : json.items()) {
    if (value.is_number() && value.get<double>() >= 0) costs.seconds_[number] = value.get<double>();
  }
  return costs;
}

double LabCosts::seconds(const std::string& number) const {
  if (const auto it = measured_.find(number); it != measured_.end()) return it->second.first / it->second.second;
  const auto it = seconds_.find(number);
  return it == seconds_.end() ? -1 : it->second;
}

void LabCosts::record(const std::string& number, double seconds) {
  auto& [sum, count] = measured_[number];
  sum += std::max(seconds, 0.0);
  ++count;
}

void LabCosts::save(const fs::path& file) const {
  if (measured_.empty()) return;
  nlohmann::json json = nlohmann::json::object();
  for (const auto& [number, seconds] : seconds_) json[number] = seconds;
  for (const auto& [number, measured] : measured_) json[number] = measured.first / measured.second;
  // Beside the file, so the rename stays on one file system; the pid keeps two gradings apart.
  const fs::path temporary = file.string() + "." + std::to_string(::getpid()) + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << json.dump(1) << '\n';
    if (!out) return;  // a cost not kept is a slower order next time, not a failure
  }
  std::error_code ignored;
  fs::rename(temporary, file, ignored);
  if (ignored) fs::remove(temporary, ignored);
}

void order_dearest_first(std::vector<std::pair<std::size_t, std::size_t>>& work,
                         const std::vector<std::string>& lab_numbers, const LabCosts& costs) {
  const auto cost = [&](std::size_t lab) {
    const double seconds = costs.seconds(lab_numbers.at(lab));
    return seconds < 0 ? 1e300 : seconds;  // never measured: first
  };
  std::stable_sort(work.begin(), work.end(), [&](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first < b.first;
    return cost(a.second) > cost(b.second);
  });
}

}  // namespace labctl
