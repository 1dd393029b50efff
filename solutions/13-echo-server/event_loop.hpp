// Lab 13 — an echo server: the third way, an event loop (reference solution only).
//
// Not part of the lab: students write serve() on the executor. This is what serves
// thousands of mostly idle connections when neither a thread per connection nor a task
// per connection will do (see event_loop.cpp, and docs/performance.md for the three
// measured side by side by `tools/lab bench`).
#pragma once

#include "echo_server.hpp"

#include <chrono>
#include <cstddef>

namespace lab13 {

/// Accepts `connection_count` connections on `listener` and serves them all at once on
/// the calling thread alone: non-blocking sockets, one epoll set, the same EchoProtocol
/// as echo_connection(). Returns the same ServerStats as serve() (per_connection in
/// accept order). Starts no thread and touches no global. Throws SocketError when a
/// socket call fails, or when nothing at all happens for `idle_timeout` (a client that
/// never comes, or never closes); every socket it opened is closed by then.
ServerStats serve_event_loop(const Listener& listener, std::size_t connection_count,
                             std::chrono::milliseconds idle_timeout = std::chrono::seconds(5));

}  // namespace lab13
