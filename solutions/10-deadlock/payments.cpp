// Lab 10 — deadlock: the reference solution.
//
// What changed, and why:
//   - The global accounts and their mutexes are gone. A deadlock needs threads that
//     hold one lock while waiting for another; here no task holds any lock, so no
//     task can wait for another, whatever order the transfers come in.
//   - Raw threads are replaced by executor.submit(): each task gets its chunk of
//     transfers as an argument (copied), asks the fraud check about each of them, and
//     adds up the approved ones in a LOCAL Balances that starts at zero: the net change
//     of every account. It returns that through its future. Tasks share no memory.
//   - The caller commits the changes: it adds each task's net changes to the opening
//     balances, one task after the other, in chunk order, on one thread. Sums do not
//     depend on the order the tasks finished in, so the answer is the same every run.
#include "payments.hpp"

#include <algorithm>

namespace lab10 {

namespace {

// One task: what it reads came in as its arguments; what it produces goes out as its
// return value.
Balances net_changes(const std::vector<Transfer>& chunk, const FraudCheck& approve) {
  Balances changes{};
  for (const Transfer& t : chunk) {
    if (approve(t)) move_money(changes, t);
  }
  return changes;
}

}  // namespace

Balances settle(const Balances& opening, const std::vector<Transfer>& transfers, const FraudCheck& approve,
                labkit::Executor& executor) {
  // A few chunks per worker keeps every worker busy without drowning in tiny tasks.
  const std::size_t chunk_count =
      std::clamp<std::size_t>(executor.max_workers() * 4, 1, std::max<std::size_t>(transfers.size(), 1));
  const std::size_t chunk_size = (transfers.size() + chunk_count - 1) / chunk_count;

  std::vector<labkit::Future<Balances>> futures;
  for (std::size_t start = 0; start < transfers.size(); start += chunk_size) {
    const std::size_t end = std::min(transfers.size(), start + chunk_size);
    std::vector<Transfer> chunk(transfers.begin() + static_cast<std::ptrdiff_t>(start),
                                transfers.begin() + static_cast<std::ptrdiff_t>(end));
    futures.push_back(executor.submit(net_changes, std::move(chunk), approve));
  }

  // The commit: one thread, one fixed order.
  Balances closing = opening;
  for (auto& future : futures) {
    const Balances changes = future.get();
    for (std::size_t account = 0; account < closing.size(); ++account) closing[account] += changes[account];
  }
  return closing;
}

}  // namespace lab10
