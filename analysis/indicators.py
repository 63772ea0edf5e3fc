"""Demographic indicators on tidy population tables.

All functions take and return DataFrames.  A *population table* has the
columns of the processed ``population`` table (``location_code`` or
``location``, ``year``, ``variant``, ``sex``, ``age``, ``age_start``,
``population``); the projection engine returns the same layout, so every
indicator works on WPP figures and on scenario results alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from analysis import locations as locations_module
from analysis import wpp
from analysis.locations import Location

DEFAULT_WORKING_AGES = "15-64"


class IndicatorInputError(ValueError):
    """Bad input to an indicator (age band, year, variant, location)."""


@dataclass(frozen=True)
class AgeBand:
    """A band of 5-year age groups: ``start`` to ``end`` inclusive, or open (``end=None``)."""

    start: int
    end: int | None

    @property
    def label(self) -> str:
        return f"{self.start}+" if self.end is None else f"{self.start}-{self.end}"

    def contains(self, age_start: pd.Series | np.ndarray) -> np.ndarray:
        """Whether each 5-year group (given by its lower bound) lies in the band."""
        ages = np.asarray(age_start)
        upper = np.inf if self.end is None else self.end
        return (ages >= self.start) & (ages <= upper)

    def __str__(self) -> str:
        return self.label


def parse_age_band(text: str | AgeBand) -> AgeBand:
    """Parse ``"15-64"``, ``"65+"`` or ``"100+"`` into an :class:`AgeBand`.

    Bands must follow the 5-year age groups of the data: the start is a
    multiple of 5 and the end is 4 more than a multiple of 5 (…, 59, 64, 69, …).

    Raises
    ------
    IndicatorInputError
        For malformed, reversed or misaligned bands.
    """
    if isinstance(text, AgeBand):
        return text
    raw = str(text).strip()
    valid = "give ages as START-END or START+ on 5-year groups, e.g. 15-64, 20-39, 65+"
    match = re.fullmatch(r"(\d{1,3})\s*(?:-\s*(\d{1,3})|(\+))", raw)
    if not match:
        raise IndicatorInputError(f"malformed age band {raw!r}: {valid}")
    start = int(match.group(1))
    end = int(match.group(2)) if match.group(2) is not None else None
    if end is not None and end < start:
        raise IndicatorInputError(f"age band {raw!r} ends before it starts: {valid}")
    if start % 5 or start > 100:
        raise IndicatorInputError(
            f"age band {raw!r} starts at {start}, which is not the start of a 5-year group (0, 5, …, 100): {valid}"
        )
    if end is not None and (end % 5 != 4 or end > 99):
        raise IndicatorInputError(
            f"age band {raw!r} ends at {end}, which is not the end of a 5-year group (4, 9, …, 99; use START+ for open bands): {valid}"
        )
    return AgeBand(start, end)


def check_years(years: Iterable[int]) -> list[int]:
    """Validate years against the 5-yearly population data (1950, 1955, …, 2100).

    Raises
    ------
    IndicatorInputError
        For a year outside 1950–2100 or not on the 5-year grid.
    """
    checked = []
    for year in years:
        try:
            value = int(year)
        except (TypeError, ValueError):
            raise IndicatorInputError(f"year {year!r} is not a whole number; valid years: 1950, 1955, …, 2100") from None
        if not wpp.FIRST_YEAR <= value <= wpp.LAST_YEAR:
            raise IndicatorInputError(
                f"year {value} is outside WPP 2024 (1950–2100); valid years: 1950, 1955, …, 2100"
            )
        if value % 5:
            raise IndicatorInputError(
                f"year {value} is not in the data: population by age is given every 5 years "
                f"(1 July of 1950, 1955, …, 2100), e.g. {value - value % 5} or {value - value % 5 + 5}"
            )
        checked.append(value)
    return checked


def check_variants(variants: Iterable[str]) -> list[str]:
    """Validate variant names (``medium``, ``low``, ``high``, ``estimates``)."""
    variants = [str(v).strip().lower() for v in variants]
    unknown = [v for v in variants if v not in wpp.VARIANTS]
    if unknown:
        raise IndicatorInputError(f"unknown variant {unknown[0]!r}; valid: {', '.join(wpp.VARIANTS)}")
    return variants


# ---------------------------------------------------------------- locations
def aggregate_locations(
    population: pd.DataFrame, locations: Sequence[Location], sum_members: bool = False
) -> pd.DataFrame:
    """Population of each requested location, replacing ``location_code`` by ``location``.

    Countries and WPP aggregates use WPP's own rows; package groups (EU27,
    GCC, RECs) are summed over their member countries.

    Parameters
    ----------
    population : DataFrame
        A population table with ``location_code``.
    locations : sequence of Location
        Resolved locations (see :func:`analysis.locations.resolve`).
    sum_members : bool
        Sum member countries for WPP aggregates too (projection results hold
        countries only).

    Returns
    -------
    DataFrame
        The same columns with ``location`` (name) first, in place of ``location_code``.
    """
    mapping = []
    for location in locations:
        if not location.has_data:
            raise IndicatorInputError(
                f"the WPP 2024 files used here have no population rows for {location.name} "
                "(WPP counts it only inside its aggregates); choose another location"
            )
        codes = location.members if (location.kind == "group" or sum_members) else (location.code,)
        mapping.extend((location.name, code) for code in codes)
    mapping = pd.DataFrame(mapping, columns=["location", "location_code"]).astype({"location_code": "int32"})
    merged = population.merge(mapping, on="location_code")
    keys = ["location"] + [c for c in population.columns if c not in ("location_code", "population")]
    out = merged.groupby(keys, observed=True, sort=False)["population"].sum().reset_index()
    order = {location.name: i for i, location in enumerate(locations)}
    out["location"] = pd.Categorical(out["location"], categories=list(order), ordered=True)
    return out.sort_values(keys, ignore_index=True)


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
    """
    resolved = locations_module.resolve_all(locations)
    variants = check_variants(variants)
    years = check_years(years) if years is not None else None
    codes = sorted({code for loc in resolved for code in (loc.members if loc.kind == "group" else (loc.code,))})
    population = wpp.load_population(variants, years=years, location_codes=codes)
    return aggregate_locations(population, resolved)


def working_age_table(
    locations: Sequence[str | int | Location],
    ages: str = DEFAULT_WORKING_AGES,
    years: Iterable[int] | None = None,
    variants: Iterable[str] = ("medium",),
) -> pd.DataFrame:
    """Working-age population: ``location, year, variant, ages, population`` (persons)."""
    band = parse_age_band(ages)
    table = working_age_population(population_of(locations, variants, years), band)
    return table[["location", "year", "variant", "ages", "population"]]


def variant_range(table: pd.DataFrame, value: str = "change", index: Sequence[str] = ("location",)) -> pd.DataFrame:
    """One row per ``index`` with ``value`` under each variant as a column (medium, low, high …)."""
    wide = table.pivot_table(index=list(index), columns="variant", values=value, observed=True)
    ordered = [v for v in wpp.VARIANTS if v in wide.columns]
    wide = wide[ordered]
    wide.columns = list(ordered)
    return wide.reset_index()
