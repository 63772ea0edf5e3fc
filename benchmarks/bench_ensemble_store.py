"""Benchmark of the ensemble store: every country, 2025 → 2100, trajectories into a zarr store.

    nice -n 10 python benchmarks/bench_ensemble_store.py              # 2,500 and 10,000 locally, 10,000 on a cluster
    nice -n 10 python benchmarks/bench_ensemble_store.py --sizes 500  # a quick run

Each configuration runs the command a user runs, in a fresh process::

    python -m analysis uncertainty --location World --ages 0+ --years 2025,2100 \
        --trajectories N --seed 1 --store DIR/run.zarr [--scheduler tcp://127.0.0.1:PORT]

first on the default local scheduler (threads) for each size, then on a
dask.distributed cluster started from the command line (``dask scheduler``
and ``dask worker --nworkers 2 --nthreads 1``, as in the README) for the
largest size.  Reported per run: wall time, peak resident memory of the
command (``wait4``'s ``ru_maxrss``) and, on the cluster, of the scheduler and
of the worker processes (each one's peak, summed); the store's size on disk; and whether the quantiles the
command printed and the store's chunk files are identical between the local
and the cluster run of the same seed.  The projected cost of 100,000
trajectories is a straight line through the local runs (time, memory and
disk are each linear in the number of trajectories, plus a constant).

A machine-calibration line comes first (``timing.print_calibration``: a
pure-Python loop, a NumPy sort and the load average), so that figures from
different machines, or a busy one, can be compared.  Results go to ``benchmarks/results/ensemble_store.json``;
the stores are removed after they are measured (10,000 trajectories of every
country take about 5 GB).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from analysis import paths

from timing import print_calibration, save_results

COMMAND = [sys.executable, "-m", "analysis", "uncertainty", "--location", "World", "--ages", "0+",
           "--years", "2025,2100", "--seed", "1"]
PROJECTED = 100_000


def run_command(arguments: list[str]) -> dict:
    """Run the command in a fresh process: wall time, peak memory (``wait4``) and its CSV."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        child = subprocess.Popen(arguments, stdout=out, stderr=err, text=True, cwd=paths.ROOT)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        csv, messages = out.read(), err.read()
    if child.returncode:
        raise SystemExit(f"command failed ({child.returncode}): {' '.join(arguments)}\n{messages}")
    return {"wall_s": round(wall, 1), "csv": csv, "stderr": messages, "peak_rss_mib": round(usage.ru_maxrss / 1024)}


def peak_of(child: subprocess.Popen) -> int | None:
    """Peak resident memory of a running process and all its descendants, summed (each one's VmHWM), MiB."""
    import psutil  # a dependency of distributed

    total, found = 0.0, False
    try:
        processes = [psutil.Process(child.pid), *psutil.Process(child.pid).children(recursive=True)]
    except psutil.Error:
        return None
    for process in processes:
        try:
            for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1]) / 1024
                    found = True
        except OSError:
            continue
    return round(total) if found else None


def store_facts(store: Path) -> dict:
    """Size on disk and a digest of every chunk file of the population (the same data give the same bytes)."""
    digest, size = hashlib.sha256(), 0
    for path in sorted(store.rglob("*")):
        if path.is_file():
            size += path.stat().st_size
            if path.parent.name == "population" and not path.name.startswith("."):
                digest.update(path.name.encode())
                digest.update(path.read_bytes())
    return {"store_gib": round(size / 2**30, 2), "population_sha256": digest.hexdigest()}


def local_run(n: int, folder: Path) -> dict:
    store = folder / f"local-{n}.zarr"
    measured = run_command(COMMAND + ["--trajectories", str(n), "--store", str(store)])
    facts = store_facts(store)
    shutil.rmtree(store)
    return {"trajectories": n, "scheduler": "threads", "wall_s": measured["wall_s"],
            "peak_rss_mib": measured["peak_rss_mib"], **facts, "load_average": round(os.getloadavg()[0], 1),
            "csv": measured["csv"]}


def cluster_run(n: int, folder: Path, port: int) -> dict:
    """The same command against `dask scheduler` and `dask worker` started here from the command line."""
    dask = str(Path(sys.executable).with_name("dask"))
    address = f"tcp://127.0.0.1:{port}"
    scheduler = subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    workers = subprocess.Popen([dask, "worker", address, "--nworkers", "2", "--nthreads", "1", "--no-dashboard",
                                "--memory-limit", "0"], cwd=paths.ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        _wait_for_workers(address, 2)
        store = folder / f"cluster-{n}.zarr"
        measured = run_command(COMMAND + ["--trajectories", str(n), "--store", str(store), "--scheduler", address])
        facts = store_facts(store)
        shutil.rmtree(store)
        return {"trajectories": n, "scheduler": "dask.distributed (dask scheduler + dask worker --nworkers 2)",
                "wall_s": measured["wall_s"], "peak_rss_mib": measured["peak_rss_mib"],
                "scheduler_peak_rss_mib": peak_of(scheduler), "workers_peak_rss_mib": peak_of(workers), **facts,
                "load_average": round(os.getloadavg()[0], 1), "csv": measured["csv"]}
    finally:
        for process in (workers, scheduler):
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def _wait_for_workers(address: str, count: int, timeout: float = 120.0) -> None:
    from distributed import Client

    deadline = time.monotonic() + timeout
    while True:
        try:
            with Client(address, timeout="5s") as client:
                client.wait_for_workers(count, timeout=max(1.0, deadline - time.monotonic()))
                return
        except (OSError, TimeoutError):
            if time.monotonic() > deadline:
                raise SystemExit(f"no {count} workers at {address} after {timeout:.0f} s")
            time.sleep(1)


def projection(rows: list[dict]) -> dict:
    """Time, memory and disk of PROJECTED trajectories on a line through the local runs."""
    local = [row for row in rows if row["scheduler"] == "threads"]
    if len(local) < 2:
        return {}
    n = np.array([row["trajectories"] for row in local], dtype=float)
    out = {"trajectories": PROJECTED}
    for key in ("wall_s", "peak_rss_mib", "store_gib"):
        slope, intercept = np.polyfit(n, [row[key] for row in local], 1)
        out[key] = round(float(intercept + slope * PROJECTED), 1)
        out[f"{key}_per_1000"] = round(float(slope * 1000), 2)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2500,10000", help="trajectories of the local runs (comma-separated)")
    parser.add_argument("--no-cluster", action="store_true", help="skip the dask.distributed run")
    parser.add_argument("--port", type=int, default=8799)
    args = parser.parse_args()
    sizes = sorted(int(size) for size in args.sizes.split(","))
    print_calibration()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-store-", dir=paths.ROOT / "benchmarks") as scratch:
        for n in sizes:
            rows.append(local_run(n, Path(scratch)))
            print(json.dumps({k: v for k, v in rows[-1].items() if k != "csv"}), flush=True)
        if not args.no_cluster:
            rows.append(cluster_run(sizes[-1], Path(scratch), args.port))
            print(json.dumps({k: v for k, v in rows[-1].items() if k != "csv"}), flush=True)
    same = {}
    if not args.no_cluster:
        local, cluster = rows[-2], rows[-1]
        same = {"quantiles_identical": local["csv"] == cluster["csv"],
                "store_identical": local["population_sha256"] == cluster["population_sha256"]}
        print(f"same seed, local against cluster: quantiles identical {same['quantiles_identical']}, "
              f"store chunks identical {same['store_identical']}")
    projected = projection(rows)
    if projected:
        print(f"projected for {PROJECTED:,} trajectories (line through the local runs): {projected['wall_s']:,.0f} s, "
              f"{projected['peak_rss_mib']:,.0f} MiB peak, {projected['store_gib']:,.1f} GiB on disk")
    print("\ntrajectories  scheduler         wall (s)  peak RSS (MiB)  store (GiB)  load")
    for row in rows:
        name = "threads" if row["scheduler"] == "threads" else "distributed"
        print(f"{row['trajectories']:>12,}  {name:<16} {row['wall_s']:>9.1f}  {row['peak_rss_mib'] or 0:>14,}"
              f"  {row['store_gib']:>11.2f}  {row['load_average']:>4.1f}")
    save_results("ensemble_store", {"runs": [{k: v for k, v in row.items() if k != "csv"} for row in rows],
                                    "same_seed": same, "projected": projected})


if __name__ == "__main__":
    main()
