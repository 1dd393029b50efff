// What a submitted source file may pull in at compile time. The grader compiles student
// files with the compiler running as itself, so the preprocessor and the assembler could
// read any file the grader can (`#include "/srv/course/solutions/..."`, `.incbin`) and
// leak it into the program or its error messages. Before compiling, every directive that
// names a file is checked:
//   - `#include <name>` and `#include "name"` only: a header name without `..`, without
//     a leading `/`; a quoted name without any `/` (the lab's own headers);
//   - no `#include MACRO` (a computed name), no `#include_next`, no `#import`;
//   - no `.incbin` anywhere (the assembler's way to include a file's bytes);
//   - `__has_include(name)` with the same rule as #include, no `__has_include_next`, no
//     C++20 `import` or `module` declarations (they name files too).
// And, for the source check that follows (source_check.hpp), the directives a lab file may
// use at all: #include, #define and #undef (only after the last #include: a macro defined
// before it could change what a library header means), #if/#ifdef/#ifndef/#elif/#else/
// #endif, #error and #warning. No #pragma, no #line or line markers (they would make code
// look as if it came from a header), no #ident, #assert or anything else.
// Line continuations and the `%:` digraph are undone first, so they cannot hide a directive.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace labctl {

// Empty when `source` obeys the policy; else "line 3: #include of an absolute path
// is not allowed (\"/etc/passwd\")".
std::optional<std::string> include_policy_violation(std::string_view source);

}  // namespace labctl
