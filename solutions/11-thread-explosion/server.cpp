// Lab 11 — thread explosion: the reference solution.
//
// What changed, and why:
//   - No more thread per connection. Each connection is a task on the executor the
//     caller gives us; the executor owns a fixed set of at most max_workers() threads
//     and runs the tasks on them one after another. Five thousand connections cost
//     five thousand small queue entries, not five thousand stacks and five thousand
//     thread creations.
//   - The connection goes in as the task's argument (copied); the Response comes back
//     through the task's future. Nothing is shared between tasks, so there is no
//     `responses` vector written by several threads any more.
//   - The futures are read in the order they were submitted, so the responses come
//     back in connection order, whatever order the tasks finished in.
#include "server.hpp"

namespace lab11 {

std::vector<Response> serve(const std::vector<Connection>& connections, const Handler& handle,
                            labkit::Executor& executor) {
  std::vector<labkit::Future<Response>> futures;
  futures.reserve(connections.size());
  for (const Connection& connection : connections) futures.push_back(executor.submit(handle, connection));

  std::vector<Response> responses;
  responses.reserve(futures.size());
  for (auto& future : futures) responses.push_back(future.get());
  return responses;
}

}  // namespace lab11
