// labkit/protocol.hpp: the result record's line is exactly what the grader parses
// (tools/labctl/src/grade/grade.cpp), byte for byte as the test main always wrote it.
#include <labkit/protocol.hpp>

#include <gtest/gtest.h>

#include <string>

namespace protocol = labkit::protocol;

TEST(Protocol, RecordIsOneJsonLine) {
  const std::string line = protocol::format_record(
      "00ff", 1, 2, {{"Correctness.Counts", true, 0}, {"RaceFree.UnderTheExposureExecutor", false, 2}});
  EXPECT_EQ(line,
            "{\"nonce\":\"00ff\",\"exit\":1,\"tsan_reports\":2,\"tests\":[[\"Correctness.Counts\",true,0],"
            "[\"RaceFree.UnderTheExposureExecutor\",false,2]]}\n");
}

TEST(Protocol, RecordWithoutTests) {
  EXPECT_EQ(protocol::format_record("ab", 0, 0, {}), "{\"nonce\":\"ab\",\"exit\":0,\"tsan_reports\":0,\"tests\":[]}\n");
}
