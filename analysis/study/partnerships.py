"""The dataset of real skills and labour-mobility partnerships, with a cited source for every value.

The dataset lives beside this module in ``partnership_data/``:
``partnerships.csv`` (one row per partnership or phase),
``partnership_sources.csv`` (each source with a quote that supports the
values) and ``PARTNERSHIPS.md`` (what each row says and its caveats).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from analysis.errors import DataError
from analysis.study.pathways import DEFAULT_SOURCES

DATA_DIR = Path(__file__).with_name("partnership_data")
PARTNERSHIPS_FILE = DATA_DIR / "partnerships.csv"
PARTNERSHIP_SOURCES_FILE = DATA_DIR / "partnership_sources.csv"


class PartnershipDataError(DataError):
    """The partnership dataset breaks its rules (a value without a source, an unknown source)."""


NUMERIC_FIELDS = ("start_year", "end_year", "trainees", "graduates", "migrants", "cost_total", "cost_year", "cost_per_graduate")


def load_partnerships(path: Path = PARTNERSHIPS_FILE, sources_path: Path = PARTNERSHIP_SOURCES_FILE) -> pd.DataFrame:
    """The dataset of real skills and labour-mobility partnerships, checked for citations.

    Raises
    ------
    PartnershipDataError
        If a row with a value has no source, or cites an unknown source.
    """
    table = pd.read_csv(path, dtype={"id": str})
    sources = load_partnership_sources(sources_path)
    for column in NUMERIC_FIELDS:
        table[column] = pd.to_numeric(table[column], errors="raise")
    known = set(sources["id"])
    for row in table.itertuples():
        cited = [s for s in str(row.source_ids).split(";") if s and s != "nan"]
        has_values = any(pd.notna(getattr(row, column)) for column in NUMERIC_FIELDS)
        if has_values and not cited:
            raise PartnershipDataError(f"partnership {row.id}: values without a source")
        missing = sorted(set(cited) - known)
        if missing:
            raise PartnershipDataError(f"partnership {row.id}: unknown source ids {missing}")
    return table


def load_partnership_sources(path: Path = PARTNERSHIP_SOURCES_FILE) -> pd.DataFrame:
    """Sources of the partnership dataset, each with a supporting quote."""
    return pd.read_csv(path, dtype=str)


def partnership_scale(table: pd.DataFrame) -> pd.DataFrame:
    """Scale reached and cost per graduate where known, one row per partnership.

    ``cost_per_graduate`` is only given where the dataset states it (same
    scope for cost and graduates); costs stay in their own currency.
    """
    out = table[["id", "destination", "origin_iso3", "sector", "start_year", "end_year", "design", "trainees",
                 "graduates", "migrants", "cost_total", "cost_currency", "cost_per_graduate"]].copy()
    out["years"] = out["end_year"] - out["start_year"]
    out["largest_count"] = out[["trainees", "graduates", "migrants"]].max(axis=1)
    return out.sort_values("largest_count", ascending=False, na_position="last", ignore_index=True)


def cited_source_ids(table: pd.DataFrame | None = None) -> list[str]:
    """Source ids cited by the partnership dataset and by the pathway defaults, in order."""
    ids = set(re.findall(r"\bS\d+\b", " ".join(DEFAULT_SOURCES.values())))
    if table is not None:
        ids |= {s for cell in table["source_ids"].dropna() for s in str(cell).split(";") if s}
    return sorted(ids, key=lambda s: int(s[1:]))



# ---------------------------------------------------------------- report tables (skills_partnership)
def with_cost_per_graduate(scale: pd.DataFrame) -> pd.DataFrame:
    """The partnerships of a :func:`partnership_scale` table whose cost per graduate the dataset states."""
    return scale.dropna(subset=["cost_per_graduate"])


def with_counts(scale: pd.DataFrame) -> pd.DataFrame:
    """The partnerships of a :func:`partnership_scale` table with a reported count, largest first."""
    return scale.dropna(subset=["largest_count"])
