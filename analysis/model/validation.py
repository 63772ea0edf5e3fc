"""Validation of the projection engine against WPP 2024, from the UN's own inputs.

The engine is run on the medium-variant inputs (base population 2025,
mortality, fertility, sex ratio at birth, net migration by age) and compared
with WPP's published medium-variant population.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pathlib import Path

from analysis.data import locations as locations_module
from analysis.data.tables import read_table
from analysis.model import projection, scenarios
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
    in the second, so s is estimated as ``β₁ / (β₁ + β₂)``.
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
    return float(beta[0] / beta.sum())
