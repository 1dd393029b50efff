// Grading fixture — SLOW TO COMPILE (class 6): the right answer, parallel, race-free and
// without globals, with a table of each status code's class that the compiler works out,
// one constant per code, each by a loop just within clang's own limit on constant
// evaluation (-fconstexpr-steps, 1048576 steps) and far from its template depth limit
// (-ftemplate-depth, 1024): no limit of clang's stops it. About 0.8 s of clang 14's time per
// constant (measured with 3 and 10 of them), 600 of them: some eight minutes, in 170 MiB.
// What stops it: the compiler's time is charged to the lab's budget (grade/budget.hpp), and
// the compile is cut there: "compiling took longer than the lab's budget of N s", 0.
#include "lost_update.hpp"

#include <array>
#include <utility>

namespace lab01 {
namespace {
// Status class (status / 100) to counter: 0 and anything above 5 count as malformed.
constexpr long StatusCounts::*kClass[] = {&StatusCounts::malformed, &StatusCounts::informational,
                                          &StatusCounts::success, &StatusCounts::redirect,
                                          &StatusCounts::client_error, &StatusCounts::server_error};

// A status code's class, by a long and careful count.
constexpr unsigned kRounds = 200'000;
constexpr int class_by_counting(unsigned status) {
  unsigned long long counted = 0;
  for (unsigned round = 0; round < kRounds; ++round) counted += status;
  const unsigned hundreds = static_cast<unsigned>(counted / kRounds / 100);
  return hundreds <= 5 ? static_cast<int>(hundreds) : 0;
}
template <unsigned Status>
constexpr int kClassOf = class_by_counting(Status);
template <unsigned... Statuses>
constexpr std::array<int, sizeof...(Statuses)> class_table(std::integer_sequence<unsigned, Statuses...>) {
  return {kClassOf<Statuses>...};
}
constexpr auto kClasses = class_table(std::make_integer_sequence<unsigned, 600>{});

StatusCounts count_chunk(std::vector<std::string> chunk) {
  StatusCounts counts;
  for (const auto& line : chunk) {
    const int status = status_of(line);
    ++(counts.*kClass[status < 600 ? kClasses[static_cast<std::size_t>(status)] : 0]);
  }
  return counts;
}
}  // namespace

StatusCounts count_status_classes(const std::vector<std::string>& log_lines, labkit::Executor& executor) {
  const std::size_t size = std::max<std::size_t>(1, (log_lines.size() + 3) / 4);
  std::vector<labkit::Future<StatusCounts>> parts;
  for (std::size_t start = 0; start < log_lines.size(); start += size) {
    const auto end = log_lines.begin() + static_cast<long>(std::min(start + size, log_lines.size()));
    parts.push_back(executor.submit(count_chunk, std::vector<std::string>(log_lines.begin() + static_cast<long>(start), end)));
  }
  StatusCounts total;
  for (auto& part : parts) total += part.get();
  return total;
}
}  // namespace lab01
