#!/usr/bin/env bash
# `labctl export --student`: the students' copy of the course still builds. Exports the
# course, checks what it holds (no solutions/, no graders' fixtures; the catalogue, README
# and tests kept), that a second export into the same folder is refused (exit 2, one line),
# then configures the export with the tsan preset (lab 01 only) and builds lab01_starter:
# no solution target and no verify test exist there; list, check 01, hint 01 and reset 01
# work there with the export's build; `race 01` charts the student's
# code there and `race 05 --explore` explores it (the release preset, in WORK_DIR/release);
# and the course CI's grading step
# (tools/course-ci-grade) grades each lab on its own against the exported starters.
# Usage: export_student_test.sh SOURCE_DIR LABCTL WORK_DIR
#   WORK_DIR keeps the export's build between runs (GoogleTest is not rebuilt); the exported
#   tree itself is temporary and removed.
set -u
ROOT=${1:?usage: export_student_test.sh SOURCE_DIR LABCTL WORK_DIR}
LABCTL=${2:?}
WORK=${3:?}
tree=$WORK/tree
build=$WORK/build
mkdir -p "$WORK"
rm -rf "$tree"
trap 'rm -rf "$tree"' EXIT
. "$(dirname "${BASH_SOURCE[0]}")/checks.sh"

"$LABCTL" --root "$ROOT" export --student "$tree" || { echo "FAIL export --student"; exit 1; }
check "no solutions/" "[ ! -e '$tree/solutions' ]"
check "no graders' fixtures (tools/labctl/tests/grading/)" "[ ! -e '$tree/tools/labctl/tests/grading' ]"
check "the catalogue is kept, unchanged" "cmp -s '$ROOT/labs/labs.toml' '$tree/labs/labs.toml'"
check "README.md is kept" "[ -f '$tree/README.md' ]"
check "lab 01's tests and starter are kept" "[ -f '$tree/tests/01-lost-update.cpp' ] && [ -f '$tree/labs/01-lost-update/lost_update.cpp' ]"
check "tools/lab stays executable" "[ -x '$tree/tools/lab' ]"
check "no build folder" "[ ! -e '$tree/build' ]"

err=$("$LABCTL" --root "$ROOT" export --student "$tree" 2>&1 >/dev/null)
status=$?
check "a second export into the same folder is refused with exit 2" "[ $status -eq 2 ]"
check "... in one line" "[ \$(printf '%s\n' \"\$err\" | wc -l) -eq 1 ] && [[ \"\$err\" == racelab:*'not an empty folder'* ]]"

if (cd "$tree" && cmake --preset tsan -B "$build" -DRACELAB_TOOLS=OFF -DRACELAB_LABS=01) >"$WORK/configure.log" 2>&1; then
  ok "cmake --preset tsan configures the export"
else
  tail -n 20 "$WORK/configure.log"
  bad "cmake --preset tsan configures the export"
fi
if cmake --build "$build" --target lab01_starter >"$WORK/build.log" 2>&1; then
  ok "lab01_starter builds in the export"
else
  grep -E 'error|FAILED' "$WORK/build.log" | head -n 10
  bad "lab01_starter builds in the export"
fi
check "the export has no solution target" "! ninja -C '$build' -t targets all 2>/dev/null | grep -q '^lab01_solution:'"
check "the export has no verify test" "! (cd '$build' && ctest -N 2>/dev/null | grep -q verify_lab01)"
check "the starter is a ctest test (ctest --preset student runs it)" "(cd '$build' && ctest -N -L '^starter\$' 2>/dev/null | grep -q lab01_starter)"

# The student loop the README and handouts name, run in the export with its own build (labctl
# from this build: `tools/lab start` would build labctl again, minutes, for the same program):
# list, check 01 (the starter fails, for its race), hint 01, and reset 01, which takes the
# starter from .racelab/starters. (`watch` is interactive and `test` is the project's own
# suite: neither is run here.)
student() { "$LABCTL" --root "$tree" --build "$build" "$@" 2>&1; }
out=$(student list)
check "list in the export: lab 01 on the scoreboard" "grep -q '01' <<<\"\$out\" && grep -q 'Total: 0/10 points' <<<\"\$out\""
out=$(student check 01)
status=$?
check "check 01 in the export: exit 1, the starter's race named in its file" \
  "[ $status -eq 1 ] && grep -q 'lost_update.cpp:[0-9]' <<<\"\$out\""
out=$(student hint 01)
check "hint 01 in the export" "grep -Eq '^Hint [0-9]+ of [0-9]+ for lab 01' <<<\"\$out\""
echo '// my attempt' >>"$tree/labs/01-lost-update/lost_update.cpp"
out=$(student reset 01)
check "reset 01 in the export puts the exported starter back, keeping the student's copy" \
  "cmp -s '$ROOT/labs/01-lost-update/lost_update.cpp' '$tree/labs/01-lost-update/lost_update.cpp' && grep -q 'your copy is kept in .racelab/backups/' <<<\"\$out\""

# The README's `tools/lab race 01` works in the export (issue 19: it failed there with
# ninja's "unknown target 'lab01_starter_demo'"): the student's code alone is charted. And
# `race NN --explore`, which the README and three handouts name, works there too: with no
# reference to compare with, a run fails when the answer differs from the code's most common
# one, which lab 05's racy starter shows (its check-then-act gives other answers).
race=$("$LABCTL" --root "$tree" race 01 --runs 20 --release-build "$WORK/release" 2>&1)
status=$?
check "race 01 runs in the export (exit 0)" "[ $status -eq 0 ]"
check "... charting the student's code alone" \
  "grep -q '^your code: [0-9]* different answers\\{0,1\\} in 20 runs$' <<<\"\$race\" && ! grep -q reference: <<<\"\$race\""
[ $status -eq 0 ] || printf '%s\n' "$race" | tail -n 10
race=$("$LABCTL" --root "$tree" race 05 --explore --runs 10 --release-build "$WORK/release" 2>&1)
status=$?
check "race 05 --explore runs in the export (exit 0), against the code's own usual answer" \
  "[ $status -eq 0 ] && grep -q '^(no reference: under the explorer, a run fails when your code' <<<\"\$race\""
check "... and finds the starter's race: a schedule that changes its answer, with its replay command" \
  "grep -q 'your code: schedule [0-9]* of [0-9]* failed: printed' <<<\"\$race\" && grep -q 'tools/lab explore --replay' <<<\"\$race\""
[ $status -eq 0 ] || printf '%s\n' "$race" | tail -n 10

# The course CI's grading step, run by hand in the export as its workflow runs it (issue 19):
# the students' labs graded against the starters the export kept in .racelab/starters, each
# lab on its own. A student has solved lab 01 and broken lab 02 (it does not compile): lab
# 01 scores 10/10 and lab 02 scores 0 with the compiler's message, in both reports.
check "the export keeps the starters for the course CI (.racelab/starters)" \
  "cmp -s '$ROOT/labs/01-lost-update/lost_update.cpp' '$tree/.racelab/starters/labs/01-lost-update/lost_update.cpp'"
check "... and git commits them with the rest (.racelab/ is ignored but for its starters)" \
  "(cd '$tree' && git init -q && git add -A && git ls-files .racelab/starters | grep -qx '.racelab/starters/labs/01-lost-update/lost_update.cpp')"
check "the course's workflow calls tools/course-ci-grade" \
  "grep -q 'tools/course-ci-grade' '$tree/.github/workflows/course-ci.yml'"
cp "$ROOT/solutions/01-lost-update/lost_update.cpp" "$tree/labs/01-lost-update/lost_update.cpp"
echo 'this line is not C++;' >>"$tree/labs/02-shared-results/shared_results.cpp"
ci_grade() {
  rm -rf "$WORK/reports"
  (cd "$tree" && tools/course-ci-grade --labs 01,02 --out "$WORK/reports" --work "$WORK/ci" --labctl "$LABCTL") \
    >"$WORK/ci-grade.log" 2>&1
}
ci_grade
status=$?
report=$WORK/reports/submission.md
check "course-ci-grade writes its reports with one lab broken (exit 0)" \
  "[ $status -eq 0 ] && [ -f '$report' ] && [ -f '$WORK/reports/submission.xml' ]"
[ $status -eq 0 ] || tail -n 15 "$WORK/ci-grade.log"
check "... lab 01, solved, scores 10/10 against the starters" "grep -q '^| 01 .* | 10/10 |' '$report'"
check "... lab 02 scores 0: does not compile, with the compiler's message" \
  "grep -q '^| 02 .* | 0/10 |' '$report' && grep -q 'does not compile: .*shared_results.cpp.*error' '$report'"
check "... the JUnit report says so too" "grep -q 'does not compile' '$WORK/reports/submission.xml'"
check "... the pristine side is the starter, not the student's file" \
  "cmp -s '$ROOT/labs/01-lost-update/lost_update.cpp' '$WORK/ci/course/labs/01-lost-update/lost_update.cpp'"
# The grader's own build keeps going past a lab the course itself cannot build: a broken
# starter in .racelab/starters costs that lab its grade ("no tests", with the build's error),
# and lab 01 is still graded.
echo 'this line is not C++ either;' >>"$tree/.racelab/starters/labs/02-shared-results/shared_results.cpp"
ci_grade
status=$?
check "with the course's own lab 02 broken, the reports are still written (exit 0)" "[ $status -eq 0 ] && [ -f '$report' ]"
[ $status -eq 0 ] || tail -n 15 "$WORK/ci-grade.log"
check "... lab 01 is still graded: 10/10" "grep -q '^| 01 .* | 10/10 |' '$report'"
check "... lab 02: no tests, the course's own build of it failed, with the error" \
  "grep -q \"no tests: .*the course's own build of this lab failed.*error\" '$report'"
finish export_student_test
