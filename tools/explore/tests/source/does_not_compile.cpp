// A source file with a compile error, for `labctl explore --source`'s refusal: one line,
// the compiler's first error, exit 2 (ctest explore_cli_source_compile_error).
int main() { return undeclared_name; }
