// What a student's file may say, read off its PREPROCESSED text (`clang++ -E` with the
// very flags the grader compiles it with), before it is compiled. Only the tokens that come
// from the student's own files count (the `# N "file"` line markers say which), with macros
// expanded: a macro that spells an attribute, from a header or from the file, is caught
// where it is used. String and character literals (raw strings included) are skipped.
//
// Refused, each with the file and line where it is:
//   - inline assembly: `asm`, `__asm`, `__asm__` (also asm labels, `int x asm(".L")`);
//     the compiler is also given -fno-gnu-inline-asm, for asm statements and file-scope asm;
//   - attributes: `__attribute__`/`__attribute`, `__declspec`, `_Pragma`/`__pragma`, any
//     `#pragma`, and any `[[...]]` but [[nodiscard]], [[maybe_unused]], [[fallthrough]],
//     [[likely]], [[unlikely]], [[noreturn]] and [[deprecated]]: they can place data in
//     sections of their choosing, run code before main, turn off the sanitizer, or change
//     what the linker keeps (section, constructor, no_sanitize, weak, alias, used, ...);
//   - opening a namespace of the standard library, the compiler's or the harness's (std,
//     __gnu_cxx, labkit, testing, any reserved __name): what is declared there could replace
//     their code or hide state under their names;
//   - explicit specialisations (`template <>`) and partial specialisations of class
//     templates: they change what a library template means in this file, and the linker
//     may keep this file's copy for the whole program (the harness's included).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace labctl {

// Empty when `preprocessed` is acceptable; else one line, "lost_update.cpp:12: ...".
// `is_student_file` says whether a path from a line marker is one of the student's files.
std::optional<std::string> source_check_violation(std::string_view preprocessed,
                                                  const std::function<bool(std::string_view)>& is_student_file);

}  // namespace labctl
