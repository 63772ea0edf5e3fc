"""What a reviewer's checks cost on this machine: a fresh clone from nothing to green, step by step.

    python benchmarks/bench_checks.py                 # clone HEAD into a temporary folder, then time each step
    python benchmarks/bench_checks.py --keep /tmp/x   # keep the clone (to look at it afterwards)

Steps, each timed as a whole process (wall and CPU of the children): ``make install`` (the venv and the
pinned packages), ``make data`` (raw files from the mirror, processed tables), ``make reports`` (every
report, the index and the methods page, with an empty trajectory cache), ``make test`` (unit tests and
nbval), and the CI script's second nbval run under another OpenBLAS kernel.  Then the CPU time of data
commands against a bare ``import pandas, pyarrow`` (median of 5), which the issue's goal compares
(at most 1.5 times).  Goals on the project's 2-core machine: ``make test`` under 4 minutes, a fresh
clone's ``make reports`` under 3 minutes, the whole CI run under 8 minutes.

Needs the data mirror (``LMS_DATA_MIRROR``, or ``../shared/data`` beside the checkout).  Run it with nothing
else running: the calibration line and the load average say how busy the machine was.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from timing import print_calibration, print_results, save_results

from analysis import paths

#: Data commands whose CPU time is compared with a bare ``import pandas, pyarrow``.
DATA_COMMANDS = {
    "working-age": ["working-age", "--location", "Africa", "--years", "2025,2055"],
    "education": ["education", "--location", "Nigeria", "--years", "2025"],
    "stocks": ["stocks", "--year", "2024", "--by", "region"],
}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: list[str], cwd: Path, env: dict) -> dict:
    """Wall and CPU seconds of one command (its whole process tree), which must succeed."""
    cpu, start = _children_cpu(), time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    wall, used = time.perf_counter() - start, _children_cpu() - cpu
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
        raise SystemExit(f"{' '.join(command)} failed (exit {result.returncode}):\n{tail}")
    return {"wall_s": round(wall, 1), "cpu_s": round(used, 1)}


def cpu_of(command: list[str], cwd: Path, env: dict, repeats: int = 5) -> float:
    """Median CPU seconds of a short command."""
    runs = []
    for _ in range(repeats):
        before = _children_cpu()
        subprocess.run(command, cwd=cwd, env=env, capture_output=True, check=True)
        runs.append(_children_cpu() - before)
    return statistics.median(runs)


def main() -> None:
    print_calibration()  # first: every time below is read against it (saved with the results)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, default=None, help="clone into this folder and keep it")
    args = parser.parse_args()
    mirror = paths.mirror_dir() or (paths.ROOT.parent / "shared" / "data")
    if not (mirror / "SHA256SUMS").exists():
        raise SystemExit(f"no data mirror at {mirror}: set {paths.MIRROR_ENV}")
    folder = args.keep or Path(tempfile.mkdtemp(prefix="lms-checks-"))
    clone = folder / "clone"
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(paths.ROOT), str(clone)], check=True)
    env = {**os.environ, paths.MIRROR_ENV: str(mirror), "CI": "1"}
    env.pop("VIRTUAL_ENV", None)
    results = {"commit": subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=clone, capture_output=True,
                                        text=True, check=True).stdout.strip()}
    steps = {"install (venv, packages, kernel)": ["make", "install"],
             "data (raw files, processed tables)": ["make", "data"],
             "reports (all, empty trajectory cache)": ["make", "reports"],
             "test (unit tests and nbval)": ["make", "test"]}
    for name, command in steps.items():
        results[name] = timed(command, clone, env)
        print(f"{name}: {results[name]}", flush=True)
    blas = {**env, "OPENBLAS_CORETYPE": "Haswell", "OPENBLAS_NUM_THREADS": "1"}
    results["nbval again (Haswell kernel, 1 thread)"] = timed(
        [".venv/bin/python", "-m", "pytest", "-n", str(os.cpu_count()), "--dist", "loadfile", "-p", "no:cacheprovider",
         "-q", "notebooks/"], clone, blas)
    # A fresh clone's `make reports` sets everything up first: its goal covers install, data and reports.
    fresh_reports = sum(results[name]["wall_s"] for name in list(steps)[:3])
    results["fresh clone's make reports (install + data + reports), wall s (goal under 180)"] = round(fresh_reports, 1)
    results["make test, wall s (goal under 240)"] = results["test (unit tests and nbval)"]["wall_s"]
    total = sum(value["wall_s"] for value in results.values() if isinstance(value, dict))
    results["whole CI run, wall s (goal under 480)"] = round(total, 1)
    python = str(clone / ".venv" / "bin" / "python")
    bare = cpu_of([python, "-c", "import pandas, pyarrow"], clone, env)
    results["bare import pandas, pyarrow, CPU s"] = round(bare, 3)
    for name, arguments in DATA_COMMANDS.items():
        used = cpu_of([python, "-m", "analysis", *arguments], clone, env)
        results[f"{name}, CPU s (x bare; goal at most 1.5)"] = f"{used:.3f} ({used / bare:.2f}x)"
    print_results(results)
    save_results("checks", results)
    if args.keep is None:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
