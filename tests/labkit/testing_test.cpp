#include <labkit/testing.hpp>
