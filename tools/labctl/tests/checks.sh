# Sourced by the tools' script tests (tools/labctl/tests/*_test.sh, tools/labctl/tests/grading/grade_test.sh):
# one way to count checks and to end.
#   ok TEXT, bad TEXT         count a check that passed or failed, and say so
#   check TEXT CONDITION      evaluate CONDITION (shell code), then ok or bad
#   finish NAME               print "NAME: N passed, M failed"; succeeds when none failed
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
finish() {
  echo "$1: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
