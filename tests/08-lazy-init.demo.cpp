// Lab 08 demo for `tools/lab race 08`: one call of route_all on a pool of 4 workers,
// routing 1200 request paths (fixed, shuffled with a fixed seed) through a small proxy
// config. It prints one line: how many paths got the same backend as a plain sequential
// loop gives them, and the first one that did not, e.g.
//   "1200/1200 paths routed right"
//   "1187/1200 paths routed right, first wrong #40"
// Expect the STARTER's line to be the same in every run too. Its double-checked locking
// on a plain pointer is a data race (ThreadSanitizer reports it every time), but at -O2
// on x86 the table is complete before the pointer is stored, so a plain run routes every
// path right: the bug is invisible here. That is the lesson of this demo: a race that
// plain runs never show is still a race. (The starter's other bug, one global table for
// the whole program, needs a second call with another config: deterministic, not a race,
// so it is not shown here.)
#include "router.hpp"

#include <algorithm>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

namespace {

const char* const kConfig = R"(# proxy routes: the longest matching prefix wins
/api/v2/        api-v2.internal:8080
/api/           api.internal:8080
/static/img/    images.internal:80
/static/        cdn.internal:80
/login          auth.internal:9000
/admin/         admin.internal:9443
/docs/          docs.internal:8000
)";

std::vector<std::string> make_paths(std::size_t count) {
  static constexpr const char* kShapes[] = {
      "/api/v2/users/", "/api/orders/", "/static/img/logo-", "/static/app-", "/login?next=/admin/",
      "/admin/users/",  "/docs/page-",  "/favicon.ico?",     "/apiv2/",      "/",
  };
  std::vector<std::string> paths;
  for (std::size_t i = 0; i < count; ++i) paths.push_back(kShapes[i % std::size(kShapes)] + std::to_string(i));
  std::shuffle(paths.begin(), paths.end(), std::mt19937(2026));
  return paths;
}

}  // namespace

int main() {
  const std::string config = kConfig;
  const std::vector<std::string> paths = make_paths(1200);

  const lab08::RoutingTable table = lab08::parse_config(config);
  labkit::ThreadPoolExecutor executor(4);
  const std::vector<std::string> got = lab08::route_all(config, paths, executor);

  std::size_t right = 0;
  std::size_t first_wrong = paths.size();
  for (std::size_t i = 0; i < paths.size(); ++i) {
    if (i < got.size() && got[i] == lab08::backend_for(table, paths[i])) {
      ++right;
    } else if (first_wrong == paths.size()) {
      first_wrong = i;
    }
  }
  if (right == paths.size() && got.size() == paths.size()) {
    std::printf("%zu/%zu paths routed right\n", right, paths.size());
  } else {
    std::printf("%zu/%zu paths routed right, first wrong #%zu\n", right, paths.size(), first_wrong);
  }
  return 0;
}
