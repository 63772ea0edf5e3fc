"""Benchmark of the skills-demand chain: the ILOSTAT build step, the ``demand`` command, the report's pieces.

    python benchmarks/bench_skill_demand.py [--repeats 5] [--trajectories 1000]

Prints a machine-calibration line first, then the median of ``--repeats``
runs of each step:

* the ILOSTAT part of the build from the raw frames already in memory (clean,
  check, coverage);
* ``python -m analysis demand --destination Germany --by skill --years
  2025,2050`` as a separate process: the first run, then the median of the
  runs after it (files in the page cache) with their mean CPU time (what a
  loaded machine does not inflate), and that its observed 2023 total equals
  the table's 43,064,625;
* in one process: the request run again (tables cached), the proxy for the
  report's eight destinations, their replacement need, the supply match, and
  ``--trajectories`` trajectories of the EU27 (not cached).
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import subprocess
import sys
import time

import numpy as np
import pandas as pd

from analysis import paths
from analysis.data import build, employment, locations, sources
from analysis.study import skill_demand, skill_match, workforce_uncertainty
from analysis.study.requests.demand import DemandRequest

from timing import median_seconds, print_calibration, print_results, save_results

COMMAND = [sys.executable, "-m", "analysis", "demand", "--destination", "Germany", "--by", "skill", "--years",
           "2025,2050"]


def calibration() -> str:
    """A fixed numpy workload, so that timings from different machines can be compared."""
    values = np.random.default_rng(0).random(10_000_000)
    seconds = median_seconds(lambda: np.sort(values), 3)
    return f"machine: sorting 10 million floats takes {seconds * 1000:,.0f} ms; load average {os.getloadavg()[0]:.2f}"


def main() -> None:
    print_calibration()  # first: every time below is read against it (saved with the results)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--trajectories", type=int, default=1000)
    args = parser.parse_args()
    print(calibration())

    frames = {name: sources.read_raw(name) for name in employment.RAW_FILES.values()}
    table = locations.load_locations()
    results = {}
    results["build step (ILOSTAT tables, checks, coverage), s"] = round(median_seconds(
        lambda: build._build_employment(lambda name: frames[name], table, lambda name, df: None, lambda line: None),
        args.repeats), 3)

    def command() -> str:
        done = subprocess.run(COMMAND, capture_output=True, text=True, cwd=paths.ROOT, check=True)
        return done.stdout

    start = time.perf_counter()
    output = command()
    results["demand command, first run, s"] = round(time.perf_counter() - start, 3)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    results["demand command, after the first read (median), s"] = round(median_seconds(command, args.repeats), 3)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) / args.repeats
    results["demand command, after the first read, CPU time (user + system, mean), s"] = round(cpu, 3)
    printed = pd.read_csv(io.StringIO(output))
    observed = printed.loc[printed["kind"] == "observed", "workers"].sum()
    results["demand command, observed 2023 total (table: 43,064,625)"] = int(observed)

    request = DemandRequest.parse("Germany", "skill", "2025,2050")
    request.run()
    results["demand request in one process, tables cached, s"] = round(median_seconds(request.run, args.repeats), 3)
    places = list(skill_demand.DEFAULT_DESTINATIONS)
    results["proxy, 8 destinations, 2025/2035/2050, s"] = round(median_seconds(
        lambda: skill_demand.projected_workforce(places, [2025, 2035, 2050]), args.repeats), 3)
    results["leaving and entering, 8 destinations, 2025-2050, s"] = round(median_seconds(
        lambda: skill_demand.replacement_need(places, 2025, 2050), args.repeats), 3)
    results["supply match against Africa, 8 destinations, s"] = round(median_seconds(
        lambda: skill_match.supply_match(places, "Africa"), args.repeats), 3)
    results[f"EU27, {args.trajectories:,} trajectories to 2050 (not cached), s"] = round(median_seconds(
        lambda: workforce_uncertainty.simulate(["EU27"], "skill", args.trajectories, 1, 2050), 1), 3)
    print_results(results)
    print(f"results written to {save_results('skill_demand', results)}")
    if observed != 43_064_625:
        raise SystemExit("the demand command's observed 2023 total is not the table's 43,064,625")


if __name__ == "__main__":
    main()
