// explore: any threaded program under the explorer. It needs neither a source tree nor a
// build, so it ignores the global options.
#include "cli/commands.hpp"

#include "explore/explore.hpp"

#include <memory>
#include <string>

namespace labctl::cli {

Command explore_command() {
  struct Options {
    ExploreOptions explore;
    std::string expect;
    CLI::Option* expect_option = nullptr;  // given or not: "--expect ''" expects an empty line
  };
  auto options = std::make_shared<Options>();
  return {"explore",
          "run a threaded program under a controlled scheduler, one schedule per run, until one fails (replayable)",
          [options](CLI::App& app) {
            ExploreOptions& explore = options->explore;
            app.add_option("--schedules", explore.schedules, "runs, each with its own schedule (default: 1000)")
                ->check(CLI::Range(1, 10000000));
            app.add_option("--strategy", explore.strategy,
                           "random, pct, delay (delay bounding), sync (random at synchronisation only) or mix (random, pct and delay in turn) (default: random; "
                           "mix with --source)");
            app.add_option("--depth", explore.depth, "pct: the bug depth D (default: 3)")->check(CLI::Range(1, 100));
            app.add_option("--delays", explore.delays, "delay: deviations from round-robin per run (default: 2)")
                ->check(CLI::Range(0, 100));
            app.add_option("--source", explore.sources,
                           "build these C/C++ files in source mode (tools/racelab-c++: shared memory accesses and "
                           "atomics become scheduling points, data races are reported) and explore the result; "
                           "then -- ARGS are its arguments");
            app.add_option("--seed", explore.seed, "the first schedule's seed (default: 1)");
            app.add_option("--replay", explore.replay, "run this schedule string once (as printed on a failure)");
            app.add_option("--timeout", explore.timeout,
                           "seconds a thread may run without a scheduling point before it is reported (default: 10)")
                ->check(CLI::Range(1, 3600));
            app.add_option("--trace", explore.trace,
                           "write the failing run's scheduling points, with source lines, to this file (an SVG "
                           "drawing when it ends in .svg, a page to step through when it ends in .html)");
            options->expect_option =
                app.add_option("--expect", options->expect,
                               "the first line a correct run prints: a run that prints another one fails too");
            app.add_option("program", explore.command, "-- PROGRAM [ARGS...] (with --source: -- ARGS...)");
          },
          [options](const GlobalOptions&) {
            if (options->expect_option->count() > 0) options->explore.expect = options->expect;
            return run_explore(options->explore);
          }};
}

}  // namespace labctl::cli
