// Lab 02 demo for `tools/lab race 02`: one call of fetch_all on a pool of 4 workers, for
// 300 requests to the simulated server (the tests' make_requests: all different URLs,
// pages, 404s, 503s, a POST, malformed URLs; the same list on every run). It compares
// the responses with a plain loop of fetch() calls and prints one line, e.g.
//   "300/300 responses, all in request order"              (every correct run)
//   "300/300 responses, 299 out of place, first at #1"      (completion order)
//   "299/300 responses, 286 out of place, first at #0"      (one response lost)
//   "263/300 responses, 1 torn, 187 out of place, first at #0"
// "out of place": response i does not answer request i. "torn": it answers no request
// at all (two threads built it in the same slot). The starter starts one thread per
// request and each pushes its response onto one shared vector, so the responses come
// in the order the threads FINISH, which differs from run to run (about 9 runs in 10
// here). Now and then two push_backs collide: one response is lost, or a thread that
// read the vector's end long ago stores it back and dozens of responses vanish at once.
#include "shared_results.hpp"
#include "02-shared-results.data.hpp"

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

namespace {

using lab02::Request;
using lab02::Response;

using lab02::test_data::make_requests;

}  // namespace

int main() {
  const std::vector<Request> requests = make_requests(300);
  std::vector<Response> expected;
  for (const Request& request : requests) expected.push_back(lab02::fetch(request));

  labkit::ThreadPoolExecutor executor(4);
  const std::vector<Response> got = lab02::fetch_all(requests, executor);

  std::size_t torn = 0;
  std::size_t out_of_place = 0;
  std::size_t first_wrong = got.size();
  for (std::size_t i = 0; i < got.size(); ++i) {
    if (i < expected.size() && got[i] == expected[i]) continue;
    if (std::find(expected.begin(), expected.end(), got[i]) == expected.end()) {
      ++torn;
    } else {
      ++out_of_place;
    }
    first_wrong = std::min(first_wrong, i);
  }

  std::string line = std::to_string(got.size()) + "/" + std::to_string(expected.size()) + " responses, ";
  if (torn > 0) line += std::to_string(torn) + " torn, ";
  if (first_wrong == got.size()) {
    line += "all in request order";
  } else if (out_of_place > 0) {
    line += std::to_string(out_of_place) + " out of place, first at #" + std::to_string(first_wrong);
  } else {
    line += "first wrong at #" + std::to_string(first_wrong);
  }
  std::printf("%s\n", line.c_str());
  return 0;
}
