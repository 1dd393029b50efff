#!/bin/sh
# tools/racelab-c++ and racelab-cc (issue 16), without labctl:
#
#   wrapper_test.sh TOOLS_DIR LIBRARY SOURCE_DIR
#
# - compiling only (-c) instruments (the object calls __tsan_* functions) and needs no library;
# - linking without the library is refused with exit 2 and one line naming it;
# - racelab-cc builds a C program that runs under the explorer by itself (its runtime is the
#   library, found by rpath) and reports its data race with exit 96.
set -u
tools=$1 library=$2 sources=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

RACELAB_EXPLORE_LIB=/nonexistent/libracelab_explore.so "$tools/racelab-c++" -std=c++20 -c \
  "$sources/atomic_load_store.cpp" -o "$work/a.o" || fail "compiling only needs no library"
nm -u "$work/a.o" | grep -q '__tsan_atomic32_load' || fail "the object is not instrumented"

out=$(RACELAB_EXPLORE_LIB=/nonexistent/libracelab_explore.so "$tools/racelab-c++" "$work/a.o" -o "$work/a" 2>&1)
rc=$?
[ $rc -eq 2 ] || fail "linking without the library: expected exit 2, got $rc"
[ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] || fail "more than one line: $out"
case $out in "racelab-c++: the explorer's library /nonexistent/libracelab_explore.so is missing"*) ;;
  *) fail "unexpected message: $out" ;; esac

RACELAB_EXPLORE_LIB=$library "$tools/racelab-cc" -O1 "$sources/c_counter.c" -o "$work/c" || fail "racelab-cc failed"
RACELAB_SCHEDULE=racelab-schedule:v1:random:seed=1 "$work/c" >"$work/out" 2>&1
rc=$?
[ $rc -eq 96 ] || { cat "$work/out"; fail "expected the race's exit 96, got $rc"; }
grep -q "data race on 'total'" "$work/out" || { cat "$work/out"; fail "the race report does not name 'total'"; }
echo "wrappers: instrument, refuse a missing library in one line, build a C program that reports its race"
