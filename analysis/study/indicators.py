"""Demographic indicators on tidy population tables.

All functions take and return DataFrames.  A *population table* has the
columns of the processed ``population`` table (``location_code`` or
``location``, ``year``, ``variant``, ``sex``, ``age``, ``age_start``,
``population``); the projection engine returns the same layout, so every
indicator works on WPP figures and on scenario results alike.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from analysis.data import locations as locations_module
from analysis.data import wpp
from analysis.data.conventions import (  # noqa: F401 (re-exported: the checks notebooks call)
    DEFAULT_WORKING_AGES,
    VARIANTS,
    AgeBand,
    IndicatorInputError,
    check_variants,
    check_years,
    parse_age_band,
)
from analysis.data.locations import Location


# ---------------------------------------------------------------- indicators
def _group_keys(df: pd.DataFrame, exclude: Iterable[str]) -> list[str]:
    exclude = set(exclude) | {"population", "sex", "age", "age_start"}
    return [c for c in df.columns if c not in exclude]


def age_band_total(population: pd.DataFrame, ages: str | AgeBand = DEFAULT_WORKING_AGES) -> pd.DataFrame:
    """Population in an age band, both sexes.

    Parameters
    ----------
    population : DataFrame
        A population table (by sex and 5-year age group).
    ages : str or AgeBand
        ``"15-64"``, ``"20-39"``, ``"65+"`` …

    Returns
    -------
    DataFrame
        The table's remaining keys (e.g. ``location, year, variant``), ``ages``
        (the band's label) and ``population``.
    """
    band = parse_age_band(ages)
    keys = _group_keys(population, [])
    selected = population[band.contains(population["age_start"])]
    out = selected.groupby(keys, observed=True, sort=True)["population"].sum().reset_index()
    out.insert(len(keys), "ages", band.label)
    return out


def working_age_population(population: pd.DataFrame, ages: str | AgeBand = DEFAULT_WORKING_AGES) -> pd.DataFrame:
    """Working-age population (default ages 15–64); see :func:`age_band_total`."""
    return age_band_total(population, ages)


def change(
    table: pd.DataFrame,
    base_year: int,
    target_year: int,
    value: str = "population",
) -> pd.DataFrame:
    """Change and growth of ``value`` between two years.

    Parameters
    ----------
    table : DataFrame
        Long table with ``year`` and ``value`` and any other key columns.
    base_year, target_year : int
        Both must be present in ``table``.

    Returns
    -------
    DataFrame
        Keys, ``base_year, target_year, base, target, change, percent_change``
        and ``annual_growth_rate`` (exponential, percent per year).
    """
    if target_year == base_year:
        raise IndicatorInputError("base and target year are the same")
    missing = {base_year, target_year} - set(table["year"].unique())
    if missing:
        raise IndicatorInputError(f"years {sorted(missing)} are not in the table (has {sorted(table['year'].unique())})")
    keys = [c for c in table.columns if c not in ("year", value)]
    base = table[table["year"] == base_year].set_index(keys)[value].rename("base")
    target = table[table["year"] == target_year].set_index(keys)[value].rename("target")
    out = pd.concat([base, target], axis=1).reset_index()
    out.insert(len(keys), "base_year", base_year)
    out.insert(len(keys) + 1, "target_year", target_year)
    out["change"] = out["target"] - out["base"]
    out["percent_change"] = 100.0 * out["change"] / out["base"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["annual_growth_rate"] = 100.0 * np.log(out["target"] / out["base"]) / (target_year - base_year)
    return out


def share(part: pd.DataFrame, whole: pd.DataFrame, on: Sequence[str], value: str = "population") -> pd.DataFrame:
    """Share of ``part`` in a larger total ``whole``, matched on the columns ``on``.

    Returns
    -------
    DataFrame
        ``part`` with the whole's value (``total``) and ``share`` (0–1).
    """
    totals = whole[list(on) + [value]].rename(columns={value: "total"})
    out = part.merge(totals, on=list(on), how="left", validate="many_to_one")
    if out["total"].isna().any():
        raise IndicatorInputError(f"no total for some rows of the part on {list(on)}")
    out["share"] = out[value] / out["total"]
    return out


def dependency_ratios(
    population: pd.DataFrame,
    working: str = DEFAULT_WORKING_AGES,
    young: str = "0-14",
    old: str = "65+",
) -> pd.DataFrame:
    """Dependency ratios and the potential support ratio.

    Returns
    -------
    DataFrame
        Keys, ``child_dependency_ratio`` and ``old_age_dependency_ratio`` and
        ``total_dependency_ratio`` (dependants per 100 people of working
        age), and ``potential_support_ratio`` (working-age people per older
        person).
    """
    frames = {}
    for name, band in (("working", working), ("young", young), ("old", old)):
        table = age_band_total(population, band)
        keys = [c for c in table.columns if c not in ("ages", "population")]
        frames[name] = table.set_index(keys)["population"]
    out = pd.DataFrame(frames)
    out["child_dependency_ratio"] = 100.0 * out["young"] / out["working"]
    out["old_age_dependency_ratio"] = 100.0 * out["old"] / out["working"]
    out["total_dependency_ratio"] = out["child_dependency_ratio"] + out["old_age_dependency_ratio"]
    out["potential_support_ratio"] = out["working"] / out["old"]
    out = out.rename(columns={"working": f"population_{parse_age_band(working).label}",
                              "young": f"population_{parse_age_band(young).label}",
                              "old": f"population_{parse_age_band(old).label}"})
    return out.reset_index()


def contributions(
    population: pd.DataFrame,
    base_year: int,
    target_year: int,
    ages: str | AgeBand = DEFAULT_WORKING_AGES,
) -> pd.DataFrame:
    """Each location's change in an age band and its share of the summed change.

    Parameters
    ----------
    population : DataFrame
        A population table of the contributing locations (e.g. a region's countries).

    Returns
    -------
    DataFrame
        Per location and variant: ``base, target, change, percent_change,
        annual_growth_rate`` and ``share_of_change`` (0–1), largest change first.
    """
    table = change(age_band_total(population, ages), base_year, target_year)
    by = [c for c in ("variant",) if c in table.columns]
    total = table.groupby(by, observed=True)["change"].transform("sum") if by else table["change"].sum()
    table["share_of_change"] = table["change"] / total
    return table.sort_values(by + ["change"], ascending=[True] * len(by) + [False], ignore_index=True)


# ---------------------------------------------------------------- convenience
def population_of(
    locations: Sequence[str | int | Location],
    variants: Iterable[str] = ("medium",),
    years: Iterable[int] | None = None,
    processed_dir: Path | None = None,
) -> pd.DataFrame:
    """Population by sex and age for resolved locations, read from the processed data.

    Parameters
    ----------
    locations : sequence
        Names, ISO-3 or M49 codes, group keys, or :class:`Location` objects.
    variants : iterable of str
        WPP variants; estimates fill the years up to 2020 of each.
    years : iterable of int, optional
        Years (1950, 1955, …, 2100); all by default.
    processed_dir : Path, optional
        Folder of the processed tables (``data/processed`` by default).
    """
    resolved = locations_module.resolve_all(locations, processed_dir)
    variants = check_variants(variants)
    years = check_years(years) if years is not None else None
    population = wpp.load_population(variants, years, locations_module.member_codes(resolved), processed_dir)
    return locations_module.aggregate_locations(population, resolved)


def working_age_table(
    locations: Sequence[str | int | Location],
    ages: str = DEFAULT_WORKING_AGES,
    years: Iterable[int] | None = None,
    variants: Iterable[str] = ("medium",),
    processed_dir: Path | None = None,
) -> pd.DataFrame:
    """Working-age population: ``location, year, variant, ages, population`` (persons)."""
    band = parse_age_band(ages)
    table = working_age_population(population_of(locations, variants, years, processed_dir), band)
    return table[["location", "year", "variant", "ages", "population"]]


def variant_range(table: pd.DataFrame, value: str = "change", index: Sequence[str] = ("location",)) -> pd.DataFrame:
    """One row per ``index`` with ``value`` under each variant as a column (medium, low, high …)."""
    wide = table.pivot_table(index=list(index), columns="variant", values=value, observed=True)
    ordered = [v for v in VARIANTS if v in wide.columns]
    wide = wide[ordered]
    wide.columns = list(ordered)
    return wide.reset_index()
