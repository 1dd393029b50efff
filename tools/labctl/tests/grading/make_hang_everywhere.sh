#!/usr/bin/env bash
# Writes a submission that hangs in every lab: each editable file of the catalogue is the
# lab's own starter (so it compiles and links) with a static initialiser appended that
# never returns, so every run of every lab's test program hangs before its first test.
# The grader must stop it within its budgets (docs/grading.md: budgets) and give it 0.
# Usage: make_hang_everywhere.sh COURSE_ROOT OUT_DIR   (OUT_DIR/labs/NN-slug/file.cpp)
set -eu
root=${1:?usage: make_hang_everywhere.sh COURSE_ROOT OUT_DIR}
out=${2:?usage: make_hang_everywhere.sh COURSE_ROOT OUT_DIR}
# "slug editable..." per lab, from labs/labs.toml (one-line `slug = "..."` and `editable = [...]`).
awk -F'"' '
  /^slug *=/ { slug = $2 }
  /^editable *=/ { line = slug; for (i = 2; i <= NF; i += 2) line = line " " $i; print line }
' "$root/labs/labs.toml" | while read -r slug files; do
  mkdir -p "$out/labs/$slug"
  for file in $files; do
    case $file in *.cpp) ;; *) cp "$root/labs/$slug/$file" "$out/labs/$slug/$file"; continue ;; esac
    {
      cat "$root/labs/$slug/$file"
      cat <<'END'

// Appended by make_hang_everywhere.sh: the program never gets past its static
// initialisers (standard C++ only: a loop that never ends and does nothing the explorer
// sees: no sleep, no lock, no shared memory; so it hangs on the explorer too, until the
// explorer's own 10 s without a scheduling point, or a budget, ends it).
namespace {
int forever() {
  volatile bool stop = false;  // never set
  while (!stop) {
  }
  return 0;
}
[[maybe_unused]] const int racelab_hung = forever();
}  // namespace
END
    } >"$out/labs/$slug/$file"
  done
done
