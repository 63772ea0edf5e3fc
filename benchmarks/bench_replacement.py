"""Benchmark of the replacement-migration solver: all default destinations, 2025 → 2100, every target.

    python benchmarks/bench_replacement.py [--repeats 5]

Prints the median of ``--repeats`` runs (reading the processed tables is
cached after the first, cold, run, which is reported separately).
"""

from __future__ import annotations

import argparse
import statistics
import time

from analysis.study import demand

from timing import print_calibration, print_results, save_results


def main() -> None:
    print_calibration()  # first: every time below is read against it (saved with the results)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    def all_targets():
        return [demand.replacement_migration(demand.DEFAULT_DESTINATIONS, target, 2025, 2100) for target in demand.TARGETS]

    start = time.perf_counter()
    all_targets()
    cold = time.perf_counter() - start
    times = {}
    for target in demand.TARGETS:
        runs = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            demand.replacement_migration(demand.DEFAULT_DESTINATIONS, target, 2025, 2100)
            runs.append(time.perf_counter() - start)
        times[target] = statistics.median(runs)
    runs = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        all_targets()
        runs.append(time.perf_counter() - start)
    report = {
        "destinations": len(demand.DEFAULT_DESTINATIONS),
        "years": "2025-2100",
        "repeats": args.repeats,
        "first_run_all_targets_s": round(cold, 3),
        **{f"{target}_s": round(value, 3) for target, value in times.items()},
        "all_three_targets_s": round(statistics.median(runs), 3),
    }
    print_results(report)
    save_results("replacement", report)


if __name__ == "__main__":
    main()
