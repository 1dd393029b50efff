#include <labkit/executor.hpp>
#include <gtest/gtest.h>
TEST(Placeholder, Compiles) {}
