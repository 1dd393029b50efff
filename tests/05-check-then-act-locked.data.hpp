// Test data for lab 05-check-then-act-locked, shared by its tests (tests/05-check-then-act-locked.cpp) and its demo
// program (tests/05-check-then-act-locked.demo.cpp), so both exercise the lab on the same input.
#pragma once

#include "quota_service.hpp"

#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace lab05::test_data {

// Remaining credit per client, as QuotaStore::credits() reports it.
using Credits = std::map<std::string, long>;

// `per_client` calls for each of `clients`, interleaved (a client's calls are spread
// over the batch, as they would arrive), with every endpoint and varied payloads.
inline std::vector<ApiCall> make_calls(const std::vector<std::string>& clients, std::size_t per_client,
                                       const std::vector<std::string>& endpoints) {
  std::vector<ApiCall> calls;
  for (std::size_t round = 0; round < per_client; ++round) {
    for (std::size_t c = 0; c < clients.size(); ++c) {
      const std::size_t n = round * clients.size() + c;
      calls.push_back({clients[c], endpoints[n % endpoints.size()],
                       "{\"query\": \"item " + std::to_string(n * 37) + "\", \"lang\": \"en\"}"});
    }
  }
  return calls;
}

// Quotas that cover only part of what each client asks for: `percent` of the total
// price of its calls, so the batch contests every quota.
inline Credits quotas_for(const std::vector<ApiCall>& calls, long percent) {
  Credits demand;
  for (const auto& call : calls) demand[call.client] += lab05::quote(call);
  for (auto& [client, total] : demand) total = total * percent / 100;
  return demand;
}

}  // namespace lab05::test_data
