// Lab 04 demo for `tools/lab race 04`: one call of serve_all on a pool of 4 workers, for
// 100 requests (the tests' make_requests: pages, 403s, 404s, a DELETE, a HEAD; the same
// list on every run), handled by the plain lab04::handle_request. The test suite's
// LastToFirst handler, which forces the handlers to finish backwards, is NOT used: this
// is the ordinary timing of a real run. It prints one line: the log's order as request
// numbers, around the first line that is out of place, and how many are, e.g.
//   "log order: 0 1 2 3 4 .. 99 (all 100 in request order)"   (every correct run)
//   "log order: .. 2 4 3 5 6 .. (88/100 out of place)"          (completion order)
//   "log order: 3 1 2 4 5 .. (56/100 out of place)"
// "out of place": line i of the log is not request i's (one late line shifts all the
// lines after it). The starter's threads append to a mutex-protected log as each request
// finishes, so the lines come in completion order: no data race, no line lost, yet the
// order changes from run to run, whenever a thread with a quick request overtakes one
// started before it. With 100 requests that happens without the test's help in most
// plain runs (here 460 of 500 were out of order, 455 different lines).
#include "access_log.hpp"
#include "04-completion-order.data.hpp"

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

namespace {

using lab04::Request;

using lab04::test_data::make_requests;

}  // namespace

int main() {
  const std::vector<Request> requests = make_requests(100);
  std::vector<std::string> expected;
  for (const Request& request : requests) expected.push_back(lab04::handle_request(request));

  labkit::ThreadPoolExecutor executor(4);
  lab04::AccessLog log;
  lab04::serve_all(requests, lab04::handle_request, log, executor);
  const std::vector<std::string> lines = log.lines();

  // The request number of each line of the log ("?" for a line that answers none).
  std::vector<std::string> order;
  std::size_t out_of_place = 0;
  std::size_t first_wrong = lines.size();
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto match = std::find(expected.begin(), expected.end(), lines[i]);
    order.push_back(match == expected.end() ? "?" : std::to_string(match - expected.begin()));
    if (i < expected.size() && lines[i] == expected[i]) continue;
    ++out_of_place;
    first_wrong = std::min(first_wrong, i);
  }

  const std::string total = std::to_string(expected.size());
  std::string line = "log order:";
  if (lines.size() == expected.size() && out_of_place == 0) {
    for (std::size_t i = 0; i < 5 && i < order.size(); ++i) line += " " + order[i];
    line += " .. " + order.back() + " (all " + total + " in request order)";
  } else {
    const std::size_t from = first_wrong == 0 ? 0 : first_wrong - 1;
    line += from == 0 ? "" : " ..";
    for (std::size_t i = from; i < from + 5 && i < order.size(); ++i) line += " " + order[i];
    line += " .. (" + std::to_string(out_of_place) + "/" + total + " out of place";
    if (lines.size() != expected.size()) line += ", " + std::to_string(lines.size()) + " lines";
    line += ")";
  }
  std::printf("%s\n", line.c_str());
  return 0;
}
