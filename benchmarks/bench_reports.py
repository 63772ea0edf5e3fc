"""Benchmark of `make reports`: a full build from processed data, an incremental one and a second run, with memory.

    python benchmarks/bench_reports.py [--runs 2] [--jobs N]

A full run first removes every built report and what Make keeps for them
(reports/*.html and *.ipynb, reports/methods.html, reports/.params,
.matrix.mk, .outdated and .failed; the processed data stay), then times
`make reports` as a whole process.  The incremental run marks one notebook
changed (destination_demand: 9 reports); the last run changes nothing.  Each
run prints the load average before and after it (the machine is shared), the
wall time, the CPU time of make and everything it started, and two peaks of
memory: the largest sum of resident memory over make and all its descendants
(sampled every 0.1 s) and the largest single process (getrusage).  Results go
to benchmarks/results/reports.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import threading
import time

import psutil

from analysis import paths

from timing import print_calibration, save_results

INCREMENTAL_NOTEBOOK = paths.NOTEBOOKS / "destination_demand.ipynb"


def _remove_built_reports() -> None:
    reports = paths.REPORTS
    for pattern in ("*.html", "*.ipynb"):
        for path in reports.glob(pattern):
            path.unlink()
    for name in (".params", ".failed", ".matrix.mk", ".outdated"):
        target = reports / name
        if target.is_dir():
            shutil.rmtree(target)
        else:
            target.unlink(missing_ok=True)


def _timed_make(jobs: int | None) -> dict:
    """Run `make reports`; wall time, CPU time, peaks of memory and the load average around it."""
    command = ["make", "--no-print-directory", "reports"] + ([f"-j{jobs}"] if jobs else [])
    load_before = os.getloadavg()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = psutil.Popen(command, cwd=paths.ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peak = {"tree": 0}
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            try:
                members = [process, *process.children(recursive=True)]
                total = 0
                for member in members:
                    try:
                        total += member.memory_info().rss
                    except psutil.Error:
                        pass
                peak["tree"] = max(peak["tree"], total)
            except psutil.Error:
                pass
            done.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = process.communicate()
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    built = [line for line in output.splitlines() if line.startswith("built ")]
    return {
        "status": process.returncode,
        "wall_s": round(wall, 1),
        "cpu_s": round(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, 1),
        "peak_tree_mib": round(peak["tree"] / 2**20),
        "peak_process_mib": round(after.ru_maxrss / 1024),  # kilobytes on Linux; the largest process so far
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
        "summary": built[-1] if built else (output.strip().splitlines() or [""])[-1],
    }


def main() -> None:
    print_calibration()  # first: every time below is read against it (saved with the results)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2, help="full builds to time (the median is reported)")
    parser.add_argument("--jobs", type=int, default=None, help="make -jN (default: one job per core)")
    args = parser.parse_args()

    results: dict = {"cores": os.cpu_count(), "full": [], "incremental": None, "unchanged": None}
    for run in range(args.runs):
        _remove_built_reports()
        result = _timed_make(args.jobs)
        results["full"].append(result)
        print(f"full build {run + 1}: {json.dumps(result)}", flush=True)
        if result["status"] != 0:
            raise SystemExit(f"make reports failed: {result['summary']}")
    os.utime(INCREMENTAL_NOTEBOOK)
    results["incremental"] = _timed_make(args.jobs)
    print(f"one notebook changed: {json.dumps(results['incremental'])}", flush=True)
    results["unchanged"] = _timed_make(args.jobs)
    print(f"nothing changed: {json.dumps(results['unchanged'])}", flush=True)
    results["full_median_wall_s"] = round(statistics.median(r["wall_s"] for r in results["full"]), 1)
    print(f"full build, median of {args.runs}: {results['full_median_wall_s']} s")

    save_results("reports", results)


if __name__ == "__main__":
    main()
