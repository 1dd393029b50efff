// Lab 07 — publication: the reference solution.
//
// What changed, and why:
//   - The global tables and their `ready` flags are gone, and with them the spin loop.
//     Each table is loaded in a task: executor.submit(parse_routes, routes_text) copies
//     the text into the task, and the table comes back through the task's Future.
//   - Future::get() is the publication. It blocks until the task has finished and then
//     hands over its result; the task's writes to the table happen-before get() returns
//     (the future's shared state synchronises them, as a mutex would). No reader can see
//     half a table, the compiler cannot hoist anything out of the wait, and there is no
//     plain bool left for ThreadSanitizer to report.
//   - The overlap is kept: the paths are normalised on this thread while both tasks run.
#include "route_tables.hpp"

namespace lab07 {

std::vector<Dispatch> dispatch_all(const std::string& routes_text, const std::string& mime_text,
                                   const std::vector<std::string>& raw_paths, labkit::Executor& executor) {
  // Both tables load at the same time, each in its own task.
  labkit::Future<RouteTable> routes = executor.submit(parse_routes, routes_text);
  labkit::Future<MimeTable> mime_types = executor.submit(parse_mime_types, mime_text);

  // Meanwhile, this thread normalises the paths.
  std::vector<std::string> paths;
  paths.reserve(raw_paths.size());
  for (const std::string& raw : raw_paths) paths.push_back(normalise_path(raw));

  // Wait for each table and take it over: from here on, only this thread uses them.
  const RouteTable route_table = routes.get();
  const MimeTable mime_table = mime_types.get();

  std::vector<Dispatch> dispatches;
  dispatches.reserve(paths.size());
  for (const std::string& path : paths) dispatches.push_back(dispatch(route_table, mime_table, path));
  return dispatches;
}

}  // namespace lab07
