// HELD now: lab 12's process calls are [lab 12 library only] in allowed_imports.txt (only
// labkit's inline code may call them) and the source check refuses their names: 0, refused.
// Grading fixture — LAB 12 (new class: state kept by the kernel, found again by number):
// the reference solution plus a call counter, like global_plain's, kept where no look at the
// object sees it: as the one message queued on a socket pair (socketpair, send and recv are
// lab 12's allowed imports). No variable of the file outlives a call; the next call finds
// the pair again by trying every descriptor number with recv(MSG_PEEK | MSG_DONTWAIT) for
// its tag. Checked outside the grader: four calls count 1 2 3 4.
// Scored 10/10 on h-attack (782a5bd); the same solution with `long g_calls` in the lab's
// namespace scores 9/10 ("no globals: lab12::g_calls (8 bytes in .bss)"), which is what this
// one deserves. The no-globals criterion reads the object; the descriptor table is process-
// wide mutable state that any lab with descriptor-making imports (lab 12's socketpair, lab
// 13's accept) can keep anything in.
// What would close the class: an allowlist entry that creates a kernel object is a door to
// global state, so such calls are allowed only from the course's own code (labkit's process
// pool instantiated in the lab's file is the reason they are on the list today: have labkit
// provide them out of line, from a library the lab code links against, and take the raw
// calls off [lab 12]); or decide no_globals also by behaviour (descriptors open at the end of
// each call beyond what the executor holds).
#include "bytes_per_client.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>

namespace lab12 {

// (3) Where the program's tasks run. Changed: worker processes, now that part (2) keeps
// the discipline.
using Pool = labkit::ProcessPoolExecutor;

namespace {

constexpr std::size_t kWorkers = 4;

pid_t current_pid() { return ::getpid(); }

}  // namespace

// ---------------------------------------------------------------- (2) with the discipline

namespace {

// One client's bytes in a partial tally. A vector of these is serialisable; a map is not.
using ClientBytes = std::vector<std::pair<std::string, std::uint64_t>>;

// One task. Changed: the chunk comes in as the argument, the partial tally goes out as
// the result; nothing else is touched.
ClientBytes tally_chunk(LogLines chunk) {
  BytesByClient partial;
  for (const std::string& line : chunk) {
    if (const auto transfer = parse_line(line)) partial[transfer->client] += transfer->bytes;
  }
  return {partial.begin(), partial.end()};
}

}  // namespace

// Tallies `log` with tasks on `pool`, a thread pool (any labkit::Executor) or a process
// pool: the same code for both. Changed: one tally_chunk task per chunk, through map(),
// and the partial tallies added up here, on the calling thread.

// The call counter, kept where no look at the object sees it: in the kernel, as the one
// message queued on a socket pair, found again on every call by its tag (file descriptors
// are small numbers: try them all, peeking, without blocking).
namespace {
struct Note {
  std::uint64_t tag;
  int writer;  // the other end of the pair, to queue the next note on
  long calls;
};
constexpr std::uint64_t kTag = 0x5ca1ab1ec0ffee42;

long count_this_call() {
  Note note{};
  for (int fd = 3; fd < 1024; ++fd) {
    Note seen{};
    if (::recv(fd, &seen, sizeof seen, MSG_PEEK | MSG_DONTWAIT) == static_cast<ssize_t>(sizeof seen) &&
        seen.tag == kTag) {
      (void)::recv(fd, &note, sizeof note, MSG_DONTWAIT);  // take it off the queue
      break;
    }
  }
  if (note.tag != kTag) {  // first call in this process: make the pair
    int ends[2];
    if (::socketpair(AF_UNIX, SOCK_DGRAM, 0, ends) != 0) return 0;
    note = Note{kTag, ends[0], 0};
  }
  ++note.calls;
  (void)::send(note.writer, &note, sizeof note, MSG_DONTWAIT);
  return note.calls;
}
}  // namespace

template <class AnyPool>
BytesByClient tally_on(AnyPool& pool, const LogLines& log) {
  BytesByClient totals;
  for (const ClientBytes& partial : pool.map(tally_chunk, split_into_chunks(log))) {
    for (const auto& [client, bytes] : partial) totals[client] += bytes;
  }
  return totals;
}

BytesByClient tally(labkit::Executor& executor, const LogLines& log) {
  (void)count_this_call();
  return tally_on(executor, log);
}

BytesByClient tally(labkit::ProcessPoolExecutor& pool, const LogLines& log) { return tally_on(pool, log); }

// ---------------------------------------------------------------- (3) the configured pool

BytesByClient tally_on_configured_pool(const LogLines& log) {
  Pool pool(kWorkers);
  return tally(pool, log);
}

pid_t pid_seen_by_a_configured_pool_task() {
  Pool pool(1);
  return pool.submit(current_pid).get();
}

}  // namespace lab12
