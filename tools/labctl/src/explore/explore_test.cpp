// The explorer's pure pieces (issue 7): the schedule string, the strategies' determinism,
// and how the driver words a run's end. The preload library itself is tested end to end
// on real bug programs by tools/explore/tests (ctest label "explore").
#include "base/errors.hpp"
#include "explore/explore.hpp"
#include "explore/explore_trace.hpp"
#include "schedule.hpp"
#include "strategy.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <set>

namespace ex = labctl::explore;

// A schedule survives format → parse unchanged, for both strategies.
TEST(ExploreSchedule, RoundTrips) {
  const ex::Schedule random{ex::Strategy::random, 1234, 3, 1000};
  EXPECT_EQ(ex::format_schedule(random), "racelab-schedule:v1:random:seed=1234");
  EXPECT_EQ(ex::parse_schedule("racelab-schedule:v1:random:seed=1234"), random);
  const ex::Schedule pct{ex::Strategy::pct, 7, 4, 321};
  EXPECT_EQ(ex::format_schedule(pct), "racelab-schedule:v1:pct:seed=7:depth=4:steps=321");
  EXPECT_EQ(ex::parse_schedule(ex::format_schedule(pct)), pct);
}

// Anything format_schedule would not write is refused, so a typo is never run as another schedule.
TEST(ExploreSchedule, RejectsMalformedStrings) {
  for (const char* bad : {"", "racelab-schedule:v1:random", "racelab-schedule:v2:random:seed=1",
                          "racelab-schedule:v1:fair:seed=1", "racelab-schedule:v1:random:seed=",
                          "racelab-schedule:v1:random:seed=12x", "racelab-schedule:v1:random:seed=1:depth=3",
                          "racelab-schedule:v1:pct:seed=1:depth=0:steps=5", "racelab-schedule:v1:pct:seed=1:steps=0",
                          "racelab-schedule:v1:random:seed=1:colour=2", "seed=1"}) {
    EXPECT_FALSE(ex::parse_schedule(bad).has_value()) << bad;
  }
}

// The same seed makes the same choices (replay); different seeds make different ones (exploration).
TEST(ExploreStrategy, RandomIsAFunctionOfTheSeed) {
  auto picks = [](std::uint64_t seed) {
    ex::Chooser chooser(ex::Schedule{ex::Strategy::random, seed, 3, 1000});
    std::vector<int> out;
    for (int i = 0; i < 64; ++i) out.push_back(chooser.pick({0, 1, 2}, 0, false));
    return out;
  };
  EXPECT_EQ(picks(42), picks(42));
  EXPECT_NE(picks(42), picks(43));
  const auto many = picks(5);
  EXPECT_EQ(std::set<int>(many.begin(), many.end()).size(), 3u);  // every thread gets chosen
}

// PCT runs the highest-priority thread until a change point or a yield demotes it.
TEST(ExploreStrategy, PctKeepsOneThreadUntilItYields) {
  ex::Chooser chooser(ex::Schedule{ex::Strategy::pct, 9, 1, 100});  // depth 1: no change points
  chooser.on_thread_created(0);
  chooser.on_thread_created(1);
  const int first = chooser.pick({0, 1}, 0, false);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(chooser.pick({0, 1}, first, false), first);
  EXPECT_NE(chooser.pick({0, 1}, first, true), first);  // it yielded: the other one runs
}

// The driver names the library's own exit codes, and falls back to the usual description.
TEST(ExploreDriver, DescribesRuns) {
  EXPECT_EQ(labctl::describe_explored_run(labctl::ExitStatus::exited(ex::kExitDeadlock), 10),
            "deadlock (every live thread blocked)");
  EXPECT_EQ(labctl::describe_explored_run(labctl::ExitStatus::exited(ex::kExitSpin), 3),
            "a thread ran 3 s without reaching a scheduling point");
  EXPECT_EQ(labctl::describe_explored_run(labctl::ExitStatus::exited(1), 10), "exited 1");
}

// The output tail keeps the last lines only, and ends with a newline.
TEST(ExploreDriver, TailsOutput) {
  EXPECT_EQ(labctl::tail_lines("a\nb\nc\nd\n", 2), "c\nd\n");
  EXPECT_EQ(labctl::tail_lines("a\nb", 5), "a\nb\n");
  EXPECT_EQ(labctl::tail_lines("", 3), "");
}

// The raw trace's lines become events; a torn last line (a run killed mid-write) is skipped.
TEST(ExploreTrace, ParsesRawLines) {
  const auto events = labctl::parse_trace(
      "1\t0\tcreate\tT1\t/lib/libstdc++.so.6\t0xd4578\n"
      "2\t1\tlock\t0x55ff5c5fc4a0\t./prog\t0x1ffc\n"
      "3\t1\tdeadlock\t0x55ff5c5fc4a0\t\t0x0\n"
      "4\t2\tlo");
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[1].step, 2u);
  EXPECT_EQ(events[1].thread, 1);
  EXPECT_EQ(events[1].event, "lock");
  EXPECT_EQ(events[1].object, "0x55ff5c5fc4a0");
  EXPECT_EQ(events[1].module, "./prog");
  EXPECT_EQ(events[1].offset, 0x1ffcu);
  EXPECT_EQ(events[2].module, "");
}

// Since objects have modules (schedule.hpp's eight columns): a global's module and offset,
// nothing for a thread or the heap; the six-column form still reads.
TEST(ExploreTrace, ParsesWhereAnObjectLies) {
  const auto events = labctl::parse_trace(
      "1\t0\tcreate\tT1\t/lib/libstdc++.so.6\t0xd4578\t\t0x0\n"
      "2\t1\tlock\t0x55ff5c5fc4a0\t./prog\t0x1ffc\t./prog\t0x44a0\n"
      "3\t1\tlock\t0x7f0000001000\t./prog\t0x2000\t\t0x0\n"
      "4\t1\tunlock\t0x55ff5c5fc4a0\t./prog\t0x2010\n"
      "5\t1\tunlock\t0x55ff5c5fc4a0\t./prog\t0x2010\t./prog\n");
  ASSERT_EQ(events.size(), 4u);  // the last line has seven fields: not a trace line
  EXPECT_EQ(events[0].object_module, "");
  EXPECT_EQ(events[1].object_module, "./prog");
  EXPECT_EQ(events[1].object_offset, 0x44a0u);
  EXPECT_EQ(events[2].object_module, "");
  EXPECT_EQ(events[3].object_module, "");
  EXPECT_EQ(events[3].offset, 0x2010u);
}

// addr2line's inline chain: the student's frame wins over a system header's; unknown frames are left out.
TEST(ExploreTrace, PicksTheUsersFrameFromAddr2line) {
  const auto located = labctl::parse_addr2line(
      "0x0000000000001ffc\n"
      "std::mutex::lock()\n/usr/include/c++/12/bits/std_mutex.h:100\n"
      "b_then_a()\n/src/tools/explore/tests/lock_order.cpp:26 (discriminator 2)\n"
      "0x0000000000002000\n"
      "??\n??:0\n");
  ASSERT_EQ(located.count(0x1ffc), 1u);
  EXPECT_EQ(located.at(0x1ffc), "b_then_a() lock_order.cpp:26");
  EXPECT_EQ(located.count(0x2000), 0u);
}

// The text names the schedule, and each event its thread, call, object and location (or module+offset).
TEST(ExploreTrace, FormatsOneLinePerSchedulingPoint) {
  const auto events = labctl::parse_trace("1\t0\tcreate\tT1\t/lib/libstdc++.so.6\t0xd4578\n"
                                          "2\t1\tlock\t0xabc\t./prog\t0x1ffc\n");
  const labctl::TraceLocations where{{{"./prog", 0x1ffc}, "f() prog.cpp:7"}};
  const std::string text = labctl::format_trace(events, where, "racelab-schedule:v1:random:seed=3");
  EXPECT_NE(text.find("# racelab-schedule:v1:random:seed=3\n"), std::string::npos);
  EXPECT_NE(text.find("libstdc++.so.6+0xd4578"), std::string::npos);
  const auto lock_line = text.find("lock ");
  ASSERT_NE(lock_line, std::string::npos);
  const std::string line = text.substr(text.rfind('\n', lock_line) + 1, text.find('\n', lock_line) - text.rfind('\n', lock_line) - 1);
  EXPECT_NE(line.find("  T1"), std::string::npos) << line;
  EXPECT_NE(line.find("0xabc"), std::string::npos) << line;
  EXPECT_NE(line.find("prog.cpp:7 f()"), std::string::npos) << line;
}

// A location reads line first, without argument lists or namespace noise, so it fits a column.
TEST(ExploreTrace, ShortensLocationsForReading) {
  EXPECT_EQ(labctl::readable_location("lab10::transfer(lab10::Transfer const&, std::function<bool (int)> const&) "
                                      "payments.cpp:45"),
            "payments.cpp:45 lab10::transfer()");
  EXPECT_EQ(labctl::readable_location("(anonymous namespace)::b_then_a() lock_order.cpp:26"),
            "lock_order.cpp:26 b_then_a()");
  EXPECT_EQ(labctl::readable_location("lab05::QuotaStore::credits[abi:cxx11]() const quota_service.hpp:99"),
            "quota_service.hpp:99 lab05::QuotaStore::credits() const");
  EXPECT_EQ(labctl::readable_location("std::thread::_State_impl<std::thread::_Invoker<std::tuple<lab04::serve_all("
                                      "int)::$_0> > >::_M_run() access_log.cpp:30"),
            "access_log.cpp:30 std::thread::_State_impl<…>::_M_run()");
  EXPECT_EQ(labctl::readable_location("main"), "main");
}

// A sleep-polling loop's hundreds of thousands of identical points become one row with a count;
// points that differ in thread, call, object or place stay apart.
TEST(ExploreTrace, CollapsesRepeatedPoints) {
  auto events = labctl::parse_trace("1\t0\tsleep\t-\t./prog\t0x10\n"
                                    "2\t0\tsleep\t-\t./prog\t0x10\n"
                                    "3\t0\tsleep\t-\t./prog\t0x10\n"
                                    "4\t1\tsleep\t-\t./prog\t0x10\n"
                                    "5\t1\tlock\t0xa\t./prog\t0x20\n"
                                    "6\t1\tlock\t0xb\t./prog\t0x20\n");
  const auto collapsed = labctl::collapse_repeats(events);
  ASSERT_EQ(collapsed.size(), 4u);
  EXPECT_EQ(collapsed[0].repeats, 3u);
  EXPECT_EQ(collapsed[0].step, 1u);
  EXPECT_EQ(collapsed[1].thread, 1);
  EXPECT_EQ(labctl::point_count(collapsed), 6u);
  EXPECT_NE(labctl::format_trace(collapsed, {}, "s").find("sleep ×3"), std::string::npos);
}

// The drawing: a lane per thread, a dashed line at each hand-over of control, the schedule
// in the heading, locations in tooltips, and text escaped for XML.
TEST(ExploreTrace, DrawsLanesAndHandOvers) {
  const auto events = labctl::parse_trace("1\t0\tcreate\tT1\t./prog\t0x10\n"
                                          "2\t1\tlock\t0x5500aa\t./prog\t0x20\n"
                                          "3\t1\tunlock\t0x5500aa\t./prog\t0x30\n"
                                          "4\t0\tjoin\tT1\t./prog\t0x40\n");
  const labctl::TraceLocations where{{{"./prog", 0x20}, "f() a&b.cpp:7"}};
  const std::string svg = labctl::render_trace_svg(events, where, "racelab-schedule:v1:random:seed=3");
  EXPECT_EQ(svg.rfind("<svg ", 0), 0u);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  EXPECT_NE(svg.find(">T0 (main)<"), std::string::npos);
  EXPECT_NE(svg.find(">T1<"), std::string::npos);
  EXPECT_NE(svg.find("racelab-schedule:v1:random:seed=3"), std::string::npos);
  EXPECT_NE(svg.find("a&amp;b.cpp:7 f()"), std::string::npos);
  std::size_t hand_overs = 0;
  for (auto at = svg.find("stroke-dasharray"); at != std::string::npos; at = svg.find("stroke-dasharray", at + 1)) {
    ++hand_overs;
  }
  EXPECT_EQ(hand_overs, 2u);  // T0 → T1 at step 2, T1 → T0 at step 4
  // Only the last points are drawn when there are many; the heading says so.
  const std::string cut = labctl::render_trace_svg(events, where, "s", 2);
  EXPECT_NE(cut.find("the last 2 of 4 entries"), std::string::npos);
  EXPECT_EQ(cut.find(">create T1"), std::string::npos);
}

// A run of many threads (lab 11's hundred) draws the last points of at most 12 threads, so
// the drawing stays a few thousand pixels wide; `scope` says what the points are, with the
// count the terminal gives.
TEST(ExploreTrace, DrawsAtMostTwelveLanes) {
  std::string raw;
  for (int thread = 1; thread <= 100; ++thread) raw += fmt::format("{}\t{}\tlock\t0xa{}\t./prog\t0x10\n", thread, thread, thread);
  const auto events = labctl::parse_trace(raw);
  const std::string svg = labctl::render_trace_svg(events, {}, "s", 400, "in labs/11-x/, of 5000 in the run");
  std::size_t lanes = 0;  // the lane headings: bold "T<number>"
  const std::string heading = "font-weight=\"bold\">T";
  for (auto at = svg.find(heading); at != std::string::npos; at = svg.find(heading, at + 1)) {
    if (std::isdigit(static_cast<unsigned char>(svg[at + heading.size()]))) ++lanes;
  }
  EXPECT_EQ(lanes, 12u);
  EXPECT_NE(svg.find(">T100<"), std::string::npos);  // the last ones
  EXPECT_EQ(svg.find(">T88<"), std::string::npos);
  EXPECT_NE(svg.find("the last 12 of 100 entries (100 scheduling points in labs/11-x/, of 5000 in the run;"),
            std::string::npos);
  const auto width_at = svg.find("width=\"") + 7;
  EXPECT_LT(std::stoi(svg.substr(width_at)), 4000);
}

// The heading's lines are never cut at the drawing's edge: a long schedule string (a replay
// of a long delay schedule) widens a one-lane drawing to hold it.
TEST(ExploreTrace, TheHeadingFitsTheDrawing) {
  const auto events = labctl::parse_trace("1\t0\tlock\t0xa\t./prog\t0x10\n");
  const std::string schedule = "racelab-schedule:v1:delay:seed=1:delays=3:steps=" + std::string(200, '9');
  const std::string svg = labctl::render_trace_svg(events, {}, schedule);
  const auto width_at = svg.find("width=\"") + 7;
  EXPECT_GE(std::stoi(svg.substr(width_at)), static_cast<int>(schedule.size()) * 6);
}

// Replay commands are printed for a shell: plain words as they are, others single-quoted.
TEST(ExploreDriver, QuotesWordsForTheShell) {
  EXPECT_EQ(labctl::shell_quote("./build/release/tests/lab05_starter_demo"), "./build/release/tests/lab05_starter_demo");
  EXPECT_EQ(labctl::shell_quote("39/60 approved, no client"), "'39/60 approved, no client'");
  EXPECT_EQ(labctl::shell_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(labctl::shell_quote(""), "''");
}

// Delay bounding's schedule string (issue 16) round-trips, and the v1 strings of before
// parse exactly as they did.
TEST(ExploreSchedule, DelayRoundTripsAndOldStringsStillParse) {
  ex::Schedule delay;
  delay.strategy = ex::Strategy::delay;
  delay.seed = 5;
  delay.delays = 3;
  delay.steps = 400;
  EXPECT_EQ(ex::format_schedule(delay), "racelab-schedule:v1:delay:seed=5:delays=3:steps=400");
  EXPECT_EQ(ex::parse_schedule(ex::format_schedule(delay)), delay);
  EXPECT_EQ(ex::parse_schedule("racelab-schedule:v1:pct:seed=7:depth=4:steps=321"),
            (ex::Schedule{ex::Strategy::pct, 7, 4, 321}));
  for (const char* bad : {"racelab-schedule:v1:delay:seed=1:delays=101:steps=5", "racelab-schedule:v1:delay:seed=1:depth=2",
                          "racelab-schedule:v1:pct:seed=1:delays=2", "racelab-schedule:v1:random:seed=1:steps=9",
                          "racelab-schedule:v1:delay:seed=1:steps=0"}) {
    EXPECT_FALSE(ex::parse_schedule(bad).has_value()) << bad;
  }
}

// The sync strategy's schedule string is its seed alone (it takes no steps, depth or delays),
// and it chooses like random among the threads that can run.
TEST(ExploreSchedule, SyncRoundTripsWithItsSeedAlone) {
  ex::Schedule sync;
  sync.strategy = ex::Strategy::sync;
  sync.seed = 5;
  EXPECT_EQ(ex::format_schedule(sync), "racelab-schedule:v1:sync:seed=5");
  EXPECT_EQ(ex::parse_schedule("racelab-schedule:v1:sync:seed=5"), sync);
  for (const char* bad : {"racelab-schedule:v1:sync:seed=1:steps=9", "racelab-schedule:v1:sync:seed=1:depth=2",
                          "racelab-schedule:v1:sync"}) {
    EXPECT_FALSE(ex::parse_schedule(bad).has_value()) << bad;
  }
  ex::Chooser chooser(sync);
  std::set<int> picked;
  for (int i = 0; i < 200; ++i) picked.insert(chooser.pick({1, 2, 3}, 1, false));
  EXPECT_EQ(picked, (std::set<int>{1, 2, 3}));
}

// Without a delay due, delay bounding keeps the current thread, and moves on in id order
// (cyclically) when it yields or cannot go on.
TEST(ExploreStrategy, DelayIsRoundRobinWithoutDelays) {
  ex::Schedule s;
  s.strategy = ex::Strategy::delay;
  s.delays = 0;
  ex::Chooser chooser(s);
  EXPECT_EQ(chooser.pick({0, 1, 2}, 1, false), 1);
  EXPECT_EQ(chooser.pick({0, 1, 2}, 1, true), 2);
  EXPECT_EQ(chooser.pick({0, 1, 2}, 2, true), 0);
  EXPECT_EQ(chooser.pick({0, 2}, 1, false), 2);  // 1 ended or blocked: the next id
  EXPECT_EQ(chooser.pick({0}, 3, false), 0);
}

// Each delay skips the default choice once, at a step the seed picks; over `steps` steps,
// exactly `delays` choices differ from round-robin.
TEST(ExploreStrategy, DelayDeviatesExactlyDelaysTimes) {
  ex::Schedule s;
  s.strategy = ex::Strategy::delay;
  s.seed = 11;
  s.delays = 3;
  s.steps = 50;
  ex::Chooser chooser(s);
  int deviations = 0;
  for (int i = 0; i < 50; ++i) deviations += chooser.pick({0, 1, 2, 3}, 0, false) != 0;
  EXPECT_GE(deviations, 1);  // two delays may fall on one step, then they skip two threads at once
  EXPECT_LE(deviations, 3);
  ex::Chooser again(s);
  ex::Chooser same(s);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(again.pick({0, 1, 2, 3}, 0, false), same.pick({0, 1, 2, 3}, 0, false));
}

// --strategy mix takes random, pct and delay in turn; a name it does not know is refused.
TEST(ExploreStrategy, MixAlternates) {
  EXPECT_EQ(labctl::strategy_of_run("mix", 0), ex::Strategy::random);
  EXPECT_EQ(labctl::strategy_of_run("mix", 1), ex::Strategy::pct);
  EXPECT_EQ(labctl::strategy_of_run("mix", 2), ex::Strategy::delay);
  EXPECT_EQ(labctl::strategy_of_run("mix", 3), ex::Strategy::random);
  EXPECT_EQ(labctl::strategy_of_run("delay", 7), ex::Strategy::delay);
  EXPECT_THROW(labctl::strategy_of_run("fair", 0), labctl::Error);
}

// A data race has its own words, beside deadlocks and spins.
TEST(ExploreDriver, NamesARace) {
  EXPECT_EQ(labctl::describe_explored_run(labctl::ExitStatus::exited(ex::kExitRace), 10).rfind("data race", 0), 0u);
}
