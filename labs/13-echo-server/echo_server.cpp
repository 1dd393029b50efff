// Lab 13 — an echo server.
//
// A small TCP service on 127.0.0.1: every line a client sends comes straight back.
// This version is the classic first server: accept a connection, start a thread for
// it, accept the next. Every connection thread registers itself in a global
// connection table (so the server "knows who is connected") and adds its figures to
// global statistics when its client is done.
//
// Two bugs, one cause:
//   - the table and the statistics are globals written by every connection thread at
//     once, with no synchronisation: a data race. std::map's insert rebalances a tree
//     that another thread is walking; `+=` from two threads loses updates;
//   - one thread per connection: the clients decide how many threads you have (lab 11).
//
// TODO: serve the connections as tasks on `executor`:
//   - after accepting a connection, submit a task with its socket passed IN as the
//     argument: executor.submit(echo_connection, fd, kIdleTimeout). echo_connection
//     touches nothing but its arguments, and returns the connection's ConnectionStats;
//   - keep the futures in accept order; once every connection is accepted, get() them
//     in that order into a local ServerStats with stats.add(...), which keeps
//     per_connection in order and adds up the totals;
//   - delete the connection table, the global statistics and the std::thread code.
// When you are done this file has no global and no std::thread left.
// `tools/lab hint 13` if you are stuck.
#include "echo_server.hpp"

#include <map>
#include <thread>

namespace lab13 {

namespace {

// Who is connected right now, by socket, with what each has done so far.
std::map<int, ConnectionStats> g_connections;
// The server's running totals.
ServerStats g_stats;

// One connection's thread: register, echo until the client is done, add the figures.
void connection_thread(int fd) {
  g_connections[fd] = ConnectionStats{};  // BUG: every connection thread writes this map
  const ConnectionStats done = echo_connection(fd);
  g_connections[fd] = done;
  g_stats.requests += done.requests;  // BUG: and these totals, all at the same time
  g_stats.bytes += done.bytes;
  g_stats.connections += 1;
}

}  // namespace

ServerStats serve(labkit::Executor& executor, const Listener& listener, std::size_t connection_count) {
  (void)executor;  // TODO: use it instead of one thread per connection
  g_connections.clear();
  g_stats = ServerStats{};

  std::vector<int> accepted;  // the sockets, in accept order
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < connection_count; ++i) {
    const int fd = listener.accept();
    accepted.push_back(fd);
    threads.emplace_back(connection_thread, fd);
  }
  for (auto& thread : threads) thread.join();

  // Each connection's figures, from the table, in accept order. (A socket number can be
  // reused once closed, which is one more way a table keyed by socket goes wrong.)
  for (const int fd : accepted) g_stats.per_connection.push_back(g_connections[fd]);
  return g_stats;
}

}  // namespace lab13
