// Reading the captured outputs under tests/fixtures/runs, shared by the unit tests.
#pragma once

#include <gtest/gtest.h>

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

}  // namespace labctl::testing
