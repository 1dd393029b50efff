// racy_pair — two tasks that increment one plain int without synchronisation.
//
//     racy_pair exposure|pool1|pool2
//
// The data race is real in every mode; what differs is whether ThreadSanitizer can
// see it. Run under TSan with labkit/protocol.hpp's options, as racy_pair_test does (exit
// kExitTsanReported, 66, when it reported):
//   exposure  labkit::testing::ExposureExecutor: each task on its own thread, released
//             together; nothing orders the two increments, TSan reports every run.
//   pool1     ThreadPoolExecutor{1}: one worker takes the tasks from the queue one after
//             the other; the queue mutex orders them, TSan never reports.
//   pool2     ThreadPoolExecutor{2}: reported only when the two workers happen to
//             overlap, so some runs are caught and some are not.
// tools/labkit/tests/racy_pair_test.cpp runs it 20 times per mode.
#include <labkit/executor.hpp>
#include <labkit/testing.hpp>

#include <cstdio>
#include <cstring>
#include <functional>

namespace {

// The racy task: a read-modify-write of the caller's int, shared through std::ref.
void bump(std::reference_wrapper<int> counter) { ++counter.get(); }

int run_pair(labkit::Executor& ex) {
  int counter = 0;
  auto first = ex.submit(bump, std::ref(counter));
  auto second = ex.submit(bump, std::ref(counter));
  first.get();
  second.get();
  return counter;
}

}  // namespace

int main(int argc, char** argv) {
  const char* mode = argc == 2 ? argv[1] : "";
  int result = 0;
  if (std::strcmp(mode, "exposure") == 0) {
    labkit::testing::ExposureExecutor ex;
    result = run_pair(ex);
  } else if (std::strcmp(mode, "pool1") == 0) {
    labkit::ThreadPoolExecutor ex{1};
    result = run_pair(ex);
  } else if (std::strcmp(mode, "pool2") == 0) {
    labkit::ThreadPoolExecutor ex{2};
    result = run_pair(ex);
  } else {
    std::fprintf(stderr, "usage: racy_pair exposure|pool1|pool2\n");
    return 2;
  }
  std::printf("%s: counter = %d\n", mode, result);
  return 0;
}
