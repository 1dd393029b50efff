#!/bin/bash
# `labctl watch` as a student meets it, on stand-in test programs: it checks the first lab
# not passing, re-checks it when a file is saved, moves on when it passes, shows a hint on
# h, ignores editors' scratch files, names a renamed file and waits for it, quits on q; a lab
# folder deleted under it is one line and exit 2.
#
#   watch_test.sh LABCTL
set -u
labctl=$1
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/labctl-watch.XXXXXX") || exit 2
watcher=
cleanup() {
  [ -n "$watcher" ] && kill "$watcher" 2>/dev/null
  exec 3>&- 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*"
  echo "--- stdout:"; cat "$work/out"
  echo "--- stderr:"; cat "$work/err"
  exit 1
}

# Waits (up to 15 s) until stdout holds PATTERN at least COUNT times.
wait_for() {
  local pattern=$1 count=${2:-1} i
  for ((i = 0; i < 150; i++)); do
    [ "$(grep -cE -e "$pattern" "$work/out")" -ge "$count" ] && return 0
    sleep 0.1
  done
  fail "waited 15 s for: $pattern (x$count)"
}

cp -R "$here/fixtures/tree" "$work/tree"
cp -R "$here/fixtures/fake-build" "$work/build"
alpha=$work/tree/labs/01-alpha/alpha.cpp
# Lab 01's stand-in races until alpha.cpp says FIXED, then behaves like the solution.
mv "$work/build/tests/lab01_starter" "$work/build/tests/lab01_starter.racy"
cat >"$work/build/tests/lab01_starter" <<END
#!/bin/sh
if grep -q FIXED "$alpha"; then exec "$work/build/tests/lab01_solution" "\$@"; fi
exec "$work/build/tests/lab01_starter.racy" "\$@"
END
chmod +x "$work/build/tests/lab01_starter"

start_watch() {
  rm -f "$work/keys" && mkfifo "$work/keys"
  "$labctl" --root "$work/tree" --build "$work/build" watch --no-build <"$work/keys" >"$work/out" 2>"$work/err" &
  watcher=$!
  exec 3>"$work/keys"  # the keyboard
}

start_watch
wait_for "^racelab watch — lab 01 .*: first check$"
wait_for "^  01  Alpha: a race on a counter  data race"
wait_for "^Watching labs/01-alpha/ — save a file to check again"

# A save of the student's file re-checks; the fix passes and watch moves on to lab 02.
echo "// FIXED" >>"$alpha"
wait_for "^Lab 01 passes\\."
wait_for "^On to lab 02: labs/02-beta/README\\.md$"
wait_for "^racelab watch — lab 02 .*: the previous lab passes$"
wait_for "^Watching labs/02-beta/"

# h shows the hint (lab 02 has none), without re-checking.
printf h >&3
wait_for "^Lab 02 has no hints"
# An editor's scratch files are not saves.
touch "$work/tree/labs/02-beta/.beta.cpp.swp" "$work/tree/labs/02-beta/4913" "$work/tree/labs/02-beta/beta.cpp~"
sleep 1
[ "$(grep -c '^racelab watch — lab 02' "$work/out")" -eq 1 ] || fail "a scratch file made watch check again"
# Enter checks again at once.
printf '\n' >&3
wait_for "^racelab watch — lab 02 .*: checked again$"
# The student's file renamed under it: one line naming it and the way back, and watch waits;
# the file back, it checks again.
mv "$work/tree/labs/02-beta/beta.cpp" "$work/tree/labs/02-beta/beta_old.cpp"
wait_for '^labs/02-beta/beta\.cpp is missing: restore the starter with `tools/lab reset 02` \(your other files are kept\)$'
mv "$work/tree/labs/02-beta/beta_old.cpp" "$work/tree/labs/02-beta/beta.cpp"
wait_for "^  02  Beta: a wrong sum" 3

printf q >&3
wait "$watcher"
status=$?
watcher=
[ "$status" -eq 0 ] || fail "q: exit $status, expected 0"
grep -q '^Stopped watching\.$' "$work/out" || fail "q did not say it stopped"
grep -q 'racelab-state.json' <(ls "$work/build") || fail "no state file"
exec 3>&-

# Watch again: lab 01 passed last time, so it starts at lab 02. Its folder deleted: exit 2.
start_watch
wait_for "^racelab watch — lab 02 .*: first check$"
wait_for "^Watching labs/02-beta/"
rm -rf "$work/tree/labs/02-beta"
wait "$watcher"
status=$?
watcher=
[ "$status" -eq 2 ] || fail "folder deleted: exit $status, expected 2"
[ "$(wc -l <"$work/err")" -eq 1 ] || fail "folder deleted: stderr should be one line"
grep -q '^racelab: labs/02-beta was deleted or moved: restore it with git checkout -- labs/02-beta' "$work/err" ||
  fail "folder deleted: unexpected message"
echo ok
