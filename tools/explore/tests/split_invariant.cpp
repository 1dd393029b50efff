// A classic bug for the explorer (issue 7): an invariant kept across two critical sections.
// A server's connection table and its count of open connections must agree (the count is
// what the load balancer reads). Opening a connection adds it to the table under the table's
// lock, then bumps the count under the count's lock: every access is locked, so there is no
// data race and ThreadSanitizer is silent, but between the two sections the invariant is
// broken, and an auditor that takes both locks there sees table size != count. Exits 1 when
// the auditor saw them disagree. Built with -DRACELAB_FIXED it is the fixed twin: both
// updates under both locks, taken together (std::scoped_lock), so the invariant holds
// whenever anyone can look.
#include <cstdio>
#include <mutex>
#include <set>
#include <thread>

namespace {

std::mutex table_mutex;
std::mutex count_mutex;
std::set<int> open_connections;
int open_count = 0;

void open_connection(int id) {
#ifdef RACELAB_FIXED
  std::scoped_lock both(table_mutex, count_mutex);
  open_connections.insert(id);
  ++open_count;
#else
  {
    std::lock_guard<std::mutex> lock(table_mutex);
    open_connections.insert(id);
  }
  {
    std::lock_guard<std::mutex> lock(count_mutex);
    ++open_count;
  }
#endif
}

// Looks at both under both locks: what it sees is a state the program was really in.
bool audit() {
  std::scoped_lock both(table_mutex, count_mutex);
  return static_cast<int>(open_connections.size()) == open_count;
}

}  // namespace

int main() {
  bool agreed = true;
  std::thread auditor([&agreed] {
    for (int i = 0; i < 3; ++i) agreed = audit() && agreed;
  });
  std::thread a([] { open_connection(1); });
  std::thread b([] { open_connection(2); });
  a.join();
  b.join();
  auditor.join();
  std::printf("%s\n", agreed ? "table and count agreed" : "the auditor saw the table and the count disagree");
  return agreed ? 0 : 1;
}
