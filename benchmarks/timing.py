"""What the benchmark scripts share: a median of repeated timings, and writing their results.

The scripts run as ``python benchmarks/NAME.py``, so this module is imported
from the scripts' folder.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from analysis import paths
from analysis.data.tables import atomic_write_text

#: Where the scripts write their results (not committed).
RESULTS = paths.ROOT / "benchmarks" / "results"


def median_seconds(step: Callable[[], Any], repeats: int) -> float:
    """The median wall time of ``repeats`` calls of ``step``, in seconds."""
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def machine_calibration(repeats: int = 5) -> dict:
    """Two fixed workloads that say how fast this machine is today, to read every other time against.

    Machines of the same kind differ by up to 3x in speed (and a busy one is
    slower still), so benchmarks quote their times beside these: a pure-Python
    loop (one core, the interpreter) and a NumPy sort of 2 million numbers
    (memory and vectorised code), each the median of ``repeats`` runs.
    """
    import numpy as np  # the benchmarks import NumPy anyway; timing.py itself stays light

    def python_loop() -> int:
        total = 0
        for i in range(2_000_000):
            total += i * i % 7
        return total

    values = np.random.default_rng(0).random(2_000_000)
    return {
        "python_loop_ms": round(1000 * median_seconds(python_loop, repeats), 1),
        "numpy_sort_ms": round(1000 * median_seconds(lambda: np.sort(values), repeats), 1),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "cores": os.cpu_count(),
        "processor": platform.processor() or platform.machine(),
    }


#: The calibration this process printed (saved beside its results by :func:`save_results`).
_CALIBRATION: dict = {}


def print_calibration() -> dict:
    """Print the calibration line every benchmark starts with, and return it (it is saved with the results)."""
    found = machine_calibration()
    _CALIBRATION.update(found)
    print(f"machine: pure-Python loop {found['python_loop_ms']} ms, NumPy sort of 2 M numbers "
          f"{found['numpy_sort_ms']} ms, load average {found['load_average_1min']} on {found['cores']} cores "
          "(compare times only with the same calibration)", flush=True)
    return found


def print_results(results: dict) -> None:
    """One aligned ``name  value`` line per result."""
    width = max(map(len, results), default=0)
    for key, value in results.items():
        print(f"{key:<{width}}  {value}")


def save_results(name: str, results: Any) -> Path:
    """Write ``results`` to ``benchmarks/results/<name>.json`` (temporary file, then rename), with the calibration."""
    target = RESULTS / f"{name}.json"
    atomic_write_text(target, json.dumps({"machine": _CALIBRATION, "results": results}, indent=2) + "\n")
    return target
