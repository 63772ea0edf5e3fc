"""Scenarios against a reference scenario: differences by age band and year, and which way they point.

Used by the scenario report to state results such as "a faster fertility
decline gives fewer people under 15 at every date from 2035, and never more
people of working age than the medium variant".
"""

from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd

from analysis.errors import InputError
from analysis.study.indicators import age_band_total

DEFAULT_BANDS = ("0-14", "15-64")


class ContrastInputError(InputError):
    """A contrast that cannot be made (reference scenario missing from the table)."""


def band_differences(population: pd.DataFrame, reference: str = "medium",
                     bands: Iterable[str] = DEFAULT_BANDS) -> pd.DataFrame:
    """Each scenario's population in age bands minus the reference scenario's, by location and year.

    Parameters
    ----------
    population : DataFrame
        :func:`analysis.model.scenarios.projected_population` (``location,
        year, scenario, sex, age, age_start, population``).
    reference : str
        The scenario the others are compared with.
    bands : iterable of str
        Age bands (``"0-14"``, ``"15-64"`` …).

    Returns
    -------
    DataFrame
        ``location, scenario, band, year, reference, population,
        difference`` (persons), the reference scenario left out.

    Raises
    ------
    ContrastInputError
        If the reference scenario is not in the table.
    """
    scenarios = list(dict.fromkeys(population["scenario"].astype(str)))
    if reference not in scenarios:
        raise ContrastInputError(f"reference scenario {reference!r} is not among {', '.join(scenarios)}")
    frames = []
    for band in bands:
        totals = age_band_total(population, band)
        totals["scenario"] = totals["scenario"].astype(str)
        base = totals[totals["scenario"] == reference][["location", "year", "population"]].rename(
            columns={"population": "reference"})
        others = totals[totals["scenario"] != reference].merge(base, on=["location", "year"])
        others["band"] = band
        frames.append(others)
    out = pd.concat(frames, ignore_index=True)
    out["difference"] = out["population"] - out["reference"]
    out["scenario"] = pd.Categorical(out["scenario"], categories=[s for s in scenarios if s != reference])
    columns = ["location", "scenario", "band", "year", "reference", "population", "difference"]
    return out[columns].sort_values(["location", "scenario", "band", "year"], ignore_index=True)


def direction_summary(differences: pd.DataFrame, tolerance: float = 0.5) -> pd.DataFrame:
    """Which way each scenario moves each band against the reference, over the years.

    Parameters
    ----------
    differences : DataFrame
        From :func:`band_differences`.
    tolerance : float
        Differences within this many persons count as equal (rounding).

    Returns
    -------
    DataFrame
        One row per ``location, scenario, band``: ``fewer_from`` (the first
        year from which the band is smaller at every later date, or missing),
        ``same_before`` (equal to the reference at every earlier date),
        ``never_larger`` and ``never_smaller`` (over all years),
        ``first_different`` (the first year it differs), ``largest_fall``
        and ``largest_rise`` (persons) and ``last_year_difference``.
    """
    rows = []
    keys = ["location", "scenario", "band"]
    for key, group in differences.groupby(keys, observed=True, sort=False):
        group = group.sort_values("year")
        diff = group["difference"].to_numpy()
        years = group["year"].to_numpy()
        smaller = diff < -tolerance
        # the first year from which every later year is smaller
        tail_all = np.logical_and.accumulate(smaller[::-1])[::-1]
        fewer_from = int(years[np.argmax(tail_all)]) if tail_all.any() else None
        different = np.abs(diff) > tolerance
        same_before = fewer_from is not None and not different[years < fewer_from].any()
        rows.append(dict(zip(keys, key)) | {
            "fewer_from": fewer_from,
            "same_before": same_before,
            "never_larger": bool((diff <= tolerance).all()),
            "never_smaller": bool((diff >= -tolerance).all()),
            "first_different": int(years[np.argmax(different)]) if different.any() else None,
            "largest_fall": float(min(diff.min(), 0.0)),
            "largest_rise": float(max(diff.max(), 0.0)),
            "last_year_difference": float(diff[-1]),
        })
    out = pd.DataFrame(rows)
    for column in ("fewer_from", "first_different"):  # a year, or None: kept as objects so a table can print blanks
        out[column] = pd.Series([row[column] for row in rows], dtype=object)
    return out


def direction_sentences(summary: pd.DataFrame, reference: str = "medium") -> list[str]:
    """One sentence per location, scenario and band of a :func:`direction_summary`, written from its numbers."""
    labels = {"0-14": "people under 15", "15-64": "people of working age (15-64)", "65+": "people aged 65+"}
    sentences = []
    for row in summary.itertuples():
        what = labels.get(row.band, f"people aged {row.band}")
        head = f"{row.location}, {row.scenario} against {reference}: "
        if row.first_different is None:
            sentences.append(head + f"{what} as in {reference} at every date.")
            continue
        parts = []
        if row.fewer_from is not None:
            parts.append(f"fewer {what} at every date from {row.fewer_from}"
                         + (" (the same before)" if row.same_before else ""))
        if row.never_larger:
            parts.append(f"never more {what} than {reference}; the largest gap is {-row.largest_fall / 1e6:,.1f} million")
        elif row.never_smaller:
            parts.append(f"never fewer {what} than {reference}; the largest gap is {row.largest_rise / 1e6:,.1f} million")
        else:
            parts.append(f"{what} up to {row.largest_rise / 1e6:,.1f} million more and up to "
                         f"{-row.largest_fall / 1e6:,.1f} million fewer than {reference}")
        sentences.append(head + "; ".join(parts) + ".")
    return sentences
