// Source mode's race report (issue 16): what race.cpp prints when it sees a data race,
// with the variable's name and both accesses' source lines, before it ends the run with
// kExitRace. Separate from the detector because it is all about symbols and processes
// (it runs llvm-symbolizer), none of it on the hot path.
#pragma once

#include "shadow.hpp"

#include <cstddef>
#include <cstdint>

namespace labctl::explore::rt {

// Reports the race between the calling thread's access (`write` or read of `size` bytes at
// `address`, code address `pc`; its call stack from racelab_frames) and `earlier`, then
// ends the run with kExitRace. Called only by the running controlled thread.
[[noreturn]] void report_race(std::uintptr_t address, std::size_t size, int thread, bool write, const void* pc,
                              const Access& earlier, bool earlier_write);

}  // namespace labctl::explore::rt
