// Vector clocks for the race detector (issue 16): what happened before what.
#include "vector_clock.hpp"

#include <gtest/gtest.h>

namespace ex = labctl::explore;

// An access is known once its tick has arrived by a join; not before.
TEST(VectorClock, KnowsWhatWasJoined) {
  ex::VectorClock writer;
  writer.set(1, 5);
  ex::VectorClock reader;
  reader.set(2, 1);
  EXPECT_FALSE(reader.knows(1, 5));
  reader.join(writer);
  EXPECT_TRUE(reader.knows(1, 5));
  EXPECT_TRUE(reader.knows(1, 4));
  EXPECT_FALSE(reader.knows(1, 6));  // what the writer did after its release
  EXPECT_EQ(reader.get(2), 1u);      // its own tick stays
}

// A join takes the pointwise maximum, whatever the sizes.
TEST(VectorClock, JoinIsPointwiseMax) {
  ex::VectorClock a;
  a.set(0, 3);
  a.set(4, 1);
  ex::VectorClock b;
  b.set(0, 1);
  b.set(2, 7);
  a.join(b);
  EXPECT_EQ(a.get(0), 3u);
  EXPECT_EQ(a.get(2), 7u);
  EXPECT_EQ(a.get(4), 1u);
  EXPECT_EQ(a.get(9), 0u);
}
