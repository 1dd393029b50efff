// Tests for lab 13's third way, the reference solution's event loop
// (solutions/13-echo-server/event_loop.cpp). Built against the solution only, as
// lab13_event_loop: students do not write it, so the starter is not tested on it.
//
// What it must do: what serve() does (the same echo, the same statistics), on the
// calling thread alone, and — what tasks on a bounded pool cannot — serve many clients
// that wait for each other's answers, all at the same time.
#include "13-echo-server.client.hpp"
#include "event_loop.hpp"

#include <labkit/testing.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using lab13::ServerStats;
using namespace lab13::test_client;

constexpr auto kServeLimit = std::chrono::seconds(20);

// The threads of this process right now (the "Threads:" line of /proc/self/status).
std::size_t threads_in_process() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Threads:", 0) == 0) return std::stoul(line.substr(8));
  }
  return 0;
}

// The same exchange as the lab's own tests: clients that sent everything up front.
TEST(EventLoop, EchoesAndCountsLikeServe) {
  for (const std::size_t count : {0u, 1u, 40u}) {
    const lab13::Listener listener;
    const std::vector<int> sockets = connect_and_send(listener, count);
    const ServerStats stats = labkit::testing::call_within(
        kServeLimit, [&] { return lab13::serve_event_loop(listener, count); },
        [] { return std::string("serve_event_loop did not return"); });
    EXPECT_TRUE(every_request_echoed(read_replies(sockets)));
    EXPECT_EQ(stats, expected_stats(count)) << count << " connections";
  }
}

// 60 clients on one client thread, in lock step: each round sends one request on every
// connection, then waits for every echo. Nobody gets a second answer before everybody
// has had a first, so a server must hold all 60 at once: tasks on a pool of 4 blocking
// workers would wait for the 5th client forever (here, until the 5 s receive timeout).
// The event loop does it with the one thread it is called on.
TEST(EventLoop, ServesClientsInLockStepOnItsOwnThread) {
  constexpr std::size_t kClients = 60;
  constexpr int kRounds = 3;
  const lab13::Listener listener;
  std::vector<std::string> problems;  // written by the client thread, read after join
  std::atomic<std::size_t> most_threads{0};
  const std::size_t threads_before = threads_in_process();

  std::thread client([&] {
    std::vector<int> sockets;
    for (std::size_t i = 0; i < kClients; ++i) {
      const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      lab13::set_receive_timeout(fd, kReceiveTimeout);
      sockaddr_in address{};
      address.sin_family = AF_INET;
      address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      address.sin_port = htons(listener.port());
      if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) problems.push_back("connect");
      sockets.push_back(fd);
    }
    for (int round = 0; round < kRounds; ++round) {
      for (std::size_t i = 0; i < kClients; ++i)
        lab13::send_all(sockets[i], "round " + std::to_string(round) + " client " + std::to_string(i) + "\n");
      std::size_t threads_now = threads_in_process();
      if (threads_now > most_threads.load()) most_threads.store(threads_now);
      for (std::size_t i = 0; i < kClients; ++i) {
        const std::string want = "round " + std::to_string(round) + " client " + std::to_string(i) + "\n";
        std::string got;
        char buffer[256];
        while (got.size() < want.size()) {
          const ssize_t n = ::recv(sockets[i], buffer, sizeof buffer, 0);
          if (n <= 0) break;
          got.append(buffer, static_cast<std::size_t>(n));
        }
        if (got != want) problems.push_back("client " + std::to_string(i) + " got \"" + got + "\"");
      }
    }
    for (const int fd : sockets) ::close(fd);
  });

  const ServerStats stats = labkit::testing::call_within(
      kServeLimit, [&] { return lab13::serve_event_loop(listener, kClients); },
      [] { return std::string("serve_event_loop did not return"); });
  client.join();

  EXPECT_TRUE(problems.empty()) << problems.size() << " problems, the first: " << problems.front();
  EXPECT_EQ(stats.connections, kClients);
  EXPECT_EQ(stats.requests, kClients * kRounds);
  // Beyond the threads there were before: the client and call_within's runner, on
  // which the event loop runs. One more would be a thread the event loop started.
  EXPECT_LE(most_threads.load(), threads_before + 2) << "the event loop must not start threads of its own";
}

// The same rule as the lab's: no global, no static, in the event loop's code either.
TEST(EventLoop, NoMutableStatics) {
  EXPECT_TRUE(labkit::testing::has_no_mutable_statics(LAB_OBJECTS));
}

}  // namespace
