// Lab 10 demo for `tools/lab race 10`: one settlement of 2000 transfers between 16
// accounts (card payments from customers to shops, and every fifth one a refund from a
// shop back to a customer; fixed seed), by settle on a pool of 4 workers, with a fraud
// check that declines transfers above 1000. It prints one line:
//   "16/16 balances right"                    (every correct run)
//   "11/16 balances right"                    (money moved wrongly: not expected here)
//   "deadlock: stuck after 2 s"
// The starter locks the account it pays from, then the one it pays into. A payment
// A -> B and a refund B -> A running at the same time each hold one lock and wait for the
// other's, forever. The call runs on a thread of its own; if it has not returned after
// 2 s the demo prints the deadlock line and ends with _exit (the stuck threads cannot be
// joined). When it does finish, the starter's balances are right: its bug is the hang.
#include "payments.hpp"
#include "demo_deadline.hpp"

#include <labkit/simulate.hpp>


#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

namespace {

constexpr int kFirstMerchant = 12;  // accounts 0..11 are customers, 12..15 shops

std::vector<lab10::Transfer> make_transfers(std::size_t count) {
  std::mt19937 rng(2026);
  std::vector<lab10::Transfer> transfers;
  for (std::size_t i = 0; i < count; ++i) {
    const int customer = static_cast<int>(rng() % kFirstMerchant);
    const int shop = kFirstMerchant + static_cast<int>(rng() % (lab10::kAccountCount - kFirstMerchant));
    const long amount = 1 + static_cast<long>(rng() % 1200);
    if (i % 5 == 4) {
      transfers.push_back({shop, customer, amount});  // a refund
    } else {
      transfers.push_back({customer, shop, amount});  // a payment
    }
  }
  return transfers;
}

// The fraud check: declines transfers above 1000, after scoring the transfer (simulated
// work: 200 rounds of a checksum), which the starter does while it holds a lock.
bool approve_up_to_1000(const lab10::Transfer& t) {
  const std::string text = std::to_string(t.from) + "->" + std::to_string(t.to) + ":" + std::to_string(t.amount);
  return labkit::simulate::checksum(text, 200) != 1 && t.amount <= 1000;
}

}  // namespace

int main() {
  lab10::Balances opening{};
  for (int account = 0; account < lab10::kAccountCount; ++account) opening[account] = 10'000 + 100 * account;
  const std::vector<lab10::Transfer> transfers = make_transfers(2000);
  const lab10::FraudCheck approve = approve_up_to_1000;

  // What a plain loop on one thread gets.
  lab10::Balances expected = opening;
  for (const auto& t : transfers) {
    if (approve(t)) lab10::move_money(expected, t);
  }

  labkit::ThreadPoolExecutor executor(4);
  const auto got = demo::call_or_report_hang(std::chrono::seconds(2), "deadlock: stuck after 2 s",
                                             [&] { return lab10::settle(opening, transfers, approve, executor); });

  int right = 0;
  for (int account = 0; account < lab10::kAccountCount; ++account) right += got[account] == expected[account] ? 1 : 0;
  std::printf("%d/%d balances right\n", right, lab10::kAccountCount);
  return 0;
}
