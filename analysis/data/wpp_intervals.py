"""WPP 2024's probabilistic projections: the published quantiles of TFR, life expectancy, migration and population.

WPP 2024 publishes, besides its variants, the 80 % and 95 % intervals of its
probabilistic projections.  Four raw files become four processed tables, each
with a ``quantile`` column (0.025, 0.1, 0.5, 0.9, 0.975):

* ``tfr_quantiles`` from ``tfrproj5dt``: total fertility per 5-year period;
* ``life_expectancy_quantiles`` from ``e0proj5dt``: life expectancy at birth
  per period and sex (male, female, both);
* ``migration_quantiles`` from ``migproj1dt``: annual net migrants per
  **calendar year** 2024–2100, persons;
* ``population_quantiles`` from ``popproj1dt``: total population on
  **1 July** 2025–2100, persons.

Conventions handled here:

* Counts in thousands become persons (rounded to whole persons, as elsewhere).
* The 0.5 row is WPP's own point with the intervals: the medium variant (for
  TFR and life expectancy also the median of WPP's trajectories; for
  population the deterministic medium projection, which WPP does not claim to
  be the median of its population trajectories).
* Only projection periods are kept (from 2025–2030): the period 2020–2025 is
  partly observed, and its bounds are not ordered for 11 locations (the
  Central African Republic's medium e0 lies below both its lower bounds).
* ``popproj1dt`` refers to the **end** of each year: the 1 July population of
  year *t* is the mean of the end-of-year values of *t − 1* and *t*, for the
  bounds as for the medium (the same rule as ``population_midyear``; it
  reproduces the 5-year table's 1 July medium within 9 persons after rounding).
* Annual migration covers calendar years, while a 5-year period runs from
  1 July to 1 July: weighted ½, 1, 1, 1, 1, ½ over the years *t … t+5*, the
  annual medians add up to the period totals of ``net_migration`` within
  ``MIGRATION_PERIOD_TOLERANCE`` persons for every country (measured: 186,
  Jersey, 2025–2030), while plain sums of five years are up to 854 thousand
  off.  (WPP's World is 0 every year; its age table sums to a few thousand.)
* WPP leaves a few outer bounds empty (7 lower 95 % TFR bounds and 25 lower
  95 % e0 bounds of Hong Kong, Kuwait and Andorra late in the century).  Each
  is filled from the 80 % bound on the same side with a normal tail,
  ``q95 = q50 + (q80 − q50) × z(0.975) / z(0.9)``, and flagged ``filled``.

Checks on build: unique keys, five quantiles per cell, finite values,
quantiles non-decreasing, TFR positive and e0 and population non-negative,
the TFR and e0 medians equal to the ``tfr`` and ``life_expectancy`` medium
variant, the 1 July population medium equal to the ``population`` table's
medium totals within ``POPULATION_MIDYEAR_TOLERANCE`` persons, and the
weighted annual migration medians equal to ``net_migration``'s period totals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import ndtri

from analysis.data.tables import TABLE_KEYS, ValidationError, check_unique

#: Probabilities of WPP's published points, lowest first.
QUANTILES: tuple[float, ...] = (0.025, 0.10, 0.50, 0.90, 0.975)
#: First projection period (and first 1 July of the population quantiles).
FIRST_PROJECTION_YEAR = 2025
#: Weights of the calendar years t … t+5 in the period 1 July t – 1 July t+5.
PERIOD_YEAR_WEIGHTS: tuple[float, ...] = (0.5, 1.0, 1.0, 1.0, 1.0, 0.5)
#: Weighted annual migration medians against the period totals, persons (measured: at most 186).
MIGRATION_PERIOD_TOLERANCE = 250.0
#: 1 July medium from the end-of-year totals against the 5-year table, persons (measured: at most 9).
POPULATION_MIDYEAR_TOLERANCE = 10.0
#: Medians against the variant tables (the same numbers, read from two files).
MEDIAN_TOLERANCE = 1e-9
SEX_BOTH_DTYPE = pd.CategoricalDtype(["male", "female", "both"])

_Z = ndtri(np.array(QUANTILES))


def fill_outer_bounds(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fill missing outer (95 %) or inner (80 %) bounds from the other bound on the same side by a normal tail.

    Parameters
    ----------
    points : (..., 5) array
        Values at the probabilities of :data:`QUANTILES`; the median must be present.

    Returns
    -------
    filled : (..., 5) array
    was_missing : (..., 5) bool array
    """
    points = np.array(points, dtype="float64")
    missing = np.isnan(points)
    ratio = _Z[0] / _Z[1]
    median = points[..., 2]
    for outer, inner in ((0, 1), (4, 3)):
        points[..., outer] = np.where(missing[..., outer], median + (points[..., inner] - median) * ratio,
                                      points[..., outer])
        points[..., inner] = np.where(missing[..., inner], median + (points[..., outer] - median) / ratio,
                                      points[..., inner])
    if np.isnan(points).any():
        raise ValidationError("WPP quantiles: a bound is missing on both the 80 % and the 95 % level, or a median is missing")
    return points, missing


def _projection_periods(raw: pd.DataFrame) -> pd.DataFrame:
    start = raw["period"].astype(str).str[:4].astype(int)
    return raw[start >= FIRST_PROJECTION_YEAR].assign(period_start=start[start >= FIRST_PROJECTION_YEAR])


def _long(keys: pd.DataFrame, points: np.ndarray, missing: np.ndarray, value: str) -> pd.DataFrame:
    """Repeat ``keys`` once per quantile, with the values and the ``filled`` flag."""
    n = len(keys)
    out = keys.loc[keys.index.repeat(len(QUANTILES))].reset_index(drop=True)
    out["quantile"] = np.tile(np.array(QUANTILES), n)
    out[value] = points.reshape(-1)
    out["filled"] = missing.reshape(-1)
    return out


def clean_tfr_quantiles(raw: pd.DataFrame) -> pd.DataFrame:
    """Total fertility per projection period at WPP's five quantiles.

    Parameters
    ----------
    raw : DataFrame
        Raw ``tfrproj5dt`` (``tfr``, ``tfr_80l`` … ``tfr_95u``).

    Returns
    -------
    DataFrame
        ``location_code, period_start, period_end, quantile, tfr, filled``.
    """
    raw = _projection_periods(raw).sort_values(["country_code", "period_start"])
    points, missing = fill_outer_bounds(raw[["tfr_95l", "tfr_80l", "tfr", "tfr_80u", "tfr_95u"]].to_numpy())
    keys = pd.DataFrame({"location_code": raw["country_code"].astype("int32").to_numpy(),
                         "period_start": raw["period_start"].astype("int16").to_numpy()})
    keys["period_end"] = (keys["period_start"] + 5).astype("int16")
    return _long(keys, points, missing, "tfr").sort_values(TABLE_KEYS["tfr_quantiles"], ignore_index=True)


def clean_life_expectancy_quantiles(raw: pd.DataFrame) -> pd.DataFrame:
    """Life expectancy at birth per projection period and sex at WPP's five quantiles.

    Parameters
    ----------
    raw : DataFrame
        Raw ``e0proj5dt`` (``e0M``, ``e0M_80l`` … for M, F and B).

    Returns
    -------
    DataFrame
        ``location_code, period_start, period_end, sex, quantile, e0, filled``.
    """
    raw = _projection_periods(raw).sort_values(["country_code", "period_start"])
    frames = []
    for sex, code in (("male", "M"), ("female", "F"), ("both", "B")):
        columns = [f"e0{code}_95l", f"e0{code}_80l", f"e0{code}", f"e0{code}_80u", f"e0{code}_95u"]
        points, missing = fill_outer_bounds(raw[columns].to_numpy())
        keys = pd.DataFrame({"location_code": raw["country_code"].astype("int32").to_numpy(),
                             "period_start": raw["period_start"].astype("int16").to_numpy()})
        keys["period_end"] = (keys["period_start"] + 5).astype("int16")
        keys["sex"] = sex
        frames.append(_long(keys, points, missing, "e0"))
    out = pd.concat(frames, ignore_index=True)
    out["sex"] = out["sex"].astype(SEX_BOTH_DTYPE)
    return out.sort_values(TABLE_KEYS["life_expectancy_quantiles"], ignore_index=True)


def clean_migration_quantiles(raw: pd.DataFrame) -> pd.DataFrame:
    """Annual net migrants per calendar year at WPP's five quantiles, persons.

    Parameters
    ----------
    raw : DataFrame
        Raw ``migproj1dt`` (thousands; ``mig``, ``mig_80l`` … ``mig_95u``).

    Returns
    -------
    DataFrame
        ``location_code, year, quantile, net_migrants, filled`` (persons in
        the calendar year).
    """
    raw = raw.sort_values(["country_code", "year"])
    thousands = raw[["mig_95l", "mig_80l", "mig", "mig_80u", "mig_95u"]].to_numpy(dtype="float64")
    points, missing = fill_outer_bounds(np.round(thousands * 1000.0))
    keys = pd.DataFrame({"location_code": raw["country_code"].astype("int32").to_numpy(),
                         "year": raw["year"].astype("int16").to_numpy()})
    return _long(keys, points, missing, "net_migrants").sort_values(TABLE_KEYS["migration_quantiles"], ignore_index=True)


def clean_population_quantiles(raw: pd.DataFrame) -> pd.DataFrame:
    """Total population on 1 July at WPP's five quantiles, from the end-of-year totals.

    The 1 July value of year *t* is the mean of the end-of-year values of
    *t − 1* and *t*, for every bound.

    Parameters
    ----------
    raw : DataFrame
        Raw ``popproj1dt`` (thousands at the end of each year 2024–2100).

    Returns
    -------
    DataFrame
        ``location_code, year, quantile, population, filled`` for 1 July 2025–2100.
    """
    raw = raw.sort_values(["country_code", "year"]).reset_index(drop=True)
    end_of_year = np.column_stack([raw["pop_95l"], raw["pop_80l"], raw["popM"] + raw["popF"], raw["pop_80u"],
                                   raw["pop_95u"]]).astype("float64") * 1000.0
    same_location = raw["country_code"].to_numpy()[1:] == raw["country_code"].to_numpy()[:-1]
    consecutive = raw["year"].to_numpy()[1:] == raw["year"].to_numpy()[:-1] + 1
    july = (end_of_year[1:] + end_of_year[:-1]) / 2.0
    keep = same_location & consecutive
    points, missing = fill_outer_bounds(np.round(july[keep]))
    later = raw.iloc[1:][keep]
    keys = pd.DataFrame({"location_code": later["country_code"].astype("int32").to_numpy(),
                         "year": later["year"].astype("int16").to_numpy()})
    return _long(keys, points, missing, "population").sort_values(TABLE_KEYS["population_quantiles"], ignore_index=True)


# ---------------------------------------------------------------- checks
def check_quantile_table(table: pd.DataFrame, value: str, name: str, minimum: float | None = None,
                         positive: bool = False) -> None:
    """Unique keys, five quantiles per cell in order, finite and non-decreasing values, and a lower limit.

    Raises
    ------
    ValidationError
    """
    keys = TABLE_KEYS[name]
    check_unique(table, keys, name)
    cell = [k for k in keys if k != "quantile"]
    if len(table) % len(QUANTILES) or not np.allclose(table["quantile"].to_numpy().reshape(-1, len(QUANTILES)),
                                                      np.array(QUANTILES)[None]):
        raise ValidationError(f"{name}: every {', '.join(cell)} needs the five quantiles {QUANTILES}")
    values = table[value].to_numpy(dtype="float64").reshape(-1, len(QUANTILES))
    if not np.isfinite(values).all():
        raise ValidationError(f"{name}: {int((~np.isfinite(values)).sum())} values of {value} are not finite")
    steps = np.diff(values, axis=1)
    if (steps < 0).any():
        row = table.iloc[int(np.argmax((steps < 0).any(axis=1))) * len(QUANTILES)]
        raise ValidationError(f"{name}: quantiles of {value} decrease for {row[cell].to_dict()}")
    if positive and (values <= 0).any():
        raise ValidationError(f"{name}: {value} must be positive; {int((values <= 0).sum())} values are not")
    if minimum is not None and (values < minimum).any():
        raise ValidationError(f"{name}: {int((values < minimum).sum())} values of {value} are below {minimum:g}")


def _medians(table: pd.DataFrame, keys: list[str], value: str) -> pd.Series:
    return table[table["quantile"] == 0.5].set_index(keys)[value]


def check_against_variants(tfr_quantiles: pd.DataFrame, e0_quantiles: pd.DataFrame, population_quantiles: pd.DataFrame,
                           migration_quantiles: pd.DataFrame, tfr: pd.DataFrame, life_expectancy: pd.DataFrame,
                           population: pd.DataFrame, net_migration: pd.DataFrame, countries: np.ndarray) -> dict:
    """The medians against the variant tables, and annual migration against the period totals.

    Returns
    -------
    dict
        The largest differences found: ``tfr``, ``e0``, ``population``
        (persons), ``migration`` (persons, countries).

    Raises
    ------
    ValidationError
        When a difference exceeds its tolerance (see the module notes).
    """
    found = {}
    medium_tfr = tfr[tfr["variant"] == "medium"].set_index(["location_code", "period_start"])["tfr"]
    ours = _medians(tfr_quantiles, ["location_code", "period_start"], "tfr")
    found["tfr"] = float((ours - medium_tfr.reindex(ours.index)).abs().max())
    medium_e0 = life_expectancy[life_expectancy["variant"] == "medium"].set_index(
        ["location_code", "period_start", "sex"])["e0"]
    ours_e0 = _medians(e0_quantiles, ["location_code", "period_start", "sex"], "e0")
    found["e0"] = float((ours_e0 - medium_e0.reindex(ours_e0.index)).abs().max())
    for key, tolerance in (("tfr", MEDIAN_TOLERANCE), ("e0", MEDIAN_TOLERANCE)):
        if not found[key] <= tolerance:
            raise ValidationError(f"{key} quantiles: the median differs from the medium variant by {found[key]:.3g}")

    medium = population[population["variant"] == "medium"].groupby(["location_code", "year"])["population"].sum()
    july = _medians(population_quantiles, ["location_code", "year"], "population")
    july = july[july.index.get_level_values("year") % 5 == 0]
    found["population"] = float((july - medium.reindex(july.index)).abs().max())
    if not found["population"] <= POPULATION_MIDYEAR_TOLERANCE:
        raise ValidationError(f"population_quantiles: the 1 July medium differs from the population table by "
                              f"{found['population']:,.1f} persons (more than {POPULATION_MIDYEAR_TOLERANCE:g})")

    annual = _medians(migration_quantiles, ["location_code", "year"], "net_migrants").unstack("year")
    annual = annual.reindex(countries)
    totals = net_migration.groupby(["location_code", "period_start"])["net_migrants"].sum().unstack("period_start")
    worst = 0.0
    for start in totals.columns:
        years = list(range(int(start), int(start) + 6))
        if not set(years) <= set(annual.columns):
            continue
        weighted = (annual[years] * np.array(PERIOD_YEAR_WEIGHTS)).sum(axis=1)
        worst = max(worst, float((weighted - totals[start].reindex(countries)).abs().max()))
    found["migration"] = worst
    if not worst <= MIGRATION_PERIOD_TOLERANCE:
        raise ValidationError(f"migration_quantiles: weighted annual medians differ from net_migration's period totals "
                              f"by {worst:,.0f} persons (more than {MIGRATION_PERIOD_TOLERANCE:g})")
    return found
