#!/usr/bin/env bash
# tools/check-layers must pass on the tree as it is, and fail, naming the file and line,
# on each kind of include it forbids (so the check that keeps the arrows down can fail).
# Usage: check_layers_test.sh ROOT
set -uo pipefail
root=$1
. "$root/tools/labctl/tests/checks.sh"

check "the tree's includes all point down" "'$root/tools/check-layers' '$root' >/dev/null"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A copy of just what the check reads: labctl's sources, labkit and the explorer's library.
mkdir -p "$work/tools/labctl" "$work/tools/explore"
cp -R "$root/tools/labctl/src" "$work/tools/labctl/src"
cp -R "$root/tools/labkit" "$work/tools/labkit"
cp -R "$root/tools/explore/src" "$work/tools/explore/src"

expect_refused() {  # WHAT FILE LINE-TO-ADD PATTERN
  local what=$1 file=$2 line=$3 pattern=$4 out
  cp "$work/tools/$file" "$work/saved"
  printf '%s\n' "$line" >>"$work/tools/$file"
  out=$("$root/tools/check-layers" "$work" 2>&1)
  local status=$?
  check "$what: refused" "[ $status -eq 1 ]"
  check "$what: the offending include is named" "grep -q -- '$pattern' <<<\"\$out\""
  cp "$work/saved" "$work/tools/$file"
}
expect_refused "base includes a higher layer" labctl/src/base/text.hpp '#include "course/catalogue.hpp"' \
  'base/text.hpp:[0-9]*: includes course/catalogue.hpp'
expect_refused "a sibling includes a sibling" labctl/src/student/race.cpp '#include "grade/grade.hpp"' \
  'student/race.cpp:[0-9]*: includes grade/grade.hpp'
expect_refused "labkit includes labctl" labkit/src/testing.cpp '#include "base/text.hpp"' \
  'tools/labkit/src/testing.cpp:[0-9]*: labkit and the explorer'
expect_refused "labctl includes the executor" labctl/src/run/classify.cpp '#include <labkit/executor.hpp>' \
  'tools/labctl/src/run/classify.cpp:[0-9]*: labctl may include only'
mkdir -p "$work/tools/labctl/src/misc" && echo '// nothing' >"$work/tools/labctl/src/misc/x.cpp"
out=$("$root/tools/check-layers" "$work" 2>&1)
check "a folder that is no layer is refused" "grep -q \"folder 'misc' is not a layer\" <<<\"\$out\""

finish check_layers
