# RACELAB_LAUNCHER: the command prefix for running a sanitized test program.
#
# clang < 18's ThreadSanitizer assumes at most 28 bits of mmap randomisation; on
# kernels configured with more (vm.mmap_rnd_bits = 32 on some distributions) it aborts
# with "unexpected memory mapping". Running the program with address randomisation off
# (setarch <arch> -R) avoids that. tools/labctl makes the same decision at run time.
# The limit is labkit::protocol::kTsanMaxMmapRndBits, read out of the header both use.
set(RACELAB_LAUNCHER "")
set(_racelab_protocol "${PROJECT_SOURCE_DIR}/tools/labkit/include/labkit/protocol.hpp")
file(READ "${_racelab_protocol}" _racelab_protocol_text)
# (Without the ';' that ends the C++ line: CMake would read it as a list separator.)
string(REGEX MATCHALL "\ninline constexpr int kTsanMaxMmapRndBits = [0-9]+" _racelab_rnd_lines "${_racelab_protocol_text}")
list(LENGTH _racelab_rnd_lines _racelab_rnd_count)
if(NOT _racelab_rnd_count EQUAL 1 OR NOT _racelab_rnd_lines MATCHES "= ([0-9]+)$")
  message(FATAL_ERROR "racelab: not one 'inline constexpr int kTsanMaxMmapRndBits = NUMBER;' line in ${_racelab_protocol} "
                      "(cmake/launcher.cmake reads the TSan mmap randomisation limit from there)")
endif()
set(RACELAB_TSAN_MAX_RND_BITS "${CMAKE_MATCH_1}")
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${_racelab_protocol}")
if(RACELAB_SANITIZER STREQUAL "thread" AND EXISTS "/proc/sys/vm/mmap_rnd_bits")
  file(READ "/proc/sys/vm/mmap_rnd_bits" _racelab_rnd_bits)
  string(STRIP "${_racelab_rnd_bits}" _racelab_rnd_bits)
  if(_racelab_rnd_bits GREATER RACELAB_TSAN_MAX_RND_BITS)
    find_program(RACELAB_SETARCH setarch)
    if(NOT RACELAB_SETARCH)
      message(FATAL_ERROR "racelab: vm.mmap_rnd_bits=${_racelab_rnd_bits} needs setarch (package util-linux) to run ThreadSanitizer programs")
    endif()
    set(RACELAB_LAUNCHER "${RACELAB_SETARCH}" "${CMAKE_HOST_SYSTEM_PROCESSOR}" -R)
    message(STATUS "racelab: vm.mmap_rnd_bits=${_racelab_rnd_bits} is above the ${RACELAB_TSAN_MAX_RND_BITS} "
                   "clang 14's ThreadSanitizer supports: TSan tests run under 'setarch ${CMAKE_HOST_SYSTEM_PROCESSOR} -R'")
  endif()
endif()
