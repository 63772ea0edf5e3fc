"""Table machinery: the keys of every processed table, checks, and atomic writes and reads.

Processed tables are Parquet files in ``data/processed`` (or any folder passed
as ``processed_dir``); every write goes to a temporary file beside the target
and is renamed into place only when complete, so no reader ever sees a
half-written file.  ``manifest.json`` in the same folder, written last by the
build, records each table's SHA-256: the first read of a table in a process
checks the file against it (once per file and modification time), so a
corrupt or changed table is refused with one line naming it and the command
that rebuilds it.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from functools import cache
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
import pyarrow

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
    "tfr_quantiles": ["location_code", "period_start", "quantile"],
    "life_expectancy_quantiles": ["location_code", "period_start", "sex", "quantile"],
    "migration_quantiles": ["location_code", "year", "quantile"],
    "population_quantiles": ["location_code", "year", "quantile"],
    "flows": ["period_start", "origin_iso3", "destination_iso3", "sex", "type"],
    "flow_stocks": ["year", "origin_iso3", "destination_iso3", "sex"],
    "flow_names": ["name"],
    "flow_demography": ["location_code", "period_start", "sex"],
    "isco_groups": ["occupation"],
    "employment_occupation": ["iso3", "occupation", "sex"],
    "employment_occupation_birth": ["iso3", "birth", "occupation", "sex"],
    "employment_education": ["iso3", "year", "birth", "sex", "education"],
    "unemployment_education": ["iso3", "year", "birth", "sex", "education"],
    "earnings_birth": ["iso3", "year", "by", "status", "sex"],
    "employment_coverage": ["iso3"],
}


class ValidationError(DataError):
    """A processed table failed one of its checks."""


class DataNotBuiltError(DataError):
    """A processed table is missing."""


class CorruptTableError(DataError):
    """A processed table does not match its checksum in the manifest, or cannot be read."""


#: Written last by the build: per table, rows, columns and SHA-256.
MANIFEST_NAME = "manifest.json"
#: The command that rebuilds the processed tables (named in every message about them).
REPAIR = "run `make data` to rebuild it"


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


#: Rows per Parquet row group of a processed table.
ROW_GROUP_ROWS = 65_536


def write_parquet(df: pd.DataFrame, target: Path) -> Path:
    """Write a table to Parquet through a temporary file and an atomic rename."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}.", suffix=".tmp")
    os.close(handle)
    try:
        # row groups of 64 Ki rows: a read filtered on the leading key (one country) skips the others by their statistics
        df.to_parquet(tmp, index=False, engine="pyarrow", compression="zstd", row_group_size=ROW_GROUP_ROWS)
        make_readable(tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def table_path(name: str, processed_dir: Path | None = None) -> Path:
    """Path of the processed table ``name`` in ``processed_dir`` (``data/processed`` by default)."""
    return Path(processed_dir or paths.PROCESSED) / f"{name}.parquet"


def shown(path: Path) -> str:
    """A path relative to the repository when it is inside it, for messages."""
    try:
        return str(Path(path).resolve().relative_to(paths.ROOT))
    except ValueError:
        return str(path)


@cache
def _manifest(path: str, mtime_ns: int) -> dict:  # noqa: ARG001 (mtime invalidates)
    try:
        manifest = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CorruptTableError(f"{shown(Path(path))} is unreadable ({type(error).__name__}): {REPAIR}") from None
    if not isinstance(manifest, dict):
        raise CorruptTableError(f"{shown(Path(path))} is not a manifest of tables: {REPAIR}")
    return manifest


def load_manifest(processed_dir: Path | None = None) -> dict:
    """The manifest of a folder of processed tables (``{table: {rows, columns, sha256}}``).

    Raises
    ------
    DataNotBuiltError
        When the folder holds no complete build (the manifest is written last).
    CorruptTableError
        When the manifest cannot be read.
    """
    path = Path(processed_dir or paths.PROCESSED) / MANIFEST_NAME
    try:
        mtime = path.stat().st_mtime_ns
    except FileNotFoundError:
        raise DataNotBuiltError(
            f"the processed tables in {shown(path.parent)} are not built or the build did not finish "
            f"({MANIFEST_NAME} is missing): run `make data` to build them"
        ) from None
    return _manifest(str(path), mtime)


@cache
def _verified(path: str, mtime_ns: int, size: int, expected: str) -> bool:  # noqa: ARG001 (mtime and size invalidate)
    """SHA-256 of a file against the manifest's; cached, so a file is hashed once per modification."""
    try:
        actual = sha256_of(Path(path))
    except OSError as error:  # a directory or an unreadable file where the table should be
        raise CorruptTableError(f"processed table {shown(Path(path))} cannot be read ({error.strerror}): {REPAIR}") from None
    if actual != expected:
        raise CorruptTableError(
            f"processed table {shown(Path(path))} does not match its SHA-256 in {MANIFEST_NAME} "
            f"(corrupt or changed since the build): {REPAIR}"
        )
    return True


def verify_table(path: Path) -> None:
    """Check a processed table against the manifest beside it; raises a one-line :class:`DataError`."""
    path = Path(path)
    manifest = load_manifest(path.parent)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise DataNotBuiltError(f"processed table {shown(path)} is missing: {REPAIR}") from None
    entry = manifest.get(path.stem)
    if not isinstance(entry, dict) or not isinstance(entry.get("sha256"), str):
        raise CorruptTableError(f"processed table {shown(path)} is not listed in {MANIFEST_NAME}: {REPAIR}")
    _verified(str(path), info.st_mtime_ns, info.st_size, entry["sha256"])


def read_table(name: str, processed_dir: Path | None = None,
               where: Mapping[str, Iterable] | None = None, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Read a processed table, verified against the manifest (one-line :class:`DataError` otherwise).

    Parameters
    ----------
    where : mapping, optional
        ``{column: values}``: only the rows whose column holds one of the
        values, filtered while the file is read (a command asking for one
        country reads a few hundred rows, not millions).  Without it the whole
        table is read once per process and handed out as copies.
    columns : sequence of str, optional
        Only these columns (read from the file, not the per-process copy).
    """
    path = table_path(name, processed_dir)
    verify_table(path)
    try:
        if where is not None or columns is not None:
            filters = [(column, "in", [value.item() if hasattr(value, "item") else value for value in values])
                       for column, values in (where or {}).items()]
            return pd.read_parquet(path, filters=filters or None,
                                   columns=None if columns is None else list(columns)).reset_index(drop=True)
        return _read_cached(str(path), path.stat().st_mtime_ns).copy()
    except (OSError, pyarrow.ArrowException, ValueError) as error:
        raise CorruptTableError(
            f"processed table {shown(path)} cannot be read ({type(error).__name__}: "
            f"{' '.join(str(error).split())[:200]}): {REPAIR}"
        ) from None


@cache
def _read_cached(path: str, mtime_ns: int) -> pd.DataFrame:  # noqa: ARG001 (mtime invalidates)
    return pd.read_parquet(path)


def check_processed(processed_dir: Path | None = None) -> list[str]:
    """Problems with a folder of processed tables: the manifest, and each table's presence and SHA-256.

    Returns
    -------
    list of str
        One line per problem (empty when the build is complete and intact).
    """
    directory = Path(processed_dir or paths.PROCESSED)
    try:
        manifest = load_manifest(directory)
    except DataError as error:
        return [str(error)]
    problems = []
    for name in sorted(set(TABLE_KEYS) - set(manifest)):
        problems.append(f"processed table {name} is not listed in {shown(directory / MANIFEST_NAME)}: {REPAIR}")
    for name in sorted(manifest):
        try:
            verify_table(table_path(name, directory))
        except DataError as error:
            problems.append(str(error))
    return problems
