# Applies RACELAB_SANITIZER to every target defined after this file is included.
if(RACELAB_SANITIZER STREQUAL "thread")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
elseif(RACELAB_SANITIZER STREQUAL "address")
  # address + undefined behaviour; UB is fatal so a test cannot pass over it
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
elseif(NOT RACELAB_SANITIZER STREQUAL "none")
  message(FATAL_ERROR "racelab: RACELAB_SANITIZER must be thread, address or none, not '${RACELAB_SANITIZER}'")
endif()
