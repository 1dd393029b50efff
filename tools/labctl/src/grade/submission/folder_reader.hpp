// Folder submissions: probed only at the few paths an editable file can have, never
// walked, never followed through a symbolic link. Internal to the submission readers.
#pragma once

#include "grade/submission/intake.hpp"

#include <filesystem>
#include <string>

namespace labctl::submission_intake {

// Reads a folder as the submission `name` by probing only where editable files can be:
// labs/<slug>/<file>, <file>, and, when there is no labs/ at the top,
// <top>/labs/<slug>/<file> for each real folder <top> (no walk of the tree, which may be huge).
Submission read_folder(const std::filesystem::path& folder, const std::string& name, const Catalogue& catalogue,
                       Intake& intake);

}  // namespace labctl::submission_intake
