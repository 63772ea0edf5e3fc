"""Shared fixtures.

Tests run on the real data: `make test` fetches the raw files (from the
mirror named by LMS_DATA_MIRROR) and builds data/processed before pytest
starts.  Small hand-made fixtures live in tests/data/.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis import paths
from analysis.data import sources
from analysis.model import validation

FIXTURES = Path(__file__).parent / "data"


def _require(path: Path, what: str) -> Path:
    if not path.exists():
        pytest.fail(f"{what} missing at {path}: run `make data` (or `make test`, which builds it) first", pytrace=False)
    return path


@pytest.fixture(scope="session")
def raw_dir() -> Path:
    """data/raw, fetched and verified."""
    _require(paths.RAW / "MANIFEST.json", "verified raw data")
    return paths.RAW


@pytest.fixture(scope="session")
def processed_dir() -> Path:
    """data/processed, built."""
    _require(paths.PROCESSED / "manifest.json", "processed tables")
    return paths.PROCESSED


@pytest.fixture(scope="session")
def mirror() -> Path:
    """The data mirror beside the checkout (or LMS_DATA_MIRROR)."""
    candidates = [paths.mirror_dir(), paths.ROOT.parent / "shared" / "data"]
    for candidate in candidates:
        if candidate is not None and (candidate / "SHA256SUMS").exists():
            return candidate
    pytest.fail(f"no data mirror found (set {paths.MIRROR_ENV} to a folder laid out like shared/data)", pytrace=False)


@pytest.fixture(scope="session")
def raw_population(raw_dir) -> pd.DataFrame:
    """Raw WPP population by age (estimates and projections), read directly with pyreadr."""
    estimates = sources.read_rda(raw_dir / "wpp2024" / "popAge5dt.rda")
    projections = sources.read_rda(raw_dir / "wpp2024" / "popprojAge5dt.rda")
    return estimates, projections


@pytest.fixture(scope="session")
def raw_education(raw_dir) -> pd.DataFrame:
    """Raw WIC population by education (``wcde/epop_ssp2.rda``), read directly with pyreadr."""
    return sources.read_rda(raw_dir / "wcde" / "epop_ssp2.rda")


@pytest.fixture(scope="session")
def interval_validation(processed_dir):
    """Every country projected 1,000 times (seed 1), with and without migration uncertainty, against WPP's intervals.

    Shared by every test that needs it, and read from the trajectory cache (data/cache/) when the scenario
    report or the methods page has already run the same trajectories (about 20 s otherwise).
    """
    return validation.validate_intervals(n_trajectories=1000, seed=1, migration_switch=True, cache=True)

