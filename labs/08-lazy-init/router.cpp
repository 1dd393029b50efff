// Lab 08 — lazy initialization.
//
// A reverse proxy sends each request to a backend chosen by the request's path, using
// a routing table parsed from its config. Parsing is slow, so the table is built
// lazily: the first worker thread that needs it builds it, once for the whole program,
// and every other thread uses that one. To avoid taking a lock every time, it uses
// "double-checked locking": look at the pointer WITHOUT the lock; only if it is still
// null, lock, look again, and build.
//
// The first look reads g_table while another thread may be writing it. The writer
// holds the lock, the reader does not, so nothing orders the two: a data race, which
// is undefined behaviour. In practice a reader can see the pointer before the table it
// points to is completely built, and route with half a table. ThreadSanitizer reports
// the race. And the table is a global: the first config wins, so a second proxy in the
// same program, with another config, is given the first one's routes.
//
// TODO: make route_all race-free WITHOUT a global table and WITHOUT lazy initialization:
//   - parse the config ONCE, in route_all, before any task starts:
//         const auto table = std::make_shared<const RoutingTable>(parse_config(config_text));
//     It is const from then on: tasks only read it, and reading is safe to share;
//   - route each path in a task of its own on `executor`, passing the table and the
//     path IN as the task's arguments: executor.submit(route_one, table, path)
//     (copying the shared_ptr copies a pointer, not the table);
//   - each task RETURNS its backend through its future; get() the futures in request
//     order.
// When you are done this file has no global (or static) variable left, and no mutex.
// `tools/lab hint 08` if you are stuck.
#include "router.hpp"

#include <mutex>
#include <thread>

namespace lab08 {

// The bug: one table for the whole program, built by whichever thread asks first.
const RoutingTable* g_table = nullptr;
std::mutex g_table_mutex;

// Double-checked locking on a plain pointer. Only the first caller's config is used.
static const RoutingTable& routing_table(const std::string& config_text) {
  if (g_table == nullptr) {  // first check: no lock (this read races with the write below)
    std::lock_guard<std::mutex> lock(g_table_mutex);
    if (g_table == nullptr) {  // second check: with the lock
      g_table = new RoutingTable(parse_config(config_text));
    }
  }
  return *g_table;
}

std::vector<std::string> route_all(const std::string& config_text, const std::vector<std::string>& paths,
                                   labkit::Executor& executor) {
  (void)executor;  // TODO: use it instead of raw threads
  std::vector<std::string> backends(paths.size());

  const std::size_t thread_count = 4;
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < thread_count; ++t) {
    // Each worker fetches the shared table when it starts, then routes its share.
    threads.emplace_back([&config_text, &paths, &backends, t, thread_count] {
      const RoutingTable& table = routing_table(config_text);
      for (std::size_t i = t; i < paths.size(); i += thread_count) backends[i] = backend_for(table, paths[i]);
    });
  }
  for (auto& thread : threads) thread.join();

  return backends;
}

}  // namespace lab08
