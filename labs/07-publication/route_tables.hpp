// Lab 07 — publication. The interface the tests call: do not change this file.
#pragma once

#include <labkit/executor.hpp>

#include <map>
#include <ostream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace lab07 {

/// Path prefix -> the name of the handler that serves paths starting with it.
using RouteTable = std::map<std::string, std::string>;
/// File extension (without the dot) -> content type.
using MimeTable = std::unordered_map<std::string, std::string>;

/// Where one request goes: the handler and the content type of its answer.
struct Dispatch {
  std::string path;          ///< the normalised path (normalise_path)
  std::string handler;       ///< the route's handler, or "not-found"
  std::string content_type;  ///< from the extension, or "application/octet-stream"

  bool operator==(const Dispatch&) const = default;
};

inline std::ostream& operator<<(std::ostream& out, const Dispatch& d) {
  return out << "{" << d.path << " -> " << d.handler << ", " << d.content_type << "}";
}

namespace detail {

// Calls `use(first, second)` for every line of `text` made of exactly two words
// separated by spaces. Blank lines, lines starting with '#' and other lines are skipped.
template <class Use>
void for_each_pair(std::string_view text, Use use) {
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    const std::size_t first_end = line.find(' ');
    if (first_end == std::string_view::npos) continue;
    const std::size_t second_start = line.find_first_not_of(' ', first_end);
    if (second_start == std::string_view::npos || line.find(' ', second_start) != std::string_view::npos) continue;
    use(line.substr(0, first_end), line.substr(second_start));
  }
}

}  // namespace detail

/// Parses a route table: one "PREFIX HANDLER" per line ("/api/ api"); '#' starts a
/// comment line; a later line for the same prefix wins. A pure function: slow for a big
/// file, safe on any thread.
inline RouteTable parse_routes(std::string_view text) {
  RouteTable routes;
  detail::for_each_pair(text, [&](std::string_view prefix, std::string_view handler) {
    routes[std::string(prefix)] = std::string(handler);
  });
  return routes;
}

/// Parses a MIME types table: one "EXTENSION TYPE" per line ("png image/png"); '#' starts
/// a comment line; a later line for the same extension wins. A pure function.
inline MimeTable parse_mime_types(std::string_view text) {
  MimeTable types;
  detail::for_each_pair(text, [&](std::string_view extension, std::string_view type) {
    types[std::string(extension)] = std::string(type);
  });
  return types;
}

/// The path without its query ("?...") or fragment ("#..."); "/" if nothing is left.
inline std::string normalise_path(std::string_view raw) {
  const std::string_view path = raw.substr(0, raw.find_first_of("?#"));
  return path.empty() ? std::string("/") : std::string(path);
}

/// Where a normalised path goes: the handler of the LONGEST route prefix the path starts
/// with ("not-found" if none), and the content type of the extension of its last segment
/// ("/img/logo.png" -> "png"; "application/octet-stream" if there is none or it is not in
/// the table). Reads the tables only.
inline Dispatch dispatch(const RouteTable& routes, const MimeTable& types, const std::string& path) {
  Dispatch result{path, "not-found", "application/octet-stream"};
  for (std::size_t length = path.size() + 1; length-- > 0;) {
    const auto route = routes.find(path.substr(0, length));
    if (route != routes.end()) {
      result.handler = route->second;
      break;
    }
  }
  const std::size_t last_segment = path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1;
  const std::size_t dot = path.rfind('.');
  if (dot != std::string::npos && dot >= last_segment) {
    const auto type = types.find(path.substr(dot + 1));
    if (type != types.end()) result.content_type = type->second;
  }
  return result;
}

/// Server start-up, then the first requests: parses the route table and the MIME types
/// table, and returns where each of `raw_paths` goes, in order:
///   dispatch(parse_routes(routes_text), parse_mime_types(mime_text), normalise_path(p)).
/// Must load the two tables in tasks on `executor` (they are big: load them at the same
/// time as each other and as the paths are normalised), and must return what that plain
/// loop returns, every time.
std::vector<Dispatch> dispatch_all(const std::string& routes_text, const std::string& mime_text,
                                   const std::vector<std::string>& raw_paths, labkit::Executor& executor);

}  // namespace lab07
