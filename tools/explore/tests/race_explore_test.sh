#!/bin/sh
# `labctl race NN --explore` end to end (issue 7), on a made-up lab whose "demo" is one of
# the explorer's bug programs: the check-then-act bug as the student's code, its fixed twin
# as the reference. Checks that
#   - the starter's first failing schedule is shown, with the scheduling points of the lab's
#     own files (the fixture lab holds a file named like the bug program's source), a text
#     trace, an SVG drawing and a replay command;
#   - that replay command fails the same way 10 times out of 10;
#   - the reference passes every schedule;
#   - explore --expect fails a run that prints another first line, and passes one that does not.
#
#   race_explore_test.sh LABCTL LIBRARY BUG_PROGRAM FIXED_PROGRAM FIXTURE_TREE
set -u
labctl=$1 library=$2 bug=$3 fixed=$4 fixture_tree=$5
export RACELAB_EXPLORE_LIB="$library"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out="$work/out"
fail() { echo "FAIL: $*"; echo "--- labctl's output:"; cat "$out"; exit 1; }

cp -r "$fixture_tree" "$work/tree"
touch "$work/tree/labs/01-alpha/check_then_act.cpp"  # makes the bug program's lines "the lab's own"
mkdir -p "$work/release/tests"
cp "$bug" "$work/release/tests/lab01_starter_demo"
cp "$fixed" "$work/release/tests/lab01_solution_demo"

"$labctl" --root "$work/tree" race 01 --explore --schedules 50 --runs 5 --no-build \
  --release-build "$work/release" >"$out" 2>&1
rc=$?
[ $rc -eq 0 ] || fail "race --explore: expected exit 0 (a demonstration), got $rc"
grep -q '^  your code: schedule [0-9]* of 50 failed: ' "$out" || fail "no failing schedule for the starter"
grep -q '^  reference: no failure in 50 schedules' "$out" || fail "the reference did not pass every schedule"
grep -q 'scheduling points in labs/01-alpha/' "$out" || fail "the lab's own scheduling points are not shown"
grep -q 'check_then_act.cpp:[0-9]' "$out" || fail "no source line of the lab's code"
svg="$work/release/racelab-runs/lab01-starter-explore.svg"
grep -q '^<svg ' "$svg" || fail "no SVG drawing at $svg"
grep -q 'check_then_act.cpp:[0-9]' "$work/release/racelab-runs/lab01-starter-explore.trace" || fail "no text trace"
# The page to step through: written, named in the output, with the replay command in its data.
page="$work/release/racelab-runs/lab01-starter-explore.html"
grep -q '"replay":"tools/lab explore --replay racelab-schedule:v1:' "$page" || fail "no HTML page at $page"
grep -q 'lab01-starter-explore.html (a page' "$out" || fail "the output does not name the HTML page"
echo "race --explore: found, traced, reference clean"

# The printed replay command, with labctl in place of tools/lab, fails the same way every time.
replay=$(sed -n 's/^  tools\/lab explore //p' "$out")
[ -n "$replay" ] || fail "no replay command"
kind=$(sed -n 's/^  your code: schedule [0-9]* of 50 failed: //p' "$out")
i=0
while [ $i -lt 10 ]; do
  eval "\"\$labctl\" explore $replay" >"$work/replay" 2>&1
  rc=$?
  [ $rc -eq 1 ] || { cat "$work/replay"; fail "replay $i: expected exit 1, got $rc"; }
  grep -qF "failed: $kind" "$work/replay" || { cat "$work/replay"; fail "replay $i failed differently from '$kind'"; }
  i=$((i + 1))
done
echo "replayed 10/10"

# --expect on its own: the fixed program prints "balance = 20" in every schedule.
"$labctl" explore --schedules 20 --expect 'balance = 20' -- "$fixed" >"$out" 2>&1
[ $? -eq 0 ] || fail "--expect with the right line: expected exit 0"
"$labctl" explore --schedules 20 --expect 'balance = 99' -- "$fixed" >"$out" 2>&1
[ $? -eq 1 ] || fail "--expect with another line: expected exit 1"
grep -q 'failed: printed "balance = 20" instead of "balance = 99"' "$out" || fail "the mismatch is not named"
echo "--expect: right line passes, other line fails"
exit 0
