// A lab's editable files as the student's working tree has them. A student may delete or
// rename one by mistake; every command that builds a lab checks here first, so that the
// message names the missing file and the way back (`tools/lab reset NN`), instead of a
// catalogue error or the build tool's "unknown target".
#pragma once

#include "course/catalogue.hpp"

#include <filesystem>
#include <optional>
#include <string>

namespace labctl {

// Where a students' export keeps every lab's starter files as exported, under the course's
// root (written by export --student; read by reset and by tools/course-ci-grade, a script,
// which spells it the same).
inline const std::filesystem::path kExportedStarters = ".racelab/starters";

// "labs/01-lost-update/lost_update.cpp": a lab file as the student types it from the top.
std::string lab_file_path(const Lab& lab, const std::string& file);

// The first editable file of `lab` missing under `root`, if any.
std::optional<std::string> missing_lab_file(const std::filesystem::path& root, const Lab& lab);

// Throws labctl::Error, one line saying what is missing and how to restore it, when an
// editable file of `lab` is missing.
void require_lab_files(const std::filesystem::path& root, const Lab& lab);

}  // namespace labctl
