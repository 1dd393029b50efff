// Lab 10 — deadlock. The interface the tests call: do not change this file.
#pragma once

#include <labkit/executor.hpp>

#include <array>
#include <functional>
#include <ostream>
#include <vector>

namespace lab10 {

/// The payment service keeps this many accounts, numbered 0 to kAccountCount - 1.
inline constexpr int kAccountCount = 16;

/// The balance of every account in cents, indexed by account number. A balance may go
/// below zero: every account has a credit line.
using Balances = std::array<long, kAccountCount>;

/// One payment: `amount` cents from account `from` to account `to`. The two accounts
/// are always different, and both are in 0 .. kAccountCount - 1.
struct Transfer {
  int from = 0;
  int to = 0;
  long amount = 0;

  bool operator==(const Transfer&) const = default;
};

/// Prints a transfer as "3->7 (1200)".
inline std::ostream& operator<<(std::ostream& out, const Transfer& t) {
  return out << t.from << "->" << t.to << " (" << t.amount << ")";
}

/// The fraud check: true lets a transfer through, false declines it. Think of it as a
/// call to a remote service: slow, and safe to call from several threads at once. The
/// tests pass their own.
using FraudCheck = std::function<bool(const Transfer&)>;

/// Moves the money of one transfer within `balances`: `from` loses the amount, `to`
/// gains it. Applied to a Balances that starts at zero, it adds up net changes.
inline void move_money(Balances& balances, const Transfer& t) {
  balances[static_cast<std::size_t>(t.from)] -= t.amount;
  balances[static_cast<std::size_t>(t.to)] += t.amount;
}

/// Settles a batch of transfers: starting from `opening`, asks `approve` exactly once
/// about every transfer and moves the money of each approved one (a declined transfer
/// changes nothing). Returns the closing balances. Must use `executor` to run the fraud
/// checks in several tasks, must return what a plain loop returns, every time, and must
/// never deadlock, whatever the transfers and however the threads are scheduled.
Balances settle(const Balances& opening, const std::vector<Transfer>& transfers, const FraudCheck& approve,
                labkit::Executor& executor);

}  // namespace lab10
