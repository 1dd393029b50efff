#!/usr/bin/env bash
# `labctl new`: a scaffolded lab is checked by verify at once. In a temporary copy of the
# course: `new 12-example` creates the files and the catalogue entry, a second `new` with the
# same number or a malformed slug is refused (exit 2, one line, nothing changed), then a
# build of lab 12 only, and `labctl verify 12 --runs 3 --no-build` passes: the starter fails
# with the data race the catalogue expects, the solution passes every run.
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
failed=0
passed=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }

# The course as the instructor has it, without builds or git metadata.
mkdir -p "$tree"
tar -C "$ROOT" --exclude=./build --exclude=./.git -cf - . | tar -C "$tree" -xf - || { echo "FAIL copying the course"; exit 1; }
[ ! -e "$tree/labs/12-example" ] || { echo "FAIL the course already has a lab 12: pick another number here"; exit 1; }

"$LABCTL" --root "$tree" new 12-example --title 'Example: summing squares' >"$WORK/new.log" 2>&1
check "new 12-example succeeds" "[ $? -eq 0 ]"
for file in labs/12-example/README.md labs/12-example/example.hpp labs/12-example/example.cpp \
            solutions/12-example/example.cpp tests/12-example.cpp; do
  check "created $file" "[ -f '$tree/$file' ]"
done
check "the catalogue has the new lab" "grep -q '^slug = \"12-example\"' '$tree/labs/labs.toml'"

cp "$tree/labs/labs.toml" "$WORK/labs.toml.before"
for refused in "12-other" "03-example" "12-Bad_Name"; do
  err=$("$LABCTL" --root "$tree" new "$refused" 2>&1 >/dev/null)
  status=$?
  check "new $refused is refused with exit 2, one line" \
        "[ $status -eq 2 ] && [ \$(printf '%s\n' \"\$err\" | wc -l) -eq 1 ] && [[ \"\$err\" == racelab:* ]]"
done
check "... and the catalogue is unchanged" "cmp -s '$tree/labs/labs.toml' '$WORK/labs.toml.before'"
check "... and the scaffold is unchanged" "[ ! -e '$tree/labs/12-other' ] && [ ! -e '$tree/labs/12-bad_name' ]"

if (cd "$tree" && cmake --preset tsan -B "$build" -DRACELAB_TOOLS=OFF -DRACELAB_LABS=12) >"$WORK/configure.log" 2>&1; then
  ok "the course configures with lab 12"
else
  tail -n 20 "$WORK/configure.log"
  bad "the course configures with lab 12"
fi
if cmake --build "$build" --target lab12_starter lab12_solution >"$WORK/build.log" 2>&1; then
  ok "lab12_starter and lab12_solution build"
else
  grep -E 'error|FAILED' "$WORK/build.log" | head -n 10
  bad "lab12_starter and lab12_solution build"
fi
if "$LABCTL" --root "$tree" --build "$build" verify 12 --runs 3 --no-build >"$WORK/verify.log" 2>&1; then
  ok "verify 12 passes at once"
else
  cat "$WORK/verify.log"
  bad "verify 12 passes at once"
fi

echo "new_lab_test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
