// Compile-time rules of labkit::ProcessPoolExecutor::submit, one per RULE value. ctest
// compiles this file once per rule (tools/labkit/tests/CMakeLists.txt) and expects the compiler
// to fail with that rule's static_assert message; RULE=none must compile, which shows that
// the failures come from the rule and not from a mistake in this file.
#include <labkit/process_pool.hpp>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace {

int count_lines(std::vector<std::string> lines) { return static_cast<int>(lines.size()); }
std::size_t length(std::string text) { return text.size(); }
std::map<std::string, int> tally(std::vector<std::string> lines) {
  std::map<std::string, int> counts;
  for (const auto& line : lines) ++counts[line];
  return counts;
}

}  // namespace

int main() {
  labkit::ProcessPoolExecutor pool(1);
  const std::vector<std::string> lines{"a", "b"};
#if RULE_NONE
  // Everything here follows the rules.
  auto count = pool.submit(count_lines, lines);
  auto captureless = pool.submit([](int x) { return x + 1; }, 41);
  return count.get() + captureless.get() == 44 ? 0 : 1;
#elif RULE_CAPTURING_LAMBDA
  // The lambda carries `lines` with it: the worker would get a stale copy.
  return pool.submit([lines] { return count_lines(lines); }).get();
#elif RULE_STD_FUNCTION
  std::function<int(std::vector<std::string>)> counter = count_lines;
  return pool.submit(counter, lines).get();
#elif RULE_POINTER_ARGUMENT
  // A C string is a pointer into this process's memory.
  return static_cast<int>(pool.submit(length, "GET /").get());
#elif RULE_MAP_RESULT
  return static_cast<int>(pool.submit(tally, lines).get().size());
#else
#error "compile with one RULE_<name>=1"
#endif
}
