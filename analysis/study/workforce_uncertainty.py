"""The workforce proxy by skill level with intervals: WPP 2024's uncertainty run through the project's engine.

The deterministic proxy (:mod:`analysis.study.skill_demand`) scales each
country's employment by the growth of its 15–64 population *by sex*.  The
trajectories of :mod:`analysis.study.uncertainty` keep age bands for both
sexes together, so here each country's employment per person aged 15–64 is
taken for both sexes at once: workers of a group in trajectory *n* and year
*t* = Σ over the destination's countries with data of (15–64 population of
*n*, *t*) × (employed in the group ÷ 15–64 population, reference year).
Replacement need per trajectory is the same rate times the 65–69 group
minus the 15–19 group at each period's end.  Every quantity is computed per
trajectory first and summarised after (quantiles of sums and of changes, not
sums of quantiles).  The medium-variant result with the both-sexes rate is
:func:`deterministic_both_sexes` (for comparing the fan's median with it).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from analysis.data import locations as locations_module
from analysis.study import skill_demand, uncertainty

BANDS: tuple[str, ...] = ("15-64", "15-19", "65-69")
DEFAULT_TRAJECTORIES = 1000


@dataclass
class WorkforceRun:
    """A probabilistic run with each destination's rates by group (both sexes).

    Attributes
    ----------
    result : TrajectoryResult
        Bands 15–64, 15–19 and 65–69 of every projected country.
    rates : DataFrame
        ``location, iso3, location_code, group, employment_rate`` (employed
        in the group per person aged 15–64, both sexes, reference year).
    by : str
        ``skill`` or ``occupation``.
    """

    result: object
    rates: pd.DataFrame
    by: str

    @property
    def n_trajectories(self) -> int:
        return self.result.n_trajectories

    def groups(self, location: str) -> list[str]:
        return list(dict.fromkeys(self.rates.loc[self.rates["location"] == location, "group"]))

    def weights(self, location: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """(L,) mask of the run's countries in the destination with data and (L, G) rates."""
        rows = self.rates[self.rates["location"] == location]
        if rows.empty:
            raise skill_demand.SkillDemandInputError(f"{location} was not simulated in this run")
        groups = self.groups(location)
        wide = rows.pivot_table(index="location_code", columns="group", values="employment_rate", observed=True)
        wide = wide.reindex(columns=groups).fillna(0.0)
        codes = np.asarray(self.result.codes)
        matrix = np.zeros((len(codes), len(groups)))
        position = {int(c): i for i, c in enumerate(codes)}
        for code, values in wide.iterrows():
            matrix[position[int(code)]] = values.to_numpy()
        return matrix.any(axis=1), matrix, groups


def both_sexes_rates(destinations: Sequence, by: str = "skill", processed_dir: Path | None = None) -> pd.DataFrame:
    """Each destination's countries with data: employed by group per person aged 15–64, both sexes, reference year."""
    members = skill_demand.members_with_data(destinations, processed_dir)
    rates = skill_demand.base_rates(members, by, processed_dir)
    working = rates.drop_duplicates(["location", "iso3", "sex"]).groupby(["location", "iso3"])["working_age"].sum()
    employed = rates.groupby(["location", "iso3", "group"], observed=True, sort=False)["employed"].sum().reset_index()
    employed["employment_rate"] = employed["employed"] / employed.set_index(["location", "iso3"]).index.map(working)
    codes = locations_module.load_locations(processed_dir)
    codes = codes[codes["kind"] == "country"].set_index("iso3")["location_code"]
    employed["location_code"] = employed["iso3"].map(codes).astype(int)
    return employed[["location", "iso3", "location_code", "group", "employment_rate"]]


def simulate(destinations: Sequence, by: str = "skill", n_trajectories: int = DEFAULT_TRAJECTORIES, seed: int = 1,
             end_year: int = 2050, cache: bool = False, processed_dir: Path | None = None) -> WorkforceRun:
    """Trajectories of the destinations' countries with data, with their rates (see the module docstring)."""
    by = skill_demand.check_by(by)
    rates = both_sexes_rates(destinations, by, processed_dir)
    countries = sorted(set(rates["iso3"]))
    result = uncertainty.simulate(countries, BANDS, n_trajectories, seed, end_year=end_year, cache=cache,
                                  processed_dir=processed_dir)
    return WorkforceRun(result, rates, by)


def workers(run: WorkforceRun, location: str, band: str = "15-64") -> tuple[np.ndarray, list[str]]:
    """(N, G, T) workers by group in each trajectory and year: the band's population times the rates."""
    mask, matrix, groups = run.weights(location)
    people = run.result.band(band)  # (N, L, T)
    return np.einsum("nlt,lg->ngt", people[:, mask], matrix[mask]), groups


def quantiles(run: WorkforceRun, location: str, probs: Sequence[float] = uncertainty.FAN_QUANTILES) -> pd.DataFrame:
    """Quantiles over trajectories of the workforce proxy by group and year.

    Returns
    -------
    DataFrame
        ``location, group, year, q…`` (persons; one column per quantile).
    """
    probs = uncertainty.check_quantiles(probs)
    values, groups = workers(run, location)
    table = np.quantile(values, probs, axis=0)  # (Q, G, T)
    rows = []
    for g, group in enumerate(groups):
        for t, year in enumerate(run.result.years):
            rows.append({"location": location, "group": group, "year": int(year),
                         **{f"q{p:g}": float(table[q, g, t]) for q, p in enumerate(probs)}})
    return pd.DataFrame(rows)


def fan(run: WorkforceRun, location: str, group: str) -> pd.DataFrame:
    """The quantiles a fan chart draws for one group: ``year, q0.025, …, q0.975``."""
    table = quantiles(run, location)
    rows = table[table["group"] == group]
    if rows.empty:
        raise skill_demand.SkillDemandInputError(f"{location} has no group {group!r}; groups: "
                                                 f"{', '.join(run.groups(location))}")
    return rows.drop(columns=["location", "group"]).reset_index(drop=True)


def change_quantiles(run: WorkforceRun, location: str, start: int = 2025, ends: Sequence[int] = (2035, 2050),
                     probs: Sequence[float] = uncertainty.DEFAULT_QUANTILES) -> pd.DataFrame:
    """Quantiles of each trajectory's change in the workforce proxy, by group (persons).

    Returns
    -------
    DataFrame
        ``location, group, start_year, end_year, quantile, change``.
    """
    probs = uncertainty.check_quantiles(probs)
    values, groups = workers(run, location)
    first = run.result.year_index(start)
    rows = []
    for end in ends:
        change = values[:, :, run.result.year_index(end)] - values[:, :, first]  # (N, G)
        table = np.quantile(change, probs, axis=0)
        for g, group in enumerate(groups):
            rows += [{"location": location, "group": group, "start_year": start, "end_year": end, "quantile": p,
                      "change": float(table[q, g])} for q, p in enumerate(probs)]
    return pd.DataFrame(rows)


def need_quantiles(run: WorkforceRun, location: str, start: int = 2025, ends: Sequence[int] = (2035, 2050),
                   probs: Sequence[float] = uncertainty.DEFAULT_QUANTILES) -> pd.DataFrame:
    """Quantiles of each trajectory's replacement need (leaving minus entering) summed from ``start`` to each end.

    Returns
    -------
    DataFrame
        ``location, group, start_year, end_year, quantile, need`` (workers).
    """
    probs = uncertainty.check_quantiles(probs)
    leaving, groups = workers(run, location, "65-69")
    entering, _ = workers(run, location, "15-19")
    years = np.asarray(run.result.years)
    rows = []
    for end in ends:
        period_ends = (years > start) & (years <= end)
        need = (leaving[:, :, period_ends] - entering[:, :, period_ends]).sum(axis=2)  # (N, G)
        table = np.quantile(need, probs, axis=0)
        for g, group in enumerate(groups):
            rows += [{"location": location, "group": group, "start_year": start, "end_year": end, "quantile": p,
                      "need": float(table[q, g])} for q, p in enumerate(probs)]
    return pd.DataFrame(rows)


def interval_table(table: pd.DataFrame, value: str, index: Sequence[str] = ("location", "group", "end_year")
                   ) -> pd.DataFrame:
    """Quantile rows as one row per index: ``median, low_80, high_80, low_95, high_95`` (rounded to persons)."""
    wide = table.pivot_table(index=list(index), columns="quantile", values=value, sort=False).reset_index()
    names = {0.5: "median", 0.1: "low_80", 0.9: "high_80", 0.025: "low_95", 0.975: "high_95"}
    wide = wide.rename(columns={q: names.get(float(q), f"q{float(q):g}") for q in wide.columns[len(index):]})
    wide.columns.name = None
    for column in wide.columns[len(index):]:
        wide[column] = wide[column].round(0)
    return wide


def deterministic_both_sexes(run: WorkforceRun, location: str, years: Sequence[int],
                             processed_dir: Path | None = None) -> pd.DataFrame:
    """The run's rates (both sexes) applied to WPP 2024's medium 15–64 population: ``group, year, workers``."""
    mask, matrix, groups = run.weights(location)
    codes = np.asarray(run.result.codes)[mask]
    iso3 = run.rates.drop_duplicates("location_code").set_index("location_code")["iso3"]
    population, _ = skill_demand.population_by_country([iso3[int(c)] for c in codes], years, "medium", processed_dir)
    working = skill_demand.band_sum(population, skill_demand.WORKING, ["iso3", "year"]).unstack("year")
    order = [iso3[int(c)] for c in codes]
    people = working.loc[order, list(years)].to_numpy()  # (L, T)
    values = np.einsum("lt,lg->gt", people, matrix[mask])
    return pd.DataFrame([{"group": group, "year": int(year), "workers": float(values[g, t])}
                         for g, group in enumerate(groups) for t, year in enumerate(years)])
