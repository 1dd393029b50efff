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

# Package names per release (issue 19: Gradescope runs Ubuntu), read from recorded os-release
# files. Debian 12's names as they are; Ubuntu 24.04's clang, llvm and lld are clang 14's
# (its defaults are 18); Ubuntu 22.04 and anything else are refused in one line, exit 2.
RELEASES="$ROOT/tools/labctl/tests/fixtures/os-release"
check "dry run on Debian 12: Debian's names" 0 \
  "^would run: apt-get install -y --no-install-recommends clang libclang-rt-14-dev cmake .* lld llvm gdb$" \
  env RACELAB_OS_RELEASE="$RELEASES/debian-12" "$LAB" packages --dry-run
check "dry run on Ubuntu 24.04: clang 14's packages, and CMake from the release" 0 \
  "^would run: apt-get install -y --no-install-recommends clang-14 libclang-rt-14-dev cmake .*libtomlplusplus-dev.* lld-14 llvm-14 gdb$" \
  env RACELAB_OS_RELEASE="$RELEASES/ubuntu-24.04" "$LAB" packages --dry-run
check "... and says where CMake comes from" 0 "^cmake: Ubuntu 24.04's package, 3.28" \
  env RACELAB_OS_RELEASE="$RELEASES/ubuntu-24.04" "$LAB" packages --dry-run
check "dry run on Ubuntu 22.04: refused, saying why" 2 "^refused: Ubuntu 22.04 .*toml\+\+.*CMake is 3.22" \
  env RACELAB_OS_RELEASE="$RELEASES/ubuntu-22.04" "$LAB" packages --dry-run
check "dry run on Fedora: refused" 2 "^refused: racelab knows the packages of Debian 12 and Ubuntu 24.04, not of fedora:40" \
  env RACELAB_OS_RELEASE="$RELEASES/fedora-40" "$LAB" packages --dry-run
check "a missing package on Ubuntu 24.04 is installed by its Ubuntu name" 2 \
  "sudo apt-get install -y --no-install-recommends clang-14$" \
  env RACELAB_OS_RELEASE="$RELEASES/ubuntu-24.04" RACELAB_PRETEND_MISSING=clang RACELAB_PRETEND_NOT_ROOT=1 "$LAB" start
check "a missing package on Ubuntu 22.04: one line, exit 2, before any apt-get" 2 \
  "^racelab: missing packages \(clang\): Ubuntu 22.04 cannot build racelab" \
  env RACELAB_OS_RELEASE="$RELEASES/ubuntu-22.04" RACELAB_PRETEND_MISSING=clang "$LAB" start
check "... in one line" 0 "^1$" bash -c "RACELAB_OS_RELEASE='$RELEASES/ubuntu-22.04' RACELAB_PRETEND_MISSING=clang '$LAB' start 2>&1 | wc -l"
check "packages takes only --dry-run" 2 "^racelab: unknown argument to packages: --frob" "$LAB" packages --frob

# The student commands refuse to run without the toolchain, in one line.
check "list without packages" 2 "^racelab: missing packages: racelab-pretend-pkg.*tools/lab start" \
  env RACELAB_PRETEND_MISSING=racelab-pretend-pkg "$LAB" list

# The build's progress (issue 17: start showed only "building 6/92" for ten minutes). The
# pieces, from the script sourced (it runs nothing then): a bar, the count, the step in
# words, and an estimate from the pace so far, cut to the terminal's width.
in_lab() { bash -c 'source "$1"; shift; "$@"' _ "$LAB" "$@"; }
check "progress: bar, count, step, time left" 0 \
  '^racelab: building \[##########\.{10}\] 46/92, about 60 s left: compiling 01-lost-update\.cpp$' \
  in_lab progress_line 46 92 60 "Building CXX object tests/CMakeFiles/lab01_tests.dir/01-lost-update.cpp.o" 120
check "progress: no estimate before there is a pace" 0 '^racelab: building \[\.{20}\] 3/92: linking lab01_solution$' \
  in_lab progress_line 3 92 1 "Linking CXX executable tests/lab01_solution" 120
check "progress: long estimates in minutes" 0 '^about 9 min left$' in_lab time_left 10 100 60
check "progress: one line within the terminal's width" 0 '^39$' \
  bash -c "source '$LAB'; progress_line 46 92 60 'Building CXX object tests/x.cpp.o' 40 | wc -L"
# In a pipe (a CI log) a line at each quarter, not one per step and not none.
ninja_lines() { for i in $(seq 1 12); do echo "[$i/12] Building CXX object t/f$i.cpp.o"; done; echo "ninja: done"; }
check "progress in a pipe: a line per quarter" 0 '^racelab: building: 3/12 done.*racelab: building: 12/12 done$' \
  bash -c "source '$LAB'; $(declare -f ninja_lines); ninja_lines | show_build_progress lines 2>&1 | tr '\n' ' ' | sed 's/ \$//'"
check "progress in a pipe: four lines for twelve steps" 0 '^4$' \
  bash -c "source '$LAB'; $(declare -f ninja_lines); ninja_lines | show_build_progress lines 2>&1 | wc -l"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
