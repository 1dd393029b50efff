# RACELAB_SANITIZER, per target: `racelab_sanitizer` is an INTERFACE library that carries
# the flags, so a target is sanitized because it links it (labkit does, so every lab, test
# and helper built on labkit is), never because of the order of add_subdirectory calls.
# labctl and the explorer do not link it: they run sanitized programs, they are not ones.
add_library(racelab_sanitizer INTERFACE)
if(RACELAB_SANITIZER STREQUAL "thread")
  set(RACELAB_SANITIZER_FLAGS -fsanitize=thread -fno-omit-frame-pointer)
  set(RACELAB_SANITIZER_LINK_FLAGS -fsanitize=thread)
elseif(RACELAB_SANITIZER STREQUAL "address")
  # address + undefined behaviour; UB is fatal so a test cannot pass over it
  set(RACELAB_SANITIZER_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  set(RACELAB_SANITIZER_LINK_FLAGS -fsanitize=address,undefined)
elseif(RACELAB_SANITIZER STREQUAL "none")
  set(RACELAB_SANITIZER_FLAGS "")
  set(RACELAB_SANITIZER_LINK_FLAGS "")
else()
  message(FATAL_ERROR "racelab: RACELAB_SANITIZER must be thread, address or none, not '${RACELAB_SANITIZER}'")
endif()
target_compile_options(racelab_sanitizer INTERFACE ${RACELAB_SANITIZER_FLAGS})
target_link_options(racelab_sanitizer INTERFACE ${RACELAB_SANITIZER_LINK_FLAGS})

# For targets defined by others' CMake files (GoogleTest's), which we cannot make link
# racelab_sanitizer without mixing their target_link_libraries signature.
function(racelab_sanitize_foreign)
  foreach(target IN LISTS ARGN)
    target_compile_options(${target} PRIVATE ${RACELAB_SANITIZER_FLAGS})
    target_link_options(${target} PRIVATE ${RACELAB_SANITIZER_LINK_FLAGS})
  endforeach()
endfunction()
