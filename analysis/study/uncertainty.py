"""Probabilistic answers: intervals for any location, group, age band and year.

Built on the trajectories of :mod:`analysis.model.trajectories` (WPP 2024's
published uncertainty of fertility, mortality and migration, run through the
project's engine).  Every quantity is computed **per trajectory** first and
summarised after: a group's population is the sum of its members in each
trajectory, a change is each trajectory's end minus its start, a support
ratio is each trajectory's 15–64 over its 65+; quantiles are then taken over
trajectories.  (Adding up members' quantiles, or subtracting two years'
quantiles, would not give the quantiles of the sum or of the change.)

* :func:`simulate` — run trajectories for some locations and age bands
  (cached on request, or written to an ensemble store);
* :func:`open_store` — an ensemble store (every trajectory by location,
  year, sex and age) as a lazy ``xarray.Dataset``, for questions of one's own;
* :func:`population_quantiles`, :func:`change_quantiles`,
  :func:`support_ratio_quantiles` — quantiles (default 2.5, 10, 50, 90,
  97.5 %) by location and year;
* :func:`exceedance` — the probability that a quantity exceeds a threshold;
* :func:`replacement_quantiles` — the distribution of the yearly replacement
  migration a destination needs, solved per trajectory;
* :func:`fan` and :func:`replacement_fan` — the quantiles a fan chart draws
  (50, 80 and 95 % intervals);
* :func:`monte_carlo_error` — how precisely a number of trajectories pins a
  quantile down (a distribution-free 95 % interval from order statistics);
* :func:`interval_text` — "+802 M (80 %: +760 to +845 M)".
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import binom

from analysis.data import precision, wording
from analysis.data.conventions import LAST_YEAR, check_years, parse_age_band
from analysis.data.locations import Location, resolve, resolve_all
from analysis.errors import InputError
from analysis.model import ensemble_store, trajectory_cache, trajectory_runs
from analysis.model.ensemble_store import open_store
from analysis.study import demand
from analysis.model.trajectories import (ReplacementRequest, TrajectoryResult, band_label, make_model,
                                         parameters_file_record)

__all__ = ["ReplacementRequest", "open_store"]  # re-exported: the request a caller passes to simulate(); the store

#: Quantiles reported by default: WPP's own points.
DEFAULT_QUANTILES: tuple[float, ...] = (0.025, 0.10, 0.50, 0.90, 0.975)
#: Quantiles of a fan chart: the 95, 80 and 50 % intervals and the median.
FAN_QUANTILES: tuple[float, ...] = (0.025, 0.10, 0.25, 0.50, 0.75, 0.90, 0.975)
#: Trajectories of the command line by default.
DEFAULT_TRAJECTORIES = 2000
#: Largest number of trajectories in one run of this process (more: a cluster and several runs).
MAX_TRAJECTORIES = 1_000_000
FIRST_YEAR = 2025


class UncertaintyInputError(InputError):
    """Bad input to a probabilistic question (years before 2025, a band not simulated, a quantile outside 0–1)."""


def check_quantiles(probs: Sequence[float]) -> list[float]:
    """Probabilities strictly between 0 and 1, each once, in increasing order."""
    values = []
    for value in probs:
        if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)) or not 0.0 < float(value) < 1.0:
            raise UncertaintyInputError(f"quantile {value!r} must be a number above 0 and below 1, e.g. 0.1 or 0.9")
        if float(value) not in values:
            values.append(float(value))
    if not values:
        raise UncertaintyInputError("no quantiles given; e.g. 0.1,0.5,0.9")
    return sorted(values)


def check_trajectory_years(years: Sequence[int]) -> list[int]:
    """Years on the 5-year grid from 2025 (WPP's probabilistic projections start on 1 July 2025)."""
    years = check_years(years)
    early = [year for year in years if year < FIRST_YEAR]
    if early:
        raise UncertaintyInputError(f"year {early[0]} comes before 2025: probabilistic projections start from WPP's "
                                    "1 July 2025 population; give years among 2025, 2030, …, 2100")
    return years


def simulate(
    locations: Sequence,
    ages: Sequence[str] = ("15-64",),
    n_trajectories: int = DEFAULT_TRAJECTORIES,
    seed: int = 1,
    scenario=None,
    end_year: int = LAST_YEAR,
    replacement: ReplacementRequest | None = None,
    migration_uncertainty: bool = True,
    scheduler: str = "threads",
    chunk_size: int | None = None,
    progress: bool | None = None,
    cache: bool = False,
    processed_dir: Path | None = None,
    store: str | Path | None = None,
    overwrite: bool = False,
    store_attrs: dict | None = None,
) -> TrajectoryResult:
    """Run trajectories of the locations' countries, keeping the age bands asked for.

    Parameters
    ----------
    locations : sequence
        Countries or groups (names, ISO-3 or M49 codes); their countries are projected.
    ages : sequence of str
        Age bands kept (``"15-64"``, ``"65+"``, ``"all"`` …); support ratios need 15-64 and 65+.
    n_trajectories : int
        1 to :data:`MAX_TRAJECTORIES`.
    seed : int
        The same seed gives the same numbers, whatever the scheduler.
    scenario : str or mapping, optional
        A scenario applied to every trajectory (its variant must be medium).
    end_year : int
        Last year projected (2030, 2035, …, 2100).
    replacement : ReplacementRequest, optional
        Replacement migration solved per trajectory.
    migration_uncertainty : bool
        False: WPP's median migration in every trajectory.
    scheduler : str
        ``threads``, ``synchronous``, ``processes`` or a dask.distributed address.
    cache : bool
        Read and store the run in ``data/cache/trajectories`` (reports do).
    store : str or Path, optional
        Also write every trajectory's population by sex and age to a new
        ensemble store there (a ``.zarr`` folder; see :func:`open_store`),
        from the tasks that compute them; the cache is then not used.
    overwrite : bool
        Replace an ensemble store already at ``store``.
    store_attrs : dict, optional
        More attributes for the store (provenance, scenario files read).
    """
    if isinstance(n_trajectories, bool) or not isinstance(n_trajectories, (int, np.integer)) \
            or not 1 <= n_trajectories <= MAX_TRAJECTORIES:
        raise UncertaintyInputError(f"the number of trajectories must be a whole number from 1 to "
                                    f"{MAX_TRAJECTORIES:,}, got {n_trajectories!r}")
    bands = [band_label(label) for label in ages]
    model = make_model(seed=seed, locations=list(locations), bands=bands, scenario=scenario, end_year=end_year,
                       migration_uncertainty=migration_uncertainty, replacement=replacement,
                       processed_dir=processed_dir)
    if store is not None:
        asked = [place if isinstance(place, Location) else resolve(place, processed_dir) for place in locations]
        return ensemble_store.write(model, int(n_trajectories), store, scheduler, chunk_size, progress=progress,
                                    overwrite=overwrite, locations=asked, attrs=store_attrs)
    if cache:
        return trajectory_cache.cached_run(model, int(n_trajectories), chunk_size, scheduler, progress)
    return trajectory_runs.run(model, int(n_trajectories), chunk_size, scheduler, progress=progress)


def _places(locations: Sequence | Location, processed_dir: Path | None) -> list[Location]:
    return [locations] if isinstance(locations, Location) else resolve_all(
        [locations] if isinstance(locations, (str, int)) else list(locations), processed_dir)


def _years(result: TrajectoryResult, years: Sequence[int] | None) -> list[int]:
    if years is None:
        return [int(year) for year in result.years]
    years = check_trajectory_years(years)
    missing = [year for year in years if year not in result.years]
    if missing:
        raise UncertaintyInputError(f"year {missing[0]} is beyond this run, which ends in {int(result.years[-1])}")
    return years


def per_trajectory(result: TrajectoryResult, location: Location, ages: str) -> np.ndarray:
    """(N, T) persons in a band of a location (its member countries summed in each trajectory)."""
    return result.summed(location.members, ages)


def _long(location: str, years: Sequence[int], probs: Sequence[float], values: np.ndarray, name: str,
          extra: dict | None = None) -> pd.DataFrame:
    """Quantiles (len(probs), len(years)) as rows ``location, year, [extra], quantile, <name>``."""
    frame = pd.DataFrame({"location": location, "year": np.repeat(list(years), len(probs)),
                          "quantile": np.tile(list(probs), len(years)), name: values.T.reshape(-1)})
    for position, (key, value) in enumerate((extra or {}).items(), start=2):
        frame.insert(position, key, value)
    return frame


def population_quantiles(result: TrajectoryResult, locations, ages: str = "15-64", years: Sequence[int] | None = None,
                         probs: Sequence[float] = DEFAULT_QUANTILES, processed_dir: Path | None = None) -> pd.DataFrame:
    """Quantiles over trajectories of the population in an age band, by location and year.

    Returns
    -------
    DataFrame
        ``location, year, ages, quantile, population`` (persons).
    """
    probs = check_quantiles(probs)
    label = band_label(ages)
    frames = []
    for place in _places(locations, processed_dir):
        chosen = _years(result, years)
        values = per_trajectory(result, place, label)[:, [result.year_index(y) for y in chosen]]
        frames.append(_long(place.name, chosen, probs, np.quantile(values, probs, axis=0), "population",
                            {"ages": label}))
    return pd.concat(frames, ignore_index=True)


def change_quantiles(result: TrajectoryResult, locations, ages: str, start: int, end: int,
                     probs: Sequence[float] = DEFAULT_QUANTILES, relative: bool = False,
                     processed_dir: Path | None = None) -> pd.DataFrame:
    """Quantiles of each trajectory's change between two years (end minus start; not a difference of quantiles).

    Returns
    -------
    DataFrame
        ``location, start_year, end_year, ages, quantile, change`` (persons,
        or a fraction of the start with ``relative``).
    """
    probs = check_quantiles(probs)
    if start >= end:
        raise UncertaintyInputError(f"the end year {end} must come after the start year {start}")
    start, end = _years(result, [start, end])
    label = band_label(ages)
    rows = []
    for place in _places(locations, processed_dir):
        values = changes(result, place, label, start, end, relative)
        for prob, value in zip(probs, np.quantile(values, probs)):
            rows.append({"location": place.name, "start_year": start, "end_year": end, "ages": label,
                         "quantile": prob, "change": float(value)})
    return pd.DataFrame(rows)


def changes(result: TrajectoryResult, place: Location, ages: str, start: int, end: int,
            relative: bool = False) -> np.ndarray:
    """(N,) each trajectory's change in a band between two years (``relative``: end / start − 1)."""
    values = per_trajectory(result, place, ages)
    first, last = values[:, result.year_index(start)], values[:, result.year_index(end)]
    return last / first - 1.0 if relative else last - first


def support_ratios(result: TrajectoryResult, place: Location, working: str = "15-64", older: str = "65+") -> np.ndarray:
    """(N, T) potential support ratio per trajectory: people in ``working`` per person in ``older``."""
    return per_trajectory(result, place, working) / per_trajectory(result, place, older)


def support_ratio_quantiles(result: TrajectoryResult, locations, years: Sequence[int] | None = None,
                            probs: Sequence[float] = DEFAULT_QUANTILES, working: str = "15-64", older: str = "65+",
                            processed_dir: Path | None = None) -> pd.DataFrame:
    """Quantiles of the potential support ratio (per trajectory: 15–64 over 65+), by location and year.

    Returns
    -------
    DataFrame
        ``location, year, quantile, support_ratio``.
    """
    probs = check_quantiles(probs)
    frames = []
    for place in _places(locations, processed_dir):
        chosen = _years(result, years)
        values = support_ratios(result, place, working, older)[:, [result.year_index(y) for y in chosen]]
        frames.append(_long(place.name, chosen, probs, np.quantile(values, probs, axis=0), "support_ratio"))
    return pd.concat(frames, ignore_index=True)


MEASURES = ("population", "change", "support_ratio")


def exceedance(result: TrajectoryResult, location, threshold: float, year: int, measure: str = "population",
               ages: str = "15-64", start: int | None = None, processed_dir: Path | None = None) -> pd.DataFrame:
    """The probability that a quantity exceeds a threshold: the share of trajectories above it.

    Parameters
    ----------
    measure : {"population", "change", "support_ratio"}
        The population in ``ages`` in ``year``; its change from ``start`` to
        ``year``; or the support ratio in ``year``.

    Returns
    -------
    DataFrame
        One row: ``location, measure, ages, start_year, year, threshold,
        probability, trajectories``.
    """
    if measure not in MEASURES:
        raise UncertaintyInputError(f"measure {measure!r} is not one of {', '.join(MEASURES)}")
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.floating)) or not np.isfinite(threshold):
        raise UncertaintyInputError(f"the threshold must be a finite number, got {threshold!r}")
    place = _places(location, processed_dir)[0]
    (year,) = _years(result, [year])
    if measure == "change":
        if start is None:
            raise UncertaintyInputError("the change needs a start year")
        values = changes(result, place, ages, start, year)
    elif measure == "support_ratio":
        values = support_ratios(result, place)[:, result.year_index(year)]
    else:
        values = per_trajectory(result, place, ages)[:, result.year_index(year)]
    return pd.DataFrame([{"location": place.name, "measure": measure,
                          "ages": "15-64/65+" if measure == "support_ratio" else band_label(ages),
                          "start_year": start if measure == "change" else np.nan, "year": year,
                          "threshold": float(threshold), "probability": float((values > threshold).mean()),
                          "trajectories": len(values)}])


def replacement_quantiles(result: TrajectoryResult, probs: Sequence[float] = DEFAULT_QUANTILES,
                          horizons: Sequence[int] = (), periods: bool = True) -> pd.DataFrame:
    """The distribution of the yearly replacement migration needed, solved per trajectory.

    Returns
    -------
    DataFrame
        ``destination, target, period_start, period_end, quantile,
        migrants_per_year`` (persons a year, whole persons: a solve's results
        are rounded, see :mod:`analysis.data.precision`): one row per period and
        quantile (unless ``periods`` is False), and for each of ``horizons``
        one row per quantile of each trajectory's average over the base year
        to the horizon.
    """
    if result.replacement is None:
        raise UncertaintyInputError("this run solved no replacement migration; pass replacement= to simulate()")
    probs = check_quantiles(probs)
    needed = result.values["replacement"] / 5.0  # (N, D, P) persons a year
    starts = np.asarray(result.years[:-1])
    ends = np.asarray(result.years[1:])
    rows = []
    for d, name in enumerate(result.replacement_names):
        spans = [(int(start), int(end), needed[:, d, p]) for p, (start, end) in enumerate(zip(starts, ends))] \
            if periods else []
        for horizon in sorted(set(horizons)):
            if horizon not in ends:
                raise UncertaintyInputError(f"horizon {horizon} is not the end of a period of this run "
                                            f"({int(ends[0])}, …, {int(ends[-1])})")
            periods = int(np.flatnonzero(ends == horizon)[0]) + 1
            spans.append((int(starts[0]), int(horizon), needed[:, d, :periods].mean(axis=1)))
        for start, end, values in spans:
            for prob, value in zip(probs, np.quantile(values, probs)):
                rows.append({"destination": name, "target": result.replacement.target, "period_start": start,
                             "period_end": end, "quantile": prob,
                             "migrants_per_year": precision.persons(float(value))})
    return pd.DataFrame(rows)


def _wide(table: pd.DataFrame, index: str, value: str) -> pd.DataFrame:
    wide = table.pivot_table(index=index, columns="quantile", values=value).reset_index()
    wide.columns = [index] + [f"q{float(c):g}" for c in wide.columns[1:]]
    return wide


def fan(result: TrajectoryResult, location, ages: str = "15-64", measure: str = "population",
        processed_dir: Path | None = None) -> pd.DataFrame:
    """The quantiles a fan chart draws, by year: ``year, q0.025, q0.1, q0.25, q0.5, q0.75, q0.9, q0.975``.

    ``measure`` is ``population`` (persons in ``ages``) or ``support_ratio``.
    """
    if measure == "support_ratio":
        table = support_ratio_quantiles(result, location, probs=FAN_QUANTILES, processed_dir=processed_dir)
        return _wide(table, "year", "support_ratio")
    table = population_quantiles(result, location, ages, probs=FAN_QUANTILES, processed_dir=processed_dir)
    return _wide(table, "year", "population")


def deterministic_replacement(result: TrajectoryResult, processed_dir: Path | None = None) -> pd.DataFrame:
    """The same replacement request solved once on WPP's medium inputs (:func:`analysis.study.demand.solve_replacement`).

    Returns
    -------
    DataFrame
        The table of :func:`analysis.study.demand.replacement_migration`
        (``location, target, period_start, period_end, migrants, migrants_per_year, …``).
    """
    request = result.replacement
    if request is None:
        raise UncertaintyInputError("this run solved no replacement migration; pass replacement= to simulate()")
    return demand.replacement_migration(list(result.replacement_names), request.target, int(result.years[0]),
                                        int(result.years[-1]), demand.MigrantProfile(request.ages, request.female_share),
                                        request.support_ratio_floor, "medium", request.allow_emigration,
                                        processed_dir=processed_dir)


def replacement_fan(result: TrajectoryResult, destination: int = 0, processed_dir: Path | None = None) -> pd.DataFrame:
    """The fan-chart quantiles of the yearly replacement migration by period, with the solve on WPP's medium inputs.

    Returns
    -------
    DataFrame
        ``period_end, q0.025 … q0.975`` (persons a year) and ``wpp_medium``:
        the same request solved once on WPP's medium inputs
        (:func:`deterministic_replacement`).
    """
    name = result.replacement_names[destination]
    table = replacement_quantiles(result, FAN_QUANTILES)
    wide = _wide(table[table["destination"] == name], "period_end", "migrants_per_year")
    solved = deterministic_replacement(result, processed_dir)
    solved = solved[solved["location"] == name].set_index("period_end")["migrants_per_year"]
    wide["wpp_medium"] = solved.reindex(wide["period_end"]).to_numpy()
    return wide


def monte_carlo_error(values: np.ndarray, probs: Sequence[float] = DEFAULT_QUANTILES,
                      confidence: float = 0.95) -> pd.DataFrame:
    """How precisely ``len(values)`` trajectories estimate each quantile: a distribution-free interval.

    The k-th smallest of N draws lies below the p-quantile with a binomial
    probability, so the order statistics of ranks ``binom.ppf((1 ∓ c) / 2, N,
    p)`` bound the true p-quantile with probability of at least about ``c``
    (no assumption on the distribution).

    Returns
    -------
    DataFrame
        ``quantile, estimate, lower, upper, half_width`` (in the units of ``values``).
    """
    values = np.sort(np.asarray(values, dtype="float64"))
    n = len(values)
    rows = []
    for prob in check_quantiles(probs):
        low = int(np.clip(binom.ppf((1 - confidence) / 2, n, prob), 0, n - 1))
        high = int(np.clip(binom.ppf((1 + confidence) / 2, n, prob), 0, n - 1))
        rows.append({"quantile": prob, "estimate": float(np.quantile(values, prob)), "lower": float(values[low]),
                     "upper": float(values[high]), "half_width": float(values[high] - values[low]) / 2.0})
    return pd.DataFrame(rows)


def interval_text(values: np.ndarray, scale: float = 1e6, unit: str = " M", signed: bool = True,
                  decimals: int | None = None, level: float = 0.8) -> str:
    """The median with a central interval of per-trajectory values, e.g. ``+802 M (80 %: +760 to +845 M)``.

    The three numbers share the decimals that keep two significant digits of the
    smallest non-zero one (:mod:`analysis.data.wording`), unless ``decimals`` is
    given: ``+0.48 M (80 %: +0.41 to +0.55 M)``, never ``+0 M``.  Without
    ``signed`` (counts that cannot be negative) a zero is written ``none``.
    """
    low, median, high = np.quantile(np.asarray(values, dtype="float64"), [(1 - level) / 2, 0.5, (1 + level) / 2])
    shown = [v / scale for v in (median, low, high)]
    if decimals is None:
        decimals = max([wording.decimals(v) for v in shown if round(v, 6) != 0] or [0])

    def number(value: float) -> str:
        if not signed and round(value, decimals) == 0:
            return "none"
        return wording.number(value, decimals, sign=signed)

    def with_unit(value: float) -> str:
        text = number(value)
        return text if text == "none" else f"{text}{unit}"

    return f"{with_unit(shown[0])} ({100 * level:g} %: {number(shown[1])} to {with_unit(shown[2])})"


def change_headline(result: TrajectoryResult, location, ages: str, start: int, end: int, relative: bool = False,
                    processed_dir: Path | None = None) -> str:
    """The median change in a band between two years with its 80 % interval.

    ``+802 M (80 %: +760 to +845 M)``, or with ``relative`` a percentage:
    ``-11.3 % (80 %: -12.1 to -10.5 %)``.
    """
    place = _places(location, processed_dir)[0]
    values = changes(result, place, band_label(ages), start, end, relative)
    if relative:
        return interval_text(values, scale=0.01, unit=" %")
    return interval_text(values)


def change_summary(result: TrajectoryResult, location, ages: str, start: int, end: int,
                   probs: Sequence[float] = DEFAULT_QUANTILES, processed_dir: Path | None = None) -> pd.DataFrame:
    """Quantiles of each trajectory's change, with how precisely this many trajectories pin each one down.

    Returns
    -------
    DataFrame
        ``quantile, change, lower, upper, half_width`` (persons): the
        estimate and its distribution-free 95 % Monte Carlo interval (see
        :func:`monte_carlo_error`).
    """
    place = _places(location, processed_dir)[0]
    values = changes(result, place, band_label(ages), start, end)
    return monte_carlo_error(values, probs).rename(columns={"estimate": "change"})


def exceedance_table(result: TrajectoryResult, location, ages: str, start: int, end: int,
                     thresholds: dict[str, float], processed_dir: Path | None = None) -> pd.DataFrame:
    """The probability that the change from ``start`` to ``end`` exceeds each named threshold.

    Returns
    -------
    DataFrame
        ``threshold, change, probability`` (persons; the share of trajectories above it).
    """
    place = _places(location, processed_dir)[0]
    values = changes(result, place, band_label(ages), start, end)
    return pd.DataFrame([{"threshold": name, "change": float(value), "probability": float((values > value).mean())}
                         for name, value in thresholds.items()])


def replacement_headline(result: TrajectoryResult, horizon: int, destination: int = 0) -> str:
    """The median yearly replacement migration from the base year to ``horizon`` with its 80 % interval (thousands)."""
    ends = np.asarray(result.years[1:])
    if horizon not in ends:
        raise UncertaintyInputError(f"horizon {horizon} is not the end of a period of this run")
    periods = int(np.flatnonzero(ends == horizon)[0]) + 1
    values = result.values["replacement"][:, destination, :periods].sum(axis=1) / (5.0 * periods)
    return interval_text(values, scale=1e3, unit=" thousand", signed=False)


def replacement_reference(result: TrajectoryResult, horizon: int, destination: int = 0,
                          processed_dir: Path | None = None) -> float:
    """The same request solved on WPP's medium inputs: migrants a year from the base year to ``horizon`` (persons)."""
    solved = deterministic_replacement(result, processed_dir)
    solved = solved[(solved["location"] == result.replacement_names[destination]) & (solved["period_end"] <= horizon)]
    return float(solved["migrants"].sum() / (horizon - int(result.years[0])))


def parse_band(ages: str) -> str:
    """An age band's label (``"15-64"``), checked."""
    return parse_age_band(ages).label


def files_read() -> list[dict]:
    """The calibration file every probabilistic run reads, with its SHA-256 (for a report's provenance)."""
    return [parameters_file_record()]
