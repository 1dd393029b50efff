#!/usr/bin/env bash
# The editor setup the repository ships: .vscode/tasks.json's problem matcher, applied to what
# `tools/lab check NN --diagnostics` prints, finds each diagnostic line as a problem (file,
# line, severity, message), the file one that exists in the course, and no line of the
# human-readable report above them. .clangd points at the tsan build's compile commands.
# Usage: editor_test.sh SOURCE_DIR LABCTL FIXTURE_TREE FAKE_BUILD
set -u
ROOT=${1:?usage: editor_test.sh SOURCE_DIR LABCTL FIXTURE_TREE FAKE_BUILD}
LABCTL=${2:?}
TREE=${3:?}
FAKE=${4:?}
. "$(dirname "${BASH_SOURCE[0]}")/checks.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -R "$FAKE" "$work/build"
"$LABCTL" --root "$TREE" --build "$work/build" check 01 --no-build --diagnostics >"$work/out" 2>"$work/err"
check "check --diagnostics exits 1 on a failing lab" "[ $? -eq 1 ]"

python3 - "$ROOT/.vscode/tasks.json" "$work/out" "$TREE" >"$work/matched" 2>&1 <<'PY'
import json, os, re, sys
tasks_file, out_file, tree = sys.argv[1:4]
# tasks.json is JSON with comments (VS Code's JSONC): drop the comment lines.
text = "".join(line for line in open(tasks_file) if not line.lstrip().startswith("//"))
task = next(t for t in json.loads(text)["tasks"] if "--diagnostics" in t["command"])
pattern = task["problemMatcher"]["pattern"]
regexp = re.compile(pattern["regexp"])
problems = []
for line in open(out_file):
    m = regexp.match(line.rstrip("\n"))
    if m:
        problems.append((m.group(pattern["file"]), int(m.group(pattern["line"])), m.group(pattern["severity"]),
                         m.group(pattern["message"])))
for file, line, severity, message in problems:
    print(f"{file}\t{line}\t{severity}\t{os.path.exists(os.path.join(tree, file))}\t{message}")
PY
check "the matcher reads the task" "[ -s '$work/matched' ] && ! grep -q Traceback '$work/matched'"
check "the race's frame in the student's file is a problem at its line" \
  "grep -q \$'^labs/01-alpha/alpha.cpp\t12\terror\tTrue\tThreadSanitizer: data race' '$work/matched'"
check "every problem names a file of the course" "! grep -q \$'\tFalse\t' '$work/matched'"
check "no line of the report above is taken for a problem" \
  "[ \"\$(wc -l <'$work/matched')\" -eq \"\$(grep -cE '^[^ ].*:[0-9]+:[0-9]+: (error|warning|note): ' '$work/out')\" ]"
check ".clangd reads the tsan build's compile commands" "grep -q 'CompilationDatabase: build/tsan' '$ROOT/.clangd'"
[ "$failed" -eq 0 ] || { cat "$work/out" "$work/matched"; }
finish editor
