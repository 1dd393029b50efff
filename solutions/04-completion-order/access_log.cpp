// Lab 04 — completion order: the reference solution.
//
// What changed, and why:
//   - No task appends to the log any more. Each request is handled in its own task
//     (executor.map), and the task RETURNS its line through its future.
//   - executor.map returns the lines in INPUT order, whatever order the tasks
//     finished in: the completion order, which changes from run to run, never
//     reaches the log.
//   - This thread, alone, then appends the lines in request order. The log's mutex
//     was never the problem (there was no data race); WHO appends, and WHEN, was.
#include "access_log.hpp"

namespace lab04 {

void serve_all(const std::vector<Request>& requests, const Handler& handle, AccessLog& log,
               labkit::Executor& executor) {
  const std::vector<std::string> lines = executor.map(handle, requests);
  for (const std::string& line : lines) log.append(line);
}

}  // namespace lab04
