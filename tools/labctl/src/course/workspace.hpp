// Where everything is: the source tree, its catalogue and the tsan build, as given by
// the global options, checked once so that every subcommand fails the same clear way.
#pragma once

#include "course/catalogue.hpp"

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace labctl {

struct Options {
  std::filesystem::path root = ".";
  std::filesystem::path build;      // empty: ROOT/build/tsan
  std::filesystem::path catalogue;  // empty: ROOT/labs/labs.toml
  std::chrono::seconds time_limit{120};
};

struct Workspace {
  std::filesystem::path root;
  std::filesystem::path build;
  Catalogue catalogue;
  std::chrono::seconds time_limit{120};

  // Checks the source tree and loads the catalogue; does not look at the build yet, so
  // that "no lab 99" comes before "run tools/lab start".
  static Workspace open(const Options& options);

  // The labs named on the command line ("1", "01", "01-lost-update"), in the order
  // given; all of them, in catalogue order, when none is named. Throws "no lab 99".
  std::vector<const Lab*> select(const std::vector<std::string>& names) const;

  // Throws unless the build directory is a configured racelab build in the layout this
  // labctl knows (its racelab-build.json stamp says so), with one line saying what to do.
  void require_build() const;

  // select(names), then require_build(), keeping only the labs this build holds (a build
  // configured with RACELAB_LABS holds some). A lab named on the command line that the
  // build does not hold is an error, not silently skipped.
  std::vector<const Lab*> select_built(const std::vector<std::string>& names) const;

  // select_built(names) for the student loop (list, check, watch, hint), which builds the
  // student's files: first throws, naming it and `tools/lab reset`, when one is missing.
  // (verify and the grader's checks may use the committed starters instead: select_built.)
  std::vector<const Lab*> select_student_labs(const std::vector<std::string>& names) const;

  // "labs/01-lost-update/" (starter) or "solutions/01-lost-update/" (solution): the
  // student's or reference code as it appears in the paths of stack frames.
  static std::string code_dir(const Lab& lab, const std::string& side);
};

}  // namespace labctl
