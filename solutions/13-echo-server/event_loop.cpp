// Lab 13 — the third way: one thread, non-blocking sockets, epoll.
//
// Why it exists. A thread per connection (the starter) pays a stack and scheduling for
// every client, idle or not. Tasks on an executor (the solution) bound the threads,
// but a task that blocks in recv() holds its worker for as long as its client stays
// connected: with max_workers = 16, the 17th client waits until one of the first 16
// leaves. Network servers that hold thousands of slow connections therefore do not
// block at all: one thread asks the kernel (epoll) which sockets are ready and does
// only the work that can be done right now on each — the "async" model behind nginx,
// Node.js, Python's asyncio or Boost.Asio. The cost moves into the code: each
// connection's progress lives in a Connection record instead of a thread's stack.
//
// It shares everything else with the solution: the Listener, and EchoProtocol, so the
// three ways of serving speak byte for byte the same protocol. And it keeps the
// lab's rule: no globals; each connection's state belongs to this call.
#include "event_loop.hpp"

#include <fcntl.h>
#include <sys/epoll.h>

#include <array>
#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace lab13 {

namespace {

// The epoll user data of the listening socket; connections use their accept index.
constexpr std::uint64_t kListenerTag = std::numeric_limits<std::uint64_t>::max();

// Owns a file descriptor: closed on every way out, exceptions included.
struct OwnedFd {
  int fd = -1;
  OwnedFd() = default;
  explicit OwnedFd(int descriptor) : fd(descriptor) {}
  OwnedFd(const OwnedFd&) = delete;
  OwnedFd& operator=(const OwnedFd&) = delete;
  ~OwnedFd() { reset(); }
  void reset() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

// What a thread's stack would hold in the blocking version: where one connection is.
struct Connection {
  OwnedFd socket;
  EchoProtocol protocol;
  std::string unsent;       // replies not yet taken by the kernel
  bool input_done = false;  // the client closed its side (or failed)
  bool finished = false;
  std::uint32_t interest = EPOLLIN;  // what epoll watches for now
};

void set_non_blocking(int fd, bool on) {
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK) != 0)
    throw SocketError("fcntl(O_NONBLOCK)", errno);
}

// Restores the listener to blocking on the way out, whatever happens: it is the
// caller's socket, and the other ways of serving expect a blocking accept().
struct NonBlockingScope {
  int fd;
  explicit NonBlockingScope(int descriptor) : fd(descriptor) { set_non_blocking(fd, true); }
  ~NonBlockingScope() {
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags >= 0) ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  }
};

void watch(int epoll, int op, int fd, std::uint32_t events, std::uint64_t tag) {
  epoll_event event{};
  event.events = events;
  event.data.u64 = tag;
  if (::epoll_ctl(epoll, op, fd, &event) != 0) throw SocketError("epoll_ctl", errno);
}

// Sends as much of `c.unsent` as the kernel takes now. False if the client has gone.
bool flush(Connection& c) {
  while (!c.unsent.empty()) {
    const ssize_t sent = ::send(c.socket.fd, c.unsent.data(), c.unsent.size(), MSG_NOSIGNAL);
    if (sent > 0) {
      c.unsent.erase(0, static_cast<std::size_t>(sent));
      continue;
    }
    if (sent < 0 && errno == EINTR) continue;
    return sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
  return true;
}

// Reads what has arrived and queues the replies. Stops at EAGAIN, at the end of the
// input, or after a few reads, so that one fast client cannot starve the others.
void receive(Connection& c) {
  std::array<char, 4096> buffer;
  for (int round = 0; round < 4 && !c.input_done; ++round) {
    const ssize_t received = ::recv(c.socket.fd, buffer.data(), buffer.size(), 0);
    if (received > 0) {
      c.unsent += c.protocol.on_received({buffer.data(), static_cast<std::size_t>(received)});
      continue;
    }
    if (received < 0 && errno == EINTR) continue;
    if (received < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (received == 0) c.unsent += c.protocol.on_end_of_input();
    c.input_done = true;  // end of input, or an error: nothing more will come
  }
}

}  // namespace

ServerStats serve_event_loop(const Listener& listener, std::size_t connection_count,
                             std::chrono::milliseconds idle_timeout) {
  ServerStats stats;
  if (connection_count == 0) return stats;

  OwnedFd epoll(::epoll_create1(EPOLL_CLOEXEC));
  if (epoll.fd < 0) throw SocketError("epoll_create1", errno);
  const NonBlockingScope listening(listener.fd());
  watch(epoll.fd, EPOLL_CTL_ADD, listener.fd(), EPOLLIN, kListenerTag);

  std::vector<std::unique_ptr<Connection>> connections;  // in accept order
  connections.reserve(connection_count);
  std::size_t finished = 0;
  std::array<epoll_event, 256> events;

  while (finished < connection_count) {
    const int ready = ::epoll_wait(epoll.fd, events.data(), static_cast<int>(events.size()),
                                   static_cast<int>(idle_timeout.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) throw SocketError("epoll_wait", errno);
    if (ready == 0) throw SocketError("epoll_wait (nothing happened within the idle timeout)", ETIMEDOUT);

    for (int i = 0; i < ready; ++i) {
      const std::uint64_t tag = events[static_cast<std::size_t>(i)].data.u64;
      if (tag == kListenerTag) {
        // Accept every connection waiting now, up to the number asked for.
        while (connections.size() < connection_count) {
          const int fd = ::accept4(listener.fd(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            throw SocketError("accept", errno);
          }
          connections.push_back(std::make_unique<Connection>());
          connections.back()->socket.fd = fd;
          watch(epoll.fd, EPOLL_CTL_ADD, fd, EPOLLIN, connections.size() - 1);
        }
        if (connections.size() == connection_count) watch(epoll.fd, EPOLL_CTL_DEL, listener.fd(), 0, kListenerTag);
        continue;
      }

      Connection& c = *connections[tag];
      if (c.finished) continue;
      if (c.unsent.empty()) receive(c);  // read only when the last replies are out: bounded memory
      const bool client_there = flush(c);
      if (!client_there || (c.input_done && c.unsent.empty())) {
        c.finished = true;
        c.socket.reset();  // closing also removes it from the epoll set
        ++finished;
        continue;
      }
      // Waiting for the kernel to take our replies, or for the client's next bytes
      // (a system call only when that changes).
      const std::uint32_t wanted = c.unsent.empty() ? EPOLLIN : EPOLLOUT;
      if (wanted != c.interest) {
        watch(epoll.fd, EPOLL_CTL_MOD, c.socket.fd, wanted, tag);
        c.interest = wanted;
      }
    }
  }

  for (const auto& c : connections) stats.add(c->protocol.stats());
  return stats;
}

}  // namespace lab13
