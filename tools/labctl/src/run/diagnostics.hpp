// A check's findings as compiler-style diagnostics, one a line:
//   labs/01-lost-update/lost_update.cpp:35:1: error: ThreadSanitizer: data race (during Correctness.OneLine)
// the form editors already turn into clickable problems (VS Code's problem matcher in
// .vscode/tasks.json, Emacs' compilation mode, Vim's quickfix). `tools/lab check NN
// --diagnostics` prints them after its report.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace labctl {

// From a test program's output: a line for each frame in the student's folder (`code_dir`,
// "labs/01-lost-update/") of each sanitizer report, for each GoogleTest failure ("file:line:
// Failure" and its message), and for the frames in the folder of each thread of a hang's
// stacks. Paths are made relative to `root` (the course's folder) when they lie under it.
// Each line once, in the order found.
std::vector<std::string> run_diagnostics(std::string_view output, std::string_view code_dir, std::string_view root);

// A compile error's line ("lost_update.cpp:3:16: error: expected ';'", its folders taken off
// by first_error_line) with the lab's folder put back in front, so an editor finds the file.
std::string build_diagnostic(std::string_view error_line, std::string_view code_dir);

}  // namespace labctl
