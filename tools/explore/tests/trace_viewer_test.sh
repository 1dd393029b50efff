#!/bin/bash
# The HTML trace page in a real browser (issue 17): labctl explore finds the lock-order
# deadlock and writes the page; trace_viewer_test.py opens it in headless Chromium, steps
# through it with the keyboard and checks what is shown, keeping a screenshot.
#
#   trace_viewer_test.sh LABCTL LIBRARY PROGRAM SCREENSHOT.png
#
# Without Chromium and chromedriver this fails (tools/lab test installs them): a browser
# test that skips itself unseen would pass forever.
set -u
labctl=$1 library=$2 program=$3 screenshot=$4
for need in chromium chromedriver python3; do
  if ! command -v "$need" >/dev/null 2>&1; then
    echo "FAIL: the trace page's browser test needs $need: apt-get install chromium chromium-driver python3 (tools/lab test installs them)"
    exit 1
  fi
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export RACELAB_EXPLORE_LIB="$library"
"$labctl" explore --schedules 200 --seed 1 --timeout 5 --trace "$work/trace.html" -- "$program" >"$work/out" 2>&1
rc=$?
if [ $rc -ne 1 ] || [ ! -s "$work/trace.html" ]; then
  echo "FAIL: labctl explore did not find the deadlock and write the page (exit $rc)"
  cat "$work/out"
  exit 1
fi
grep '^trace: ' "$work/out"
python3 "$(dirname "$0")/trace_viewer_test.py" "$work/trace.html" "$screenshot"
