# RACELAB_LAUNCHER: the command prefix for running a sanitized test program.
#
# clang < 18's ThreadSanitizer assumes at most 28 bits of mmap randomisation; on
# kernels configured with more (vm.mmap_rnd_bits = 32 on some distributions) it aborts
# with "unexpected memory mapping". Running the program with address randomisation off
# (setarch <arch> -R) avoids that. tools/labctl makes the same decision at run time.
set(RACELAB_LAUNCHER "")
set(RACELAB_TSAN_MAX_RND_BITS 28)
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
