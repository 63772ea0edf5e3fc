"""Benchmark of bilateral flows: the estimator per period, its validation, and the ``flows`` command.

    python benchmarks/bench_flows.py [--repeats 3] [--cold]

Prints a machine-calibration line first (the machine is shared: a fixed numpy
workload's time and the load average say how busy it was), then the median of
``--repeats`` runs of:

* the estimator for one period, all countries, both sexes, per period: the
  stock and demography arrays (``period_inputs``), the closed account with
  the birthplace-total fit (``balance``, the IPF) and the pseudo-Bayes blend
  with its types (``blend``);
* the validation against the published estimates (``study.flows.validation``
  on the cached estimates);
* ``python -m analysis flows`` as a new process after the first read (wall
  and CPU seconds), for the published and the estimated source;
* with ``--cold``, every period and sex computed from scratch into a
  temporary cache folder (what ``python -m analysis build`` does once).

Then the validation figures the README and the methods page quote.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from analysis import paths
from analysis.data.tables import read_table
from analysis.model import flow_estimator
from analysis.study import flows as study

from timing import median_seconds, print_results, save_results


def calibration() -> str:
    """One line: CPUs, load average and the time of a fixed numpy workload (a 400 x 400 matrix product, 20 times)."""
    rng = np.random.default_rng(0)
    matrix = rng.random((400, 400))
    seconds = median_seconds(lambda: [matrix @ matrix for _ in range(20)], 3)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return f"machine: {os.cpu_count()} CPUs, load average {load}; 20 products of 400 x 400 matrices in {seconds:.3f} s"


def command_seconds(argv: list[str], repeats: int) -> tuple[float, float]:
    """Median wall and CPU seconds of ``python -m analysis ARGV`` as a new process (after one warm-up run)."""
    run = lambda: subprocess.run([sys.executable, "-m", "analysis", *argv], capture_output=True, check=True,  # noqa: E731
                                 cwd=paths.ROOT)
    run()
    walls, cpus = [], []
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        run()
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return float(np.median(walls)), float(np.median(cpus))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cold", action="store_true", help="also time every period and sex from scratch")
    args = parser.parse_args()
    print(calibration())

    stocks, demography = read_table("migrant_stocks"), read_table("flow_demography")
    locations, published = read_table("locations"), read_table("flows")
    weight = float(flow_estimator.estimation_diagnostics()["weight"].iloc[0])
    report: dict = {"calibration": calibration(), "weight": weight}
    for start, end in flow_estimator.PERIODS:
        inputs = flow_estimator.period_inputs(stocks, demography, locations, start, "both")
        margins = flow_estimator.balance(inputs.start, inputs.end, inputs.births, inputs.deaths, inputs.codes)
        label = f"{start}-{end}"
        report[f"inputs_{label}_s"] = round(median_seconds(
            lambda: flow_estimator.period_inputs(stocks, demography, locations, start, "both"), args.repeats), 3)
        report[f"balance_{label}_s"] = round(median_seconds(
            lambda: flow_estimator.balance(inputs.start, inputs.end, inputs.births, inputs.deaths, inputs.codes),
            args.repeats), 3)
        report[f"blend_{label}_s"] = round(median_seconds(lambda: flow_estimator.blend(margins, weight),
                                                          args.repeats), 3)
        report[f"ipf_iterations_{label}"] = margins.diagnostics["ipf_iterations"]
        report[f"countries_{label}"] = len(inputs.codes)

    estimated = flow_estimator.estimated_flows()
    geography = study.flow_geography()
    report["validation_s"] = round(median_seconds(lambda: study.validation(published, estimated, geography),
                                                  args.repeats), 2)
    for name, argv in (("published", ["flows", "--origin", "SAU", "--destination", "ETH", "--period", "2015"]),
                       ("estimated", ["flows", "--origin", "GCC", "--destination", "Ethiopia", "--type", "return",
                                      "--source", "estimated"])):
        wall, cpu = command_seconds(argv, args.repeats)
        report[f"command_{name}_wall_s"], report[f"command_{name}_cpu_s"] = round(wall, 2), round(cpu, 2)
    if args.cold:
        with tempfile.TemporaryDirectory() as folder:
            start = time.perf_counter()
            flow_estimator.estimated_flows(cache_dir=Path(folder))
            report["cold_all_periods_and_sexes_s"] = round(time.perf_counter() - start, 1)
    report["load_average_after"] = round(os.getloadavg()[0], 1)
    report["repeats"] = args.repeats
    print_results(report)

    checks = study.validation(published, estimated, geography)
    own_stocks = study.validation(published, flow_estimator.estimated_flows(stock_source="published"), geography)
    print("\nworld flows, both sexes (estimated / published):")
    print(checks["world"].to_string(index=False))
    for name, result in (("UN DESA 2024 stocks", checks), ("the published set's own stocks", own_stocks)):
        print(f"\nSpearman rank correlation with the published corridors, {name}:")
        print(result["ranks"].pivot(index="period", columns="corridors", values="spearman").to_string())
    save_results("flows", {**report, "world": checks["world"].to_dict("records"),
                           "ranks": checks["ranks"].to_dict("records"),
                           "ranks_published_stocks": own_stocks["ranks"].to_dict("records")})


if __name__ == "__main__":
    main()
