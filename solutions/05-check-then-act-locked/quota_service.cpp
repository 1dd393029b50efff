// Lab 05 — check-then-act, locked: the reference solution.
//
// What changed, and why:
//   - The tasks no longer touch the quota store. Each one prices one call
//     (executor.map(quote, calls)): the call goes in as its argument, the price comes
//     back through its future. Pricing is the slow part, and it stays parallel.
//   - Deciding moved to the calling thread: it walks the calls in order and, for each,
//     checks the credit and charges at once. Only this thread checks or charges, so
//     nothing can happen between a check and its charge: check-then-act is one step
//     again, without a bigger lock.
//   - The order of the decisions is the order of `calls`, not the order in which
//     threads happened to reach the store: who gets the last credits is the same on
//     every run. (A lock around check-and-charge inside the tasks would stop the
//     overdraft, but not that: the fastest task would still win.)
#include "quota_service.hpp"

namespace lab05 {

std::vector<Decision> admit_all(const std::vector<ApiCall>& calls, QuotaStore& quotas,
                                labkit::Executor& executor) {
  // 1. Price every call, each in its own task.
  const std::vector<long> prices = executor.map(quote, calls);

  // 2. Decide on this thread, in call order: check and charge with nothing in between.
  std::vector<Decision> decisions;
  decisions.reserve(calls.size());
  for (std::size_t i = 0; i < calls.size(); ++i) {
    const bool approved = quotas.has_credit(calls[i].client, prices[i]);
    if (approved) quotas.charge(calls[i].client, prices[i]);
    decisions.push_back(Decision{prices[i], approved});
  }
  return decisions;
}

}  // namespace lab05
