"""Demand for workers at destinations, replacement migration, and supply from African origins.

* :func:`shortfall` — each destination's working-age population against a base
  year, by variant, with its potential support ratio.
* :func:`replacement_migration` — net immigration per period needed to keep the
  total population, the 15–64 population, or the potential support ratio at a
  target, in the manner of the UN Population Division's *Replacement Migration*
  (2000): migrants arrive with an age–sex profile and then age, die and have
  children inside the projection (the project's cohort-component engine).
* :func:`care_workers` — care workers needed for the population aged 65+ or
  80+, at a ratio the user sets.
* :func:`supply` — yearly entrants to working age, net growth of the 15–64
  population, and the jobs needed to keep the employment rate constant.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from analysis.data import precision
from analysis.data.conventions import check_years, parse_age_band
from analysis.data.locations import resolve_all, subregions
from analysis.errors import InputError
from analysis.model import projection, replacement, scenarios
from analysis.model.inputs import wpp_inputs
from analysis.study import indicators

#: Destinations analysed by default.
DEFAULT_DESTINATIONS = (
    "EU27", "Europe", "Northern America", "GCC", "Japan", "Republic of Korea", "Germany", "Italy", "United Kingdom",
)
TARGETS = replacement.TARGETS
#: Highest potential support ratio accepted as a target (people aged 15-64 per person aged 65+).
MAX_SUPPORT_RATIO_FLOOR = 50.0
#: OECD average: about five long-term care workers per 100 people aged 65 and over.
#: Source: OECD (2020), Who Cares? Attracting and Retaining Care Workers for the
#: Elderly, OECD Health Policy Studies, OECD Publishing, Paris, doi:10.1787/92c0ef68-en.
OECD_CARE_WORKERS_PER_100_AGED_65 = 5.0
WORKING = parse_age_band("15-64")
OLD = parse_age_band("65+")


class DemandInputError(InputError):
    """Bad input to a demand calculation; the message says what is valid."""


# ---------------------------------------------------------------- shortfall
def shortfall(
    destinations: Sequence = DEFAULT_DESTINATIONS,
    base_year: int = 2025,
    years: Iterable[int] | None = None,
    variants: Iterable[str] = ("medium", "low", "high"),
    ages: str = "15-64",
    processed_dir: Path | None = None,
) -> pd.DataFrame:
    """Change in each destination's working-age population against a base year, with its support ratio.

    Returns
    -------
    DataFrame
        ``location, year, variant, working_age, change_from_base, percent_change,
        population_65_plus, potential_support_ratio`` (working-age people per
        person aged 65+).
    """
    years = check_years(years if years is not None else range(base_year, 2101, 5))
    check_years([base_year])
    band = parse_age_band(ages)
    population = indicators.population_of(resolve_all(destinations, processed_dir), variants,
                                          sorted(set(years) | {base_year}), processed_dir)
    working = indicators.age_band_total(population, band).drop(columns="ages")
    old = indicators.age_band_total(population, OLD).drop(columns="ages")
    table = working.merge(old, on=["location", "year", "variant"], suffixes=("", "_old"))
    table = table.rename(columns={"population": "working_age", "population_old": "population_65_plus"})
    base = table[table["year"] == base_year].set_index(["location", "variant"])["working_age"]
    keyed = table.set_index(["location", "variant"]).index
    table["change_from_base"] = table["working_age"].to_numpy() - base.reindex(keyed).to_numpy()
    table["percent_change"] = 100.0 * table["change_from_base"] / base.reindex(keyed).to_numpy()
    table["potential_support_ratio"] = table["working_age"] / table["population_65_plus"]
    table = table[table["year"].isin(years)]
    columns = ["location", "year", "variant", "working_age", "change_from_base", "percent_change",
               "population_65_plus", "potential_support_ratio"]
    return table[columns].sort_values(["location", "variant", "year"], ignore_index=True)


# ---------------------------------------------------------------- replacement migration
@dataclass(frozen=True)
class MigrantProfile:
    """Age–sex profile of replacement migrants: spread evenly over the 5-year groups of ``ages``."""

    ages: str = "20-39"
    female_share: float = 0.5

    def weights(self) -> np.ndarray:
        """(2, 21) shares summing to 1 (male, female × age groups)."""
        if isinstance(self.female_share, bool) or not 0.0 <= self.female_share <= 1.0:  # NaN fails too
            raise DemandInputError(f"female_share must be between 0 and 1, got {self.female_share}")
        band = parse_age_band(self.ages)
        groups = band.contains(np.arange(0, 101, 5)).astype(float)
        groups /= groups.sum()
        return np.stack([(1.0 - self.female_share) * groups, self.female_share * groups])


@dataclass
class Replacement:
    """A solved replacement-migration run.

    Attributes
    ----------
    table : DataFrame
        See :func:`replacement_migration`; its counts of people are rounded to
        whole persons and its support ratios to eight significant digits
        (:mod:`analysis.data.precision`), the exact solution is in ``migrants``.
    inputs : ProjectionInputs
        Engine inputs of the projected rows (one row per destination country;
        a country in two destinations appears twice), without migration.
    migrants : (rows, P, 2, 21) array
        The solved migrants of each row, by period, sex and age.
    row_destination : (rows,) array
        Index of each row's destination in the table's order.
    """

    table: pd.DataFrame
    inputs: projection.ProjectionInputs
    migrants: np.ndarray
    row_destination: np.ndarray


def replacement_migration(*args, **kwargs) -> pd.DataFrame:
    """Net immigration per period needed to hold a destination at a demographic target.

    A table view of :func:`solve_replacement`, which documents the parameters.

    Returns
    -------
    DataFrame
        Per destination and period: ``migrants`` (persons over the period),
        ``migrants_per_year``, ``cumulative_migrants`` and the resulting
        ``total``, ``working_age`` and ``potential_support_ratio`` at the
        period's end.
    """
    return solve_replacement(*args, **kwargs).table


def solve_replacement(
    destinations: Sequence = DEFAULT_DESTINATIONS,
    target: str = "working-age",
    base_year: int = 2025,
    end_year: int = 2100,
    profile: MigrantProfile = MigrantProfile(),
    support_ratio_floor: float | None = None,
    variant: str = "medium",
    allow_emigration: bool = True,
    processed_dir: Path | None = None,
) -> "Replacement":
    """Net immigration per period needed to hold a destination at a demographic target.

    The destination's countries are projected without migration (fertility
    and mortality of the WPP ``variant``); each period, the migrants needed
    are solved directly from the engine's linearity: the period's outcome is
    the no-migration outcome plus ``M`` times the outcome of one migrant with
    the given profile (who also has children in the period).  All
    destinations are solved together, one 5-year period at a time; a group's
    migrants are shared among its countries in proportion to their base-year
    population.

    Parameters
    ----------
    destinations : sequence
        Locations (countries, WPP aggregates or groups such as EU27, GCC).
    target : {"total", "working-age", "support-ratio"}
        Keep the total population, or the 15–64 population, at its base-year
        level; or keep the potential support ratio (15–64 per 65+) at or above
        ``support_ratio_floor`` (default: its base-year level).
    profile : MigrantProfile
        Ages and share of women of the migrants.
    allow_emigration : bool
        For the total and working-age targets, allow negative values (net
        emigration) when the population would otherwise exceed its target;
        if False, such periods need no migration. The support-ratio target
        never asks for emigration.

    Returns
    -------
    Replacement
    """
    if target not in TARGETS:
        raise DemandInputError(f"unknown target {target!r}; valid: {', '.join(TARGETS)}")
    if support_ratio_floor is not None:
        if target != "support-ratio":
            raise DemandInputError(f"a support-ratio floor applies to the support-ratio target only, not to {target!r}")
        if isinstance(support_ratio_floor, bool) or not 0 < support_ratio_floor <= MAX_SUPPORT_RATIO_FLOOR:
            raise DemandInputError(f"the support-ratio floor must be positive and at most {MAX_SUPPORT_RATIO_FLOOR:g} "
                                   f"people aged 15-64 per person aged 65+, got {support_ratio_floor}")
    weights = profile.weights()
    places = resolve_all(destinations, processed_dir)
    inputs = wpp_inputs(variant, base_year, end_year, processed_dir=processed_dir)
    codes = list(inputs.location_codes)
    row_country, row_destination, row_share = [], [], []
    for d, place in enumerate(places):
        members = [codes.index(c) for c in place.members if c in codes]
        if not members:
            raise DemandInputError(f"no projected countries in {place.name}")
        base_sizes = inputs.population[members].sum(axis=(1, 2))
        row_country += members
        row_destination += [d] * len(members)
        row_share += list(base_sizes / base_sizes.sum())
    rows = np.asarray(row_country)
    row_destination = np.asarray(row_destination)
    row_share = np.asarray(row_share)
    sub = projection.ProjectionInputs(
        location_codes=inputs.location_codes[rows],
        base_year=base_year,
        population=inputs.population[rows],
        mx=inputs.mx[rows],
        tfr=inputs.tfr[rows],
        fertility_pattern=inputs.fertility_pattern[rows],
        srb=inputs.srb[rows],
        net_migrants=np.zeros((len(rows),) + inputs.net_migrants.shape[1:]),
        label=f"replacement-{target}",
    )
    sub.validate()
    unit = row_share[:, None, None] * weights[None]  # one migrant to the destination, split over its countries
    try:
        solution = replacement.solve(sub, row_destination, unit, target, [place.name for place in places], profile.ages,
                                     support_ratio_floor, allow_emigration)
    except replacement.ReplacementError as error:
        raise DemandInputError(str(error)) from None
    records = []
    for p in range(sub.n_periods):
        for d, place in enumerate(places):
            records.append((place.name, target, base_year + 5 * p, base_year + 5 * p + 5, solution.needed[d, p],
                            solution.total[d, p], solution.working_age[d, p],
                            solution.working_age[d, p] / solution.older[d, p]))
    table = pd.DataFrame(records, columns=["location", "target", "period_start", "period_end", "migrants", "total",
                                           "working_age", "potential_support_ratio"])
    # the solve's results leave the study layer at a stated precision (see analysis.data.precision)
    table = precision.rounded_frame(table, persons_columns=["migrants", "total", "working_age"])
    table["migrants_per_year"] = table["migrants"] / 5.0
    table["cumulative_migrants"] = table.groupby("location", sort=False)["migrants"].cumsum()
    columns = ["location", "target", "period_start", "period_end", "migrants", "migrants_per_year",
               "cumulative_migrants", "total", "working_age", "potential_support_ratio"]
    return Replacement(table[columns], sub, solution.migrants, row_destination)


def baselines(
    destinations: Sequence = DEFAULT_DESTINATIONS, base_year: int = 2025, end_year: int = 2100, variant: str = "medium",
    processed_dir: Path | None = None,
) -> pd.DataFrame:
    """The WPP-inputs run and the zero-migration run for the destinations, by period end.

    Returns
    -------
    DataFrame
        ``location, scenario, period_start, period_end, net_migration``
        (persons over the period), ``total, working_age, potential_support_ratio``.
    """
    places = resolve_all(destinations, processed_dir)
    frames = []
    for name in (variant, f"{variant}+zero-migration"):
        result = scenarios.run(name, base_year, end_year, processed_dir=processed_dir)
        components = result.components_table()
        for place in places:
            members = np.isin(result.inputs.location_codes, place.members)
            sums = result.population[members].sum(axis=0)  # (T, 2, 21)
            mine = components[components["location_code"].isin(place.members)]
            migration = mine.groupby("period_start")["net_migration"].sum().to_numpy()
            frames.append(pd.DataFrame({
                "location": place.name,
                "scenario": "zero-migration" if "zero" in name else variant,
                "period_start": result.years[:-1],
                "period_end": result.years[1:],
                "net_migration": migration,
                "total": sums[1:].sum(axis=(1, 2)),
                "working_age": sums[1:, :, 3:13].sum(axis=(1, 2)),
                "potential_support_ratio": sums[1:, :, 3:13].sum(axis=(1, 2)) / sums[1:, :, 13:].sum(axis=(1, 2)),
            }))
    return pd.concat(frames, ignore_index=True)


def replacement_summary(table: pd.DataFrame, horizons: Sequence[int] = (2050, 2100)) -> pd.DataFrame:
    """Cumulative and average yearly migrants from the first period start to each horizon."""
    rows = []
    start = int(table["period_start"].min())
    for (location, target), part in table.groupby(["location", "target"], sort=False):
        for horizon in horizons:
            within = part[part["period_end"] <= horizon]
            if within.empty or within["period_end"].max() != horizon:
                continue
            rows.append({
                "location": location, "target": target, "period": f"{start}-{horizon}",
                "cumulative_migrants": within["migrants"].sum(),
                "migrants_per_year": within["migrants"].sum() / (horizon - start),
            })
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- care workers
def care_workers(
    destinations: Sequence = DEFAULT_DESTINATIONS,
    base_year: int = 2025,
    years: Iterable[int] | None = None,
    variants: Iterable[str] = ("medium",),
    workers_per_100: float = OECD_CARE_WORKERS_PER_100_AGED_65,
    ages: str = "65+",
    processed_dir: Path | None = None,
) -> pd.DataFrame:
    """Care workers needed for the older population at a fixed ratio, and the additional number against the base year.

    Parameters
    ----------
    workers_per_100 : float
        Care workers per 100 people in ``ages``; default 5 per 100 aged 65+,
        the OECD average (OECD 2020, *Who Cares?*).  For the 80+ lens, pass
        ``ages="80+"`` and a ratio per 100 aged 80+ (see
        :func:`equivalent_ratio`).

    Returns
    -------
    DataFrame
        ``location, year, variant, ages, older_population, workers_needed,
        additional_workers`` (against the base year).
    """
    if isinstance(workers_per_100, bool) or not 0 < workers_per_100 <= 100:  # NaN fails too
        raise DemandInputError(f"workers per 100 older people must be positive and at most 100, got {workers_per_100}")
    years = check_years(years if years is not None else range(base_year, 2101, 5))
    check_years([base_year])
    population = indicators.population_of(resolve_all(destinations, processed_dir), variants,
                                          sorted(set(years) | {base_year}), processed_dir)
    older = indicators.age_band_total(population, ages).rename(columns={"population": "older_population"})
    older["workers_needed"] = older["older_population"] * workers_per_100 / 100.0
    base = older[older["year"] == base_year].set_index(["location", "variant"])["workers_needed"]
    older["additional_workers"] = older["workers_needed"].to_numpy() - base.reindex(
        older.set_index(["location", "variant"]).index).to_numpy()
    return older[older["year"].isin(years)].reset_index(drop=True)


def equivalent_ratio(destination, base_year: int = 2025, workers_per_100_aged_65: float = OECD_CARE_WORKERS_PER_100_AGED_65,
                     processed_dir: Path | None = None) -> float:
    """Workers per 100 aged 80+ that needs as many workers in the base year as the 65+ ratio does."""
    population = indicators.population_of([destination], ["medium"], [base_year], processed_dir)
    aged_65 = indicators.age_band_total(population, "65+")["population"].item()
    aged_80 = indicators.age_band_total(population, "80+")["population"].item()
    return workers_per_100_aged_65 * aged_65 / aged_80


# ---------------------------------------------------------------- supply side
def supply(
    origins: Sequence = ("Africa",),
    base_year: int = 2025,
    end_year: int = 2100,
    variants: Iterable[str] = ("medium", "low", "high"),
    entry_age: int = 15,
    employment_rate: float = 0.6,
    processed_dir: Path | None = None,
) -> pd.DataFrame:
    """Entrants to working age, net growth of the 15–64 population and jobs needed, per year of each period.

    * Entrants: everyone aged ``entry_age``–``entry_age + 4`` at the period's
      end reached ``entry_age`` during the period, so entrants per year are
      that group's size / 5 (WPP figures, migration included).
    * Net growth of the 15–64 population per year: its change over the period / 5.
    * Jobs needed per year to keep the employment-to-population ratio of the
      working-age population constant at ``employment_rate``:
      ``employment_rate × net growth per year``.

    Returns
    -------
    DataFrame
        ``location, variant, period_start, period_end, entrants_per_year,
        working_age_growth_per_year, jobs_needed_per_year``.
    """
    if entry_age % 5 or not 5 <= entry_age <= 60:
        raise DemandInputError(f"entry age must be a multiple of 5 between 5 and 60 (e.g. 15 or 20), got {entry_age}")
    if not 0.0 < employment_rate <= 1.0:
        raise DemandInputError(f"the employment-to-population ratio must be in (0, 1], got {employment_rate}")
    years = check_years(range(base_year, end_year + 1, 5))
    population = indicators.population_of(resolve_all(origins, processed_dir), variants, years, processed_dir)
    entrants = indicators.age_band_total(population, f"{entry_age}-{entry_age + 4}")
    working = indicators.age_band_total(population, WORKING)
    keys = ["location", "variant"]
    table = working.rename(columns={"population": "working_age"}).drop(columns="ages")
    table["entering_group"] = entrants["population"].to_numpy()
    table = table.sort_values(keys + ["year"], ignore_index=True)
    table["working_age_growth_per_year"] = table.groupby(keys, observed=True)["working_age"].diff() / 5.0
    table["entrants_per_year"] = table["entering_group"] / 5.0
    table["period_end"] = table["year"]
    table["period_start"] = table["year"] - 5
    table = table[table["year"] > base_year].copy()
    table["jobs_needed_per_year"] = employment_rate * table["working_age_growth_per_year"]
    table.attrs.update({"entry_age": entry_age, "employment_rate": employment_rate})
    return table[["location", "variant", "period_start", "period_end", "entrants_per_year",
                  "working_age_growth_per_year", "jobs_needed_per_year"]].reset_index(drop=True)


# ---------------------------------------------------------------- report tables (destination_demand, skills_partnership)
#: Africa's five regions, shown beside the continent on the supply side.
def _name(place) -> str:
    return place.name if hasattr(place, "name") else str(place)


def _one_location(table: pd.DataFrame, what: str) -> None:
    if table["location"].nunique() != 1:
        raise DemandInputError(f"{what} must hold one location, got {table['location'].nunique()}")


def destinations_with(destination) -> list[str]:
    """The destination followed by the default destinations (``DEFAULT_DESTINATIONS``), without repeats."""
    return list(dict.fromkeys([_name(destination), *DEFAULT_DESTINATIONS]))


def destination_overview(
    destinations: Sequence = DEFAULT_DESTINATIONS,
    base_year: int = 2025,
    horizon: int = 2050,
    processed_dir: Path | None = None,
) -> pd.DataFrame:
    """Change in the working-age population to the horizon and the support ratios, one row per destination.

    Returns
    -------
    DataFrame
        ``location``; ``medium, low, high``: percent change of the 15–64
        population from ``base_year`` to ``horizon`` under each variant;
        ``change_millions``: the medium variant's change in millions, rounded
        to 0.1; ``support_ratio_<base_year>, support_ratio_<horizon>``: the
        potential support ratio (medium variant) rounded to 2 decimals.
        Sorted by the medium change, largest decline first.
    """
    gaps = shortfall(destinations, base_year, [base_year, horizon], processed_dir=processed_dir)
    at_horizon = gaps[gaps["year"] == horizon]
    wide = indicators.variant_range(at_horizon, value="percent_change")
    ratios = indicators.variant_range(gaps, value="potential_support_ratio", index=["location", "year"])
    ratios = ratios.pivot_table(index="location", columns="year", values="medium", observed=True)
    change = indicators.variant_range(at_horizon, value="change_from_base")[["location", "medium"]]
    overview = wide.merge(change.rename(columns={"medium": "change_millions"}), on="location")
    overview["change_millions"] = (overview["change_millions"] / 1e6).round(1)
    overview[f"support_ratio_{base_year}"] = overview["location"].astype(str).map(ratios[base_year]).round(2)
    overview[f"support_ratio_{horizon}"] = overview["location"].astype(str).map(ratios[horizon]).round(2)
    return overview.sort_values("medium", ignore_index=True)


def support_ratios(trajectory: pd.DataFrame, years: Iterable[int]) -> pd.DataFrame:
    """Potential support ratio of one destination in the given years, by variant.

    Parameters
    ----------
    trajectory : DataFrame
        :func:`shortfall` of one destination.

    Returns
    -------
    DataFrame
        ``year, medium, low, high`` in the order of ``years``.
    """
    _one_location(trajectory, "the trajectory")
    wide = indicators.variant_range(trajectory, value="potential_support_ratio", index=["year"])
    return wide.set_index("year").loc[list(years)].reset_index()


def replacement_by_target(
    destinations: Sequence,
    base_year: int = 2025,
    end_year: int = 2100,
    profile: MigrantProfile = MigrantProfile(),
    support_ratio_floor: float | None = None,
    processed_dir: Path | None = None,
) -> pd.DataFrame:
    """:func:`replacement_migration` under each of ``TARGETS``, one table (the floor applies to the support ratio)."""
    return pd.concat([
        replacement_migration(destinations, target, base_year, end_year, profile,
                              support_ratio_floor if target == "support-ratio" else None, processed_dir=processed_dir)
        for target in TARGETS
    ], ignore_index=True)


def replacement_per_year(solved: pd.DataFrame, baseline: pd.DataFrame, variant: str = "medium") -> pd.DataFrame:
    """Net migrants needed per year under each target beside the net migration WPP assumes, for one destination.

    Parameters
    ----------
    solved : DataFrame
        :func:`replacement_by_target` of one destination.
    baseline : DataFrame
        :func:`baselines` of the same destination.

    Returns
    -------
    DataFrame
        ``period_end``, one column per target (migrants per year) and
        ``WPP <variant>``: WPP's net migration per year over the period.
    """
    _one_location(solved, "the replacement table")
    per_year = solved.pivot_table(index="period_end", columns="target", values="migrants_per_year", observed=True)
    per_year = per_year[[target for target in TARGETS if target in per_year.columns]]
    assumed = baseline[baseline["scenario"] == variant].set_index("period_end")["net_migration"] / 5
    per_year[f"WPP {variant}"] = assumed
    return per_year.reset_index()


def replacement_per_decade(solved: pd.DataFrame, baseline: pd.DataFrame, variant: str = "medium") -> pd.DataFrame:
    """:func:`replacement_per_year` averaged over ten-year spans from the first period, for one destination.

    The floor-keeping target (support ratio) adds in each 5-year period only
    what that period needs: a large intake keeps the ratio up for the next
    periods, which then need little or nothing, and the need returns when those
    migrants reach 65.  Per period the figures swing with the 5-year steps (an
    echo of the solve, not of anything a policy would do); averaged per decade
    they show the level.  Each decade's figure is its migrants over the decade
    divided by its years (the mean of its two 5-year periods); a last span of
    five years stands alone.

    Returns
    -------
    DataFrame
        ``period`` (``"2025-2035"``), ``period_start, period_end, years``,
        one column per target and ``WPP <variant>`` (net migrants per year,
        averaged over the span).
    """
    per_year = replacement_per_year(solved, baseline, variant)
    first = int(solved["period_start"].min())
    start = first + 10 * ((per_year["period_end"] - 5 - first) // 10)
    values = [c for c in per_year.columns if c != "period_end"]
    spans = per_year.assign(period_start=start).groupby("period_start", sort=True)
    out = spans[values].mean().reset_index()
    out["period_end"] = spans["period_end"].max().to_numpy()
    out["years"] = out["period_end"] - out["period_start"]
    out["period"] = out["period_start"].astype(str) + "-" + out["period_end"].astype(str)
    return out[["period", "period_start", "period_end", "years", *values]]


def replacement_context(solved: pd.DataFrame, baseline: pd.DataFrame, horizon: int, variant: str = "medium"
                        ) -> pd.Series:
    """The working-age replacement need of one destination up to ``horizon``, beside what WPP assumes and why.

    Parameters
    ----------
    solved : DataFrame
        :func:`replacement_migration` (or :func:`replacement_by_target`) of
        one destination, with the working-age target.
    baseline : DataFrame
        :func:`baselines` of the same destination.

    Returns
    -------
    Series
        ``location``, ``period`` (``"2025-2050"``), ``need_per_year`` (net
        immigrants a year, negative for net emigration), ``assumed_per_year``
        (WPP's net migration a year over the same periods), ``held`` (the
        15–64 population held, the base year's), and, without migration,
        ``zero_migration_peak`` and ``zero_migration_peak_year`` (the largest
        15–64 population up to ``horizon`` and its year) and
        ``zero_migration_at_horizon``.
    """
    _one_location(solved, "the replacement table")
    _one_location(baseline, "the baseline")
    working = solved[(solved["target"] == "working-age") & (solved["period_end"] <= horizon)]
    if working.empty or int(working["period_end"].max()) != horizon:
        raise DemandInputError(f"the replacement table does not reach {horizon}; solve it to {horizon} or later")
    start = int(working["period_start"].min())
    years = horizon - start
    assumed = baseline[(baseline["scenario"] == variant) & (baseline["period_end"] <= horizon)]
    zero = baseline[(baseline["scenario"] == "zero-migration") & (baseline["period_end"] <= horizon)]
    peak = zero.loc[zero["working_age"].idxmax()]
    return pd.Series({
        "location": str(working["location"].iloc[0]),
        "period": f"{start}-{horizon}",
        "need_per_year": float(working["migrants"].sum()) / years,
        "assumed_per_year": float(assumed["net_migration"].sum()) / years,
        "held": float(working["working_age"].iloc[0]),
        "zero_migration_peak": float(peak["working_age"]),
        "zero_migration_peak_year": int(peak["period_end"]),
        "zero_migration_at_horizon": float(zero.loc[zero["period_end"] == horizon, "working_age"].iloc[0]),
    })


def working_age_outcomes(baseline: pd.DataFrame, solved: pd.DataFrame, year: int, variant: str = "medium") -> pd.Series:
    """The destination's 15–64 population in ``year`` without migration and under WPP, and the level replacement holds.

    Parameters
    ----------
    baseline : DataFrame
        :func:`baselines` of one destination.
    solved : DataFrame
        :func:`replacement_migration` (or :func:`replacement_by_target`)
        of the same destination, with the working-age target.

    Returns
    -------
    Series
        ``zero-migration``, ``<variant>`` (persons in ``year``) and
        ``replacement``: the level the working-age target holds (its
        base-year level).
    """
    _one_location(baseline, "the baseline")
    zero = baseline[baseline["scenario"] == "zero-migration"].set_index("period_end")
    assumed = baseline[baseline["scenario"] == variant].set_index("period_end")
    held = solved.loc[solved["target"] == "working-age", "working_age"].iloc[0]
    return pd.Series({"zero-migration": zero.loc[year, "working_age"], variant: assumed.loc[year, "working_age"],
                      "replacement": held})


def care_workers_by_lens(
    destinations: Sequence,
    base_year: int,
    years: Iterable[int],
    variants: Iterable[str],
    workers_per_100_aged_65: float,
    workers_per_100_aged_80: float,
    processed_dir: Path | None = None,
) -> pd.DataFrame:
    """:func:`care_workers` driven by the population aged 65+ and by the population aged 80+, one table.

    ``workers_per_100_aged_80`` is usually :func:`equivalent_ratio`, which needs
    as many workers in the base year as the 65+ ratio.
    """
    years, variants = list(years), list(variants)
    return pd.concat([
        care_workers(destinations, base_year, years, variants, workers_per_100_aged_65, "65+", processed_dir),
        care_workers(destinations, base_year, years, variants, workers_per_100_aged_80, "80+", processed_dir),
    ], ignore_index=True)


def additional_by_lens(care: pd.DataFrame, years: Iterable[int], variant: str = "medium") -> pd.DataFrame:
    """Additional care workers of one destination in the given years, one column per age lens (``65+``, ``80+``).

    Parameters
    ----------
    care : DataFrame
        :func:`care_workers_by_lens` of one destination.
    """
    _one_location(care, "the care-worker table")
    wide = care[care["variant"] == variant].pivot_table(index="year", columns="ages", values="additional_workers",
                                                         observed=True)
    return wide.loc[list(years)].reset_index()


def origin_regions(origin, processed_dir: Path | None = None) -> list[str]:
    """The origin and, for a WPP region such as Africa, its sub-regions (from the locations table)."""
    return [_name(origin)] + subregions(origin, processed_dir)


def supply_averages(
    flows: pd.DataFrame,
    end_year: int,
    measures: Sequence[str] = ("entrants_per_year", "working_age_growth_per_year", "jobs_needed_per_year"),
) -> pd.DataFrame:
    """Average yearly supply measures over the periods ending by ``end_year``, one row per location.

    Parameters
    ----------
    flows : DataFrame
        :func:`supply`.

    Returns
    -------
    DataFrame
        ``location`` (in the order of ``flows``) and ``<measure>_<variant>``
        for each measure and variant (medium, low, high).
    """
    window = flows[flows["period_end"] <= end_year]
    means = window.groupby(["location", "variant"], observed=True)[list(measures)].mean().reset_index()
    wide = means.pivot_table(index="location", columns="variant", values=list(measures), observed=True)
    wide.columns = [f"{measure}_{variant}" for measure, variant in wide.columns]
    present = set(window["variant"].astype(str))
    columns = [f"{m}_{v}" for m in measures for v in indicators.VARIANTS if v in present]
    order = [str(name) for name in pd.unique(flows["location"])]
    return wide[columns].reindex(order).reset_index()


def need_and_supply(solved: pd.DataFrame, origin_flows: pd.DataFrame, horizon: int, variant: str = "medium") -> pd.Series:
    """A destination's replacement need set beside an origin's working-age growth, up to ``horizon``.

    Parameters
    ----------
    solved : DataFrame
        :func:`replacement_migration` (or :func:`replacement_by_target`) of
        one destination, with the working-age target.
    origin_flows : DataFrame
        :func:`supply` of one origin.

    Returns
    -------
    Series
        ``need``: net immigrants to hold the destination's 15–64 population
        over the periods ending by ``horizon``; ``working_age_growth`` and
        ``entrants``: the origin's growth of the 15–64 population and its
        young people reaching working age over the same periods (``variant``);
        ``share_of_growth``: ``need / working_age_growth``.
    """
    _one_location(solved, "the replacement table")
    _one_location(origin_flows, "the origin's flows")
    need = solved[(solved["target"] == "working-age") & (solved["period_end"] <= horizon)]["migrants"].sum()
    window = origin_flows[(origin_flows["variant"] == variant) & (origin_flows["period_end"] <= horizon)]
    growth = window["working_age_growth_per_year"].sum() * 5
    entrants = window["entrants_per_year"].sum() * 5
    return pd.Series({"need": need, "working_age_growth": growth, "entrants": entrants,
                      "share_of_growth": need / growth})


def additional_care_workers(
    destination,
    base_year: int,
    year: int,
    workers_per_100: float = OECD_CARE_WORKERS_PER_100_AGED_65,
    variants: Iterable[str] = ("medium", "low", "high"),
    processed_dir: Path | None = None,
) -> pd.Series:
    """Additional care workers (people aged 65+) one destination needs in ``year`` against ``base_year``, by variant."""
    care = care_workers([destination], base_year, [year], list(variants), workers_per_100, processed_dir=processed_dir)
    return care.set_index("variant")["additional_workers"]


def average_entrants(
    origin,
    base_year: int = 2025,
    end_year: int = 2050,
    variant: str = "medium",
    entry_age: int = 15,
    processed_dir: Path | None = None,
) -> float:
    """Young people reaching ``entry_age`` per year in an origin, averaged over the periods from base to end year."""
    flows = supply([origin], base_year, end_year, [variant], entry_age, processed_dir=processed_dir)
    return float(flows["entrants_per_year"].mean())
