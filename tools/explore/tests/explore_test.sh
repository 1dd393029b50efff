#!/bin/sh
# The explorer end to end (issue 7): labctl explore on one bug program.
#
#   explore_test.sh find|find-pct|clean|spin LABCTL LIBRARY PROGRAM
#
# find      the bug is found within 200 random schedules (exit 1, one schedule string),
#           and replaying that string fails the same way, with the same output, 20 times
#           out of 20; its --trace names lines of the program's source.
# find-pct  the same with --strategy pct --depth 3.
# clean     the fixed twin never fails in 200 random and 200 PCT schedules (exit 0).
# spin      a thread spinning without scheduling points is reported within --timeout 1.
set -u
mode=$1 labctl=$2 library=$3 program=$4
export RACELAB_EXPLORE_LIB="$library"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
fail() { echo "FAIL: $*"; echo "--- labctl's output:"; cat "$out"; exit 1; }

# The first failing run's kind: the driver's "failed: ..." line, without the schedule number.
failure_kind() { sed -n 's/^explore: schedule [0-9]* of [0-9]* failed: //p' "$1" | head -n 1; }
# What the program printed in the failing run, without addresses (ASLR moves them).
program_output() { sed -n '/^--- the program/,$p' "$1" | grep -v '0x'; }

case $mode in
  find|find-pct)
    strategy="--strategy random"
    [ "$mode" = find-pct ] && strategy="--strategy pct --depth 3"
    # shellcheck disable=SC2086
    "$labctl" explore --schedules 200 $strategy --seed 1 --timeout 5 -- "$program" >"$out" 2>&1
    rc=$?
    [ $rc -eq 1 ] || fail "expected exit 1 (a failing schedule), got $rc"
    schedule=$(grep -E '^racelab-schedule:v1:' "$out" | head -n 1)
    [ -n "$schedule" ] || fail "no schedule string printed"
    kind=$(failure_kind "$out")
    [ -n "$kind" ] || fail "no 'failed:' line"
    first_output=$(program_output "$out")
    echo "found: $kind with $schedule"
    i=0
    while [ $i -lt 20 ]; do
      "$labctl" explore --replay "$schedule" --timeout 5 -- "$program" >"$out" 2>&1
      rc=$?
      [ $rc -eq 1 ] || fail "replay $i of $schedule: expected exit 1, got $rc"
      again=$(failure_kind "$out")
      [ "$again" = "$kind" ] || fail "replay $i of $schedule failed differently: '$again', not '$kind'"
      [ "$(program_output "$out")" = "$first_output" ] || fail "replay $i of $schedule printed something else"
      i=$((i + 1))
    done
    echo "replayed 20/20"
    # --trace: the failing run's scheduling points, with the program's own source lines.
    trace=$(mktemp)
    "$labctl" explore --replay "$schedule" --timeout 5 --trace "$trace" -- "$program" >"$out" 2>&1
    source_file=$(basename "$program" | sed 's/^explore_//').cpp
    grep -q "$source_file:[0-9]" "$trace" || { cat "$trace"; rm -f "$trace"; fail "the trace names no line of $source_file"; }
    rm -f "$trace"
    echo "trace names $source_file"
    ;;
  clean)
    for strategy in random pct; do
      "$labctl" explore --schedules 200 --strategy $strategy --seed 1 --timeout 5 -- "$program" >"$out" 2>&1
      rc=$?
      [ $rc -eq 0 ] || fail "expected exit 0 (no failure in 200 $strategy schedules), got $rc"
      grep -q "no failure in 200 schedules ($strategy" "$out" || fail "no summary line"
    done
    ;;
  spin)
    start=$(date +%s)
    "$labctl" explore --schedules 50 --seed 1 --timeout 1 -- "$program" >"$out" 2>&1
    rc=$?
    [ $rc -eq 1 ] || fail "expected exit 1, got $rc"
    grep -q 'without reaching a scheduling point' "$out" || fail "the spin is not reported"
    [ $(( $(date +%s) - start )) -lt 30 ] || fail "took more than 30 s"
    ;;
  *) echo "usage: $0 find|find-pct|clean|spin LABCTL LIBRARY PROGRAM" >&2; exit 2 ;;
esac
cat "$out"
exit 0
