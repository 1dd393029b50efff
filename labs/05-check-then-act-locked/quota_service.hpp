// Lab 05 — check-then-act, locked. The interface the tests call: do not change this file.
#pragma once

#include <labkit/executor.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace lab05 {

/// One call to the paid API that a client wants to make.
struct ApiCall {
  std::string client;    ///< who pays: "acme"
  std::string endpoint;  ///< "/v1/search", "/v1/translate", "/v1/generate", ...
  std::string payload;   ///< the request body

  bool operator==(const ApiCall&) const = default;
};

inline std::ostream& operator<<(std::ostream& out, const ApiCall& c) {
  return out << c.client << ' ' << c.endpoint << " (" << c.payload.size() << " bytes)";
}

/// What the gateway decided for one call: its price, and whether it was let through
/// (and charged) or turned away for want of credit.
struct Decision {
  long price = 0;
  bool approved = false;

  bool operator==(const Decision&) const = default;
};

inline std::ostream& operator<<(std::ostream& out, const Decision& d) {
  return out << (d.approved ? "approved " : "rejected ") << d.price;
}

/// The price of one call, in credits, from a SIMULATED pricing engine: no network, a
/// pure function of the call, the same on every call and thread. The base price of the
/// endpoint (/v1/search 10, /v1/translate 25, /v1/generate 40, any other 5) plus 0..15
/// credits that depend on the payload. Slow on purpose, the way a real engine parses the
/// body and counts its tokens: this is the work worth spreading over several tasks.
inline long quote(const ApiCall& call) {
  long base = 5;
  if (call.endpoint == "/v1/search") base = 10;
  if (call.endpoint == "/v1/translate") base = 25;
  if (call.endpoint == "/v1/generate") base = 40;
  std::uint32_t hash = 2166136261u;  // FNV-1a, many times over: the "parsing"
  for (int round = 0; round < 200; ++round) {
    for (const char c : call.payload) {
      hash ^= static_cast<unsigned char>(c);
      hash *= 16777619u;
    }
  }
  return base + static_cast<long>(hash % 16);
}

/// Every client's remaining credit, shared by everyone who serves calls. Each member
/// takes the store's mutex, so the store itself never tears or loses an update: no
/// data race. But has_credit() and charge() are two separate steps. Between them, the
/// lock is free, and the answer "there is enough credit" can stop being true.
class QuotaStore {
 public:
  /// Called by has_credit() after every check, once the lock is released, with the
  /// client, the amount asked about and the answer. The program passes none; the tests
  /// pass one to pause a thread right there, between its check and its act.
  using CheckHook = std::function<void(const std::string& client, long amount, bool enough)>;

  /// A store with `credits` remaining per client. A client not listed has none.
  explicit QuotaStore(std::map<std::string, long> credits, CheckHook after_check = {})
      : credits_(std::move(credits)), after_check_(std::move(after_check)) {}

  /// Check: does `client` have at least `amount` credits left right now?
  bool has_credit(const std::string& client, long amount) const {
    bool enough = false;
    {
      std::lock_guard<std::mutex> lock(m_);
      const auto found = credits_.find(client);
      enough = found != credits_.end() && found->second >= amount;
    }
    if (after_check_) after_check_(client, amount, enough);
    return enough;
  }

  /// Act: takes `amount` credits from `client`. It does NOT check again: the caller
  /// is trusted to have asked has_credit() first (the balance can go below zero).
  void charge(const std::string& client, long amount) {
    std::lock_guard<std::mutex> lock(m_);
    credits_[client] -= amount;
  }

  /// Every client's remaining credit (a copy).
  std::map<std::string, long> credits() const {
    std::lock_guard<std::mutex> lock(m_);
    return credits_;
  }

 private:
  mutable std::mutex m_;  // guards credits_
  std::map<std::string, long> credits_;
  const CheckHook after_check_;
};

/// Admits a batch of calls, first come first served: call i is approved when its
/// client's credit, after every approved call BEFORE it in `calls`, still covers its
/// price; an approved call is charged to `quotas`, a rejected one is not. Returns one
/// Decision per call, in the order of `calls`. So no client ever goes below zero, and
/// the result is what a plain loop over `calls` gives. Must use `executor` to price the
/// calls in several tasks, and must give that same result every time.
std::vector<Decision> admit_all(const std::vector<ApiCall>& calls, QuotaStore& quotas,
                                labkit::Executor& executor);

}  // namespace lab05
