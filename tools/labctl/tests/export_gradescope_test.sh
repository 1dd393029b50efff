#!/usr/bin/env bash
# `labctl export --gradescope`: the package grades in Gradescope's layout. Builds that layout
# (source/, submission/, results/) in WORK_DIR, unzips the package (lab 01 only, with the
# hidden test) into source/, runs setup.sh (its build steps: packages skipped) and
# run_autograder as Gradescope would, and checks results.json:
#   the reference solution as the submission     score 10, every test passed
#   the buggy starter as the submission           score below 10
#   labctl missing (setup.sh never ran)           still a valid results.json, score 0
# Usage: export_gradescope_test.sh SOURCE_DIR LABCTL WORK_DIR
#   WORK_DIR/build (labctl's build and the grader's build) is kept between runs, so only the
#   first run builds the grader (minutes); the layout and the package are removed at the end.
set -u
ROOT=${1:?usage: export_gradescope_test.sh SOURCE_DIR LABCTL WORK_DIR}
LABCTL=${2:?}
WORK=${3:?}
ag=$WORK/autograder
mkdir -p "$WORK"
rm -rf "$ag" "$WORK/package"
trap 'rm -rf "$ag" "$WORK/package"' EXIT
. "$(dirname "${BASH_SOURCE[0]}")/checks.sh"

# What Gradescope's run time looks like, in a folder of our own.
export RACELAB_AUTOGRADER_ROOT=$ag
export RACELAB_AUTOGRADER_BUILD=$WORK/build
export RACELAB_SKIP_PACKAGES=1
mkdir -p "$ag/source" "$ag/submission" "$ag/results" "$WORK/package"

zip=$WORK/package/autograder.zip
"$LABCTL" --root "$ROOT" export --gradescope "$zip" --labs 01 --hidden-tests "$ROOT/tools/labctl/tests/grading/hidden" ||
  { echo "FAIL export --gradescope"; exit 1; }
# cmake's own tar reads zips: no unzip needed on a fresh Debian machine.
(cd "$ag/source" && cmake -E tar xf "$zip") || { echo "FAIL unpacking the zip"; exit 1; }
check "setup.sh and run_autograder are executable" "[ -x '$ag/source/setup.sh' ] && [ -x '$ag/source/run_autograder' ]"
check "source/ holds the course without solutions/" "[ -f '$ag/source/source/labs/labs.toml' ] && [ ! -e '$ag/source/source/solutions' ]"
check "the hidden test ships under source/hidden-tests/" "[ -f '$ag/source/source/hidden-tests/01-lost-update.cpp' ]"

if (cd "$ag/source" && ./setup.sh) >"$WORK/setup.log" 2>&1; then
  ok "setup.sh builds labctl and the grader's build"
else
  tail -n 30 "$WORK/setup.log"
  bad "setup.sh builds labctl and the grader's build"
fi

# Gradescope copies run_autograder to /autograder/ and runs it from there.
cp "$ag/source/run_autograder" "$ag/run_autograder"
results=$ag/results/results.json
grade() {  # grade SUBMITTED_FILE: one Gradescope run on a fresh submission/ and results/
  rm -rf "$ag/submission" "$ag/results"
  mkdir -p "$ag/submission/labs/01-lost-update" "$ag/results"
  cp "$1" "$ag/submission/labs/01-lost-update/lost_update.cpp"
  (cd "$ag" && ./run_autograder) >"$WORK/run.log" 2>&1
}
# The top-level score of results.json (labctl writes it indented, one key per line; the
# fallback writes it on one line). No python3 or jq needed on a fresh Debian machine.
score() { grep -o '^ \{0,2\}[{]\{0,1\}"score": *[0-9]*' "$results" 2>/dev/null | head -n 1 | grep -o '[0-9]*$'; }

grade "$ROOT/solutions/01-lost-update/lost_update.cpp"
check "run_autograder exits 0" "[ $? -eq 0 ]"
check "the reference solution scores 10 (got $(score))" "[ \"\$(score)\" = 10 ]"
[ "$(score)" = 10 ] || { cat "$WORK/run.log"; cat "$results"; }
check "... with every test passed" \
  "grep -q '\"status\": \"passed\"' '$results' && ! grep -q '\"status\": \"failed\"' '$results'"

grade "$ROOT/labs/01-lost-update/lost_update.cpp"
check "the racy starter scores below 10 (got $(score))" "[ -n \"\$(score)\" ] && [ \"\$(score)\" -lt 10 ]"

# No grader at all: results.json must still be valid, with the reason.
RACELAB_AUTOGRADER_BUILD=$WORK/nowhere grade "$ROOT/solutions/01-lost-update/lost_update.cpp"
check "without labctl, results.json is still valid with score 0" "[ \"\$(score)\" = 0 ]"
check "... and says why" "grep -q 'labctl is not built' '$results'"

finish export_gradescope_test
