// Lab 11 — thread explosion.
//
// A server handles the connections it has accepted by starting one thread per
// connection. With ten connections that looks fine. With five thousand it starts five
// thousand threads, and each one costs:
//   - memory: its own stack (8 MiB reserved, the touched part resident) and the C
//     library's and the kernel's bookkeeping for it;
//   - time: creating and joining it, and a context switch each time the two or eight
//     cores move from one runnable thread to another. Past a thread per core, more
//     threads do not do more work at once; they only take turns.
// Nothing here is a data race (each thread writes its own slot of `responses`): the
// program is correct, and gets slower and hungrier the busier it gets, until thread
// creation fails outright. The tests count the threads.
//
// TODO: serve the connections with a BOUNDED number of threads:
//   - submit each connection to `executor` as a task (executor.submit or executor.map):
//     the connection goes in as the task's argument, the Response comes back through
//     its future; the executor never runs more than max_workers() tasks at once;
//   - collect the responses in connection order (map does it; with submit, get() the
//     futures in the order you submitted them).
// When you are done this file has no std::thread left.
// `tools/lab hint 11` if you are stuck.
#include "server.hpp"

#include <thread>

namespace lab11 {

std::vector<Response> serve(const std::vector<Connection>& connections, const Handler& handle,
                            labkit::Executor& executor) {
  (void)executor;  // TODO: use it instead of one thread per connection
  std::vector<Response> responses(connections.size());

  // The bug: as many threads as connections, all alive until the last one is joined.
  std::vector<std::thread> threads;
  threads.reserve(connections.size());
  for (std::size_t i = 0; i < connections.size(); ++i) {
    threads.emplace_back([&responses, &connections, &handle, i] { responses[i] = handle(connections[i]); });
  }
  for (auto& thread : threads) thread.join();

  return responses;
}

}  // namespace lab11
