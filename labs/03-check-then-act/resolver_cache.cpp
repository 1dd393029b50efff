// Lab 03 — check-then-act.
//
// A crawler resolves the hostnames of the links it found; many links share a host, so
// it keeps a cache and looks a name up only if the cache does not have it yet. Four
// threads share one global cache, and each does
//     if (cache has no `host`)  cache[host] = resolve(host);     // check, then act
// Its author knew that two threads must not insert into an unordered_map at the same
// time, and put a mutex around the insert. But the CHECK is outside the lock:
//   - between the check and the act another thread can check the same host, see it
//     missing too, and look it up a second time: the answer of the check is stale by
//     the time we act on it;
//   - the check reads the map (its buckets, its node list, its size) while another
//     thread, holding the lock, changes them. A lock only protects memory when EVERY
//     access to it holds the lock. ThreadSanitizer reports a data race.
//
// TODO: make resolve_all race-free WITHOUT a shared cache (and without the mutex):
//   - do the "check" once, on the calling thread, before any task starts: build the
//     list of DISTINCT hostnames (each name once);
//   - look each distinct name up in a task of its own on `executor` (executor.map
//     with `resolve` does it): the name goes in as the task's argument, the Address
//     comes back through the future, in input order;
//   - build the map on the calling thread from the names and their addresses.
// When you are done this file has no global (or static) variable left.
// `tools/lab hint 03` if you are stuck.
#include "resolver_cache.hpp"

#include <mutex>
#include <thread>

namespace lab03 {

// The bug: one cache that every thread checks and fills, and a lock that only the
// insert takes.
std::unordered_map<std::string, Address> g_cache;
std::mutex g_cache_mutex;

static void resolve_into_cache(const std::string& hostname, const Resolver& resolve) {
  if (g_cache.count(hostname) == 0) {  // check: not looked up yet? (without the lock)
    const Address address = resolve(hostname);
    std::lock_guard<std::mutex> lock(g_cache_mutex);
    g_cache[hostname] = address;  // act: remember it (with the lock)
  }
}

std::unordered_map<std::string, Address> resolve_all(const std::vector<std::string>& hostnames,
                                                     const Resolver& resolve,
                                                     labkit::Executor& executor) {
  (void)executor;  // TODO: use it instead of raw threads
  g_cache.clear();
  // Buckets for every name up front, so that no insert moves the buckets while another
  // thread reads them. That makes a crash unlikely; it does not make the code correct.
  g_cache.reserve(hostnames.size());

  const std::size_t thread_count = 4;
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < thread_count; ++t) {
    threads.emplace_back([&hostnames, &resolve, t, thread_count] {
      for (std::size_t i = t; i < hostnames.size(); i += thread_count)
        resolve_into_cache(hostnames[i], resolve);
    });
  }
  for (auto& thread : threads) thread.join();

  return g_cache;
}

}  // namespace lab03
