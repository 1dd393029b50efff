// A classic bug for the explorer (issue 7): five threads, one needed preemption. Each thread
// takes a ticket (one critical section) and then records it as used (another); a thread
// preempted between the two, while another thread takes a ticket, gets the same number, and
// a ticket is handed out twice. Plain runs almost never show it (about 1 in 200 here): each
// thread is done long before the next one starts. The explorer finds it in a few schedules.
// Exits 1 when a ticket was handed out twice. Built with -DRACELAB_FIXED it is the fixed twin:
// take and record in one critical section.
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

namespace {

constexpr int kThreads = 5;
constexpr int kTicketsEach = 4;

std::mutex ticket_mutex;
int next_ticket = 0;
int times_handed_out[kThreads * kTicketsEach + 1] = {};

void take_tickets() {
  for (int i = 0; i < kTicketsEach; ++i) {
    int ticket = 0;
#ifdef RACELAB_FIXED
    {
      std::lock_guard<std::mutex> lock(ticket_mutex);
      ticket = next_ticket++;
      ++times_handed_out[ticket];
    }
#else
    {
      std::lock_guard<std::mutex> lock(ticket_mutex);
      ticket = next_ticket;
    }
    {
      std::lock_guard<std::mutex> lock(ticket_mutex);
      next_ticket = ticket + 1;
      ++times_handed_out[ticket];
    }
#endif
  }
}

}  // namespace

int main() {
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) threads.emplace_back(take_tickets);
  for (std::thread& t : threads) t.join();
  int twice = 0;
  for (int count : times_handed_out) twice += count > 1 ? 1 : 0;
  std::printf("%d tickets handed out more than once\n", twice);
  return twice == 0 ? 0 : 1;
}
