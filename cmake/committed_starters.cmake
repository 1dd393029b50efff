# The labs' starters as the repository has them committed, for the project's own tests.
#
# A student edits labs/ in the working tree; the course's own checks of its starters (verify:
# "every starter fails for the expected reason", the grader's static checks of each starter)
# must not see those edits, or `tools/lab test` fails as soon as a student fixes a lab. So
# those checks build the starters from a copy of labs/ taken from git's HEAD into the build
# folder. A tree that is not a git checkout (an exported student repository) has no committed
# version: the working tree's labs/ is used, and configure says so.
#
#   racelab_committed_starters(OUTPUT_DIR)   at configure time; sets in the caller
#       racelab_committed_labs     OUTPUT_DIR/labs: the folder holding NN-slug/ starters
#       racelab_committed_source   "git HEAD" or "the working tree"
#   cmake -DSOURCE_DIR=... -DOUTPUT_DIR=... -P committed_starters.cmake   the same, alone (its test)

# Exports SOURCE_DIR's committed labs/ into OUTPUT_DIR/labs; the working tree's when git has none.
function(_racelab_export_committed_labs source_dir output_dir result_var)
  set(staging "${output_dir}/labs.staging")
  file(REMOVE_RECURSE "${staging}")
  file(MAKE_DIRECTORY "${staging}")
  set(result "the working tree")
  find_program(RACELAB_GIT git)
  if(RACELAB_GIT)
    # Run from labs/, git archives that folder only, with paths relative to it (so the course
    # may sit inside a bigger repository); given a commit, not a tree, its files carry the
    # commit's time, so configuring again with the same HEAD rebuilds nothing.
    execute_process(COMMAND "${RACELAB_GIT}" -C "${source_dir}/labs" archive --format=tar
                            "--output=${output_dir}/labs.tar" HEAD
                    RESULT_VARIABLE status OUTPUT_QUIET ERROR_QUIET)
    if(status EQUAL 0)
      execute_process(COMMAND "${CMAKE_COMMAND}" -E tar xf "${output_dir}/labs.tar"
                      WORKING_DIRECTORY "${staging}" RESULT_VARIABLE status)
      file(REMOVE "${output_dir}/labs.tar")
      if(status EQUAL 0)
        set(result "git HEAD")
      endif()
    endif()
  endif()
  if(result STREQUAL "the working tree")
    file(COPY "${source_dir}/labs/" DESTINATION "${staging}")
  endif()
  file(REMOVE_RECURSE "${output_dir}/labs")
  file(RENAME "${staging}" "${output_dir}/labs")
  set(${result_var} "${result}" PARENT_SCOPE)
endfunction()

function(racelab_committed_starters output_dir)
  _racelab_export_committed_labs("${PROJECT_SOURCE_DIR}" "${output_dir}" source)
  if(source STREQUAL "git HEAD")
    # A new commit (or checkout) configures again, taking the new starters.
    foreach(what HEAD index)
      execute_process(COMMAND git -C "${PROJECT_SOURCE_DIR}" rev-parse --path-format=absolute --git-path ${what}
                      OUTPUT_VARIABLE path OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE status ERROR_QUIET)
      if(status EQUAL 0 AND EXISTS "${path}")
        set_property(DIRECTORY "${PROJECT_SOURCE_DIR}" APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${path}")
      endif()
    endforeach()
  else()
    message(STATUS "racelab: not a git checkout: the project's own tests use the working tree's labs/ as starters")
  endif()
  set(racelab_committed_labs "${output_dir}/labs" PARENT_SCOPE)
  set(racelab_committed_source "${source}" PARENT_SCOPE)
endfunction()

if(CMAKE_SCRIPT_MODE_FILE STREQUAL CMAKE_CURRENT_LIST_FILE)
  _racelab_export_committed_labs("${SOURCE_DIR}" "${OUTPUT_DIR}" source)
  message("racelab: starters from ${source}")
endif()
