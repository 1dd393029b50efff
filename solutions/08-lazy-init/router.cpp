// Lab 08 — lazy initialization: the reference solution.
//
// What changed, and why:
//   - The global table, its mutex and the double-checked locking are gone. route_all
//     parses the config itself, once, before any task exists. submit() orders
//     everything the caller did before it ahead of the task, so every task sees the
//     table completely built; no lock, no atomic, no "is it there yet?" check needed.
//   - The table is a shared_ptr<const RoutingTable>: const, so no task can change it,
//     and memory that nobody writes can be read by any number of tasks at once. Each
//     task gets its own copy of the shared_ptr as an argument (a pointer and a
//     reference count, not the table) and the table lives as long as the last task
//     that holds it.
//   - Each call uses the config it is given: two proxies with two configs in one
//     program each route with their own table.
//   - Raw threads are replaced by one task per path on the executor; each backend
//     comes back through its future, and the futures are read in request order.
#include "router.hpp"

#include <memory>

namespace lab08 {

namespace {

// One task: everything it reads came in as its arguments, and the table is read-only.
std::string route_one(const std::shared_ptr<const RoutingTable>& table, const std::string& path) {
  return backend_for(*table, path);
}

}  // namespace

std::vector<std::string> route_all(const std::string& config_text, const std::vector<std::string>& paths,
                                   labkit::Executor& executor) {
  // Built once, here, before the tasks: no lazy initialization, nothing global.
  const auto table = std::make_shared<const RoutingTable>(parse_config(config_text));

  std::vector<labkit::Future<std::string>> futures;
  futures.reserve(paths.size());
  for (const auto& path : paths) futures.push_back(executor.submit(route_one, table, path));

  std::vector<std::string> backends;
  backends.reserve(paths.size());
  for (auto& future : futures) backends.push_back(future.get());
  return backends;
}

}  // namespace lab08
