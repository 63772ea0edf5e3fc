"""Validation against WPP 2024: the engine against the medium variant, and probabilistic intervals against WPP's.

* :func:`compare_with_wpp`: the engine run on the medium-variant inputs
  (base population 2025, mortality, fertility, sex ratio at birth, net
  migration by age) against WPP's published medium-variant population.
* :func:`compare_intervals`: simulated total-population intervals
  (:mod:`analysis.model.trajectories`) against WPP's published 80 % and 95 %
  intervals in 2050 and 2100, for every country with at least 1 million
  people and for seven of WPP's aggregates summed from countries per
  trajectory, with the targets, the whole distribution of errors, the worst
  cases and the share of each interval due to migration uncertainty;
  :func:`wpp_aggregate_consistency` shows what WPP's country intervals imply
  for its aggregates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import ndtri

from pathlib import Path

from analysis.data import precision
from analysis.data import locations as locations_module
from analysis.data.tables import read_table
from analysis.model import projection, scenarios, trajectories, trajectory_cache, trajectory_runs
from analysis.model.inputs import wpp_inputs

#: Thresholds of the validation (relative errors).
COUNTRY_MIN_POPULATION = 1_000_000  # countries with at least this many people in 2025
WORKING_AGE_2050_MAX = 0.010  # every such country, 15-64 in 2050
WORKING_AGE_2050_TIGHT, WORKING_AGE_2050_TIGHT_SHARE = 0.005, 0.95
TOTAL_2100_MAX, TOTAL_2100_SHARE = 0.03, 0.95
AGGREGATE_2050_MAX, AGGREGATE_2100_MAX = 0.003, 0.010
AGGREGATES = ("Africa", "Sub-Saharan Africa", "World")


@dataclass
class Validation:
    """Per-country and aggregate comparisons, with a pass/fail summary."""

    countries: pd.DataFrame
    aggregates: pd.DataFrame
    summary: pd.DataFrame

    @property
    def passed(self) -> bool:
        return bool(self.summary["passed"].all())


def _wpp_totals(variant: str = "medium", processed_dir: Path | None = None) -> tuple[pd.Series, pd.Series]:
    """WPP population 15-64 and total by location and year (persons)."""
    population = read_table("population", processed_dir)
    population = population[population["variant"].isin([variant, "estimates"])]
    working = population[(population["age_start"] >= 15) & (population["age_start"] <= 64)]
    return (
        working.groupby(["location_code", "year"])["population"].sum(),
        population.groupby(["location_code", "year"])["population"].sum(),
    )


def compare_with_wpp(result: projection.ProjectionResult | None = None, variant: str = "medium",
                     processed_dir: Path | None = None) -> Validation:
    """Compare an engine run on WPP inputs with WPP's published population.

    Parameters
    ----------
    result : ProjectionResult, optional
        A run of :func:`analysis.model.scenarios.run` with the variant's inputs;
        run here (2025 to 2100) when not given.

    Returns
    -------
    Validation
        ``countries``: per country, population in 2025, working-age (15-64)
        population in 2050 and total in 2100, ours and WPP's, and relative
        errors; ``aggregates``: the same for Africa, Sub-Saharan Africa and the
        World; ``summary``: each threshold with the measured value.
    """
    result = result or scenarios.run(variant, processed_dir=processed_dir)
    working, total = _wpp_totals(variant, processed_dir)
    codes = result.inputs.location_codes
    years = list(result.years)
    ours_working = result.population[..., 3:13].sum(axis=(2, 3))  # (L, T)
    ours_total = result.population.sum(axis=(2, 3))
    names = read_table("locations", processed_dir).set_index("location_code")["name"]

    def pick(series: pd.Series, year: int) -> np.ndarray:
        return series.xs(year, level="year").reindex(codes).to_numpy()

    countries = pd.DataFrame(
        {
            "location_code": codes,
            "location": names.reindex(codes).to_numpy(),
            "population_2025": pick(total, 2025),
            "working_age_2050": ours_working[:, years.index(2050)],
            "working_age_2050_wpp": pick(working, 2050),
            "total_2100": ours_total[:, years.index(2100)],
            "total_2100_wpp": pick(total, 2100),
            "unrealised_emigration": result.unrealised_emigration.sum(axis=(1, 2, 3)),
        }
    )
    countries["error_working_age_2050"] = countries["working_age_2050"] / countries["working_age_2050_wpp"] - 1
    countries["error_total_2100"] = countries["total_2100"] / countries["total_2100_wpp"] - 1
    countries["large"] = countries["population_2025"] >= COUNTRY_MIN_POPULATION

    index = locations_module.index(processed_dir)
    rows = []
    for name in AGGREGATES:
        location = index.resolve(name)
        members = np.isin(codes, location.members)
        for year in (2050, 2100):
            t = years.index(year)
            rows.append(
                {
                    "location": location.name,
                    "year": year,
                    "working_age": ours_working[members, t].sum(),
                    "working_age_wpp": working[location.code, year],
                    "total": ours_total[members, t].sum(),
                    "total_wpp": total[location.code, year],
                }
            )
    aggregates = pd.DataFrame(rows)
    aggregates["error_working_age"] = aggregates["working_age"] / aggregates["working_age_wpp"] - 1
    aggregates["error_total"] = aggregates["total"] / aggregates["total_wpp"] - 1
    return Validation(countries, aggregates, _summary(countries, aggregates))


def _summary(countries: pd.DataFrame, aggregates: pd.DataFrame) -> pd.DataFrame:
    large = countries[countries["large"]]
    wa = large["error_working_age_2050"].abs()
    tot = large["error_total_2100"].abs()
    worst_wa = large.loc[wa.idxmax()]
    worst_tot = large.loc[tot.idxmax()]
    agg_2050 = aggregates[aggregates["year"] == 2050][["error_working_age", "error_total"]].abs().to_numpy().max()
    agg_2100 = aggregates[aggregates["year"] == 2100][["error_working_age", "error_total"]].abs().to_numpy().max()
    rows = [
        ("countries ≥ 1 million: 15-64 in 2050, largest error", wa.max(), WORKING_AGE_2050_MAX, "max",
         f"{worst_wa['location']}"),
        ("countries ≥ 1 million: 15-64 in 2050, share within 0.5 %", (wa <= WORKING_AGE_2050_TIGHT).mean(),
         WORKING_AGE_2050_TIGHT_SHARE, "min", ""),
        ("countries ≥ 1 million: 15-64 in 2050, median error", wa.median(), np.nan, "", ""),
        ("countries ≥ 1 million: total in 2100, share within 3 %", (tot <= TOTAL_2100_MAX).mean(), TOTAL_2100_SHARE,
         "min", ""),
        ("countries ≥ 1 million: total in 2100, median error", tot.median(), np.nan, "", ""),
        ("countries ≥ 1 million: total in 2100, largest error", tot.max(), np.nan, "", f"{worst_tot['location']}"),
        ("Africa, Sub-Saharan Africa, World: 2050, largest error (15-64 and total)", agg_2050, AGGREGATE_2050_MAX, "max", ""),
        ("Africa, Sub-Saharan Africa, World: 2100, largest error (15-64 and total)", agg_2100, AGGREGATE_2100_MAX, "max", ""),
    ]
    summary = pd.DataFrame(rows, columns=["check", "measured", "threshold", "kind", "where"])
    summary["passed"] = np.where(
        summary["kind"] == "max", summary["measured"] <= summary["threshold"],
        np.where(summary["kind"] == "min", summary["measured"] >= summary["threshold"], True),
    )
    summary.attrs["countries_checked"] = int(len(large))
    return summary.drop(columns="kind")


def migration_age_shift(variant: str = "medium", periods: int = 3, processed_dir: Path | None = None) -> float:
    """Share of a period's net migrants who move up one age group by its end, implied by WPP itself.

    For every country and the first ``periods`` periods from 2025, WPP's own
    cohort residual ``R(a+1) = P(a+1, t+5) − S(a) P(a, t)`` is regressed
    (pooled least squares, no intercept) on the net migrants of the same
    cohort's two age groups: ``R(a+1) ≈ β₁ S(a) N(a) + β₂ N(a+1)``.  The
    engine's timing puts a share s of migrants in the first term and 1 − s
    in the second, so s is estimated as ``β₁ / (β₁ + β₂)``, rounded to eight significant digits
    (:mod:`analysis.data.precision`).
    """
    inputs = wpp_inputs(variant, 2025, 2025 + 5 * periods, processed_dir=processed_dir)
    population = read_table("population", processed_dir)
    population = population[population["variant"] == variant].sort_values(["location_code", "year", "sex", "age"])
    years = list(range(2025, 2025 + 5 * (periods + 1), 5))
    population = population[population["year"].isin(years) & population["location_code"].isin(inputs.location_codes)]
    wpp_population = population["population"].to_numpy().reshape(len(inputs.location_codes), len(years), 2, 21)
    survival, _ = projection.survival_ratios(inputs.mx)
    residual, from_younger, same = [], [], []
    for p in range(periods):
        S = survival[:, p, :, :-2]
        residual.append(wpp_population[:, p + 1, :, 1:-1] - S * wpp_population[:, p, :, :-2])
        from_younger.append(S * inputs.net_migrants[:, p, :, :-2])
        same.append(inputs.net_migrants[:, p, :, 1:-1])
    y = np.concatenate([r.ravel() for r in residual])
    X = np.column_stack([np.concatenate([a.ravel() for a in from_younger]), np.concatenate([b.ravel() for b in same])])
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    return precision.significant(float(beta[0] / beta.sum()))  # a least-squares fit: stated precision


# ================================================================= probabilistic projections against WPP's intervals
#: Years compared: WPP's intervals of total population on 1 July.
INTERVAL_YEARS = (2050, 2100)
#: Aggregates summed from countries per trajectory, compared with WPP's own aggregate intervals.
INTERVAL_AGGREGATES = ("World", "Africa", "Sub-Saharan Africa", "Europe", "Asia", "Latin America and the Caribbean",
                       "Northern America")
#: The country targets: (description, year, statistic, limit) on the |relative error| of the 80 % bounds of the
#: countries with at least 1 million people, both bounds pooled; ``max_lower``: the largest error of a 10 % bound.
INTERVAL_TARGETS = (
    ("countries: 80 % bounds in 2050, median error", 2050, "median", 0.015),
    ("countries: 80 % bounds in 2050, 90th percentile error", 2050, "p90", 0.05),
    ("countries: 80 % bounds in 2100, median error", 2100, "median", 0.03),
    ("countries: 80 % bounds in 2100, 90th percentile error", 2100, "p90", 0.12),
    ("countries: 10 % bound in 2100, largest error", 2100, "max_lower", 0.20),
)
#: The aggregates' target by year: their median and both 80 % bounds within this of WPP's.
INTERVAL_AGGREGATE_LIMITS = {2050: 0.015, 2100: 0.03}
#: Measured errors are rounded to this many decimals (0.001 = 0.1 %) before they are compared or shown.
MEASURED_DECIMALS = 3
#: Simulated quantiles compared with WPP's points, keyed like the bounds.
BOUND_PROBS = {"l95": 0.025, "l80": 0.10, "median": 0.50, "u80": 0.90, "u95": 0.975}


def wpp_population_intervals(years: Sequence[int] | None = None, processed_dir: Path | None = None) -> pd.DataFrame:
    """WPP's total population on 1 July with its 80 % and 95 % bounds, every location (persons).

    Returns
    -------
    DataFrame
        ``location_code, year, l95, l80, median, u80, u95`` (the processed
        ``population_quantiles``: 1 July of *t* is the mean of the end-of-year
        values of *t − 1* and *t*; ``median`` is WPP's medium).
    """
    table = read_table("population_quantiles", processed_dir)
    if years is not None:
        table = table[table["year"].isin(list(years))]
    wide = table.pivot(index=["location_code", "year"], columns="quantile", values="population")
    wide.columns = list(BOUND_PROBS)
    return wide.reset_index()


def large_countries(codes: np.ndarray, processed_dir: Path | None = None,
                    minimum: float = COUNTRY_MIN_POPULATION) -> np.ndarray:
    """Mask of the countries with at least ``minimum`` people on 1 July 2025 (WPP medium)."""
    _, total = _wpp_totals("medium", processed_dir)
    size = total.xs(2025, level="year").reindex(np.asarray(codes))
    return (size >= minimum).to_numpy()


@dataclass
class IntervalValidation:
    """Simulated total-population intervals against WPP's published ones.

    Attributes
    ----------
    countries : DataFrame
        Per country with at least 1 million people and year: simulated and
        WPP's bounds, relative errors ``err_* = sim / WPP − 1`` (undefined
        where WPP's bound is 0) and width ratios of the 80 % and 95 % intervals.
    aggregates : DataFrame
        The same for :data:`INTERVAL_AGGREGATES`, summed from countries per trajectory.
    distribution : DataFrame
        Percentiles of |error| per year and interval (both bounds pooled), with the worst countries.
    targets : DataFrame
        Each target: ``target, measured, limit, passed``.
    migration_share : DataFrame or None
        Per country and year, the share of the 80 % width due to migration
        uncertainty: 1 − width without / width with.
    trajectories : int
    """

    countries: pd.DataFrame
    aggregates: pd.DataFrame
    distribution: pd.DataFrame
    targets: pd.DataFrame
    migration_share: pd.DataFrame | None
    trajectories: int

    @property
    def passed(self) -> bool:
        return bool(self.targets["passed"].all())


def _bounds(values: np.ndarray) -> dict[str, np.ndarray]:
    quantiles = np.quantile(values, list(BOUND_PROBS.values()), axis=0)
    return dict(zip(BOUND_PROBS, quantiles))


def _compare(frame: pd.DataFrame, simulated: dict, reference: pd.DataFrame) -> pd.DataFrame:
    for key in BOUND_PROBS:
        wpp_value = reference[key].to_numpy(dtype=float)
        frame[f"sim_{key}"] = simulated[key]
        frame[f"wpp_{key}"] = wpp_value
        with np.errstate(divide="ignore", invalid="ignore"):
            frame[f"err_{key}"] = np.where(wpp_value > 0, simulated[key] / wpp_value - 1.0, np.nan)
    for level in ("80", "95"):
        frame[f"width_ratio_{level}"] = ((simulated[f"u{level}"] - simulated[f"l{level}"])
                                         / (reference[f"u{level}"] - reference[f"l{level}"]).to_numpy(dtype=float))
    return frame


def interval_errors(totals: np.ndarray, codes: np.ndarray, years: np.ndarray, processed_dir: Path | None = None,
                    which: Sequence[int] = INTERVAL_YEARS,
                    aggregates: Sequence[str] = INTERVAL_AGGREGATES) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Country and aggregate bounds against WPP's, from per-trajectory total populations.

    Parameters
    ----------
    totals : (N, L, T) array
        Total population per trajectory, country and year (all countries projected).
    codes, years : arrays
        The countries' M49 codes and the years.
    aggregates : sequence of str
        WPP aggregates compared, summed from their countries per trajectory.

    Returns
    -------
    countries, aggregates : DataFrames
        See :class:`IntervalValidation`.
    """
    reference = wpp_population_intervals(which, processed_dir).set_index(["location_code", "year"])
    names = read_table("locations", processed_dir).set_index("location_code")["name"]
    large = large_countries(codes, processed_dir)
    index = locations_module.index(processed_dir)
    years = list(years)
    country_frames, rows = [], []
    for year in which:
        t = years.index(year)
        chosen = codes[large]
        frame = pd.DataFrame({"location_code": chosen, "location": names.reindex(chosen).to_numpy(), "year": year})
        country_frames.append(_compare(frame, _bounds(totals[:, large, t]),
                                       reference.xs(year, level="year").reindex(chosen)))
        for name in aggregates:
            place = index.resolve(name)
            summed = totals[:, np.isin(codes, place.members), t].sum(axis=1)
            frame = pd.DataFrame({"location": [place.name], "year": [year]})
            rows.append(_compare(frame, {k: np.atleast_1d(v) for k, v in _bounds(summed).items()},
                                 reference.loc[[(place.code, year)]]))
    return pd.concat(country_frames, ignore_index=True), pd.concat(rows, ignore_index=True)


def error_distribution(countries: pd.DataFrame) -> pd.DataFrame:
    """Percentiles of |error| by year and interval, both bounds pooled, with the five worst countries.

    Bounds WPP puts at zero (Hong Kong's lower bounds late in the century) have no
    relative error: they are counted as ``undefined`` and left out.
    """
    rows = []
    for year, part in countries.groupby("year"):
        for level in ("80", "95"):
            pooled = np.abs(np.concatenate([part[f"err_l{level}"], part[f"err_u{level}"]]))
            undefined = int(np.isnan(pooled).sum())
            pooled = pooled[~np.isnan(pooled)]
            worst = part.assign(e=np.fmax(part[f"err_l{level}"].abs(), part[f"err_u{level}"].abs())).nlargest(5, "e")
            rows.append({"year": int(year), "interval": f"{level} %", "bounds": len(pooled), "undefined": undefined,
                         **{f"p{int(q * 100)}": float(np.quantile(pooled, q)) for q in (0.1, 0.25, 0.5, 0.75, 0.9, 0.95)},
                         "max": float(pooled.max()), "median_width_ratio": float(part[f"width_ratio_{level}"].median()),
                         "worst": ", ".join(f"{r.location} ({r.e:.0%})" for r in worst.itertuples())})
        pooled = np.abs(part["err_median"].to_numpy())
        rows.append({"year": int(year), "interval": "median vs WPP medium", "bounds": len(pooled), "undefined": 0,
                     **{f"p{int(q * 100)}": float(np.quantile(pooled, q)) for q in (0.1, 0.25, 0.5, 0.75, 0.9, 0.95)},
                     "max": float(pooled.max()), "median_width_ratio": np.nan, "worst": ""})
    return pd.DataFrame(rows)


def interval_targets(countries: pd.DataFrame, aggregates: pd.DataFrame) -> pd.DataFrame:
    """The acceptance targets with the measured values (rounded to :data:`MEASURED_DECIMALS`) and pass/fail.

    Returns
    -------
    DataFrame
        ``target, year, measured, limit, passed, where``: the five country
        targets of :data:`INTERVAL_TARGETS`, then one row per aggregate and
        year (the largest of the errors of its median and 80 % bounds);
        ``where`` names the worst country or the aggregate's worst point.
    """
    rows = []
    for text, year, statistic, limit in INTERVAL_TARGETS:
        part = countries[countries["year"] == year]
        pooled = np.abs(np.concatenate([part["err_l80"], part["err_u80"]]))
        pooled = pooled[~np.isnan(pooled)]
        where = ""
        if statistic == "median":
            value = float(np.median(pooled))
        elif statistic == "p90":
            value = float(np.quantile(pooled, 0.9))
        else:
            lower = part["err_l80"].abs()
            value = float(lower.max())
            worst = part.loc[lower.idxmax()]
            where = f"{worst['location']} ({100 * worst['err_l80']:+.1f} %)"
        rows.append({"target": text, "year": year, "measured": value, "limit": limit, "where": where})
    for row in aggregates.itertuples():
        limit = INTERVAL_AGGREGATE_LIMITS.get(int(row.year))
        if limit is None:
            continue
        errors = {"lower 80 %": row.err_l80, "median": row.err_median, "upper 80 %": row.err_u80}
        point = max(errors, key=lambda key: abs(errors[key]))
        rows.append({"target": f"{row.location}: median and 80 % bounds in {row.year}, largest error",
                     "year": int(row.year), "measured": float(abs(errors[point])), "limit": limit,
                     "where": f"{point} {100 * errors[point]:+.1f} %"})
    table = pd.DataFrame(rows, columns=["target", "year", "measured", "limit", "where"])
    table["measured"] = table["measured"].round(MEASURED_DECIMALS)
    table.insert(4, "passed", table["measured"] <= table["limit"])
    return table


def wpp_aggregate_consistency(years: Sequence[int] = INTERVAL_YEARS, aggregates: Sequence[str] = INTERVAL_AGGREGATES,
                              processed_dir: Path | None = None, points: int = 2000) -> pd.DataFrame:
    """What WPP's published country intervals imply for its aggregates, against WPP's aggregate intervals.

    A sum of trajectories has the sum of its members' means, whatever their
    correlation.  Each location's distribution is read off WPP's five points
    with the sampler's quantile function (linear in the normal score between
    the points, normal tails; ``points`` equal-probability scores), and the
    mean of the aggregate's own interval is compared with the sum of its
    countries' means, both relative to WPP's medium of the aggregate.

    Returns
    -------
    DataFrame
        ``location, year, aggregate_mean, countries_mean`` (relative to WPP's
        medium), rounded to :data:`MEASURED_DECIMALS`.
    """
    reference = wpp_population_intervals(years, processed_dir).set_index(["location_code", "year"])
    keys = list(BOUND_PROBS)
    scores = ndtri((np.arange(points) + 0.5) / points)
    index = locations_module.index(processed_dir)

    def means(rows: pd.DataFrame) -> np.ndarray:
        coefficients = trajectories.quantile_slopes(rows[keys].to_numpy(dtype=float))
        return np.mean([trajectories.evaluate_quantiles(coefficients, z) for z in scores], axis=0)

    out = []
    for year in years:
        table = reference.xs(year, level="year")
        for name in aggregates:
            place = index.resolve(name)
            countries = table.reindex(place.members).dropna()
            medium = float(table.loc[place.code, "median"])
            out.append({"location": place.name, "year": int(year),
                        "aggregate_mean": float(means(table.loc[[place.code]])[0]) / medium - 1.0,
                        "countries_mean": float(means(countries).sum()) / medium - 1.0})
    frame = pd.DataFrame(out)
    return frame.round({"aggregate_mean": MEASURED_DECIMALS, "countries_mean": MEASURED_DECIMALS})


def migration_share(with_migration: np.ndarray, without: np.ndarray, codes: np.ndarray, years: np.ndarray,
                    processed_dir: Path | None = None, which: Sequence[int] = INTERVAL_YEARS) -> pd.DataFrame:
    """Share of each large country's 80 % width due to migration uncertainty: 1 − width without / width with.

    Parameters
    ----------
    with_migration, without : (N, L, T) arrays
        Total population per trajectory with and without migration uncertainty (same seed).
    """
    large = large_countries(codes, processed_dir)
    names = read_table("locations", processed_dir).set_index("location_code")["name"]
    years = list(years)
    frames = []
    for year in which:
        t = years.index(year)
        on = np.quantile(with_migration[:, large, t], [0.1, 0.9], axis=0)
        off = np.quantile(without[:, large, t], [0.1, 0.9], axis=0)
        frames.append(pd.DataFrame({"location": names.reindex(codes[large]).to_numpy(), "year": year,
                                    "share_due_to_migration": 1.0 - (off[1] - off[0]) / (on[1] - on[0])}))
    return pd.concat(frames, ignore_index=True)


def compare_intervals(totals: np.ndarray, codes: np.ndarray, years: np.ndarray, without_migration: np.ndarray | None = None,
                      processed_dir: Path | None = None,
                      aggregates: Sequence[str] = INTERVAL_AGGREGATES) -> IntervalValidation:
    """The whole comparison with WPP's intervals, from per-trajectory totals of every country.

    Parameters
    ----------
    totals : (N, L, T) array
        Total population per trajectory, country and year; all countries.
    without_migration : (N, L, T) array, optional
        The same run with migration uncertainty switched off, for the share
        of the intervals due to migration.
    aggregates : sequence of str
        WPP aggregates compared (the seven of the targets by default).
    """
    countries, summed = interval_errors(totals, codes, years, processed_dir, aggregates=aggregates)
    share = None if without_migration is None else migration_share(totals, without_migration, codes, years, processed_dir)
    return IntervalValidation(countries, summed, error_distribution(countries),
                              interval_targets(countries, summed), share, int(totals.shape[0]))


def validate_intervals(n_trajectories: int = 1000, seed: int = 1, migration_switch: bool = True,
                       scheduler: str = "threads", cache: bool = False, processed_dir: Path | None = None,
                       params: trajectories.Parameters | None = None, migration: str = "rate") -> IntervalValidation:
    """Project every country ``n_trajectories`` times and compare the intervals with WPP's.

    Parameters
    ----------
    migration_switch : bool
        Also run with migration uncertainty off (same seed), for the share of each interval due to migration.
    cache : bool
        Read and store the runs in the trajectory cache (:mod:`analysis.model.trajectory_cache`).
    params : Parameters, optional
        Correlation parameters (the calibrated ones by default).
    migration : {"rate", "count"}
        How sampled migration is applied (see :func:`analysis.model.trajectories.make_model`).
    """
    runs = []
    for uncertain in ((True, False) if migration_switch else (True,)):
        model = trajectories.make_model(seed=seed, bands=("all",), migration_uncertainty=uncertain,
                                        processed_dir=processed_dir, params=params, migration=migration)
        if cache:
            result = trajectory_cache.cached_run(model, n_trajectories, scheduler=scheduler)
        else:
            result = trajectory_runs.run(model, n_trajectories, scheduler=scheduler)
        runs.append(result)
    totals = runs[0].band("all")
    return compare_intervals(totals, runs[0].codes, runs[0].years, runs[1].band("all") if migration_switch else None,
                             processed_dir)


def migration_share_summary(share: pd.DataFrame, largest: int = 6) -> pd.DataFrame:
    """The share of the 80 % width due to migration uncertainty, summarised by year.

    Returns
    -------
    DataFrame
        ``year, countries, p10, median, p90, over_half`` (countries where
        migration is more than half the width) and ``largest`` (names and shares).
    """
    rows = []
    for year, part in share.groupby("year"):
        values = part["share_due_to_migration"]
        top = part.nlargest(largest, "share_due_to_migration")
        rows.append({"year": int(year), "countries": len(part), "p10": float(values.quantile(0.1)),
                     "median": float(values.median()), "p90": float(values.quantile(0.9)),
                     "over_half": int((values > 0.5).sum()),
                     "largest": ", ".join(f"{r.location} ({r.share_due_to_migration:.0%})" for r in top.itertuples())})
    return pd.DataFrame(rows)
