#!/usr/bin/env python3
"""python_pool: the reference for labkit::ProcessPoolExecutor in tools/bench-pools: Python's own
concurrent.futures.ProcessPoolExecutor, two workers, the same trivial task, timed the same
way as bench/pool_cost (from the pool's construction to its shutdown):

    python_pool.py --tasks N [--mode batch|roundtrip]

batch: N submits, then every result(); roundtrip: submit then result(), N times. Prints one
line: pool=python mode=M tasks=N seconds=S
"""
import concurrent.futures
import sys
import time


def trivial(x):
    return x + 1


def main():
    args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
    if len(sys.argv) % 2 == 0 or set(args) - {"--tasks", "--mode"}:
        print("python_pool: usage: python_pool.py --tasks N [--mode batch|roundtrip]", file=sys.stderr)
        return 2
    mode = args.get("--mode", "batch")
    try:
        tasks = int(args.get("--tasks", "0"))
    except ValueError:
        tasks = 0
    if tasks <= 0 or mode not in ("batch", "roundtrip"):
        print("python_pool: --tasks must be a positive number and --mode batch or roundtrip", file=sys.stderr)
        return 2
    started = time.monotonic()
    with concurrent.futures.ProcessPoolExecutor(max_workers=2) as pool:
        if mode == "batch":
            futures = [pool.submit(trivial, i) for i in range(tasks)]
            total = sum(f.result() for f in futures)
        else:
            total = sum(pool.submit(trivial, i).result() for i in range(tasks))
    seconds = time.monotonic() - started
    if total != tasks * (tasks - 1) // 2 + tasks:
        print(f"python_pool: wrong sum {total}", file=sys.stderr)
        return 1
    print(f"pool=python mode={mode} tasks={tasks} seconds={seconds:.6f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
