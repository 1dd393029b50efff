#!/usr/bin/env bash
# HELD now: names are file stems (no newline or escape survives); grade_test.sh grades one in
# its batch and finds one row per student.
# Grading fixture — BATCH (new class: a submission's name is written raw into the reports).
# A submission's name is its folder's or archive's file name, which may hold any byte but
# '/' and NUL: newlines, carriage returns, terminal escapes. labctl writes it unescaped into
# the batch table (stdout and table.txt) and, quoted but with its newline, into grades.csv.
# A student named, say, "mallory<newline>alice  10⁄10 points  (0.9 s)" (U+2044 for the '/')
# puts a row into the instructor's table that reads as alice's 10/10; one named
# "zed<newline>alice,10,10,10," puts the line `alice,10,10,10,",0,10,0,` into grades.csv,
# which line-based tools read as alice's row (grade_test.sh itself greps grades.csv line by
# line: `grep '^honest,10,10,'`). Terminal escapes in a name (ESC[1A ESC[2K ...) rewrite
# the lines above it on the instructor's terminal. Entry names inside a submission go through
# printable() (submission/intake.cpp); the submission's own name does not.
# Measured on h-attack (7d6bddb): alice (the starter, 0/10) gets a second, forged row in
# table.txt ("alice  10⁄10 points ...") and grades.csv has two lines starting "alice,".
# What would close the class: one rule for names at intake — control characters (C0, DEL,
# C1, and bidi overrides) refused or shown escaped, everywhere a name is printed (table,
# md heading, csv, terminal, notes) — and a test with hostile names in the batch.
# Usage: report_name_injection.sh SOURCE_DIR LABCTL GRADING_BUILD_DIR. Exit 0: not forged.
set -u
ROOT=${1:?usage: report_name_injection.sh SOURCE_DIR LABCTL GRADING_BUILD_DIR}
LABCTL=${2:?}
GRADING_BUILD=${3:?}
work=$(mktemp -d "${TMPDIR:-/tmp}/racelab-name-injection.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
starter=$ROOT/labs/01-lost-update/lost_update.cpp
for name in alice $'mallory\nalice  10\xe2\x81\x8410 points  (0.9 s)' $'zed\nalice,10,10,10,'; do
  mkdir -p "$work/subs/$name/labs/01-lost-update"
  cp "$starter" "$work/subs/$name/labs/01-lost-update/"
done
for format in table csv; do
  "$LABCTL" --root "$ROOT" grade --labs 01 --grading-build "$GRADING_BUILD" --run-time-limit 20 \
    "$work/subs" --out "$work/out" --format "$format" >"$work/log-$format" 2>&1
done
status=0
if grep -q '^alice  10' "$work/out/table.txt"; then echo "table.txt: a forged row for alice"; status=1; fi
rows=$(grep -c '^alice,' "$work/out/grades.csv")
if [ "$rows" != 1 ]; then echo "grades.csv: $rows lines start with alice,"; status=1; fi
exit $status
