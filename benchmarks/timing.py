"""What the benchmark scripts share: a median of repeated timings, and writing their results.

The scripts run as ``python benchmarks/NAME.py``, so this module is imported
from the scripts' folder.
"""

from __future__ import annotations

import json
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


def print_results(results: dict) -> None:
    """One aligned ``name  value`` line per result."""
    width = max(map(len, results), default=0)
    for key, value in results.items():
        print(f"{key:<{width}}  {value}")


def save_results(name: str, results: Any) -> Path:
    """Write ``results`` to ``benchmarks/results/<name>.json`` (temporary file, then rename)."""
    target = RESULTS / f"{name}.json"
    atomic_write_text(target, json.dumps(results, indent=2) + "\n")
    return target
