// Sharding a batch and merging the shards' reports (shard.hpp).
#include "grade/shard.hpp"

#include "base/errors.hpp"
#include "base/process.hpp"
#include "base/text.hpp"
#include "grade/grade_report.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <map>

namespace labctl {
namespace {

namespace fs = std::filesystem;

// What decides a source's shard: its file name as a report would name it (file_stem: "a b"
// and "a_b" are both a_b), lower case, without an archive's suffix. So every source whose
// name a batch would have to tell apart (batch.hpp's name_apart) is in the same shard.
std::string shard_key(const std::string& source) {
  fs::path path(source);
  if (!path.has_filename()) path = path.parent_path();  // "alice/"
  std::string name = file_stem(path.filename().string());
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const std::string_view suffix : {".tar.gz", ".tgz", ".tar", ".zip", ".git"}) {
    if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      name.resize(name.size() - suffix.size());
      break;
    }
  }
  return name;
}

// Whether `file` is one submission's JSON report: not the resume cache (hidden) and not a
// Gradescope results file.
bool is_report_file(const fs::path& file) {
  const std::string name = file.filename().string();
  const auto ends_with = [&](std::string_view end) {
    return name.size() >= end.size() && name.compare(name.size() - end.size(), end.size(), end) == 0;
  };
  return !name.empty() && name.front() != '.' && ends_with(".json") && !ends_with(".results.json");
}

}  // namespace

Shard parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  Shard shard;
  const auto number = [](const std::string& part, int& value) {
    if (part.empty() || part.size() > 6 || !std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return false;
    }
    value = std::stoi(part);
    return true;
  };
  if (slash == std::string::npos || !number(text.substr(0, slash), shard.index) ||
      !number(text.substr(slash + 1), shard.count) || shard.count < 1 || shard.index < 1 || shard.index > shard.count) {
    throw Error(fmt::format("--shard {}: give K/N with 1 <= K <= N, like 2/3", text));
  }
  return shard;
}

std::vector<std::string> sources_of_shard(const std::vector<std::string>& sources, const Shard& shard) {
  std::vector<std::string> mine;
  for (const auto& source : sources) {
    if (stable_hash(shard_key(source)) % static_cast<std::uint64_t>(shard.count) ==
        static_cast<std::uint64_t>(shard.index - 1)) {
      mine.push_back(source);
    }
  }
  return mine;
}

std::vector<SubmissionGrade> read_shard_reports(const std::vector<fs::path>& dirs, const Catalogue& catalogue) {
  std::vector<SubmissionGrade> grades;
  std::map<std::string, fs::path> seen;  // name → the report it came from
  for (const auto& dir : dirs) {
    std::error_code error;
    if (!fs::is_directory(dir, error)) throw Error(fmt::format("--merge: {} is not a folder of grade reports", dir.string()));
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir, error)) {
      if (entry.is_regular_file(error) && is_report_file(entry.path())) files.push_back(entry.path());
    }
    if (files.empty()) {
      throw Error(fmt::format("--merge: {} holds no grade reports (each shard: grade --shard K/N --format json --out DIR)",
                              dir.string()));
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
      const nlohmann::json json = nlohmann::json::parse(read_file(file), nullptr, false);
      std::optional<SubmissionGrade> grade;
      if (!json.is_discarded() && json.is_object()) grade = grade_from_json(json, catalogue);
      if (!grade) throw Error(fmt::format("--merge: {} is not a grade report of this course", file.string()));
      if (const auto [it, fresh] = seen.emplace(grade->name, file); !fresh) {
        throw Error(fmt::format("--merge: {} is graded in both {} and {}", grade->name, it->second.string(), file.string()));
      }
      grades.push_back(std::move(*grade));
    }
  }
  std::sort(grades.begin(), grades.end(),
            [](const SubmissionGrade& a, const SubmissionGrade& b) { return a.name < b.name; });
  return grades;
}

}  // namespace labctl
