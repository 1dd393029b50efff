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
//     may keep this file's copy for the whole program (the harness's included);
//   - explicit instantiations (`template struct X<...>;`, `extern template`): their
//     arguments are not access-checked, so they reach any private member (an executor's
//     count of tasks, which a criterion reads);
//   - `const_cast` and `reinterpret_cast`: a task must not change what the tests gave it to
//     read (their inputs, so a wrong answer matches), nor read objects as other types;
//   - names reserved for the compiler and the library (`__x`, `_X`), whether typed or
//     brought by a macro (errno is `*__errno_location()`): they reach the library's
//     internals (a FILE's descriptor, thread-local state, builtins that read the stack or
//     the return address), which no lab needs. Allowed are the few that ordinary macros
//     expand to (assert, NULL, offsetof, NAN, INFINITY, HUGE_VAL) and __func__;
//   - the names the caller gives as `library_only` (allowed_imports.txt's [library only]:
//     `syscall`), which only the standard library's own code may call.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace labctl {

// Empty when `preprocessed` is acceptable; else one line, "lost_update.cpp:12: ...".
// `is_student_file` says whether a path from a line marker is one of the student's files.
std::optional<std::string> source_check_violation(std::string_view preprocessed,
                                                  const std::function<bool(std::string_view)>& is_student_file,
                                                  const std::vector<std::string>& library_only = {});

}  // namespace labctl
