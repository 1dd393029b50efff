#include "course_tools/gradescope_scripts.hpp"

#include <fmt/format.h>

namespace labctl {

namespace {

// Shell words baked into the scripts. Only values labctl checked (lab numbers, a count).
std::string grade_arguments(const ExportOptions& options, const std::string& course) {
  std::string args;
  if (!options.labs.empty()) {
    std::string labs;
    for (const auto& lab : options.labs) labs += (labs.empty() ? "" : ",") + lab;
    args += " --labs '" + labs + "'";
  }
  args += fmt::format(" --runs {}", options.runs);
  if (!options.hidden_tests.empty()) args += " --hidden-tests \"" + course + "/hidden-tests\"";
  return args;
}

// What both scripts start with: where Gradescope (or a test) put everything.
constexpr const char* kLayout = R"(# Gradescope's layout, overridable so that the package can be tried on any machine:
#   RACELAB_AUTOGRADER_ROOT   Gradescope's folder (default /autograder): source/ (this zip,
#                             unpacked), submission/ (the student's upload), results/
#   RACELAB_AUTOGRADER_BUILD  where the builds go (default: the course tree's build/)
AUTOGRADER=${RACELAB_AUTOGRADER_ROOT:-/autograder}
COURSE=$AUTOGRADER/source/source
BUILD=${RACELAB_AUTOGRADER_BUILD:-$COURSE/build}
LABCTL=$BUILD/tsan/tools/labctl/labctl
)";

}  // namespace

std::string gradescope_setup_script(const ExportOptions& options) {
  return fmt::format(R"SH(#!/usr/bin/env bash
# setup.sh: made by `labctl export --gradescope` (racelab). Gradescope runs it once, as root,
# when it builds the autograder's image. It installs what racelab needs (tools/lab's own
# list) and builds the grader: labctl, then the grader's build (GoogleTest, labkit, every
# lab's test objects, hidden tests compiled in), so that run_autograder compiles only the
# submission. RACELAB_SKIP_PACKAGES=1 skips the package step (a machine that has them).
set -euo pipefail
{layout}
if [ "${{RACELAB_SKIP_PACKAGES:-}}" != 1 ]; then
  "$COURSE/tools/lab" packages
fi
mkdir -p "$BUILD"
cd "$COURSE"
echo "racelab: configuring labctl's build in $BUILD/tsan"
cmake --preset tsan -B "$BUILD/tsan" >"$BUILD/setup-configure.log" 2>&1 ||
  {{ tail -n 20 "$BUILD/setup-configure.log" >&2; exit 2; }}
cmake --build "$BUILD/tsan" --target labctl
# Grading an empty submission builds what every submission shares, once, and proves the
# course grades at all before any student uploads.
empty=$(mktemp -d)
out=$(mktemp -d)
trap 'rm -rf "$empty" "$out"' EXIT
echo "racelab: building the grader's build in $BUILD/grade (minutes, once)"
"$LABCTL" --root "$COURSE" grade "$empty"{args} --format json --out "$out" --grading-build "$BUILD/grade" >/dev/null
echo "racelab: the autograder is ready"
)SH",
                     fmt::arg("layout", kLayout), fmt::arg("args", grade_arguments(options, "$COURSE")));
}

std::string gradescope_run_script(const ExportOptions& options) {
  return fmt::format(R"SH(#!/usr/bin/env bash
# run_autograder: made by `labctl export --gradescope` (racelab). Gradescope runs it for each
# submission: it grades $AUTOGRADER/submission with `labctl grade --format gradescope` and
# leaves $AUTOGRADER/results/results.json. Whatever happens, results.json is left valid: if
# the grader fails, it says so with score 0 and the error in `output`.
set -uo pipefail
{layout}
RESULTS=$AUTOGRADER/results
mkdir -p "$RESULTS"
rm -f "$RESULTS/results.json"
log=$(mktemp)
trap 'rm -f "$log"' EXIT

status=0
if [ -x "$LABCTL" ]; then
  "$LABCTL" --root "$COURSE" grade "$AUTOGRADER/submission"{args} --format gradescope \
    --out "$RESULTS" --grading-build "$BUILD/grade" 2>"$log" || status=$?
  cat "$log" >&2  # Gradescope shows the instructor this script's output
else
  echo "racelab: labctl is not built ($LABCTL): did setup.sh run?" >"$log"
  status=2
fi

# A string for JSON: backslashes, quotes and control characters escaped.
json_string() {{
  local s
  s=$(printf '%s' "$1" | tr -d '\000-\010\013\014\016-\037')
  s=${{s//\\/\\\\}}
  s=${{s//\"/\\\"}}
  s=${{s//$'\t'/\\t}}
  s=${{s//$'\r'/}}
  s=${{s//$'\n'/\\n}}
  printf '"%s"' "$s"
}}

valid=0
if [ -s "$RESULTS/results.json" ]; then
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert "score" in d or "tests" in d' \
      "$RESULTS/results.json" 2>/dev/null && valid=1
  else
    valid=1
  fi
fi
if [ "$valid" != 1 ]; then
  message="The autograder could not grade this submission (labctl exit status $status). Please tell your instructor.
$(tail -n 20 "$log")"
  printf '{{"score": 0, "output": %s, "tests": []}}\n' "$(json_string "$message")" >"$RESULTS/results.json"
fi
exit 0
)SH",
                     fmt::arg("layout", kLayout), fmt::arg("args", grade_arguments(options, "$COURSE")));
}

}  // namespace labctl
