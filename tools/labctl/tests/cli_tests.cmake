# labctl's command line, as users meet it. Each test runs labctl once through
# expect_cli.sh, which checks the exit code, that an error is exactly one
# "racelab: " line on stderr, and what stdout shows. Included from ../CMakeLists.txt.
# (CMake splits arguments at ";", so the patterns below match one with ".")
set(_cli_driver "${CMAKE_CURRENT_SOURCE_DIR}/tests/expect_cli.sh")
set(_fixtures "${CMAKE_CURRENT_SOURCE_DIR}/tests/fixtures")
set(_tree "${_fixtures}/tree")

# labctl_cli_test(NAME <expect_cli.sh options> -- <labctl arguments>)
function(labctl_cli_test name)
  list(FIND ARGN "--" separator)
  list(SUBLIST ARGN 0 ${separator} checks)
  math(EXPR first_argument "${separator} + 1")
  list(SUBLIST ARGN ${first_argument} -1 arguments)
  add_test(NAME labctl_cli_${name}
           COMMAND sh "${_cli_driver}" ${checks} -- $<TARGET_FILE:labctl> ${arguments})
  set_tests_properties(labctl_cli_${name} PROPERTIES LABELS "tools" TIMEOUT 60)
endfunction()

# --- usage and environment errors: exit 2, one line
labctl_cli_test(unknown_lab --exit 2 --stderr "^racelab: no lab 99. labs are 01–02 \\(tools/lab list\\)$"
  -- --root "${_tree}" --build @BUILD@ verify 99 --no-build)
labctl_cli_test(unknown_lab_in_the_course --exit 2 --stderr "^racelab: no lab 99. (labs are|the only lab is) [0-9]"
  -- --root "${PROJECT_SOURCE_DIR}" --build @BUILD@ verify 99 --no-build)
labctl_cli_test(malformed_catalogue --exit 2 --stderr "^racelab: .*/malformed\\.toml:3:[0-9]+: "
  -- --root "${_tree}" --build @BUILD@ --catalogue "${_fixtures}/catalogues/malformed.toml" list --no-build)
labctl_cli_test(catalogue_missing_field --exit 2 --stderr "missing_field\\.toml:1:1: lab 1 \\(01-alpha\\): missing field `expect`"
  -- --root "${_tree}" --build @BUILD@ --catalogue "${_fixtures}/catalogues/missing_field.toml" list --no-build)
labctl_cli_test(catalogue_unknown_expect --exit 2 --stderr "unknown expect value `race-condition`. use one of: data-race"
  -- --root "${_tree}" --build @BUILD@ --catalogue "${_fixtures}/catalogues/unknown_expect.toml" list --no-build)
labctl_cli_test(catalogue_missing_folder --exit 2 --stderr "lab 07-nowhere: its folder .*labs/07-nowhere does not exist"
  -- --root "${_tree}" --build @BUILD@ --catalogue "${_fixtures}/catalogues/missing_folder.toml" list --no-build)
labctl_cli_test(catalogue_missing_file --exit 2 --stderr "^racelab: cannot read the catalogue .*nothing\\.toml: no such file"
  -- --root "${_tree}" --catalogue "${_fixtures}/nothing.toml" list)
# A missing argument names the command students type, not labctl (issue 17).
labctl_cli_test(lab_missing --exit 2 --stderr "^racelab: lab is required \\(tools/lab --help\\)$"
  -- --root "${_tree}" check)
labctl_cli_test(missing_root --exit 2 --stderr "^racelab: no source tree at /nonexistent/racelab"
  -- --root /nonexistent/racelab list)
labctl_cli_test(missing_build --exit 2 --stderr "^racelab: no build in /nonexistent/labctl-build: run tools/lab start$"
  -- --root "${_tree}" --build /nonexistent/labctl-build list)
labctl_cli_test(unconfigured_build --exit 2 --stderr "is not a configured build \\(no CMakeCache\\.txt\\): run tools/lab start$"
  --remove CMakeCache.txt -- --root "${_tree}" --build @BUILD@ verify --no-build)
labctl_cli_test(missing_test_program --exit 2 --stderr "^racelab: test program .*/tests/lab01_starter not found"
  --remove tests/lab01_starter -- --root "${_tree}" --build @BUILD@ verify 01 --no-build)
labctl_cli_test(missing_test_program_list --exit 2 --stderr "^racelab: test program .*/tests/lab02_starter not found"
  --remove tests/lab02_starter -- --root "${_tree}" --build @BUILD@ list --no-build)
labctl_cli_test(build_without_stamp --exit 2
  --stderr "^racelab: .* was made by an older racelab \\(it has no racelab-build\\.json\\): run tools/lab start$"
  --remove racelab-build.json -- --root "${_tree}" --build @BUILD@ list --no-build)
labctl_cli_test(build_of_an_older_format --exit 2
  --stderr "^racelab: .* was made by an older racelab \\(build format 0, this one needs [0-9]+\\): run tools/lab start$"
  --write racelab-build.json "{\"format\": 0, \"labs\": [\"01\"]}" -- --root "${_tree}" --build @BUILD@ check 01 --no-build)
labctl_cli_test(build_stamp_damaged --exit 2 --stderr "racelab-build\\.json is damaged: run tools/lab start$"
  --write racelab-build.json "{\"format\": " -- --root "${_tree}" --build @BUILD@ hint 01)
labctl_cli_test(lab_not_in_build --exit 2 --stderr "^racelab: lab 02 is not in the build .*RACELAB_LABS"
  --write racelab-build.json "{\"format\": ${RACELAB_BUILD_FORMAT}, \"labs\": [\"01\"]}"
  -- --root "${_tree}" --build @BUILD@ check 02 --no-build)
labctl_cli_test(lab_folder_deleted --exit 2 --stderr "its folder .*labs/07-nowhere does not exist"
  -- --root "${_tree}" --build @BUILD@ --catalogue "${_fixtures}/catalogues/missing_folder.toml" check 07 --no-build)
labctl_cli_test(unknown_subcommand --exit 2 --stderr "^racelab: unknown command 'frobnicate'" -- frobnicate)
# The user typed tools/lab: no message names labctl, the program behind it.
labctl_cli_test(no_subcommand --exit 2 --stderr "^racelab: .*\\(tools/lab --help\\)$" -- --root "${_tree}")
labctl_cli_test(unknown_option --exit 2 --stderr "^racelab: .*\\(tools/lab --help\\)$" -- --root "${_tree}" check 01 --frobnicate)
labctl_cli_test(bad_runs --exit 2 --stderr "^racelab: .*--runs" -- --root "${_tree}" verify --runs 0)
labctl_cli_test(help --exit 0 --stdout "verify" --stdout "--catalogue" --stdout "^Usage: tools/lab " -- --help)

# --- the commands themselves, on stand-in test programs (fixtures/fake-build/tests)
labctl_cli_test(list --exit 0
  --stdout "^  01  Alpha: a race on a counter  data race +0/10$"
  --stdout "^      ThreadSanitizer: data race in alpha\\.cpp:12$"
  --stdout "^        during Correctness\\.Counts$"
  --stdout "^      full report: .*/racelab-runs/lab01_starter\\.log$"
  --stdout "^  02  Beta: a wrong sum +wrong result +0/15$"
  --stdout "^      wrong result in Correctness\\.Sum$"
  --stdout "^            Which is: 9$"
  --stdout "^Total: 0/25 points \\(0 of 2 labs passing\\)$"
  --stdout "^Next: tools/lab check 01 — .*\\(tools/lab hint 01\\)$"
  --file racelab-state.json
  -- --root "${_tree}" --build @BUILD@ list --no-build)
# A build of some labs (RACELAB_LABS=01) shows only those.
labctl_cli_test(list_of_a_partial_build --exit 0 --stdout "^Total: 0/10 points \\(0 of 1 labs passing\\)$"
  --write racelab-build.json "{\"format\": ${RACELAB_BUILD_FORMAT}, \"labs\": [\"01\"]}"
  -- --root "${_tree}" --build @BUILD@ list --no-build)
# check: the verdict, the condensed report and what to do; exit 1 until it passes.
labctl_cli_test(check_race --exit 1
  --stdout "^  01  Alpha: a race on a counter  data race +0/10$"
  --stdout "^  The first report, condensed:$" --stdout "alpha\\.cpp:12"
  --stdout "^  As the grader scores it \\(the public tests, one round\\):$"
  --stdout "^    ✗ race-free +0/3 +ThreadSanitizer: data race in alpha\\.cpp:12$"
  --stdout "^Next: two threads use the same memory.*\\(tools/lab hint 01\\)$"
  --file racelab-state.json
  -- --root "${_tree}" --build @BUILD@ check 01 --no-build)
# --diagnostics: the same check, then the findings as file:line:col lines for an editor.
labctl_cli_test(check_diagnostics --exit 1
  --stdout "^labs/01-alpha/alpha\\.cpp:12:1: error: ThreadSanitizer: data race"
  -- --root "${_tree}" --build @BUILD@ check 01 --no-build --diagnostics)
labctl_cli_test(check_wrong_result --exit 1
  --stdout "^      wrong result in Correctness\\.Sum$" --stdout "^            Which is: 9$" --stdout "^          10$"
  -- --root "${_tree}" --build @BUILD@ check 2 --no-build)
# All five criteria, scored as the grader would: this stand-in course has Correctness tests
# only, so the others fail as they would in grading (and the row says 4/10, not 10/10).
labctl_cli_test(check_passes --exit 0 --stdout "^  01  .*passing +4/10$"
  --stdout "^    ✓ correct +4/4$" --stdout "^    ✗ parallel +0/1 +the course has no tests for this criterion$"
  --stdout "^Lab 01 passes. Next: labs/02-beta/README.md, then tools/lab check 02$"
  --write tests/lab01_starter "#!/bin/sh
exec \"\$(dirname \"\$0\")/lab01_solution\" \"\$@\""
  -- --root "${_tree}" --build @BUILD@ check 01 --no-build)
# hint: one more each time, remembered in the build's state file; the last one repeats.
labctl_cli_test(hint_first --exit 0 --stdout "^Hint 1 of 2 for lab 01 " --stdout "^  Look at the counter\\.$"
  -- --root "${_tree}" --build @BUILD@ hint 01)
labctl_cli_test(hint_second --exit 0 --runs-before 1 --stdout "^Hint 2 of 2 for lab 01 " --stdout "^  Give each task its own count\\.$"
  --stdout "that was the last hint" --file racelab-state.json
  -- --root "${_tree}" --build @BUILD@ hint 01)
labctl_cli_test(hint_after_the_last --exit 0 --runs-before 5 --stdout "^Hint 2 of 2 for lab 01 "
  -- --root "${_tree}" --build @BUILD@ hint 01)
labctl_cli_test(hint_none --exit 0 --stdout "^Lab 02 has no hints: read labs/02-beta/README\\.md\\.$"
  -- --root "${_tree}" --build @BUILD@ hint 02)

# Without --no-build labctl builds first; this folder is no real build, so it "does not compile".
labctl_cli_test(list_build_failure --exit 0 --stdout "^  01  .*does not compile" --stdout "^      does not compile: "
  -- --root "${_tree}" --build @BUILD@ list)
labctl_cli_test(verify_ok --exit 0
  --stdout "^01   data-race 3/3 +pass 3/3 +ok$" --stdout "^1 passed, 0 failed$"
  -- --root "${_tree}" --build @BUILD@ verify 1 --runs 3 --no-build)
# The solution fails its second run: one wobbly run fails the lab.
labctl_cli_test(verify_flaky_solution --exit 1
  --stdout "^02   wrong-result 3/3 +pass 2/3 +FAIL$" --stdout "^     solution run 2: nondeterministic result in Determinism\\.Seeds"
  --stdout "^0 passed, 1 failed$"
  -- --root "${_tree}" --build @BUILD@ verify 02 --runs 3 --no-build)
# The starter fails for the right reason but would earn `correct`'s 8 points if a student
# handed it in: verify fails the lab, unless the catalogue allows them (starter_max_points).
labctl_cli_test(verify_starter_earns_points --exit 1
  --stdout "^02   nondeterministic 1/1 +pass 1/1 +FAIL$"
  --stdout "^     starter run 1 earns 8/15 points when graded \\(correct\\). the catalogue allows 0 \\(starter_max_points\\)"
  --stdout "^0 passed, 1 failed$"
  --write tests/lab02_starter "#!/bin/sh
exec \"\$(dirname \"\$0\")/lab02_starter_scores\" \"\$@\""
  -- --root "${_tree}" --build @BUILD@ --catalogue "${_fixtures}/catalogues/starter_scores.toml" verify 02 --runs 1 --no-build)
labctl_cli_test(verify_starter_points_allowed --exit 0
  --stdout "^02   nondeterministic 1/1 +pass 1/1 +ok$" --stdout "^1 passed, 0 failed$"
  --write tests/lab02_starter "#!/bin/sh
exec \"\$(dirname \"\$0\")/lab02_starter_scores\" \"\$@\""
  -- --root "${_tree}" --build @BUILD@ --catalogue "${_fixtures}/catalogues/starter_allowed.toml" verify 02 --runs 1 --no-build)
# The starter races, but the catalogue says it deadlocks: the wrong reason fails the lab.
labctl_cli_test(verify_wrong_reason --exit 1
  --stdout "^01   deadlock 0/2 +pass 2/2 +FAIL$" --stdout "^     starter run 1: ThreadSanitizer: data race in alpha\\.cpp:12 \\[data-race, wrong-result\\]"
  --stdout "^0 passed, 1 failed$"
  -- --root "${_tree}" --build @BUILD@ --catalogue "${_fixtures}/catalogues/expect_deadlock.toml" verify 01 --runs 2 --no-build)

# --- race: the demo chart, on stand-in demo programs (fixtures/fake-build/tests/lab01_*_demo)
labctl_cli_test(race_unknown_lab --exit 2 --stderr "^racelab: no lab 99. labs are 01–02 \\(tools/lab list\\)$"
  -- --root "${_tree}" race 99 --release-build @BUILD@ --no-build)
labctl_cli_test(race_no_demo --exit 2 --stderr "^racelab: lab 02 has no demo program yet \\(tests/02-beta\\.demo\\.cpp\\)$"
  -- --root "${_tree}" race 02 --release-build @BUILD@)
labctl_cli_test(race_bad_runs --exit 2 --stderr "^racelab: .*--runs"
  -- --root "${_tree}" race 01 --runs 0 --release-build @BUILD@ --no-build)
labctl_cli_test(race_runs_not_a_number --exit 2 --stderr "^racelab: .*--runs"
  -- --root "${_tree}" race 01 --runs many --release-build @BUILD@ --no-build)
labctl_cli_test(race_svg_not_overwritten --exit 2 --stderr "^racelab: .*labs\\.toml exists and is not an \\.svg file"
  -- --root "${_tree}" race 01 --svg "${_tree}/labs/labs.toml" --release-build @BUILD@ --no-build)
labctl_cli_test(race --exit 0
  --stdout "^your code \\(6 runs, 5 different answers\\):$"
  --stdout "^  ██████████ +2  total 200  ✓ reference$"
  --stdout "^  █████ +1  total 197$"
  --stdout "^  █████ +1  crash \\(SIGSEGV\\)$"
  --stdout "^  █████ +1  exited 3$"
  --stdout "^  █████ +1  total <x & y>$"
  --stdout "^reference \\(6 runs, 1 different answer\\):$"
  --stdout "^  ██████████████████████████████  6  total 200  ✓ reference$"
  --stdout "^your code: 5 different answers in 6 runs. reference: 1$"
  --stdout "^chart: .*/chart\\.svg$"
  --file chart.svg
  -- --root "${_tree}" race 01 --runs 6 --svg @BUILD@/chart.svg --release-build @BUILD@ --no-build)
labctl_cli_test(race_solution_only --exit 0
  --stdout "^reference \\(4 runs, 1 different answer\\):$"
  --stdout "^reference: 1 different answer in 4 runs$"
  -- --root "${_tree}" race 1 --solution --runs 4 --release-build @BUILD@ --no-build)

# --- watch: a scripted session on stand-in programs (save, pass, move on, h, q, folder deleted)
add_test(NAME labctl_cli_watch COMMAND bash "${CMAKE_CURRENT_SOURCE_DIR}/tests/watch_test.sh" $<TARGET_FILE:labctl>)
set_tests_properties(labctl_cli_watch PROPERTIES LABELS "tools" TIMEOUT 120)

# --- export and new: refusals are one line, exit 2, and write nothing
labctl_cli_test(export_into_a_non_empty_folder --exit 2 --stderr "^racelab: .* already exists and is not an empty folder: export --student writes only into a new or empty folder$"
  -- --root "${_tree}" export --student @BUILD@)
labctl_cli_test(export_needs_one_kind --exit 2 --stderr "^racelab: export needs exactly one of --student DIR and --gradescope FILE\\.zip$"
  -- --root "${_tree}" export)
labctl_cli_test(export_gradescope_unknown_lab --exit 2 --stderr "^racelab: no lab 99. labs are 01–02"
  -- --root "${_tree}" export --gradescope @BUILD@/autograder.zip --labs 99)
labctl_cli_test(grade_bad_shard --exit 2 --stderr "^racelab: --shard 3/2: give K/N with 1 <= K <= N, like 2/3$"
  -- --root "${_tree}" grade --shard 3/2 /nonexistent)
labctl_cli_test(grade_merge_without_reports --exit 2 --stderr "^racelab: --merge: .*/labs holds no grade reports"
  -- --root "${_tree}" grade --merge "${_tree}/labs")
labctl_cli_test(grade_merge_a_file_not_a_report --exit 2
  --stderr "^racelab: --merge: .*/racelab-build\\.json is not a grade report of this course$"
  -- --root "${_tree}" grade --merge @BUILD@)
labctl_cli_test(new_malformed_slug --exit 2 --stderr "^racelab: new 1x: a lab is named NN-slug: two digits, a dash, then lowercase words \\(like 12-thread-pool\\)$"
  -- --root "${_tree}" new 1x)
labctl_cli_test(new_taken_number --exit 2 --stderr "^racelab: lab 01 already exists \\(01-alpha\\): pick another number$"
  -- --root "${_tree}" new 01-gamma)
