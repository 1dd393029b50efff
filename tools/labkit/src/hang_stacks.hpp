// Every thread's stack, printed by gdb when a test hangs (labkit/protocol.hpp: kHangStacksEnv).
// Shared by the watchdog (gtest_main.cpp) and end_as_hung (testing.cpp): both end a hung
// program, and a student reading "deadlock" needs to see where each thread stood.
#pragma once

namespace labkit::detail {

// When kHangStacksEnv is "1": lets a child trace this process, has gdb print every thread's
// backtrace on stderr between kStacksBegin and kStacksEnd, and waits for it (at most 30 s).
// Does nothing otherwise, or when gdb cannot be started (then only the markers say so).
void print_stacks_if_asked();

}  // namespace labkit::detail
