"""The interval validation's targets before and after a change of the probabilistic model.

    python benchmarks/compare_interval_targets.py --before a0a9df8 [--trajectories 1000] [--seed 1]

Every country is projected ``--trajectories`` times with the code (and its
calibrated ``trajectories.yml``) of the ``--before`` revision, extracted with
``git archive`` into a temporary folder that reads this checkout's
``data/raw`` and ``data/processed`` (symbolic links), and with the code of this checkout; both runs'
totals go through this checkout's :func:`analysis.model.validation.compare_intervals`,
so both are measured by the same targets.  Written: ``docs/interval_targets_before.yml``
(the before column, read by the methods page; committed) and
``benchmarks/results/interval-targets.json`` (both columns, and each run's wall time with the default
chunks and threads, taken one after the other on the same machine).
"""

from __future__ import annotations

import argparse
import datetime
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

from analysis import paths
from analysis.data.tables import atomic_write_text
from analysis.model import trajectories, trajectory_runs, validation

from timing import save_results

BEFORE_FILE = paths.ROOT / "docs" / "interval_targets_before.yml"

#: Run inside the extracted revision: every country's total population per trajectory, into an .npz.
OLD_RUN = """
import sys, time, numpy as np
from analysis.model import trajectories, trajectory_runs
model = trajectories.make_model(seed=int(sys.argv[2]), bands=("all",))
start = time.perf_counter()
result = trajectory_runs.run(model, int(sys.argv[1]), progress=False)
seconds = time.perf_counter() - start
np.savez(sys.argv[3], totals=result.band("all"), codes=result.codes, years=result.years, seconds=seconds)
"""


def run_revision(revision: str, n_trajectories: int, seed: int, folder: Path) -> dict:
    """Totals of the code of ``revision`` (a subprocess whose ``analysis`` is the extracted one)."""
    source = folder / "source"
    source.mkdir()
    archive = subprocess.run(["git", "-C", str(paths.ROOT), "archive", revision], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(source)], input=archive, check=True)
    for name in ("raw", "processed"):  # the archive holds empty folders with a .gitkeep
        target = source / "data" / name
        for kept in target.glob(".*"):
            kept.unlink()
        if target.exists():
            target.rmdir()
        target.parent.mkdir(exist_ok=True)
        target.symlink_to(paths.DATA / name, target_is_directory=True)
    output = folder / "totals.npz"
    subprocess.run([sys.executable, "-c", OLD_RUN, str(n_trajectories), str(seed), str(output)], cwd=source, check=True,
                   env={"PYTHONPATH": str(source), "PATH": "/usr/bin:/bin", "HOME": str(folder)})
    with np.load(output) as stored:
        return {key: stored[key] for key in stored.files}


def targets(totals: np.ndarray, codes: np.ndarray, years: np.ndarray) -> dict:
    check = validation.compare_intervals(totals, codes, years)
    return dict(zip(check.targets["target"], check.targets["measured"].astype(float)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="git revision of the model before the change")
    parser.add_argument("--trajectories", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    revision = subprocess.run(["git", "-C", str(paths.ROOT), "rev-parse", "--short=12", args.before], check=True,
                              capture_output=True, text=True).stdout.strip()
    with tempfile.TemporaryDirectory() as folder:
        old = run_revision(revision, args.trajectories, args.seed, Path(folder))
    before = targets(old["totals"], old["codes"], old["years"])
    model = trajectories.make_model(seed=args.seed, bands=("all",))
    start = time.perf_counter()
    result = trajectory_runs.run(model, args.trajectories, progress=False)
    seconds = {"before": float(old["seconds"]), "after": time.perf_counter() - start}
    after = targets(result.band("all"), result.codes, result.years)
    limits = dict(zip(*[validation.compare_intervals(result.band("all"), result.codes, result.years).targets[column]
                        for column in ("target", "limit")]))
    header = ("# The interval validation's targets measured on the model before the change that introduced the fixed\n"
              "# base year, the balanced world migration and the upper-tail TFR process; written by\n"
              "# `python benchmarks/compare_interval_targets.py`, read by the methods page. Do not edit by hand.\n")
    record = {"revision": revision, "trajectories": args.trajectories, "seed": args.seed,
              "date": datetime.date.today().isoformat(), "measured": before}
    atomic_write_text(BEFORE_FILE, header + yaml.safe_dump(record, sort_keys=False, allow_unicode=True, width=110))
    rows = [{"target": name, "before": before.get(name), "after": after[name], "limit": float(limits[name])}
            for name in after]
    for row in rows:
        shown = "—" if row["before"] is None else f"{100 * row['before']:.1f} %"
        print(f"{row['target']:<70} {shown:>9} {100 * row['after']:>7.1f} %   ≤ {100 * row['limit']:g} %")
    print(f"run of {args.trajectories:,} trajectories, all countries: {seconds['before']:.1f} s before, "
          f"{seconds['after']:.1f} s after (load average {os.getloadavg()[0]:.1f})")
    save_results("interval-targets", {"before_revision": revision, "rows": rows, "seconds": seconds,
                                      "load_average": os.getloadavg()[0]})


if __name__ == "__main__":
    main()
