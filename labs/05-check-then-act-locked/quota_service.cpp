// Lab 05 — check-then-act, locked.
//
// An API gateway admits a batch of paid calls. Each client has a quota of credits; a
// call is let through only if its client can still pay for it. To go faster the gateway
// starts one thread per call, and each thread prices its call, CHECKS the client's
// credit and, if there is enough, ACTS: charges the price. Both steps take the store's
// mutex, so there is no data race and ThreadSanitizer stays silent. But they take it
// SEPARATELY. Between the check and the charge the lock is free: two threads can both
// see "100 left, enough for my 60", both charge, and the client ends at -20. Every
// single step was locked; the decision as a whole was not.
//
// TODO: make admit_all decide check-and-charge as one step, in call order, every time:
//   - price every call in a task of its own on `executor` (executor.map(quote, calls)):
//     the call goes in as the task's argument, its price comes back through the future.
//     Tasks do not touch `quotas` at all;
//   - then, on this thread alone, walk the calls IN ORDER: check has_credit() and, if
//     there is enough, charge() at once. Nothing else runs between the two any more;
//   - return one Decision per call.
// No thread of yours is needed. `tools/lab hint 05` if you are stuck.
#include "quota_service.hpp"

#include <thread>

namespace lab05 {

std::vector<Decision> admit_all(const std::vector<ApiCall>& calls, QuotaStore& quotas,
                                labkit::Executor& executor) {
  (void)executor;  // TODO: use it instead of raw threads

  std::vector<Decision> decisions(calls.size());  // each thread writes only its own slot
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < calls.size(); ++i) {
    threads.emplace_back([&calls, &quotas, &decisions, i] {
      const ApiCall& call = calls[i];
      const long price = quote(call);
      bool approved = false;
      if (quotas.has_credit(call.client, price)) {  // check (locked)...
        // ...the lock is free here: another thread can check the same credit...
        quotas.charge(call.client, price);          // ...act (locked again, but too late)
        approved = true;
      }
      decisions[i] = Decision{price, approved};
    });
  }
  for (auto& thread : threads) thread.join();
  return decisions;
}

}  // namespace lab05
