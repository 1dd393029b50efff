// Lab 10 — deadlock.
//
// A payment service settles a batch of transfers with four threads. Every account has
// its own mutex, so that transfers between different accounts can run at the same time.
// A transfer locks the account it pays FROM, asks the fraud check (with that account
// held, so nobody spends from it meanwhile), then locks the account it pays TO and
// moves the money. Each transfer takes its two locks in the order of its own arguments:
//   thread 1 moves money 3 -> 7: it holds account 3 and waits for account 7;
//   thread 2 moves money 7 -> 3: it holds account 7 and waits for account 3.
// Each waits for a lock the other holds, and neither ever lets go: a deadlock. The
// program does not crash; it simply stops.
// ThreadSanitizer remembers in which order locks were taken over the whole run. Once
// it has seen 3-then-7 and 7-then-3, it reports a "lock-order-inversion (potential
// deadlock)", even if the two transfers never ran at the same time.
//
// TODO: make settle deadlock-free WITHOUT any shared account or lock:
//   - split the transfers into chunks and handle each chunk in its own task on
//     `executor` (executor.submit or executor.map), passing the chunk in as an argument;
//   - each task asks `approve` about each of its transfers and, for the approved ones,
//     adds up how much every account gains or loses in a LOCAL Balances that starts at
//     zero (move_money does it); the task returns those net changes through its future;
//   - the caller adds every task's changes to the opening balances, in chunk order.
// A task that holds no lock can wait for nobody. When you are done this file has no
// global, no mutex and no std::thread left.
// `tools/lab hint 10` if you are stuck.
#include "payments.hpp"

#include <mutex>
#include <thread>

namespace lab10 {

// The bug's setting: every account, with its own lock, shared by all threads.
struct Account {
  std::mutex lock;
  long balance = 0;
};
Account g_accounts[kAccountCount];

static void transfer(const Transfer& t, const FraudCheck& approve) {
  // First the account we pay from...
  std::lock_guard<std::mutex> from_lock(g_accounts[t.from].lock);
  if (!approve(t)) return;
  // ...then the account we pay into. Another thread may hold it, waiting for ours.
  std::lock_guard<std::mutex> to_lock(g_accounts[t.to].lock);
  g_accounts[t.from].balance -= t.amount;
  g_accounts[t.to].balance += t.amount;
}

Balances settle(const Balances& opening, const std::vector<Transfer>& transfers, const FraudCheck& approve,
                labkit::Executor& executor) {
  (void)executor;  // TODO: use it instead of raw threads
  for (int account = 0; account < kAccountCount; ++account) g_accounts[account].balance = opening[account];

  const std::size_t thread_count = 4;
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < thread_count; ++t) {
    threads.emplace_back([&transfers, &approve, t, thread_count] {
      for (std::size_t i = t; i < transfers.size(); i += thread_count) transfer(transfers[i], approve);
    });
  }
  for (auto& thread : threads) thread.join();

  Balances closing{};
  for (int account = 0; account < kAccountCount; ++account) closing[account] = g_accounts[account].balance;
  return closing;
}

}  // namespace lab10
