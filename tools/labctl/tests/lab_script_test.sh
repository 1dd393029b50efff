#!/usr/bin/env bash
# Tests of tools/lab itself: the behaviour a new user meets before anything is built.
# Each check runs the script and looks at its exit status and its words.
# Usage: lab_script_test.sh SOURCE_DIR
set -u
ROOT=${1:?usage: lab_script_test.sh SOURCE_DIR}
LAB="$ROOT/tools/lab"
passed=0
failed=0

# check NAME EXPECTED_STATUS PATTERN COMMAND...: the command exits with EXPECTED_STATUS and
# its output (stdout + stderr) matches the extended regex PATTERN.
check() {
  local name=$1 want=$2 pattern=$3 out status
  shift 3
  out=$("$@" 2>&1)
  status=$?
  if [ "$status" -eq "$want" ] && grep -Eq -- "$pattern" <<<"$out"; then
    passed=$((passed + 1))
    echo "ok   $name"
  else
    failed=$((failed + 1))
    echo "FAIL $name: exit $status (wanted $want), output:"
    sed 's/^/     /' <<<"$out"
  fi
}

# An unknown command is one line and exit 2, not a usage dump or a stack trace.
check "unknown command" 2 "^racelab: unknown command 'frobnicate'" "$LAB" frobnicate
check "unknown command is one line" 0 "^1$" bash -c "'$LAB' frobnicate 2>&1 | wc -l"

# help lists the two quick-start commands.
check "help" 0 "tools/lab start.*tools/lab test|start" "$LAB" help

# Not root and a package missing: print the exact apt-get command and exit 2.
check "not root: prints the install command" 2 \
  "sudo apt-get update && sudo apt-get install -y --no-install-recommends .*racelab-pretend-pkg" \
  env RACELAB_PRETEND_MISSING=racelab-pretend-pkg RACELAB_PRETEND_NOT_ROOT=1 "$LAB" start

# The student commands refuse to run without the toolchain, in one line.
check "list without packages" 2 "^racelab: missing packages: racelab-pretend-pkg.*tools/lab start" \
  env RACELAB_PRETEND_MISSING=racelab-pretend-pkg "$LAB" list

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
