// The loopback client of lab 13's tests (tests/13-echo-server.cpp and, for the
// reference solution's event loop, tests/13-echo-server.event_loop.cpp): what each
// connection sends, the statistics a server must report for it, and the blocking
// client steps, each with a deadline.
#pragma once

#include "echo_server.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

namespace lab13::test_client {

// How long a client waits for bytes while connecting and sending.
inline constexpr auto kReceiveTimeout = std::chrono::seconds(5);
// How long read_replies() waits, for all connections together. Generous: it is called
// after serve() has returned, when a correct server has sent everything and closed.
inline constexpr auto kRepliesTimeout = std::chrono::seconds(2);

// What connection `index` sends: a mix of every case the protocol has. Some clients
// connect and send nothing, some send one request, some several; some end their last
// request without '\n' (it is echoed and counted all the same), and lengths vary, so
// that statistics swapped between connections show.
inline std::string requests_of(std::size_t index) {
  if (index % 7 == 3) return "";  // connects, sends nothing, leaves
  std::string text;
  const std::size_t lines = index % 4 + 1;
  for (std::size_t r = 0; r < lines; ++r) {
    text += "conn " + std::to_string(index) + " request " + std::to_string(r) + " " +
            std::string((index * 7 + r * 3) % 23, 'x') + "\n";
  }
  if (index % 5 == 2) text += "PING " + std::to_string(index);  // a last line without '\n'
  return text;
}

// The sequential reference: the statistics the server must report, worked out from
// what each connection sends, without any server.
inline ServerStats expected_stats(std::size_t count) {
  ServerStats stats;
  for (std::size_t i = 0; i < count; ++i) {
    const std::string text = requests_of(i);
    ConnectionStats one;
    for (const char c : text) one.requests += c == '\n' ? 1 : 0;
    if (!text.empty() && text.back() != '\n') one.requests += 1;
    one.bytes = text.size();
    stats.per_connection.push_back(one);
    stats.connections += 1;
    stats.requests += one.requests;
    stats.bytes += one.bytes;
  }
  return stats;
}

// Step 1: `count` connections to `listener`, in order, each with all its requests sent
// and its sending side shut down. Returns the client's sockets, in connection order.
inline std::vector<int> connect_and_send(const Listener& listener, std::size_t count) {
  std::vector<int> sockets;
  for (std::size_t i = 0; i < count; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw lab13::SocketError("client socket", errno);
    sockets.push_back(fd);
    lab13::set_receive_timeout(fd, kReceiveTimeout);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(listener.port());
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
      throw lab13::SocketError("client connect", errno);
    if (!lab13::send_all(fd, requests_of(i))) throw lab13::SocketError("client send", errno);
    ::shutdown(fd, SHUT_WR);
  }
  return sockets;
}

// Step 3: everything each connection received until the server closed it, in connection
// order; closes the client's sockets. One deadline for all of them (kRepliesTimeout), so
// that a server that never closes its connections costs 2 s, not 2 s per connection.
inline std::vector<std::string> read_replies(const std::vector<int>& sockets) {
  const auto deadline = std::chrono::steady_clock::now() + kRepliesTimeout;
  std::vector<std::string> replies;
  for (const int fd : sockets) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    lab13::set_receive_timeout(fd, std::max(left, std::chrono::milliseconds(1)));
    std::string reply;
    char buffer[4096];
    for (;;) {
      const ssize_t received = ::recv(fd, buffer, sizeof buffer, 0);
      if (received > 0) {
        reply.append(buffer, static_cast<std::size_t>(received));
        continue;
      }
      if (received < 0 && errno == EINTR) continue;
      if (received < 0) reply += "<no end of reply within 2 s of serve() returning: the server never closed the connection>";
      break;
    }
    ::close(fd);
    replies.push_back(reply);
  }
  return replies;
}

// Checks that connection i got back exactly what it sent, and names the first that
// did not, rather than printing every reply.
inline ::testing::AssertionResult every_request_echoed(const std::vector<std::string>& replies) {
  for (std::size_t i = 0; i < replies.size(); ++i) {
    if (replies[i] == requests_of(i)) continue;
    return ::testing::AssertionFailure() << "connection " << i << " did not get its requests back\n  sent:     \""
                                         << requests_of(i) << "\"\n  received: \"" << replies[i] << "\"";
  }
  return ::testing::AssertionSuccess();
}

}  // namespace lab13::test_client
