// Lab 08 — lazy initialization. The interface the tests call: do not change this file.
#pragma once

#include <labkit/executor.hpp>
#include <labkit/simulate.hpp>

#include <algorithm>
#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace lab08 {

/// One route of the proxy's config: requests whose path starts with `prefix` are
/// sent to `backend`.
struct Route {
  std::string prefix;
  std::string backend;

  bool operator==(const Route&) const = default;
};

/// The proxy's routing table, as parsed from its config.
struct RoutingTable {
  std::vector<Route> routes;     ///< longest prefix first
  std::uint32_t fingerprint = 0; ///< a checksum of the config text, as a proxy logs on reload
};

/// Parses the proxy's config: one route per line, a path prefix (starting with '/')
/// and a backend, separated by blanks:
///
///     # prefix      backend
///     /api/         api.internal:8080
///     /static/      cdn.internal:80
///
/// Blank lines and lines starting with '#' are skipped. Any other line throws
/// std::invalid_argument naming it. Slow on purpose, like loading a real config:
/// that cost is why the starter puts it off until a request needs the table.
inline RoutingTable parse_config(const std::string& config_text) {
  RoutingTable table;
  std::istringstream lines(config_text);
  std::string line;
  for (int number = 1; std::getline(lines, line); ++number) {
    std::istringstream fields(line);
    std::string prefix, backend, extra;
    if (!(fields >> prefix) || prefix[0] == '#') continue;  // blank line or comment
    if (prefix[0] != '/' || !(fields >> backend) || (fields >> extra)) {
      throw std::invalid_argument("config line " + std::to_string(number) +
                                  ": expected \"/prefix backend\", got \"" + line + "\"");
    }
    table.routes.push_back({prefix, backend});
  }
  // Longest prefix first, so that the first match is the most specific one.
  std::stable_sort(table.routes.begin(), table.routes.end(),
                   [](const Route& a, const Route& b) { return a.prefix.size() > b.prefix.size(); });
  table.fingerprint = labkit::simulate::checksum(config_text, 400);
  return table;
}

/// The backend for a request `path`: that of the longest route prefix the path
/// starts with, or "" when no route matches (the proxy then answers 404 itself).
inline std::string backend_for(const RoutingTable& table, const std::string& path) {
  for (const Route& route : table.routes) {
    if (path.compare(0, route.prefix.size(), route.prefix) == 0) return route.backend;
  }
  return "";
}

/// Routes every request path with the routing table of `config_text` and returns the
/// backends IN REQUEST ORDER: the i-th for the i-th path. Each call must use the config
/// it is given (a program may run several proxies, each with its own config), must use
/// `executor` to route in several tasks, and must return what a plain loop returns,
/// every time.
std::vector<std::string> route_all(const std::string& config_text, const std::vector<std::string>& paths,
                                   labkit::Executor& executor);

}  // namespace lab08
