// Lab 13 — an echo server: the reference solution.
//
// What changed, and why:
//   - No thread per connection, no connection table, no global statistics. Each
//     accepted socket goes INTO a task as its argument (executor.submit copies the int),
//     and the task, echo_connection, touches nothing but that socket and its locals.
//   - Each connection's figures come OUT through its task's future. The calling thread
//     reads the futures in accept order and adds them up: the totals are built on one
//     thread, after the tasks, so there is nothing left for two threads to race on.
//   - The executor bounds the threads (max_workers), not the clients. Its price: a
//     task holds its worker for as long as its client keeps the connection open, so at
//     most max_workers clients are served at once and the others wait their turn.
//     event_loop.cpp is the third way, which does not pay it.
#include "echo_server.hpp"

namespace lab13 {

ServerStats serve(labkit::Executor& executor, const Listener& listener, std::size_t connection_count) {
  std::vector<labkit::Future<ConnectionStats>> futures;
  futures.reserve(connection_count);
  for (std::size_t i = 0; i < connection_count; ++i) {
    const int fd = listener.accept();
    // The socket goes in by value (and the idle timeout: through a function pointer,
    // echo_connection's default argument does not apply).
    futures.push_back(executor.submit(echo_connection, fd, kIdleTimeout));
  }

  ServerStats stats;
  stats.per_connection.reserve(futures.size());
  for (auto& future : futures) stats.add(future.get());
  return stats;
}

}  // namespace lab13
