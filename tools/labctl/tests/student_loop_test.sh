#!/usr/bin/env bash
# The student loop, end to end, as a new user meets it in a real terminal: a tmux session
# on a fresh copy of the course (only lab 01, to keep it short) runs
#   tools/lab start, check 01, hint 01 (twice), race 01, the fix, list, check 01, list (twice), watch
# and the screen is read after each command: the words a student sees and the exit code.
# The course tree itself is never touched: everything happens in a temporary copy.
#
#   student_loop_test.sh SOURCE_DIR
set -u
ROOT=${1:?usage: student_loop_test.sh SOURCE_DIR}
command -v tmux >/dev/null || { echo "FAIL: tmux is not installed (tools/lab test installs it)"; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/racelab-loop.XXXXXX") || exit 2
socket="racelab-loop-$$"
cleanup() {
  tmux -L "$socket" kill-server 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# The course as a student clones it: the tracked and new files, no build.
mkdir "$work/racelab"
(cd "$ROOT" && git ls-files -z --cached --others --exclude-standard |
  tar --null --ignore-failed-read -T - -cf - 2>/dev/null) | tar -xf - -C "$work/racelab"
[ -x "$work/racelab/tools/lab" ] || { echo "FAIL: could not copy the course"; exit 1; }
# The labs' starters as committed, not as someone working on them in $ROOT has left them
# (this test plays a student from the start; it must not depend on anyone's edits).
if git -C "$ROOT/labs" archive --format=tar HEAD >"$work/labs.tar" 2>/dev/null; then
  tar -xf "$work/labs.tar" -C "$work/racelab/labs" || { echo "FAIL: could not restore the committed starters"; exit 1; }
fi

tmux -L "$socket" -f /dev/null new-session -d -x 150 -y 50 -c "$work/racelab" \
  "env -u TMUX RACELAB_LABS=01 PS1='$ ' bash --norc --noprofile"
tmux -L "$socket" set-option -g history-limit 100000 >/dev/null

screen() { tmux -L "$socket" capture-pane -p -J -S - -E -; }
# Type nothing before the shell's first prompt: keys sent earlier are echoed ahead of it, and
# the command's line then does not start with "$ " (step 1 once failed so, in CI, with its
# marker on the screen).
for ((i = 0; i < 50; i++)); do
  screen | grep -q '^\$ ' && break
  sleep 0.2
done

failed=0
step=0
# run TIMEOUT EXPECTED_EXIT COMMAND: types COMMAND, waits for it, keeps its screen output.
run() {
  local limit=$1 want=$2 command=$3 i
  step=$((step + 1))
  local marker="__step${step}_exit_"
  tmux -L "$socket" send-keys -l "$command; echo ${marker}\$?__" && tmux -L "$socket" send-keys Enter
  for ((i = 0; i < limit * 5; i++)); do
    screen >"$work/screen"
    grep -q "^${marker}[0-9]*__$" "$work/screen" && break
    sleep 0.2
  done
  # The output of this command alone: from its prompt line to its marker.
  awk -v cmd="$ $command; echo ${marker}" -v marker="^${marker}" \
    'index($0, cmd) == 1 { on = 1; next } on && $0 ~ marker { print; exit } on { print }' \
    "$work/screen" >"$work/out"
  local got
  got=$(sed -n "s/^${marker}\\([0-9]*\\)__$/\\1/p" "$work/out")
  if [ -z "$got" ]; then
    echo "FAIL step $step ($command): no end after ${limit} s"
    sed 's/^/     /' "$work/out" | tail -n 40
    failed=$((failed + 1))
    return 1
  fi
  if [ "$got" != "$want" ]; then
    echo "FAIL step $step ($command): exit $got, expected $want"
    sed 's/^/     /' "$work/out" | tail -n 40
    failed=$((failed + 1))
    return 1
  fi
  echo "ok   step $step: $command (exit $got)"
}

# expect ERE: the last command's output has a line matching ERE.
expect() {
  grep -Eq -- "$1" "$work/out" && return 0
  echo "FAIL step $step: no line matches: $1"
  sed 's/^/     /' "$work/out" | tail -n 40
  failed=$((failed + 1))
}

# expect_no ERE: the last command's output has no line matching ERE.
expect_no() {
  ! grep -Eq -- "$1" "$work/out" && return 0
  echo "FAIL step $step: a line matches: $1"
  sed 's/^/     /' "$work/out" | tail -n 40
  failed=$((failed + 1))
}

# 1. start: packages are there, the build is made, the scoreboard shows lab 01 to do.
# Every step shows all five criteria (issue 17): the scoreboard on one line per lab, check
# one line each, as the grader would score them.
five_on_one_line='[✓✗·] correct [0-9]+/4  [✓✗·] race-free [0-9]+/3  [✓✗·] deterministic [0-9]+/1  [✓✗·] no globals [0-9]+/1  [✓✗·] parallel [0-9]+/1'
five_lines() {  # five_lines MARK: check's five criteria lines, each with MARK
  expect "^  As the grader scores it" &&
    for criterion in "correct +[0-9]+/4" "race-free +[0-9]+/3" "deterministic +[0-9]+/1" "no globals +[0-9]+/1" \
      "parallel +[0-9]+/1"; do expect "^    $1 $criterion"; done
}
run 900 0 "tools/lab start" &&
  expect "^  01  .*data race +0/10" &&
  expect "^      $five_on_one_line$" &&
  expect "^Total: 0/10 points \\(0 of 1 labs passing\\)$" &&
  expect "^Next: tools/lab check 01"

# 2. check 01: the race, condensed, in the student's own file.
run 300 1 "tools/lab check 01" &&
  expect "data race" &&
  five_lines "[✗·]" &&
  expect "^  The first report, condensed:$" &&
  expect "lost_update\\.cpp:[0-9]+" &&
  expect "docs/tsan\\.md#data-race"

# 3. hint 01, twice: the first hint, then the next one.
run 60 0 "tools/lab hint 01" && expect "^Hint 1 of [0-9]+ for lab 01 "
run 60 0 "tools/lab hint 01" && expect "^Hint 2 of [0-9]+ for lab 01 "

# 4. race 01: many answers from the starter, one from the reference.
if run 600 0 "tools/lab race 01 --runs 40"; then
  expect "^reference \\(40 runs, 1 different answer\\):$"
  answers=$(sed -n 's/^your code ([0-9]* runs, \([0-9]*\) different answers\{0,1\}):$/\1/p' "$work/out")
  if [ -z "$answers" ] || [ "$answers" -lt 2 ]; then
    echo "FAIL step $step: the starter gave ${answers:-no} different answers in 40 runs; expected several"
    failed=$((failed + 1))
  fi
fi

# 5. the fix (the reference's file, as a student who got there would have it). list runs
# the changed lab again (its test program changed: the last check's verdict is not kept),
# then check.
run 30 0 "cp solutions/01-lost-update/lost_update.cpp labs/01-lost-update/lost_update.cpp"
run 300 0 "tools/lab list" && expect "^  01  .*passing +10/10$" && expect_no "unchanged since their last check"
run 300 0 "tools/lab check 01" && expect "^  01  .*passing +10/10$" && expect "^Lab 01 passes\\.$" && # (the only lab in this build)
  five_lines "✓"

# 6. list: the progress is kept; the lab just checked is not run again (its test program is
# the one checked), and --rerun runs it all the same.
run 300 0 "tools/lab list" &&
  expect "^Total: 10/10 points \\(1 of 1 labs passing\\)$" &&
  expect "^1 of 1 labs unchanged since their last check" &&
  expect "^Every lab passes\\. Well done\\.$"
run 300 0 "tools/lab list --rerun" &&
  expect "^Total: 10/10 points \\(1 of 1 labs passing\\)$" && expect_no "unchanged since their last check"

# 7. watch: with every lab passing, it says so and ends by itself.
run 300 0 "tools/lab watch" && expect "Every lab passes\\. Well done"

echo
echo "student loop: $((step - failed)) steps passed, $failed failed"
[ "$failed" -eq 0 ]
