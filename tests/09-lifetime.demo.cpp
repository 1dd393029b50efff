// Lab 09 demo for `tools/lab race 09`: one keep-alive connection of 200 requests (pages,
// error statuses, POSTs; fixed), served once by serve_connection on a pool of 4 workers,
// with a clock that always says "[10:00:00]" after ~0.1 ms of simulated work (the longer
// the clock takes, the more log lines are still unwritten when the starter returns).
// It prints one line: how many responses and access-log lines equal a plain sequential
// loop's, e.g.
//   "200/200 responses right, 200/200 log lines right"          (every correct run)
//   "200/200 responses right, 196/200 log lines right (4 lost)"
// The starter counts a request as answered BEFORE its detached thread writes the log
// line, and returns (destroying the connection) as soon as all are answered: the last
// few log lines are not written yet when the transcript is copied (lost, as empty lines),
// and are then written into freed memory. How many are lost changes from run to run.
// A line that is there but wrong is counted as garbled. After the call the demo
// allocates nothing, prints, and ends with _exit, so that the starter's late writes into
// freed memory rarely crash it (a crash is still possible: it is undefined behaviour).
#include "connection.hpp"

#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

namespace {

std::vector<lab09::Request> make_requests(std::size_t count) {
  std::vector<lab09::Request> requests;
  for (std::size_t i = 0; i < count; ++i) {
    const std::string n = std::to_string(i);
    if (i % 11 == 4) {
      requests.push_back({"POST", "/form/" + n});
    } else if (i % 7 == 2) {
      requests.push_back({"GET", "/status/404"});
    } else if (i % 7 == 5) {
      requests.push_back({"GET", "/status/503"});
    } else {
      requests.push_back({"GET", "/page/" + n});
    }
  }
  return requests;
}

}  // namespace

int main() {
  const std::vector<lab09::Request> requests = make_requests(200);
  // The clock takes a little while (~0.1 ms), as a clock that formats or syncs the time may.
  const lab09::Clock clock = [] {
    return labkit::simulate::checksum("10:00:00", 20000) != 0 ? std::string("[10:00:00]") : std::string("[--:--:--]");
  };

  // What a plain loop on one thread gets.
  std::vector<lab09::Response> expected_responses;
  std::vector<std::string> expected_log;
  for (const auto& request : requests) {
    expected_responses.push_back(lab09::respond(request));
    expected_log.push_back(lab09::access_log_line("[10:00:00]", request, expected_responses.back()));
  }

  labkit::ThreadPoolExecutor executor(4);
  const lab09::Transcript got = lab09::serve_connection(requests, clock, executor);

  // From here on: no allocation (the starter's late threads write into freed memory).
  const std::size_t n = requests.size();
  std::size_t responses_right = 0;
  std::size_t lines_right = 0;
  std::size_t lines_lost = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (i < got.responses.size() && got.responses[i] == expected_responses[i]) ++responses_right;
    if (i >= got.access_log.size() || got.access_log[i].empty()) {
      ++lines_lost;
    } else if (got.access_log[i] == expected_log[i]) {
      ++lines_right;
    }
  }
  const std::size_t lines_garbled = n - lines_right - lines_lost;
  if (lines_right == n) {
    std::printf("%zu/%zu responses right, %zu/%zu log lines right\n", responses_right, n, lines_right, n);
  } else if (lines_garbled == 0) {
    std::printf("%zu/%zu responses right, %zu/%zu log lines right (%zu lost)\n", responses_right, n, lines_right, n,
                lines_lost);
  } else {
    std::printf("%zu/%zu responses right, %zu/%zu log lines right (%zu lost, %zu garbled)\n", responses_right, n,
                lines_right, n, lines_lost, lines_garbled);
  }
  std::fflush(stdout);
  _exit(0);  // not exit(): the starter's detached threads may still be running
}
