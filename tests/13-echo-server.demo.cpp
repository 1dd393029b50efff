// Lab 13 demo for `tools/lab race 13`: one serve() of 40 loopback connections on a pool
// of 4 workers. Every connection has sent its requests (1 to 4 lines, so each has figures
// of its own) before serve() starts, as in the tests. It prints one line: for how many
// connections the figures in per_connection are right (in accept order), and the totals:
//   "40/40 figures right, 100 requests, 2077 bytes"
// A correct server prints that same line on every run. The starter keys its global
// connection table by socket number, which the kernel hands out again as soon as a
// connection is closed, so connections get each other's figures, a different number of
// them on each run; unsanitized, its threads also race on the std::map itself, which can
// lose entries or crash.
#include "echo_server.hpp"

#include "demo_deadline.hpp"

#include <cstdio>
#include <string>
#include <vector>

namespace {

constexpr std::size_t kConnections = 40;

// Connection i sends i % 4 + 1 lines of its own.
std::string requests_of(std::size_t i) {
  std::string text;
  for (std::size_t r = 0; r <= i % 4; ++r) text += "connection " + std::to_string(i) + " line " + std::to_string(r) + "\n";
  return text;
}

}  // namespace

int main() {
  const lab13::Listener listener(std::chrono::seconds(5));
  std::vector<int> sockets;
  for (std::size_t i = 0; i < kConnections; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(listener.port());
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        !lab13::send_all(fd, requests_of(i))) {
      std::fprintf(stderr, "lab13 demo: cannot connect to 127.0.0.1:%u\n", listener.port());
      return 2;
    }
    ::shutdown(fd, SHUT_WR);
    sockets.push_back(fd);
  }

  labkit::ThreadPoolExecutor executor(4);
  const lab13::ServerStats stats = demo::call_or_report_hang(
      std::chrono::seconds(10), "serve() did not return within 10 s",
      [&] { return lab13::serve(executor, listener, kConnections); });
  for (const int fd : sockets) ::close(fd);

  std::size_t right = 0;
  for (std::size_t i = 0; i < kConnections && i < stats.per_connection.size(); ++i) {
    const std::string sent = requests_of(i);
    const lab13::ConnectionStats expected{static_cast<std::size_t>(i % 4 + 1), sent.size()};
    right += stats.per_connection[i] == expected ? 1 : 0;
  }
  std::printf("%zu/%zu figures right, %zu requests, %zu bytes\n", right, kConnections, stats.requests, stats.bytes);
  return 0;
}
