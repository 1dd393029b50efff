#!/usr/bin/env bash
# `labctl new`: a scaffolded lab is checked by verify at once. In a temporary copy of the
# course: `new 99-example` (99: far from the course's own labs) creates the files and the
# catalogue entry, a second `new` with the same number or a malformed slug is refused (exit 2,
# one line, nothing changed), then a build of lab 99 only, and `labctl verify 99 --runs 3
# --no-build` proves it: the starter fails with the data race the catalogue expects, the
# solution passes every run; it flags the handout and hints as the scaffold's until they are
# replaced, then passes.
# Usage: new_lab_test.sh SOURCE_DIR LABCTL WORK_DIR
#   WORK_DIR keeps the copy's build between runs (GoogleTest is not rebuilt); the copy of the
#   course itself is temporary and removed.
set -u
ROOT=${1:?usage: new_lab_test.sh SOURCE_DIR LABCTL WORK_DIR}
LABCTL=${2:?}
WORK=${3:?}
tree=$WORK/tree
build=$WORK/build
mkdir -p "$WORK"
rm -rf "$tree"
trap 'rm -rf "$tree"' EXIT
. "$(dirname "${BASH_SOURCE[0]}")/checks.sh"

# The course as the instructor has it, without builds or git metadata.
mkdir -p "$tree"
tar -C "$ROOT" --exclude=./build --exclude=./.git -cf - . | tar -C "$tree" -xf - || { echo "FAIL copying the course"; exit 1; }
[ ! -e "$tree/labs/99-example" ] || { echo "FAIL the course already has a lab 99: pick another number here"; exit 1; }

"$LABCTL" --root "$tree" new 99-example --title 'Example: summing squares' >"$WORK/new.log" 2>&1
check "new 99-example succeeds" "[ $? -eq 0 ]"
for file in labs/99-example/README.md labs/99-example/example.hpp labs/99-example/example.cpp \
            solutions/99-example/example.cpp tests/99-example.cpp; do
  check "created $file" "[ -f '$tree/$file' ]"
done
check "the catalogue has the new lab" "grep -q '^slug = \"99-example\"' '$tree/labs/labs.toml'"

cp "$tree/labs/labs.toml" "$WORK/labs.toml.before"
for refused in "99-other" "03-example" "99-Bad_Name"; do
  err=$("$LABCTL" --root "$tree" new "$refused" 2>&1 >/dev/null)
  status=$?
  check "new $refused is refused with exit 2, one line" \
        "[ $status -eq 2 ] && [ \$(printf '%s\n' \"\$err\" | wc -l) -eq 1 ] && [[ \"\$err\" == racelab:* ]]"
done
check "... and the catalogue is unchanged" "cmp -s '$tree/labs/labs.toml' '$WORK/labs.toml.before'"
check "... and the scaffold is unchanged" "[ ! -e '$tree/labs/99-other' ] && [ ! -e '$tree/labs/99-bad_name' ]"

if (cd "$tree" && cmake --preset tsan -B "$build" -DRACELAB_TOOLS=OFF -DRACELAB_LABS=99) >"$WORK/configure.log" 2>&1; then
  ok "the course configures with lab 99"
else
  tail -n 20 "$WORK/configure.log"
  bad "the course configures with lab 99"
fi
if cmake --build "$build" --target lab99_starter lab99_solution >"$WORK/build.log" 2>&1; then
  ok "lab99_starter and lab99_solution build"
else
  grep -E 'error|FAILED' "$WORK/build.log" | head -n 10
  bad "lab99_starter and lab99_solution build"
fi
# verify proves the scaffold at once (the starter fails as expected, the solution passes),
# and flags that its handout and hints are still the example's: not a lab to hand out yet.
"$LABCTL" --root "$tree" --build "$build" verify 99 --runs 3 --no-build >"$WORK/verify.log" 2>&1
status=$?
if [ $status -eq 1 ] && grep -Eq '^99 +data-race [0-9/]+ +pass [0-9/]+ +FAIL$' "$WORK/verify.log" &&
   grep -q "not ready to hand out: its handout (README.md) and its hints are still the scaffold's" "$WORK/verify.log"; then
  ok "verify 99 proves the scaffold at once, and flags its handout and hints as the example's"
else
  cat "$WORK/verify.log"
  bad "verify 99 proves the scaffold at once, and flags its handout and hints as the example's (exit $status)"
fi
# With a handout and hints of the lab's own, verify passes.
printf '# Lab 99: our own handout\n' >"$tree/labs/99-example/README.md"
awk '/slug = "99-example"/ { mine = 1 }
     mine && /^hints = \[/ { print "hints = [\"Our own first hint.\"]"; skip = 1; next }
     skip { if ($0 ~ /^\]/) skip = 0; next }
     { print }' "$tree/labs/labs.toml" >"$tree/labs/labs.toml.new" && mv "$tree/labs/labs.toml.new" "$tree/labs/labs.toml"
if "$LABCTL" --root "$tree" --build "$build" verify 99 --runs 3 --no-build >"$WORK/verify-own.log" 2>&1; then
  ok "verify 99 passes once the handout and hints are the lab's own"
else
  cat "$WORK/verify-own.log"
  bad "verify 99 passes once the handout and hints are the lab's own"
fi

# The instructor's guide's example runs as written in this course (it once named lab 13,
# which the course has): its `tools/lab new` line, in the guide's "Adding a lab" section.
example=$(sed -n '/^## Adding a lab/,/^## The/p' "$ROOT/docs/instructor.md" | grep -m1 '^tools/lab new ')
if [ -z "$example" ]; then
  bad "docs/instructor.md's 'Adding a lab' has no tools/lab new example"
else
  eval "set -- ${example#tools/lab new }"
  "$LABCTL" --root "$tree" new "$@" >"$WORK/example.log" 2>&1
  status=$?
  check "docs/instructor.md's example runs: $example" "[ $status -eq 0 ] && [ -f '$tree/tests/$1.cpp' ]"
  [ $status -eq 0 ] || cat "$WORK/example.log"
fi

finish new_lab_test
