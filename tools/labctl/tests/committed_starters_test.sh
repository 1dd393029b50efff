#!/usr/bin/env bash
# The project's own tests take the starters from git, not from the working tree a student
# edits (cmake/committed_starters.cmake): on a scratch repository, an edited starter is
# exported as committed; the export keeps the commit's time (an unchanged HEAD rebuilds
# nothing); a tree that is not a git checkout falls back to its working tree and says so.
#
# And in the configured BUILD_DIR (Ninja): a plain build (what tools/lab test runs) compiles the
# committed starters and none of the working tree's lab code, so a student's edit that does
# not compile cannot fail it.
#
#   committed_starters_test.sh SOURCE_DIR [BUILD_DIR]
set -uo pipefail
source_dir=$1
build_dir=${2:-}
script=$source_dir/cmake/committed_starters.cmake
work=$(mktemp -d "${TMPDIR:-/tmp}/racelab-committed.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
export_labs() { cmake -DSOURCE_DIR="$work/course" -DOUTPUT_DIR="$work/out" -P "$script" 2>&1; }

mkdir -p "$work/course/labs/01-alpha"
echo "int starter();" >"$work/course/labs/01-alpha/alpha.cpp"
git -C "$work/course" init -q && git -C "$work/course" add -A &&
  git -C "$work/course" -c user.name=t -c user.email=t@t commit -qm starter || exit 2

# A student's edit and a new file of theirs: neither reaches the exported starters.
echo "int my_fix();" >"$work/course/labs/01-alpha/alpha.cpp"
echo "int mine();" >"$work/course/labs/01-alpha/notes.cpp"
said=$(export_labs)
[ "$said" = "racelab: starters from git HEAD" ] || fail "export said: $said"
[ "$(cat "$work/out/labs/01-alpha/alpha.cpp")" = "int starter();" ] || fail "the export holds the student's edit"
[ ! -e "$work/out/labs/01-alpha/notes.cpp" ] || fail "the export holds a file that was never committed"

# Configuring again with the same HEAD leaves the files' times alone: nothing is rebuilt.
before=$(stat -c %Y "$work/out/labs/01-alpha/alpha.cpp")
sleep 1
export_labs >/dev/null
[ "$(stat -c %Y "$work/out/labs/01-alpha/alpha.cpp")" = "$before" ] || fail "a second export changed the file's time"

# Not a git checkout (a student's exported copy): the working tree, said so.
rm -rf "$work/course/.git"
said=$(export_labs)
[ "$said" = "racelab: starters from the working tree" ] || fail "export without git said: $said"
[ "$(cat "$work/out/labs/01-alpha/alpha.cpp")" = "int my_fix();" ] || fail "without git, the working tree is not used"

if [ -n "$build_dir" ]; then
  inputs=$(ninja -C "$build_dir" -t inputs all) || fail "ninja -t inputs all failed in $build_dir"
  grep -q "^$build_dir/committed/labs/.*\.cpp$" <<<"$inputs" || fail "a plain build compiles no committed starter"
  student=$(grep "^$source_dir/labs/.*\.cpp$" <<<"$inputs")
  [ -z "$student" ] || fail "a plain build compiles the working tree's lab code: $student"
fi

[ "$failures" = 0 ] && echo ok
exit $((failures > 0))
