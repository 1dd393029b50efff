// Grading fixture — HOSTILE: exits 0 from a static initialiser, before any test runs,
// hoping an exit status of 0 is read as "all tests passed".
// Now stopped before it runs: _exit is not an allowed import (grade/allowed_imports.txt);
// were it, the harness's missing result line would earn it nothing.
#include "lost_update.hpp"

#include <unistd.h>

namespace {
const int leave_now = (::_exit(0), 0);
}

namespace lab01 {
StatusCounts count_status_classes(const std::vector<std::string>&, labkit::Executor&) { return {}; }
}  // namespace lab01
