// Grading fixture — HOSTILE: prints a fake ThreadSanitizer report whose frames name files
// the student must never see: /etc/shadow, the instructor's hidden test, the reference
// solution (by an absolute path, a relative one and through `..`), the secret answer. A
// grader that quoted "the source line of each frame" by opening the path printed would
// put lines of them into this student's feedback. grade_test.sh puts the course's root in
// place of @ROOT@ and checks the feedback holds none of their lines (the secret copies
// start with a marker line). It prints the same paths as a fake report of the explorer
// (racelab-explore: lines), which the grader reads only after the explorer's own exit code
// and then quotes from the staged files only. Its answer is right (counted on the calling
// thread), so the real runs happen and their output is read: its fake "race" fails race-free,
// std::cerr fails no_globals, one task fails parallel: 5/10.
#include "lost_update.hpp"

#include <iostream>

namespace lab01 {

StatusCounts count_status_classes(const std::vector<std::string>& log_lines, labkit::Executor&) {
  const std::string root = "@ROOT@";
  const std::string secret = "/tmp/racelab-grade-test-secret";
  const std::string up = "../../../../../../../../..";
  // Each in a section of its own, so that each is the frame the report shows.
  const std::string paths[] = {
      up + "/etc/shadow", "/etc/shadow", "/x/labs/01-lost-update/" + up + "/etc/shadow",
      secret + "/01-lost-update.cpp", secret + "/lost_update.cpp", secret + "/answer.txt",
      "/x/labs/01-lost-update/" + up + secret + "/01-lost-update.cpp",
      "solutions/01-lost-update/lost_update.cpp", up + root + "/solutions/01-lost-update/lost_update.cpp",
      root + "/solutions/01-lost-update/lost_update.cpp",
      root + "/labs/01-lost-update/../../solutions/01-lost-update/lost_update.cpp",
      root + "/tests/../solutions/01-lost-update/lost_update.cpp"};
  std::cerr << "==================\nWARNING: ThreadSanitizer: data race (pid=4242)\n";
  int thread = 1;
  for (const auto& path : paths) {
    std::cerr << "  Read of size 8 at 0x7b0400000000 by thread T" << thread++ << ":\n"
              << "    #0 lab01::peek() " << path << ":1:1 (lab01_starter+0x1)\n";
  }
  std::cerr << "SUMMARY: ThreadSanitizer: data race /etc/shadow:1:1 in lab01::peek()\n==================\n";
  std::cerr << "racelab-explore: data race on 'lab01::secret' (racelab-schedule:v1:random:seed=1)\n";
  for (const auto& path : paths) {
    std::cerr << "racelab-explore:   read of 8 bytes by thread 1 at " << path << ":1 in lab01::peek()\n"
              << "racelab-explore:       called from " << path << ":1 in lab01::peek()\n";
  }
  StatusCounts counts;  // the right answer, on the calling thread
  for (const auto& line : log_lines) {
    switch (status_of(line) / 100) {
      case 1: ++counts.informational; break;
      case 2: ++counts.success; break;
      case 3: ++counts.redirect; break;
      case 4: ++counts.client_error; break;
      case 5: ++counts.server_error; break;
      default: ++counts.malformed; break;
    }
  }
  return counts;
}

}  // namespace lab01
