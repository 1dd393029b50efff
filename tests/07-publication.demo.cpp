// Lab 07 demo for `tools/lab race 07`: one server start-up, dispatch_all on a pool of 4
// workers, with a 300-route table, 100 MIME types and 500 request paths (all generated,
// the same every run). It prints one line: how many dispatches equal a plain sequential
// loop's, and the first one that does not, e.g.
//   "500/500 dispatches right"              (every correct run)
//   "493/500 dispatches right, first wrong #12"   (a table read half-built)
//   "hung: still spinning on the ready flags after 2 s"
// The starter spins on plain bools. At -O2 clang reads each flag once and, if it was
// still false, jumps to itself forever: the call runs on a thread of its own, and after
// 2 s the demo prints the "hung" line and ends. A torn table (wrong dispatches) is
// possible in principle but x86 keeps these stores in order, so the starter's lines are
// mostly "right" and "hung": the flag's real damage in a plain run is the endless loop.
#include "route_tables.hpp"
#include "demo_deadline.hpp"


#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

namespace {

std::string make_routes_text(std::size_t services) {
  std::string text = "/api/ api\n/api/v2/ api-v2\n/static/ files\n/static/img/ images\n/index.html home\n";
  for (std::size_t i = 0; i < services; ++i)
    text += "/svc" + std::to_string(i) + "/ service-" + std::to_string(i) + "\n";
  return text;
}

std::string make_mime_text(std::size_t extras) {
  std::string text = "html text/html\ncss text/css\njs text/javascript\npng image/png\njson application/json\n";
  for (std::size_t i = 0; i < extras; ++i)
    text += "x" + std::to_string(i) + " application/x-" + std::to_string(i) + "\n";
  return text;
}

std::vector<std::string> make_paths(std::size_t count, std::size_t services) {
  static constexpr const char* kExtensions[] = {".html", ".json", ".png", ".x3", ".bin", ""};
  std::vector<std::string> paths = {"/index.html", "/api/users?id=3", "/api/v2/items/7.json",
                                    "/static/img/logo.png#top", "/static/app.js"};
  for (std::size_t i = 0; paths.size() < count; ++i)
    paths.push_back("/svc" + std::to_string(i % (services + 5)) + "/file" + std::to_string(i) +
                    kExtensions[i % std::size(kExtensions)]);
  return paths;
}

}  // namespace

int main() {
  constexpr std::size_t kServices = 300;
  const std::string routes_text = make_routes_text(kServices);
  const std::string mime_text = make_mime_text(100);
  const std::vector<std::string> paths = make_paths(500, kServices);

  // What a plain loop on one thread gets.
  const lab07::RouteTable routes = lab07::parse_routes(routes_text);
  const lab07::MimeTable types = lab07::parse_mime_types(mime_text);
  std::vector<lab07::Dispatch> expected;
  for (const auto& raw : paths) expected.push_back(lab07::dispatch(routes, types, lab07::normalise_path(raw)));

  labkit::ThreadPoolExecutor executor(4);
  const auto got = demo::call_or_report_hang(std::chrono::seconds(2), "hung: still spinning on the ready flags after 2 s",
                                             [&] { return lab07::dispatch_all(routes_text, mime_text, paths, executor); });

  std::size_t right = 0;
  std::size_t first_wrong = expected.size();
  for (std::size_t i = 0; i < expected.size(); ++i) {
    if (i < got.size() && got[i] == expected[i]) {
      ++right;
    } else if (first_wrong == expected.size()) {
      first_wrong = i;
    }
  }
  if (got.size() != expected.size()) {
    std::printf("%zu/%zu dispatches right, %zu returned\n", right, expected.size(), got.size());
  } else if (right == expected.size()) {
    std::printf("%zu/%zu dispatches right\n", right, expected.size());
  } else {
    std::printf("%zu/%zu dispatches right, first wrong #%zu\n", right, expected.size(), first_wrong);
  }
  return 0;
}
