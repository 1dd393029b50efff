// The HTML trace page (explore_trace_html.cpp) and its words (explore_trace_words.cpp). The
// page in a real browser is tested by tools/explore/tests/trace_viewer_test.sh.
#include "explore/explore_trace.hpp"

#include "fixtures.hpp"

#include <gtest/gtest.h>

#include <dlfcn.h>

#include <cstdint>

namespace {

// A point of a trace (tests/fixtures.hpp), short for the traces below.
const auto point = labctl::testing::trace_point;

// A lock-order deadlock: T1 takes A then asks for B, T2 takes B then asks for A.
std::vector<labctl::TraceEvent> deadlock_trace() {
  return {point(1, 0, "create", "T1"),   point(2, 0, "create", "T2"),   point(3, 1, "lock", "0xa0"),
          point(4, 2, "lock", "0xb0"),   point(5, 1, "lock", "0xb0"),   point(6, 2, "lock", "0xa0"),
          point(7, 0, "join", "T1"),     point(8, 1, "deadlock", "0xb0"), point(9, 2, "deadlock", "0xa0"),
          point(10, 0, "deadlock", "T1")};
}

// A lock point says the thread asks; from its next point it holds the mutex, and another
// thread's request names the holder; a deadlock line says what the thread is stuck on.
TEST(ExploreTraceHtml, WordsSayAskingHoldingAndStuck) {
  const auto words = labctl::explain_trace(deadlock_trace());
  ASSERT_EQ(words.size(), 10U);
  EXPECT_EQ(words[0].words, "starts thread T1");
  EXPECT_EQ(words[2].words, "asks for mutex m1");
  EXPECT_EQ(words[2].holds, "");
  EXPECT_EQ(words[3].words, "asks for mutex m2");
  // T2 made no point since asking for m2: it may not have it yet (the scheduler switched first).
  EXPECT_EQ(words[4].words, "asks for mutex m2");
  EXPECT_EQ(words[4].holds, "m1");
  EXPECT_EQ(words[5].words, "asks for mutex m1 (held by T1)");
  EXPECT_EQ(words[6].words, "waits for T1 to finish");
  EXPECT_EQ(words[7].words, "stuck: waits for m2 (held by T2)");
  EXPECT_EQ(words[9].words, "stuck: waits for T1 to finish");
}

// A global's name, when the trace has it (name_trace_objects), stands for the mutex in every
// point's words, the held list and the deadlock's; an object without one keeps a short name.
TEST(ExploreTraceHtml, WordsUseTheGlobalsNames) {
  auto events = deadlock_trace();
  for (auto& event : events) {
    if (event.object == "0xa0") event.object_name = "a_mutex";
  }
  const auto words = labctl::explain_trace(events);
  EXPECT_EQ(words[2].words, "asks for mutex a_mutex");
  EXPECT_EQ(words[3].words, "asks for mutex m1");
  EXPECT_EQ(words[4].holds, "a_mutex");
  EXPECT_EQ(words[5].words, "asks for mutex a_mutex (held by T1)");
  EXPECT_EQ(words[8].words, "stuck: waits for a_mutex (held by T1)");
}

// A global of this test program, to be named by its module and offset.
long g_traced_counter[4] = {1, 2, 3, 4};

// Globals are named from their module's symbols (llvm-symbolizer, which tools/lab installs),
// by the module and offset a trace line gives them: an element inside is "+N" bytes on; an
// offset without a symbol keeps no name, and readers fall back to the address.
TEST(ExploreTrace, NamesGlobalsFromTheModulesSymbols) {
  Dl_info info{};
  ASSERT_NE(dladdr(&g_traced_counter[2], &info), 0);
  const auto base = reinterpret_cast<std::uintptr_t>(info.dli_fbase);
  std::vector<labctl::TraceEvent> events{point(1, 1, "write", "0x1"), point(2, 1, "write", "0x2")};
  events[0].object_module = events[1].object_module = info.dli_fname;
  events[0].object_offset = reinterpret_cast<std::uintptr_t>(&g_traced_counter[2]) - base;
  events[1].object_offset = 0;  // the ELF header: no symbol
  labctl::name_trace_objects(events, ::testing::TempDir());
  EXPECT_EQ(events[0].object_name, "g_traced_counter+16");
  EXPECT_EQ(events[1].object_name, "");
}

// On a deadlock the flagged points are the deadlock lines, the requests the threads are
// stuck in, and where each held mutex was taken; the creates are not.
TEST(ExploreTraceHtml, FlagsThePointsOfTheDeadlock) {
  const auto words = labctl::explain_trace(deadlock_trace());
  std::vector<bool> key;
  for (const auto& w : words) key.push_back(w.key);
  EXPECT_EQ(key, (std::vector<bool>{false, false, true, true, true, true, false, true, true, true}));
}

// Without a deadlock, each thread's last point is flagged; an unlock lets the mutex go.
TEST(ExploreTraceHtml, FlagsEachThreadsLastPointAndUnlocks) {
  const std::vector<labctl::TraceEvent> events{point(1, 1, "lock", "0xa0"), point(2, 1, "unlock", "0xa0"),
                                               point(3, 2, "lock", "0xa0"), point(4, 1, "exit", "-"),
                                               point(5, 2, "unlock", "0xa0")};
  const auto words = labctl::explain_trace(events);
  EXPECT_EQ(words[1].words, "unlocks m1");
  EXPECT_EQ(words[1].holds, "m1");
  EXPECT_EQ(words[2].words, "asks for mutex m1");  // T1 let it go: no "held by"
  EXPECT_EQ(words[3].words, "ends");
  EXPECT_EQ(words[3].holds, "");
  EXPECT_FALSE(words[0].key);
  EXPECT_TRUE(words[3].key);
  EXPECT_TRUE(words[4].key);
}

// The page is one file: nothing loaded from anywhere, the data embedded, the rows there.
TEST(ExploreTraceHtml, IsOneSelfContainedFile) {
  const labctl::TraceLocations where{{{"./prog", 3}, "a_then_b() lock_order.cpp:16"}};
  const std::string html = labctl::render_trace_html(
      deadlock_trace(), where,
      {"lock_order under the explorer", "racelab-schedule:v1:random:seed=7", "deadlock (every live thread blocked)",
       "tools/lab explore --replay racelab-schedule:v1:random:seed=7 -- ./lock_order"});
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0U);
  EXPECT_EQ(html.find("http"), std::string::npos) << "a URL: the page must need no network";
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("@DATA@"), std::string::npos);
  EXPECT_NE(html.find("\"where\":\"lock_order.cpp:16 a_then_b()\""), std::string::npos);
  EXPECT_NE(html.find("\"words\":\"asks for mutex m1 (held by T1)\""), std::string::npos);
  EXPECT_NE(html.find("\"replay\":\"tools/lab explore --replay racelab-schedule:v1:random:seed=7 -- ./lock_order\""),
            std::string::npos);
  EXPECT_NE(html.find("\"threads\":[0,1,2]"), std::string::npos);
}

// A name that closes the script or opens a comment stays data: the page has exactly its own
// two script elements, and the name arrives escaped.
TEST(ExploreTraceHtml, EscapesNamesThatLookLikeMarkup) {
  const labctl::TraceLocations where{{{"./prog", 3}, "f</script><b>\"x\"&y() <!--evil.cpp:1"}};
  const std::string html = labctl::render_trace_html(deadlock_trace(), where, {"t</script>", "s", "f", "r"});
  std::size_t closes = 0;
  for (auto at = html.find("</script>"); at != std::string::npos; at = html.find("</script>", at + 1)) ++closes;
  EXPECT_EQ(closes, 2U);
  EXPECT_EQ(html.find("<b>"), std::string::npos);
  EXPECT_EQ(html.find("<!--evil"), std::string::npos);
  EXPECT_NE(html.find("\"title\":\"t\\u003c/script\\u003e\""), std::string::npos);
  EXPECT_EQ(labctl::json_string_for_html("a\"b\\c\n</script>&\x01"),
            "\"a\\\"b\\\\c\\n\\u003c/script\\u003e\\u0026\\u0001\"");
}

}  // namespace
