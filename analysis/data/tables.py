"""Table machinery: the keys of every processed table, checks, and atomic writes and reads.

Processed tables are Parquet files in ``data/processed`` (or any folder passed
as ``processed_dir``); every write goes to a temporary file beside the target
and is renamed into place only when complete, so no reader ever sees a
half-written file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from functools import cache
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from analysis import paths
from analysis.errors import DataError

#: Processed tables and the columns that identify a row.
TABLE_KEYS: dict[str, list[str]] = {
    "population": ["location_code", "year", "variant", "sex", "age"],
    "population_totals": ["location_code", "year", "variant", "sex"],
    "locations": ["location_code"],
    "location_groups": ["group_id", "location_code"],
    "tfr": ["location_code", "period_start", "variant"],
    "fertility_age_pattern": ["location_code", "period_start", "age"],
    "mortality": ["location_code", "period_start", "sex", "age"],
    "sex_ratio_at_birth": ["location_code", "period_start"],
    "net_migration": ["location_code", "period_start", "sex", "age"],
    "life_expectancy": ["location_code", "period_start", "variant", "sex"],
    "migrant_stocks": ["year", "destination_iso3", "origin_iso3", "sex"],
    "wdi": ["iso3", "indicator", "year"],
    "unmatched_codes": ["dataset", "role", "iso3"],
    "population_midyear": ["location_code", "year"],
    "education": ["location_code", "year", "sex", "age", "education"],
    "education_detail": ["location_code", "year", "sex", "age", "detail"],
    "education_shares": ["location_code", "year", "sex", "age", "education"],
    "education_detail_shares": ["location_code", "year", "sex", "age", "detail"],
    "education_harmonised": ["location_code", "year", "variant", "sex", "age", "education"],
    "education_coverage": ["location_code", "year"],
    "education_totals": ["location_code", "year"],
}


class ValidationError(DataError):
    """A processed table failed one of its checks."""


class DataNotBuiltError(DataError):
    """A processed table is missing."""


# ---------------------------------------------------------------- checks
def check_unique(df: pd.DataFrame, keys: Sequence[str], table: str) -> None:
    """Raise if rows are not unique on ``keys`` or a key is missing."""
    if df[list(keys)].isna().any().any():
        raise ValidationError(f"{table}: missing values in key columns {list(keys)}")
    duplicated = df.duplicated(list(keys))
    if duplicated.any():
        raise ValidationError(
            f"{table}: {int(duplicated.sum())} duplicate rows on {list(keys)}, "
            f"e.g. {df.loc[duplicated, list(keys)].iloc[0].to_dict()}"
        )


def check_complete_ages(df: pd.DataFrame, group_keys: Sequence[str], ages: Sequence[str], table: str) -> None:
    """Raise unless every group has exactly the age groups ``ages``."""
    counts = df.groupby(list(group_keys), observed=True)["age"].nunique()
    incomplete = counts[counts != len(ages)]
    if len(incomplete):
        raise ValidationError(
            f"{table}: {len(incomplete)} groups lack age groups (expected {len(ages)}), "
            f"e.g. {dict(zip(group_keys, np.atleast_1d(incomplete.index[0])))}"
        )
    unexpected = set(df["age"].astype(str)) - set(ages)
    if unexpected:
        raise ValidationError(f"{table}: unexpected age groups {sorted(unexpected)}")


def check_non_negative(df: pd.DataFrame, column: str, table: str) -> None:
    """Raise on negative or missing values."""
    values = df[column]
    if values.isna().any():
        raise ValidationError(f"{table}: {int(values.isna().sum())} missing values in {column}")
    if (values < 0).any():
        bad = df.loc[values < 0].iloc[0].to_dict()
        raise ValidationError(f"{table}: {int((values < 0).sum())} negative values in {column}, e.g. {bad}")


# ---------------------------------------------------------------- files
def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def make_readable(path: str | Path) -> None:
    """Give a temporary file (created 0600) the usual permissions under the umask."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)


def atomic_write_text(target: Path, text: str) -> None:
    """Write text to a temporary file beside ``target``, then rename it."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        make_readable(tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_parquet(df: pd.DataFrame, target: Path) -> Path:
    """Write a table to Parquet through a temporary file and an atomic rename."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}.", suffix=".tmp")
    os.close(handle)
    try:
        df.to_parquet(tmp, index=False, engine="pyarrow", compression="zstd")
        make_readable(tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def table_path(name: str, processed_dir: Path | None = None) -> Path:
    """Path of the processed table ``name`` in ``processed_dir`` (``data/processed`` by default)."""
    return Path(processed_dir or paths.PROCESSED) / f"{name}.parquet"


def read_table(name: str, processed_dir: Path | None = None) -> pd.DataFrame:
    """Read a processed table, with a clear error when it has not been built."""
    path = table_path(name, processed_dir)
    if not path.exists():
        raise DataNotBuiltError(f"processed table {path} is missing: run `make data` first")
    return _read_cached(str(path), path.stat().st_mtime_ns).copy()


@cache
def _read_cached(path: str, mtime_ns: int) -> pd.DataFrame:  # noqa: ARG001 (mtime invalidates)
    return pd.read_parquet(path)
