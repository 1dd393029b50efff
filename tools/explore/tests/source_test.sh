#!/bin/sh
# Source mode end to end (issue 16): labctl explore on a program built with clang's
# -fsanitize=thread instrumentation and libracelab_explore.so as its runtime.
#
#   source_test.sh find|find-norace|find-delay|clean|source|points LABCTL LIBRARY PROGRAM|FILE EXPECTED
#
# find         within the default budget (1000 schedules, --strategy mix) a schedule fails
#              with EXPECTED ("data race", "exited 1") as the driver's failure line, and
#              replaying it fails the same way with the same output 20 times out of 20; its
#              --trace has memory or atomic points on lines of the program's source.
# find-norace  the same with the race detector off (RACELAB_EXPLORE_RACES=0): the bug is
#              found by the schedule alone.
# find-delay   the same with delay bounding alone (--strategy delay).
# clean        the fixed twin never fails in 200 schedules of mix (random, pct, delay).
# source       `labctl explore --source FILE` (built by tools/racelab-cc/racelab-c++) finds
#              EXPECTED, and the printed replay command (which rebuilds) fails the same way.
# points       one run under random:seed=1 passes and takes at most EXPECTED scheduling
#              points (the explorer's step count, RACELAB_EXPLORE_STATS): memory that is not
#              shared must not be made points.
set -u
mode=$1 labctl=$2 library=$3 program=$4 expected=${5:-}
export RACELAB_EXPLORE_LIB="$library"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
fail() { echo "FAIL: $*"; echo "--- labctl's output:"; cat "$out"; exit 1; }
failure_kind() { sed -n 's/^explore: schedule [0-9]* of [0-9]* failed: //p' "$1" | head -n 1; }
# What the program printed, without addresses (ASLR moves them).
program_output() { sed -n '/^--- the program/,$p' "$1" | grep -v '0x'; }

# find_and_replay WHAT...: explores with the given labctl arguments (before --), checks the
# failure, then replays its schedule 20 times.
find_and_replay() {
  "$labctl" explore --seed 1 --timeout 5 "$@" >"$out" 2>&1
  rc=$?
  [ $rc -eq 1 ] || fail "expected exit 1 (a failing schedule), got $rc"
  schedule=$(grep -E '^racelab-schedule:v1:' "$out" | head -n 1)
  [ -n "$schedule" ] || fail "no schedule string printed"
  kind=$(failure_kind "$out")
  case $kind in "$expected"*) ;; *) fail "expected a failure starting '$expected', got '$kind'" ;; esac
  first_output=$(program_output "$out")
  echo "found: $kind with $schedule ($(sed -n 's/^explore: schedule \([0-9]*\) of.*/schedule \1/p' "$out"))"
  i=0
  while [ $i -lt 20 ]; do
    "$labctl" explore --replay "$schedule" --timeout 5 "$@" >"$out" 2>&1
    rc=$?
    [ $rc -eq 1 ] || fail "replay $i of $schedule: expected exit 1, got $rc"
    [ "$(failure_kind "$out")" = "$kind" ] || fail "replay $i of $schedule failed differently"
    [ "$(program_output "$out")" = "$first_output" ] || fail "replay $i of $schedule printed something else"
    i=$((i + 1))
  done
  echo "replayed 20/20"
  trace=$(mktemp)
  "$labctl" explore --replay "$schedule" --timeout 5 --trace "$trace" "$@" >"$out" 2>&1
  source_file=$(basename "$program" | sed 's/^explore_source_//').cpp
  grep -qE " (read|write|load|store|rmw) .*$source_file:[0-9]" "$trace" ||
    { cat "$trace"; rm -f "$trace"; fail "the trace has no memory point on a line of $source_file"; }
  rm -f "$trace"
  echo "trace: memory points on lines of $source_file"
}

case $mode in
  find) find_and_replay --strategy mix -- "$program" ;;
  find-norace) RACELAB_EXPLORE_RACES=0 find_and_replay --strategy mix -- "$program" ;;
  find-delay) find_and_replay --strategy delay -- "$program" ;;
  clean)
    "$labctl" explore --schedules 200 --strategy mix --seed 1 --timeout 5 -- "$program" >"$out" 2>&1
    rc=$?
    [ $rc -eq 0 ] || fail "expected exit 0 (no failure in 200 mixed schedules), got $rc"
    grep -q "no failure in 200 schedules (mix" "$out" || fail "no summary line"
    ;;
  source)
    "$labctl" explore --seed 1 --timeout 5 --source "$program" >"$out" 2>&1
    rc=$?
    [ $rc -eq 1 ] || fail "expected exit 1, got $rc"
    kind=$(failure_kind "$out")
    case $kind in "$expected"*) ;; *) fail "expected a failure starting '$expected', got '$kind'" ;; esac
    grep -q "^replay: tools/lab explore --replay racelab-schedule:v1:[a-z]*:seed=[0-9]*.* --source " "$out" ||
      fail "the replay command does not rebuild from the source"
    grep -q "racelab-explore:   .* at $(basename "$program"):[0-9]" "$out" || fail "the race report names no line of the source"
    schedule=$(grep -E '^racelab-schedule:v1:' "$out" | head -n 1)
    "$labctl" explore --timeout 5 --replay "$schedule" --source "$program" >"$out" 2>&1
    [ $? -eq 1 ] && [ "$(failure_kind "$out")" = "$kind" ] || fail "the replay of $schedule did not fail the same way"
    ;;
  points)
    stats=$(mktemp)
    RACELAB_SCHEDULE=racelab-schedule:v1:random:seed=1 RACELAB_EXPLORE_STATS="$stats" "$program" >"$out" 2>&1
    rc=$?
    steps=$(cat "$stats")
    rm -f "$stats"
    [ $rc -eq 0 ] || fail "expected exit 0, got $rc"
    [ -n "$steps" ] || fail "the explorer wrote no step count"
    [ "$steps" -le "$expected" ] || fail "$steps scheduling points, more than $expected: unshared memory made points"
    echo "$steps scheduling points (at most $expected)"
    ;;
  *) echo "usage: $0 find|find-norace|find-delay|clean|source|points LABCTL LIBRARY PROGRAM [EXPECTED]" >&2; exit 2 ;;
esac
cat "$out"
exit 0
