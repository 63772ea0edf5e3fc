"""Demographic indicators on tidy population tables.

All functions take and return DataFrames.  A *population table* has the
columns of the processed ``population`` table (``location_code`` or
``location``, ``year``, ``variant``, ``sex``, ``age``, ``age_start``,
``population``); the projection engine returns the same layout, so every
indicator works on WPP figures and on scenario results alike.
"""

from __future__ import annotations

from dataclasses import dataclass
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
    check_estimate_years,
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
    years: Iterable[int] | None = None,
) -> pd.DataFrame:
    """Dependency ratios and the potential support ratio.

    Parameters
    ----------
    years : iterable of int, optional
        Only these years of the table (all by default).

    Returns
    -------
    DataFrame
        Keys, ``child_dependency_ratio`` and ``old_age_dependency_ratio`` and
        ``total_dependency_ratio`` (dependants per 100 people of working
        age), and ``potential_support_ratio`` (working-age people per older
        person).
    """
    if years is not None:
        population = population[population["year"].isin(list(years))]
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
    check_estimate_years(years, variants)
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


def variant_range(
    table: pd.DataFrame,
    value: str = "change",
    index: Sequence[str] = ("location",),
    years: Iterable[int] | None = None,
    every: int | None = None,
) -> pd.DataFrame:
    """One row per ``index`` with ``value`` under each variant as a column (medium, low, high …).

    Parameters
    ----------
    years : iterable of int, optional
        Keep only these values of the ``year`` index column.
    every : int, optional
        Keep only the years divisible by ``every`` (e.g. 10 for decades).
    """
    wide = table.pivot_table(index=list(index), columns="variant", values=value, observed=True)
    ordered = [v for v in VARIANTS if v in wide.columns]
    wide = wide[ordered]
    wide.columns = list(ordered)
    wide = wide.reset_index()
    if years is not None:
        wide = wide[wide["year"].isin(list(years))]
    if every is not None:
        wide = wide[wide["year"] % every == 0]
    return wide


# ---------------------------------------------------------------- summaries for the reports
def at_years(table: pd.DataFrame, years: Iterable[int]) -> pd.DataFrame:
    """The rows of a table with a ``year`` column that fall in ``years``."""
    return table[table["year"].isin(list(years))]


def of_location(table: pd.DataFrame, location: Location | str) -> pd.DataFrame:
    """The rows of one location of a table with a ``location`` column."""
    name = location.name if isinstance(location, Location) else str(location)
    return table[table["location"] == name]


@dataclass(frozen=True)
class Increase:
    """Change of a location's population in an age band between two years, with the world's for context.

    Attributes
    ----------
    table : DataFrame
        ``location`` and the change under each variant (columns ``medium, low, high``).
    base, target, change, percent_change, annual_growth_rate : float
        The location's figures under the medium variant (persons, percent,
        percent a year).
    low, high : float
        The change under the low and high variants.
    world_change : float
        The world's change in the same ages (medium variant).
    share_of_world : float
        ``change / world_change``; above 1 when the rest of the world shrinks.
    rest_of_world : float
        ``world_change - change``.
    """

    table: pd.DataFrame
    base: float
    target: float
    change: float
    percent_change: float
    annual_growth_rate: float
    low: float
    high: float
    world_change: float
    share_of_world: float
    rest_of_world: float


def increase_summary(
    table: pd.DataFrame, location: Location | str, world: Location | str, base_year: int, target_year: int
) -> Increase:
    """The increase of a location's age band between two years, beside the world's.

    Parameters
    ----------
    table : DataFrame
        ``location, year, variant, …, population`` holding both locations
        (e.g. :func:`working_age_table`) with the medium, low and high variants.
    """
    increase = change(table, base_year, target_year)
    mine = of_location(increase, location).set_index("variant")
    world_change = float(of_location(increase, world).set_index("variant").loc["medium", "change"])
    medium = mine.loc["medium"]
    return Increase(
        table=variant_range(increase, value="change"),
        base=float(medium["base"]),
        target=float(medium["target"]),
        change=float(medium["change"]),
        percent_change=float(medium["percent_change"]),
        annual_growth_rate=float(medium["annual_growth_rate"]),
        low=float(mine.loc["low", "change"]),
        high=float(mine.loc["high", "change"]),
        world_change=world_change,
        share_of_world=float(medium["change"]) / world_change,
        rest_of_world=world_change - float(medium["change"]),
    )


def country_contributions(
    location: Location | str,
    base_year: int,
    target_year: int,
    ages: str | AgeBand = DEFAULT_WORKING_AGES,
    processed_dir: Path | None = None,
) -> pd.DataFrame:
    """Each member country's change in an age band (medium variant) and its share of the members' summed change.

    Returns
    -------
    DataFrame
        See :func:`contributions`; one row per member country, largest change
        first, with its M49 code in ``location_code`` (for maps).
    """
    place = locations_module.resolve_all([location], processed_dir)[0]
    countries = locations_module.index(processed_dir).countries(place)
    population = population_of(list(countries["location_code"]), ["medium"], [base_year, target_year], processed_dir)
    table = contributions(population, base_year, target_year, ages)
    codes = dict(zip(countries["name"], countries["location_code"].astype(int)))
    table.insert(1, "location_code", table["location"].astype(str).map(codes).astype("int64"))
    return table


def top_contributors(table: pd.DataFrame, n: int) -> tuple[pd.DataFrame, float]:
    """The ``n`` largest contributors of a :func:`contributions` table and their summed share of the change."""
    if n < 1:
        raise IndicatorInputError(f"the number of countries to show must be 1 or more, got {n}")
    top = table.head(n)
    return top, float(top["share_of_change"].sum())


def period_change(trajectory: pd.DataFrame, base_year: int, value: str = "population") -> pd.DataFrame:
    """Change of a location's population per 5-year period after ``base_year``, by variant.

    Parameters
    ----------
    trajectory : DataFrame
        ``year, variant, <value>`` of one location (e.g. :func:`of_location` of a
        :func:`working_age_table`).

    Returns
    -------
    DataFrame
        ``period`` (``"2025-2030"``), ``year`` (the period's end) and the change
        over the period under each variant (``medium, low, high``).
    """
    ordered = trajectory.sort_values("year")
    periods = ordered.assign(increase=ordered.groupby("variant", observed=True)[value].diff())
    periods = periods.dropna(subset=["increase"])
    periods = periods[periods["year"] > base_year]
    out = variant_range(periods, value="increase", index=["year"])
    out.insert(0, "period", [f"{year - 5}-{year}" for year in out["year"]])
    return out


# ---------------------------------------------------------------- scenarios side by side (scenario_comparison)
def every_years(table: pd.DataFrame, step: int = 10, column: str = "year", offset: int = 0) -> pd.DataFrame:
    """The rows whose ``column`` is ``offset`` past a multiple of ``step`` (e.g. every tenth year).

    Parameters
    ----------
    table : DataFrame
        Any table with the integer column ``column`` (``year``, ``period_start`` …).
    step : int
        Years between the rows kept (a multiple of 5 on the WPP grid).
    offset : int
        Remainder kept: ``offset=5`` with ``step=10`` keeps 2025, 2035, …

    Returns
    -------
    DataFrame
        The rows kept, in the table's order (index kept).
    """
    if step < 1 or not 0 <= offset < step:
        raise IndicatorInputError(f"every {step} years from offset {offset}: need step >= 1 and 0 <= offset < step")
    return table[table[column] % step == offset]


def by_scenario(table: pd.DataFrame, value: str = "population", every: int | None = None,
                column: str = "scenario") -> pd.DataFrame:
    """One row per year with ``value`` under each scenario as a column, scenarios in the table's order.

    Parameters
    ----------
    table : DataFrame
        ``year, <column>, <value>`` of one location (e.g. :func:`working_age_population`
        of :func:`analysis.model.scenarios.projected_population`).
    every : int, optional
        Keep only the years divisible by ``every`` (e.g. 10 for decades).
    column : str
        The column whose values become columns.

    Returns
    -------
    DataFrame
        ``year`` and one column per scenario.
    """
    wide = table.pivot_table(index="year", columns=column, values=value, observed=True)
    wide = wide[list(dict.fromkeys(table[column]))].reset_index()
    return wide if every is None else every_years(wide, every)


# ---------------------------------------------------------------- one row of a table (destination_demand)
def lookup(table: pd.DataFrame, **where) -> pd.Series:
    """The one row of ``table`` whose columns equal the given values.

    Examples
    --------
    ``lookup(summary, target="working-age", period="2025-2050")``; a
    :class:`~analysis.data.locations.Location` value matches by its name.

    Raises
    ------
    IndicatorInputError
        If no row or more than one row matches.
    """
    mask = np.ones(len(table), dtype=bool)
    for column, value in where.items():
        mask &= (table[column] == (value.name if isinstance(value, Location) else value)).to_numpy()
    if mask.sum() != 1:
        raise IndicatorInputError(f"{int(mask.sum())} rows match {where}; expected exactly one")
    return table[mask].iloc[0]
