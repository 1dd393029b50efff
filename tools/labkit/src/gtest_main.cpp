// main() for every racelab test program: GoogleTest, plus a watchdog that turns a hang
// (a deadlock, a lost wake-up, an endless loop) into a clear failure within seconds,
// plus the ThreadSanitizer options, so a test binary run by hand behaves as under ctest,
// plus, for the grader, the results through a channel only the grader reads.
#include <gtest/gtest.h>

#include <labkit/protocol.hpp>

#include "hang_stacks.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
// TSan reads these before main(); TSAN_OPTIONS in the environment still wins. What each
// option is for: labkit/protocol.hpp.
extern "C" const char* __tsan_default_options() { return labkit::protocol::kTsanOptions; }

// TSan calls this hook for every report it prints. Counting them lets the test that was
// running fail by name ("ThreadSanitizer reported ... during this test") instead of
// showing OK and leaving only the exit status (kExitTsanReported) to tell. Only a relaxed
// atomic here: the hook runs inside TSan's reporting, in whichever thread raced.
static std::atomic<unsigned> g_tsan_reports{0};
extern "C" void __tsan_on_report(const void* /*report*/) {
  g_tsan_reports.fetch_add(1, std::memory_order_relaxed);
}
#define RACELAB_COUNTS_TSAN_REPORTS 1
#endif
#endif

namespace {

// TSan's reports so far in this program; always 0 without TSan (ASan, release builds).
unsigned tsan_reports_so_far() {
#ifdef RACELAB_COUNTS_TSAN_REPORTS
  return g_tsan_reports.load(std::memory_order_relaxed);
#else
  return 0;
#endif
}

namespace protocol = labkit::protocol;

// The watchdog's clock, shared by the listener and the watching thread. Never freed:
// the thread is detached (it must outlive a hung main thread) and may still be
// waiting on it while the process exits.
struct Clock {
  std::chrono::seconds limit;
  std::mutex m;
  std::condition_variable cv;
  std::string test;  // the test being timed
  std::chrono::steady_clock::time_point deadline{};
  bool armed = false;
};

[[noreturn]] void watch(Clock* clock) {
  std::unique_lock<std::mutex> lock(clock->m);
  for (;;) {
    if (!clock->armed) {
      clock->cv.wait(lock);
      continue;
    }
    const auto deadline = clock->deadline;
    if (clock->cv.wait_until(lock, deadline) == std::cv_status::timeout && clock->armed &&
        clock->deadline == deadline) {
      std::fprintf(stderr,
                   "\n%.*s%s still running after %llds: a deadlock "
                   "(threads waiting on each other) or a thread that never finishes.\n",
                   static_cast<int>(protocol::kWatchdogPrefix.size()), protocol::kWatchdogPrefix.data(),
                   clock->test.c_str(), static_cast<long long>(clock->limit.count()));
      std::fflush(stderr);
      labkit::detail::print_stacks_if_asked();
      _exit(protocol::kExitHung);
    }
  }
}

// Arms the clock at the start of each test and disarms it at the end.
class Watchdog : public ::testing::EmptyTestEventListener {
 public:
  explicit Watchdog(std::chrono::seconds limit) : clock_(new Clock{limit, {}, {}, {}, {}, false}) {
    std::thread(watch, clock_).detach();
  }
  void OnTestStart(const ::testing::TestInfo& test) override {
    reports_at_start_ = tsan_reports_so_far();
    std::lock_guard<std::mutex> lock(clock_->m);
    clock_->test = std::string(test.test_suite_name()) + "." + test.name();
    clock_->deadline = std::chrono::steady_clock::now() + clock_->limit;
    clock_->armed = true;
    clock_->cv.notify_all();
  }
  // Listeners hear OnTestEnd in reverse order of registration, so this runs before
  // GoogleTest's printer: a failure added here is printed as this test's FAILED.
  void OnTestEnd(const ::testing::TestInfo&) override {
    {
      std::lock_guard<std::mutex> lock(clock_->m);
      clock_->armed = false;
    }
    const unsigned reports = tsan_reports_so_far() - reports_at_start_;
    if (reports > 0) {
      ADD_FAILURE() << "ThreadSanitizer reported " << reports
                    << " problem(s) during this test (the WARNING: ThreadSanitizer report above). "
                       "TSan prints each distinct race once per program, so a later test that "
                       "hits the same race is not flagged again.";
    }
  }

 private:
  Clock* clock_;
  unsigned reports_at_start_ = 0;
};

// For the grader (tools/lab grade): when RACELAB_RESULT_FD names an open channel, the
// results go through it once every test has run: one JSON line with the grader's nonce,
// each test that ended, whether it passed and how many TSan reports came while it ran,
// and the TSan report count (the record's format: labkit/protocol.hpp). The grader
// scores from this line and the exit status only, never from what the program printed or
// from files it wrote; a program that exits before the end writes no line and earns
// nothing. (Code linked into this process could still forge the line on purpose:
// docs/grading.md says what that costs an attacker and what the grader checks besides.)
// The nonce, out of reach of the code under test until the record is written: alone in a
// page of its own that is neither readable nor writable meanwhile. A lab file cannot call
// mprotect (the grader's allowed imports), so code that scans memory for it (from a pointer
// to its own data, say) faults on this page, and a crash writes no record.
class SealedNonce {
 public:
  explicit SealedNonce(const char* text) : size_(std::strlen(text)) {
    page_ = ::mmap(nullptr, kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page_ == MAP_FAILED || size_ >= kPage) {
      page_ = nullptr;  // no channel then: the grader sees no record and scores nothing
      return;
    }
    std::memcpy(page_, text, size_);
    ::mprotect(page_, kPage, PROT_NONE);
  }
  // The nonce, readable again for the one moment the record is written.
  std::string open() const {
    if (page_ == nullptr || ::mprotect(page_, kPage, PROT_READ) != 0) return {};
    return std::string(static_cast<const char*>(page_), size_);
  }

 private:
  static constexpr std::size_t kPage = 4096;
  void* page_ = nullptr;
  std::size_t size_;
};

class ResultRecord : public ::testing::EmptyTestEventListener {
 public:
  // Takes the channel named in the environment and reads the nonce the grader wrote into it
  // (see take_channel below: before the lab code's static initialisers run). No channel, or
  // no well-formed nonce line in it: no record, and the grader scores nothing.
  static ResultRecord* from_environment() {
    const char* fd_text = std::getenv(protocol::kResultFdEnv);
    if (fd_text == nullptr) return nullptr;
    const int fd = static_cast<int>(std::strtol(fd_text, nullptr, 10));
    char line[protocol::kMaxNonceBytes + 1] = {};
    std::size_t size = 0;
    bool complete = false;
    while (size < sizeof line && !complete) {
      const ssize_t n = ::read(fd, line + size, 1);  // one byte at a time: nothing past the newline
      if (n <= 0) break;
      complete = line[size] == '\n';
      if (!complete) ++size;
    }
    ResultRecord* record = nullptr;
    if (complete && size > 0) {
      line[size] = '\0';
      record = new ResultRecord(fd, line);
    }
    ::explicit_bzero(line, sizeof line);  // no copy left on the stack either
    return record;
  }

  // Listeners hear OnTestEnd in reverse order of registration: this one is registered
  // before the Watchdog, so it sees the failure the Watchdog adds for a TSan report.
  void OnTestStart(const ::testing::TestInfo&) override { reports_at_start_ = tsan_reports_so_far(); }
  void OnTestEnd(const ::testing::TestInfo& test) override {
    const unsigned reports = tsan_reports_so_far() - reports_at_start_;
    tests_.push_back({std::string(test.test_suite_name()) + "." + test.name(), test.result()->Passed(), reports});
  }

  void write(int exit_code) const {
    const std::string line = protocol::format_record(nonce_.open(), exit_code, tsan_reports_so_far(), tests_);
    for (std::size_t done = 0; done < line.size();) {
      const ssize_t n = ::write(fd_, line.data() + done, line.size() - done);
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    ::close(fd_);
  }

 private:
  ResultRecord(int fd, const char* nonce) : fd_(fd), nonce_(nonce) {}
  int fd_;
  SealedNonce nonce_;
  unsigned reports_at_start_ = 0;
  std::vector<protocol::TestOutcome> tests_;  // each test that ended
};

// The channel is taken at the highest constructor priority a program may use (101):
// before any ordinary static initialiser of the lab code runs, so that code finds the
// nonce already read out of the channel, and sealed.
ResultRecord* g_record = nullptr;
__attribute__((constructor(101))) void take_channel() { g_record = ResultRecord::from_environment(); }

std::chrono::seconds watchdog_limit() {
  if (const char* text = std::getenv(protocol::kTestTimeoutEnv); text != nullptr && *text != '\0') {
    long seconds = std::strtol(text, nullptr, 10);
    if (seconds > 0) return std::chrono::seconds(seconds);
  }
  return std::chrono::seconds(protocol::kDefaultTestTimeoutSeconds);
}

}  // namespace

int main(int argc, char** argv) {
  ResultRecord* record = g_record;
  ::testing::InitGoogleTest(&argc, argv);
  // Owned by GoogleTest's listener list from here on; the watchdog thread runs until exit.
  auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
  if (record != nullptr) listeners.Append(record);
  listeners.Append(new Watchdog(watchdog_limit()));
  const int exit_code = RUN_ALL_TESTS();
  if (record != nullptr) record->write(exit_code);
  return exit_code;
}
