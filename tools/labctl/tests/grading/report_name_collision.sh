#!/usr/bin/env bash
# HELD now: name_apart names every submission by its file stem first (a_b, a_b-2); grade_test.sh
# grades "a b" and "a_b" in its batch.
# Grading fixture — BATCH (new class: two students, one report file). Two submissions whose
# names differ only in characters file_stem() (grade/grade_report.cpp) turns into '_' —
# "a b" and "a_b", or "a'b", "a+b", "a b" with a non-ASCII letter... — get the same report
# file (a_b.md, a_b.json, a_b.xml, a_b.results.json): the one written last overwrites the
# other's. name_apart() (grade/batch.cpp) only keeps *equal* names apart. A student who can
# choose the name of what they hand in (an archive's file name) picks one that maps onto a
# classmate's stem and sorts after it: the classmate's feedback file then holds the
# attacker's report. grades.csv still has both rows (its names are quoted), so the two
# disagree.
# Measured on h-attack (6ab72d1): "a b" (the starter, 0/10) and "a_b" (the reference,
# 10/10) in one batch with --format md give one file, a_b.md, "# a_b: 10/10 points";
# the 0/10 report is gone. docs/grading.md ("No student lost") promises no report file is
# overwritten by another's.
# What would close the class: keep submissions apart by the name that is actually used —
# the file stem — (name_apart on file_stem(name), or refuse/rename any two whose stems are
# equal, case-folded too for case-insensitive file systems), never by the display name.
# Usage: report_name_collision.sh SOURCE_DIR LABCTL GRADING_BUILD_DIR. Exit 0: kept apart.
set -u
ROOT=${1:?usage: report_name_collision.sh SOURCE_DIR LABCTL GRADING_BUILD_DIR}
LABCTL=${2:?}
GRADING_BUILD=${3:?}
work=$(mktemp -d "${TMPDIR:-/tmp}/racelab-name-collision.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/subs/a b/labs/01-lost-update" "$work/subs/a_b/labs/01-lost-update"
cp "$ROOT/labs/01-lost-update/lost_update.cpp" "$work/subs/a b/labs/01-lost-update/"
cp "$ROOT/solutions/01-lost-update/lost_update.cpp" "$work/subs/a_b/labs/01-lost-update/"
"$LABCTL" --root "$ROOT" grade --labs 01 --grading-build "$GRADING_BUILD" --run-time-limit 20 \
  "$work/subs" --out "$work/out" --format md >"$work/log" 2>&1
reports=$(find "$work/out" -name '*.md' | wc -l)
echo "report files: $reports (expected 2)"
ls "$work/out"
[ "$reports" = 2 ]
