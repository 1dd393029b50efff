#!/usr/bin/env bash
# HELD now: reports and the cache are written through json_text (invalid bytes become U+FFFD);
# grade_test.sh grades not_utf8 in its batch.
# Grading fixture — BATCH (new class: bytes the report formats cannot hold crash labctl).
# The student's file is the starter with a comment holding one byte that is not UTF-8
# (0xFF) at the end of each racy line. ThreadSanitizer reports the race, and the feedback
# quotes the student's lines — 0xFF included. nlohmann::json refuses to dump a string that is
# not UTF-8 (type_error.316), and nothing catches it. With --out, whatever the format (md,
# csv, table, junit, json: the resume cache .racelab-grade-cache.json is JSON in every
# case), labctl stops with "racelab: internal error: [json.exception.type_error.316] invalid
# UTF-8 byte", exit 2, and writes no report for anyone in the batch — a classmate's 10/10 is
# lost with it, on every resume. A submission *named* with such a byte (a folder or archive
# called $'bad\xff') does the same.
# Measured on h-attack (e1dabd9): batch {alice: the reference, mallory: the starter with the
# comments}, --format md, json, csv, table and junit: exit 2 each time, no report written.
# What would close the class: every string that reaches a report (names, feedback, source
# excerpts, compiler messages, notes) goes through one function that makes it valid UTF-8
# (invalid bytes replaced or escaped) before any format sees it; and labctl catches a
# failure to write one submission's report without losing the others'.
# Usage: report_invalid_utf8.sh SOURCE_DIR LABCTL GRADING_BUILD_DIR. Exit 0: both graded.
set -u
ROOT=${1:?usage: report_invalid_utf8.sh SOURCE_DIR LABCTL GRADING_BUILD_DIR}
LABCTL=${2:?}
GRADING_BUILD=${3:?}
work=$(mktemp -d "${TMPDIR:-/tmp}/racelab-invalid-utf8.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/subs/alice/labs/01-lost-update" "$work/subs/mallory/labs/01-lost-update"
cp "$ROOT/solutions/01-lost-update/lost_update.cpp" "$work/subs/alice/labs/01-lost-update/"
# The starter, with `// <0xFF>` after every line that increments a shared counter.
sed "s|\(++g_[a-z_]*;.*\)\$|\1  // $(printf '\377')|" "$ROOT/labs/01-lost-update/lost_update.cpp" \
  >"$work/subs/mallory/labs/01-lost-update/lost_update.cpp"
"$LABCTL" --root "$ROOT" grade --labs 01 --grading-build "$GRADING_BUILD" --run-time-limit 20 \
  "$work/subs" --out "$work/out" --format md >"$work/log" 2>&1
code=$?
echo "labctl exit $code; $(tail -1 "$work/log")"
ls "$work/out" 2>/dev/null
[ "$code" = 0 ] && [ -f "$work/out/alice.md" ] && [ -f "$work/out/mallory.md" ]
