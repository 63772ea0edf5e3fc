"""A data command imports only what it uses (read with ``python -X importtime``).

The CPU time of a data command is measured by ``benchmarks/bench_checks.py``
(the goal: at most 1.5 times a bare ``import pandas, pyarrow``); this test
holds the cause: the heavy libraries other commands need are never loaded.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from analysis import paths

#: Libraries a data command must not load (the emigration model, distributions, figures, trajectories).
HEAVY = ("statsmodels", "scipy.stats", "matplotlib", "seaborn", "dask", "distributed", "xarray", "zarr", "IPython",
         "nbformat", "papermill", "great_tables", "geopandas")

DATA_COMMANDS = [
    ["working-age", "--location", "Africa", "--years", "2025,2055"],
    ["education", "--location", "Nigeria", "--ages", "25-34", "--years", "2025"],
    ["stocks", "--year", "2024", "--by", "corridor", "--origin", "Nigeria"],
    ["flows", "--origin", "Ethiopia", "--period", "2015"],
]


def imported_modules(argv: list[str]) -> set[str]:
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "analysis", *argv], capture_output=True,
                            text=True, timeout=120, cwd=paths.ROOT)
    assert result.returncode == 0, result.stderr[-500:]
    return {line.rsplit("|", 1)[1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")}


@pytest.mark.parametrize("argv", DATA_COMMANDS, ids=[argv[0] for argv in DATA_COMMANDS])
def test_a_data_command_loads_no_heavy_library(processed_dir, argv):
    modules = imported_modules(argv)
    assert "pandas" in modules and "analysis.cli.common" in modules  # the measurement works
    heavy = sorted(module for module in modules if module.split(".")[0] in HEAVY or module.startswith(HEAVY))
    assert not heavy, heavy


def test_the_help_imports_no_command():
    modules = imported_modules(["--help"])
    commands = sorted(module for module in modules if module.startswith("analysis.cli.") and module != "analysis.cli.common")
    assert not commands, commands
    assert not {"analysis.model.scenarios", "analysis.study.indicators", "analysis.data.locations"} & modules
