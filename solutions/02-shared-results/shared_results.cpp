// Lab 02 — shared results: the reference solution.
//
// What changed, and why:
//   - The global results vector is gone. Each fetch runs in its own task and RETURNS
//     its Response; nothing is appended to memory that another task also writes.
//   - Raw threads are replaced by executor.map(fetch, requests): each request goes in
//     as its task's argument (copied), each response comes back through its future.
//   - map returns the results in INPUT order, whatever order the tasks finished in, so
//     the i-th response answers the i-th request on every run.
#include "shared_results.hpp"

namespace lab02 {

std::vector<Response> fetch_all(const std::vector<Request>& requests, labkit::Executor& executor) {
  return executor.map(fetch, requests);
}

}  // namespace lab02
