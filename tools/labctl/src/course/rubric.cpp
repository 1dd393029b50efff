#include "course/rubric.hpp"

#include <algorithm>
#include <array>

namespace labctl {

const std::vector<std::string>& criteria() {
  static const std::vector<std::string> names{"correct", "race_free", "deterministic", "no_globals", "parallel"};
  return names;
}

bool is_criterion(std::string_view name) {
  const auto& names = criteria();
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::string criteria_text() {
  std::string text;
  for (const auto& name : criteria()) text += (text.empty() ? "" : ", ") + name;
  return text;
}

std::string criterion_title(std::string_view criterion) {
  if (criterion == "race_free") return "race-free";
  if (criterion == "no_globals") return "no globals";
  return std::string(criterion);
}

bool is_hidden_suite(std::string_view suite) { return suite.substr(0, 6) == "Hidden" && suite.size() > 6; }

std::string suite_of(std::string_view test) { return std::string(test.substr(0, test.find('.'))); }

std::string criterion_of_suite(std::string_view suite) {
  if (is_hidden_suite(suite)) suite.remove_prefix(6);
  // A parameterised suite is "Prefix/Suite"; the criterion is in the last part.
  if (const auto slash = suite.rfind('/'); slash != std::string_view::npos) suite.remove_prefix(slash + 1);
  if (suite == "RaceFree") return "race_free";
  if (suite == "Determinism") return "deterministic";
  if (suite == "NoGlobals") return "no_globals";
  if (suite == "Parallel") return "parallel";
  return "correct";
}

std::vector<std::pair<std::string, long long>> points_by_criterion(const Lab& lab) {
  std::vector<std::pair<std::string, long long>> points;
  if (!lab.rubric.empty()) {
    for (const auto& name : criteria()) {
      const auto it = std::find_if(lab.rubric.begin(), lab.rubric.end(), [&](const auto& e) { return e.first == name; });
      points.emplace_back(name, it == lab.rubric.end() ? 0 : it->second);
    }
    return points;
  }
  constexpr std::array<long long, 5> kPercent{40, 30, 10, 10, 10};
  long long given = 0;
  for (std::size_t i = 0; i < criteria().size(); ++i) {
    const long long share = i == 0 ? 0 : lab.points * kPercent[i] / 100;
    points.emplace_back(criteria()[i], share);
    given += share;
  }
  points[0].second = lab.points - given;
  return points;
}

std::vector<CriterionScore> score_criteria(const Lab& lab, const std::map<std::string, bool>& passed) {
  const auto passes = [&](const std::string& criterion) {
    const auto it = passed.find(criterion);
    return it != passed.end() && it->second;
  };
  const bool correct = passes("correct");
  std::vector<CriterionScore> scores;
  for (const auto& [criterion, max] : points_by_criterion(lab)) {
    CriterionScore score{criterion, passes(criterion), 0, max};
    if (score.passed && (correct || criterion == "correct")) score.points = max;
    scores.push_back(score);
  }
  return scores;
}

std::map<std::string, bool> criteria_passed(const std::vector<std::string>& expected,
                                            const std::map<std::string, bool>& results, bool race) {
  std::map<std::string, bool> passed;
  for (const auto& test : expected) {
    const std::string criterion = criterion_of_suite(test.substr(0, test.find('.')));
    const auto it = results.find(test);
    const bool test_passed = it != results.end() && it->second;
    const auto [at, inserted] = passed.emplace(criterion, test_passed);
    if (!inserted) at->second = at->second && test_passed;
  }
  if (race) passed["race_free"] = false;
  return passed;
}

}  // namespace labctl
