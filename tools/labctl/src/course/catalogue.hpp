// labs/labs.toml, the course catalogue: which labs exist, in which order, and what each
// one's buggy starter is expected to fail with. Everything else in labctl takes its
// list of labs from here, never from the folders or the build.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace labctl {

struct Lab {
  std::string number;  // "01": the first two characters of the slug
  std::string slug;    // "01-lost-update": folder under labs/ and solutions/, tests/<slug>.cpp
  std::string title;
  std::string lesson;
  long long points = 0;
  std::vector<std::string> editable;  // file names under labs/<slug>/
  std::string expect;                 // one of expect_vocabulary()
  std::vector<std::string> hints;
  // Optional `rubric = { correct = 4, race_free = 3, ... }`: the points of each grading
  // criterion (rubric.hpp), summing to `points`. Empty: the default split.
  std::vector<std::pair<std::string, long long>> rubric;
  // Optional `starter_max_points`: the most the untouched starter may score, as the grader
  // scores it (default 0: a starter earns nothing). `verify` fails a lab whose starter earns more.
  long long starter_max_points = 0;
  // The explored schedules the grader runs the lab's tests under (docs/grading.md, "On the
  // explorer"), full schedule strings (tools/explore/src/schedule.hpp). From the lab's own
  // `schedules`, else the catalogue's top-level `schedules`; written short in the catalogue,
  // "random:seed=1". Empty: the lab is graded on real runs only.
  std::vector<std::string> schedules;
  int line = 0;  // where its [[lab]] table starts in the catalogue, for messages

  // Test program names in the build: labNN_starter, labNN_solution.
  std::string target(std::string_view side) const { return "lab" + number + "_" + std::string(side); }
};

struct Catalogue {
  std::string source;  // the file name used in messages
  std::vector<Lab> labs;

  // The lab with this number ("1", "01") or slug, or nullptr.
  const Lab* find(std::string_view key) const;
  // "01–03", or "01, 02, 05" when there are gaps: for "no lab 99; labs are ...".
  std::string numbers() const;
};

// The reasons a starter may be expected to fail with (the `expect` field).
const std::vector<std::string>& expect_vocabulary();

// Parses and checks catalogue text. `source` names it in messages ("labs/labs.toml").
// Throws labctl::Error with "source:line:col: what is wrong" on any problem.
Catalogue parse_catalogue(std::string_view text, const std::string& source);

// Reads `file`, parses it, and checks that each lab's folder exists (its editable files: lab_files.hpp)
// under `root`. Throws labctl::Error.
Catalogue load_catalogue(const std::filesystem::path& file, const std::filesystem::path& root);

}  // namespace labctl
