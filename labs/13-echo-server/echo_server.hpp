// Lab 13 — an echo server. The interface the tests call: do not change this file.
//
// A real TCP service on the loopback interface. Everything here is the same for every
// way of serving (a thread per connection, executor tasks, an event loop): the
// listening socket, the echo protocol, and blocking-socket helpers. What is yours is
// serve(), in echo_server.cpp: how the accepted connections are handed out, and how
// their statistics come back.
#pragma once

#include <labkit/executor.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace lab13 {

/// What one connection did: the requests it echoed and their bytes.
struct ConnectionStats {
  std::size_t requests = 0;  ///< lines echoed (a last line without '\n' counts too)
  std::size_t bytes = 0;     ///< bytes echoed, newlines included

  bool operator==(const ConnectionStats&) const = default;
};

/// What serve() returns: the totals, and each connection's own figures in the order
/// the connections were accepted (the order the clients connected in).
struct ServerStats {
  std::size_t connections = 0;  ///< connections accepted and served to the end
  std::size_t requests = 0;     ///< the sum of per_connection[i].requests
  std::size_t bytes = 0;        ///< the sum of per_connection[i].bytes
  std::vector<ConnectionStats> per_connection;

  /// Counts one more connection served to the end: its figures go at the end of
  /// per_connection and into the totals. Call it in accept order.
  void add(const ConnectionStats& done) {
    per_connection.push_back(done);
    connections += 1;
    requests += done.requests;
    bytes += done.bytes;
  }

  bool operator==(const ServerStats&) const = default;
};

/// Prints "3 connections, 7 requests, 161 bytes [2/46 3/69 2/46]".
inline std::ostream& operator<<(std::ostream& out, const ServerStats& s) {
  out << s.connections << " connections, " << s.requests << " requests, " << s.bytes << " bytes [";
  for (std::size_t i = 0; i < s.per_connection.size(); ++i)
    out << (i ? " " : "") << s.per_connection[i].requests << '/' << s.per_connection[i].bytes;
  return out << ']';
}

/// Thrown when a socket call fails; what() names the call and the reason.
class SocketError : public std::runtime_error {
 public:
  SocketError(const std::string& call, int error)
      : std::runtime_error("lab13: " + call + ": " + std::strerror(error)), error_(error) {}
  /// The errno value of the failed call.
  int error() const noexcept { return error_; }

 private:
  int error_;
};

/// Makes every blocking receive (recv, accept) on `fd` give up after `timeout` with
/// EAGAIN, so that no test and no benchmark can wait forever on a silent peer.
inline void set_receive_timeout(int fd, std::chrono::milliseconds timeout) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0) throw SocketError("setsockopt(SO_RCVTIMEO)", errno);
}

/// A listening TCP socket on 127.0.0.1, on a port the kernel picks (so two tests, or two
/// benchmark runs, never collide). Owns its file descriptor: closed by the destructor.
class Listener {
 public:
  /// Binds 127.0.0.1:0 and listens with a backlog of `backlog` (the kernel caps it at
  /// net.core.somaxconn). accept() on it gives up after `accept_timeout`.
  /// Throws SocketError if a call fails.
  explicit Listener(std::chrono::milliseconds accept_timeout = std::chrono::seconds(5), int backlog = 4096)
      : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    if (fd_ < 0) throw SocketError("socket", errno);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof address;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(fd_, backlog) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      const int error = errno;
      ::close(fd_);
      throw SocketError("bind/listen on 127.0.0.1", error);
    }
    port_ = ntohs(address.sin_port);
    set_receive_timeout(fd_, accept_timeout);
  }
  ~Listener() {
    if (fd_ >= 0) ::close(fd_);
  }
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  /// The listening socket's file descriptor.
  int fd() const noexcept { return fd_; }
  /// The port the kernel gave it, in host byte order.
  std::uint16_t port() const noexcept { return port_; }

  /// Waits for the next connection and returns its socket, which the caller then owns
  /// (and must close). Throws SocketError if none comes within the accept timeout
  /// ("Resource temporarily unavailable") or accept fails.
  int accept() const {
    for (;;) {
      const int connection = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (connection >= 0) return connection;
      if (errno != EINTR) throw SocketError("accept", errno);
    }
  }

 private:
  int fd_;
  std::uint16_t port_ = 0;
};

/// The echo protocol, with no socket in it: feed it what a connection received, and it
/// returns what to send back and counts the requests. A request is one line, up to and
/// including its '\n'; the reply is the same bytes. Used by every way of serving, so
/// that they all speak exactly the same protocol.
class EchoProtocol {
 public:
  /// Takes bytes as they arrived and returns the reply to the complete lines among
  /// them (an incomplete last line waits for the rest).
  std::string on_received(std::string_view bytes) {
    pending_.append(bytes);
    const auto last_newline = pending_.rfind('\n');
    if (last_newline == std::string::npos) return {};
    std::string reply = pending_.substr(0, last_newline + 1);
    pending_.erase(0, last_newline + 1);
    for (const char c : reply) stats_.requests += c == '\n' ? 1 : 0;
    stats_.bytes += reply.size();
    return reply;
  }
  /// The client closed its side: the reply to a last line without '\n', if any.
  std::string on_end_of_input() {
    std::string reply;
    reply.swap(pending_);
    if (!reply.empty()) {
      stats_.requests += 1;
      stats_.bytes += reply.size();
    }
    return reply;
  }
  /// What this connection has echoed so far.
  const ConnectionStats& stats() const noexcept { return stats_; }

 private:
  std::string pending_;  // received, not yet a complete line
  ConnectionStats stats_;
};

/// Sends all of `bytes` on a blocking socket. Returns false if the peer has gone
/// (no SIGPIPE: MSG_NOSIGNAL).
inline bool send_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t sent = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(sent));
  }
  return true;
}

/// How long a connection may stay silent before the server gives up on it.
inline constexpr std::chrono::milliseconds kIdleTimeout{5000};

/// Serves one accepted connection on a blocking socket, start to end: echoes every
/// request until the client closes its side (or stays silent for `idle_timeout`, or
/// goes away), then closes `fd` and returns what the connection did. Touches nothing
/// but its arguments and its locals, so any number may run at once, on any threads.
/// (Passed to submit() as a function pointer, its default argument does not apply:
/// give both, `executor.submit(echo_connection, fd, kIdleTimeout)`.)
inline ConnectionStats echo_connection(int fd, std::chrono::milliseconds idle_timeout = kIdleTimeout) {
  EchoProtocol protocol;
  set_receive_timeout(fd, idle_timeout);
  char buffer[4096];
  for (;;) {
    const ssize_t received = ::recv(fd, buffer, sizeof buffer, 0);
    if (received < 0 && errno == EINTR) continue;
    if (received == 0) {  // the client is done: answer a last unterminated line
      send_all(fd, protocol.on_end_of_input());
      break;
    }
    if (received < 0) break;  // timed out or reset: give up on this connection
    if (!send_all(fd, protocol.on_received({buffer, static_cast<std::size_t>(received)}))) break;
  }
  ::close(fd);
  return protocol.stats();
}

/// Accepts `connection_count` connections on `listener`, in order, and serves each with
/// echo_connection() until its client is done. Returns the totals and each
/// connection's figures in accept order. Must run the connections as tasks on
/// `executor`, with the socket passed in and the figures coming back through the
/// futures. Throws SocketError if a connection does not come within the listener's
/// accept timeout.
ServerStats serve(labkit::Executor& executor, const Listener& listener, std::size_t connection_count);

}  // namespace lab13
