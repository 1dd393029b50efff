# racelab_warnings(TARGET... [STUDENT]): the warnings every racelab target is built with.
#
# -Wall -Wextra everywhere. With RACELAB_WERROR (on by default where CI is set, as in
# .ci/run), warnings stop the build of racelab's own code: labkit, labctl, the explorer,
# the tests. Never of a student's code (STUDENT): a warning in a lab file is the student's
# to read, not a build that refuses to run their tests.
option(RACELAB_WERROR "Treat warnings in racelab's own code as errors (default: on in CI)" "$ENV{CI}")

function(racelab_warnings)
  cmake_parse_arguments(W "STUDENT" "" "" ${ARGN})
  foreach(target IN LISTS W_UNPARSED_ARGUMENTS)
    target_compile_options(${target} PRIVATE -Wall -Wextra)
    if(RACELAB_WERROR AND NOT W_STUDENT)
      target_compile_options(${target} PRIVATE -Werror)
    endif()
  endforeach()
endfunction()
