// Shared by the unit tests: the captured outputs under tests/fixtures/runs, a lab to score,
// and the points of an explorer's trace.
#pragma once

#include "course/catalogue.hpp"
#include "explore/explore_trace.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

namespace labctl::testing {

// The text of tests/fixtures/runs/<name>; a test failure if it is missing.
inline std::string run_fixture(const std::string& name) {
  std::ifstream in(std::string(LABCTL_FIXTURES) + "/runs/" + name, std::ios::binary);
  EXPECT_TRUE(in) << "missing fixture " << name;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Lab 01 "01-alpha", ten points, the default rubric (4, 3, 1, 1, 1): what the scoring tests
// score.
inline labctl::Lab ten_point_lab() {
  labctl::Lab lab;
  lab.number = "01";
  lab.slug = "01-alpha";
  lab.points = 10;
  return lab;
}

// One scheduling point of an explorer's trace: `thread` making `event` on `object`, called
// from ./prog at offset `step` (a trace's words and windows are tested on these).
inline labctl::TraceEvent trace_point(std::uint64_t step, int thread, const char* event, const char* object) {
  labctl::TraceEvent e;
  e.step = step;
  e.thread = thread;
  e.event = event;
  e.object = object;
  e.module = "./prog";
  e.offset = step;
  return e;
}

}  // namespace labctl::testing
