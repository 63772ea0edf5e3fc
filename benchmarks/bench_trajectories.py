"""Benchmark of probabilistic projections: all countries, 2025 → 2100, 1,000 and 10,000 trajectories.

    python benchmarks/bench_trajectories.py            # the default set, each in a fresh process
    python benchmarks/bench_trajectories.py --single 1000 --scheduler threads

Each configuration runs in a fresh subprocess, so that its peak resident
memory (``getrusage(RUSAGE_SELF).ru_maxrss``, the whole life of the process)
is its own.  Reported per configuration:

* ``inputs_s``: building the sampler's inputs once (reading the tables, the e0
  grid, the medium run), paid once per process;
* ``run_s``: sampling and projecting every trajectory (wall clock), keeping
  each country's total population per year;
* ``ms_per_trajectory`` and ``peak_rss_mib``; the load average of the
  machine when the run ended (other work on a shared machine slows it).

Targets on the project's 2-core machine: 1,000 trajectories in under 30 s;
10,000 in under 5 minutes with peak memory under 2 GB.  Results go to
``benchmarks/results/trajectories.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

from analysis.model import trajectories, trajectory_runs

from timing import print_calibration, save_results

CONFIGURATIONS = ((1000, "threads"), (1000, "synchronous"), (1000, "processes"), (10000, "threads"))


def single(n_trajectories: int, scheduler: str) -> dict:
    """Time one run in this process."""
    start = time.perf_counter()
    model = trajectories.make_model(seed=2025, bands=("all",))
    inputs_s = time.perf_counter() - start
    start = time.perf_counter()
    result = trajectory_runs.run(model, n_trajectories, scheduler=scheduler, progress=False)
    run_s = time.perf_counter() - start
    return {
        "trajectories": n_trajectories, "scheduler": scheduler, "countries": len(model.rows),
        "chunk_size": trajectories.default_chunk_size(model), "inputs_s": round(inputs_s, 2), "run_s": round(run_s, 1),
        "ms_per_trajectory": round(1000 * run_s / n_trajectories, 2),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 0),
        "kept_mib": round(sum(array.nbytes for array in result.values.values()) / 2**20, 1),
        "cpus": os.cpu_count(), "load_average": round(os.getloadavg()[0], 1),
    }


def main() -> None:
    print_calibration()  # first: every time below is read against it (saved with the results)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--single", type=int, help="run one configuration with this many trajectories")
    parser.add_argument("--scheduler", default="threads")
    args = parser.parse_args()
    if args.single:
        print(json.dumps(single(args.single, args.scheduler)))
        return
    rows = []
    for n_trajectories, scheduler in CONFIGURATIONS:
        command = [sys.executable, __file__, "--single", str(n_trajectories), "--scheduler", scheduler]
        output = subprocess.run(command, capture_output=True, text=True, check=True)
        rows.append(json.loads(output.stdout.strip().splitlines()[-1]))
        print(json.dumps(rows[-1]), flush=True)
    print("\ntrajectories  scheduler     run (s)  ms/trajectory  peak RSS (MiB)  inputs (s)  load")
    for row in rows:
        print(f"{row['trajectories']:>12,}  {row['scheduler']:<12} {row['run_s']:>8.1f}  {row['ms_per_trajectory']:>13.1f}"
              f"  {row['peak_rss_mib']:>14.0f}  {row['inputs_s']:>10.1f}  {row['load_average']:>4.1f}")
    save_results("trajectories", rows)


if __name__ == "__main__":
    main()
