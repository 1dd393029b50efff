#!/bin/sh
# Runs labctl once and checks what a user would see.
#
#   expect_cli.sh [--exit N] [--stderr ERE] [--stdout ERE]... [--file REL] [--remove REL]
#                 [--write REL TEXT] [--runs-before N] -- LABCTL ARGS...
#
# @BUILD@ in ARGS (alone or at the start of one) becomes a fresh copy of fixtures/fake-build (labctl writes its logs
# and state there); --file REL must exist in that copy afterwards; --remove REL is
# deleted from it first, --write REL TEXT replaces its contents; --runs-before N runs the
# same command N times first (for what a command remembers, like hint). With --exit 2, stderr must be exactly one "racelab: " line.
set -u
here=$(cd "$(dirname "$0")" && pwd)
want_exit=0
stderr_re=
file=
remove=
write_file=
write_text=
runs_before=0
stdout_res=
while [ $# -gt 0 ] && [ "$1" != -- ]; do
  case $1 in
    --exit) want_exit=$2; shift 2 ;;
    --stderr) stderr_re=$2; shift 2 ;;
    --stdout) stdout_res="$stdout_res$2
"; shift 2 ;;
    --file) file=$2; shift 2 ;;
    --remove) remove=$2; shift 2 ;;
    --write) write_file=$2; write_text=$3; shift 3 ;;
    --runs-before) runs_before=$2; shift 2 ;;
    *) echo "expect_cli.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
shift

work=$(mktemp -d "${TMPDIR:-/tmp}/labctl-cli.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
cp -R "$here/fixtures/fake-build" "$work/build"
[ -n "$remove" ] && rm -f "$work/build/$remove"
[ -n "$write_file" ] && printf '%s\n' "$write_text" >"$work/build/$write_file"

program=$1
shift
for arg; do
  case $arg in @BUILD@*) arg=$work/build${arg#@BUILD@} ;; esac
  set -- "$@" "$arg"
  shift
done

command_line="$program $*"
while [ "$runs_before" -gt 0 ]; do
  "$program" "$@" >/dev/null 2>&1
  runs_before=$((runs_before - 1))
done
"$program" "$@" >"$work/stdout" 2>"$work/stderr"
got_exit=$?

fail() {
  echo "FAIL: $*"
  echo "--- command: $command_line"
  echo "--- exit: $got_exit"
  echo "--- stdout:"; cat "$work/stdout"
  echo "--- stderr:"; cat "$work/stderr"
  exit 1
}

[ "$got_exit" = "$want_exit" ] || fail "exit $got_exit, expected $want_exit"
if [ "$want_exit" = 2 ]; then
  lines=$(wc -l <"$work/stderr")
  [ "$lines" -eq 1 ] || fail "stderr has $lines lines, expected one"
  grep -q '^racelab: ' "$work/stderr" || fail "stderr does not start with 'racelab: '"
fi
if grep -q -e 'terminate called' -e 'what():' "$work/stderr"; then fail "an exception escaped"; fi
if [ -n "$stderr_re" ]; then
  grep -Eq -e "$stderr_re" "$work/stderr" || fail "stderr does not match: $stderr_re"
fi
printf '%s' "$stdout_res" | while IFS= read -r re; do
  grep -Eq -e "$re" "$work/stdout" || { echo "stdout does not match: $re" >"$work/mismatch"; break; }
done
[ -f "$work/mismatch" ] && fail "$(cat "$work/mismatch")"
if [ -n "$file" ] && [ ! -f "$work/build/$file" ]; then fail "labctl did not write $file"; fi
echo "ok"
