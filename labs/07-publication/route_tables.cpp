// Lab 07 — publication.
//
// A server starting up must load two big tables, its routes and its MIME types, before it
// can say where a request goes. To save time it loads each on a thread of its own while
// it normalises the first request paths. Each loader PUBLISHES its table: it fills a
// global table, then sets a global `bool ..._ready = true`. The main thread spins until
// both flags are true, then reads the tables.
//
// It looks like a signal, but a plain bool is not one:
//   - the write of the flag and the reads of the flag are a data race: nothing orders
//     them, so the C++ memory model gives the program no meaning at all, and
//     ThreadSanitizer reports it;
//   - nothing makes the writes to the TABLE visible before the write to the FLAG: the
//     compiler and the CPU may reorder them, so a reader can see `ready == true` and a
//     half-built table;
//   - the compiler may assume no other thread changes the flag, read it once, and turn
//     the spin into an endless loop (or drop it): with optimisation on, the program can
//     hang.
// The author did not join() the loaders before reading: join would have been a real
// signal. The executor has a better one for results: the future.
//
// TODO: make dispatch_all race-free WITHOUT flags or global tables:
//   - load each table in a task on `executor`: executor.submit(parse_routes, routes_text)
//     (and the same for the MIME types); the text goes in as the task's argument;
//   - keep normalising the paths on this thread while the tasks run;
//   - then take each table out of its future with get(): get() waits for the task, and
//     everything the task wrote is visible after it returns;
//   - dispatch each path with the two tables you got.
// When you are done this file has no global (or static) variable and no spin loop left.
// `tools/lab hint 07` if you are stuck.
#include "route_tables.hpp"

#include <thread>

namespace lab07 {

// The bug: two tables, each published through a plain bool.
RouteTable g_routes;
bool g_routes_ready = false;
MimeTable g_mime_types;
bool g_mime_types_ready = false;

std::vector<Dispatch> dispatch_all(const std::string& routes_text, const std::string& mime_text,
                                   const std::vector<std::string>& raw_paths, labkit::Executor& executor) {
  (void)executor;  // TODO: use it instead of raw threads
  g_routes_ready = false;
  g_mime_types_ready = false;

  // The loaders publish their table and are then free to go on with other work (in a
  // real server: reload the file when it changes), so we do not join them to wait.
  std::thread route_loader([&routes_text] {
    g_routes = parse_routes(routes_text);
    g_routes_ready = true;  // "the table is ready": a plain write, no synchronisation
  });
  std::thread mime_loader([&mime_text] {
    g_mime_types = parse_mime_types(mime_text);
    g_mime_types_ready = true;
  });

  // Meanwhile: normalise the paths.
  std::vector<std::string> paths;
  for (const std::string& raw : raw_paths) paths.push_back(normalise_path(raw));

  // The bug: spin on plain bools until both tables are published.
  while (!g_routes_ready || !g_mime_types_ready) {
  }

  std::vector<Dispatch> dispatches;
  for (const std::string& path : paths) dispatches.push_back(dispatch(g_routes, g_mime_types, path));

  route_loader.join();
  mime_loader.join();
  return dispatches;
}

}  // namespace lab07
