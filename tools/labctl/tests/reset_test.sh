#!/usr/bin/env bash
# Recovering from mistakes (docs/student.md, "Starting over"): a deleted or renamed lab file
# is named in one line with the way back, and `reset` puts the starter back (from git, or in a
# students' export from .racelab/starters) while keeping the student's copy. Runs labctl on a scratch git copy of fixtures/tree (seconds).
#
#   reset_test.sh LABCTL
set -uo pipefail
labctl=$1
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/labctl-reset.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

cp -R "$here/fixtures/tree" "$work/course"
cp -R "$here/fixtures/fake-build" "$work/build"
git -C "$work/course" init -q && git -C "$work/course" add -A &&
  git -C "$work/course" -c user.name=t -c user.email=t@t commit -qm starter || exit 2
starter=$(cat "$work/course/labs/01-alpha/alpha.cpp")

# run EXPECTED_EXIT ARGS...: runs labctl on the scratch course, output in $out and $err.
run() {
  local want=$1
  shift
  "$labctl" --root "$work/course" --build "$work/build" "$@" >"$work/out" 2>"$work/err"
  local got=$?
  out=$(cat "$work/out")
  err=$(cat "$work/err")
  [ "$got" = "$want" ] || fail "labctl $* exited $got, expected $want (stderr: $err)"
}
# one_line_error EXACT: stderr is that one line.
one_line_error() { [ "$err" = "racelab: $1" ] || fail "stderr is '$err', expected 'racelab: $1'"; }

# shellcheck disable=SC2016  # the backquotes are part of the message
missing='labs/01-alpha/alpha.cpp is missing: restore the starter with `tools/lab reset 01` (your other files are kept)'

# --- a deleted file: check, race, watch and list say what is missing, in one line, exit 2
rm "$work/course/labs/01-alpha/alpha.cpp"
for command in "check 01 --no-build" "race 01 --no-build" "watch 01 --no-build" "list --no-build"; do
  # shellcheck disable=SC2086  # the command's words
  run 2 $command
  one_line_error "$missing"
done

# --- reset restores it; nothing to keep
run 0 reset 01
[ "$(cat "$work/course/labs/01-alpha/alpha.cpp" 2>/dev/null)" = "$starter" ] || fail "reset did not restore alpha.cpp"
grep -q "labs/01-alpha/alpha.cpp: the starter is back (there was no copy to keep)" <<<"$out" || fail "reset said: $out"

# --- a renamed file: the same line; reset restores it and leaves the renamed one alone
mv "$work/course/labs/01-alpha/alpha.cpp" "$work/course/labs/01-alpha/alpha_mine.cpp"
run 2 check 01 --no-build
one_line_error "$missing"
run 0 reset 01
[ -f "$work/course/labs/01-alpha/alpha.cpp" ] || fail "reset did not restore a renamed file"
[ -f "$work/course/labs/01-alpha/alpha_mine.cpp" ] || fail "reset removed the student's renamed file"

# --- an edited file: restored, the student's copy kept under .racelab/backups/TIME/
echo "// my attempt" >"$work/course/labs/01-alpha/alpha.cpp"
run 0 reset 01 alpha.cpp
[ "$(cat "$work/course/labs/01-alpha/alpha.cpp")" = "$starter" ] || fail "reset FILE did not restore alpha.cpp"
backup=$(sed -n 's/.*your copy is kept in \(.*\))$/\1/p' <<<"$out")
[[ $backup == .racelab/backups/*/labs/01-alpha/alpha.cpp ]] || fail "reset did not say where the backup went: $out"
[ "$(cat "$work/course/$backup" 2>/dev/null)" = "// my attempt" ] || fail "the backup $backup does not hold the student's copy"
# A second reset in the same second keeps its own backup, never overwriting the first.
echo "// second attempt" >"$work/course/labs/01-alpha/alpha.cpp"
run 0 reset 01 labs/01-alpha/alpha.cpp
[ "$(cat "$work/course/$backup")" = "// my attempt" ] || fail "a second reset overwrote the first backup"
[ "$(grep -rl "second attempt" "$work/course/.racelab/backups" | wc -l)" = 1 ] || fail "the second backup is missing"
run 0 reset 01
grep -q "already the starter, nothing to do" <<<"$out" || fail "reset of an untouched file said: $out"

# --- refusals: one line, nothing changed
run 2 reset 99
one_line_error "no lab 99; labs are 01–02 (tools/lab list)"
run 2 reset 01 beta.cpp
one_line_error "beta.cpp is not a file you edit in lab 01; reset restores alpha.cpp"
echo "// mine" >"$work/course/labs/01-alpha/alpha.cpp"
rm -rf "$work/course/.git"
run 2 reset 01
one_line_error "$work/course is not a git checkout: there is no committed starter to restore (nothing changed)"
[ "$(cat "$work/course/labs/01-alpha/alpha.cpp")" = "// mine" ] || fail "a refused reset changed the file"

# --- a students' export (.racelab/starters, kept by export --student): reset takes the starter
# from there, not from git, where HEAD is the student's own last commit.
mkdir -p "$work/course/.racelab/starters/labs/01-alpha"
echo "// the starter as exported" >"$work/course/.racelab/starters/labs/01-alpha/alpha.cpp"
git -C "$work/course" init -q && git -C "$work/course" add -A &&
  git -C "$work/course" -c user.name=t -c user.email=t@t commit -qm "my work" || exit 2
run 0 reset 01
[ "$(cat "$work/course/labs/01-alpha/alpha.cpp")" = "// the starter as exported" ] ||
  fail "reset in an export did not take the starter from .racelab/starters"
grep -q "your copy is kept in .racelab/backups/" <<<"$out" || fail "reset in an export kept no copy: $out"

[ "$failures" = 0 ] && echo ok
exit $((failures > 0))
