"""Cleaning the WPP 2024 files into tidy, typed tables, and reading them back.

Raw conventions handled here (see the data mirror's README):

* counts are in **thousands** in the raw files; processed tables hold
  **persons** (rounded to whole persons, which is exactly what the raw
  three-decimal values encode);
* the projection file stores ``year`` as **text**;
* population in year *t* is the population on **1 July** of *t*; rates and
  counts of the 5-year period ``t–t+5`` cover 1 July *t* to 30 June *t+5* and
  take the population of *t* to that of *t+5*.  The raw files label periods by
  text (``"2025-2030"``) and by the period's middle year (2028); processed
  tables carry ``period_start`` and ``period_end`` instead.

Every ``clean_*`` function is pure (DataFrames in, a DataFrame out); the
``build`` step reads the raw files, cleans, validates and writes Parquet
atomically; ``load_*`` functions read the processed tables.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from analysis.data.conventions import (
    AGE_DTYPE,
    AGE_GROUPS,
    FERTILITY_AGE_DTYPE,
    MORTALITY_AGE_DTYPE,
    POPULATION_YEARS,
    SEX_DTYPE,
    VARIANT_DTYPE,
    VARIANTS,
    IndicatorInputError,
    age_start,
)
from analysis.data.tables import (
    TABLE_KEYS,
    ValidationError,
    check_complete_ages,
    check_non_negative,
    check_unique,
    read_table,
)

#: Countries must sum to each WPP aggregate within this many persons: the
#: raw figures are rounded to whole persons (measured: at most 96 persons apart).
AGGREGATE_TOLERANCE = 100.0
#: WPP counts the Holy See (M49 336) in its aggregates, but the wpp2024
#: package has no rows for it; aggregates that contain it may differ by its
#: population as well (measured: at most 1,622 persons).
HOLY_SEE, HOLY_SEE_ALLOWANCE = 336, 2000.0


# ---------------------------------------------------------------- helpers
def _persons(thousands: pd.Series | np.ndarray) -> np.ndarray:
    """Thousands (three decimals) to whole persons, as float64."""
    return np.round(np.asarray(thousands, dtype="float64") * 1000.0)


def _period_bounds(period: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Split ``"2025-2030"`` labels into start and end years."""
    parts = period.astype(str).str.split("-", n=1, expand=True)
    return parts[0].astype("int16").to_numpy(), parts[1].astype("int16").to_numpy()


def _mortality_age_label(age: pd.Series) -> pd.Series:
    """Raw mortality ages ``"0", "1", "5", …, "100+"`` to labels ``0, 1-4, 5-9 …``."""
    labels = {"0": "0", "1": "1-4", "100+": "100+"}
    labels.update({str(a): f"{a}-{a + 4}" for a in range(5, 100, 5)})
    out = age.astype(str).map(labels)
    if out.isna().any():
        raise ValueError(f"unexpected mortality ages: {sorted(age[out.isna()].unique())}")
    return out


# ---------------------------------------------------------------- cleaning
def clean_population(estimates: pd.DataFrame, projections: pd.DataFrame) -> pd.DataFrame:
    """Tidy population by location, year, variant, sex and 5-year age group.

    Parameters
    ----------
    estimates : DataFrame
        Raw ``popAge5dt`` (1950–2020, thousands).
    projections : DataFrame
        Raw ``popprojAge5dt`` (2025–2100, year as text, medium/low/high).

    Returns
    -------
    DataFrame
        ``location_code, year, variant, sex, age, age_start, population``
        with population in persons.  Years up to 2020 have variant
        ``estimates``; later years one row per projection variant.
    """
    frames = []
    est = estimates.copy()
    for sex, column in (("male", "popM"), ("female", "popF")):
        frames.append(
            pd.DataFrame(
                {
                    "location_code": est["country_code"].to_numpy(),
                    "year": est["year"].astype(int).to_numpy(),
                    "variant": "estimates",
                    "sex": sex,
                    "age": est["age"].astype(str).to_numpy(),
                    "population": _persons(est[column]),
                }
            )
        )
    proj = projections.copy()
    proj_year = pd.to_numeric(proj["year"], errors="raise").astype(int).to_numpy()  # stored as text
    for variant, suffix in (("medium", ""), ("low", "_low"), ("high", "_high")):
        for sex, column in (("male", "popM"), ("female", "popF")):
            frames.append(
                pd.DataFrame(
                    {
                        "location_code": proj["country_code"].to_numpy(),
                        "year": proj_year,
                        "variant": variant,
                        "sex": sex,
                        "age": proj["age"].astype(str).to_numpy(),
                        "population": _persons(proj[column + suffix]),
                    }
                )
            )
    tidy = pd.concat(frames, ignore_index=True)
    return _typed_population(tidy)


def _typed_population(tidy: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "location_code": tidy["location_code"].astype("int32"),
            "year": tidy["year"].astype("int16"),
            "variant": tidy["variant"].astype(VARIANT_DTYPE),
            "sex": tidy["sex"].astype(SEX_DTYPE),
            "age": tidy["age"].astype(AGE_DTYPE),
            "population": tidy["population"].astype("float64"),
        }
    )
    out.insert(5, "age_start", age_start(out["age"]))
    return out.sort_values(TABLE_KEYS["population"], ignore_index=True)


def clean_population_totals(totals: pd.DataFrame) -> pd.DataFrame:
    """Tidy yearly totals 2024–2100 with the probabilistic intervals.

    Unlike the 5-year tables, these totals refer to the **end** of each year:
    the 1 July population of year *t* is the mean of the totals of *t − 1* and
    *t* (within 8 persons for every location; see ``population_midyear``).

    Parameters
    ----------
    totals : DataFrame
        Raw ``popproj1dt`` (thousands).

    Returns
    -------
    DataFrame
        ``location_code, year, variant, sex, population`` (persons).  Variants:
        ``medium`` (by sex and both sexes), ``low``, ``high`` and the bounds of
        the 80 % and 95 % prediction intervals ``lower80, upper80, lower95,
        upper95`` (both sexes).
    """
    columns = {
        ("medium", "male"): "popM",
        ("medium", "female"): "popF",
        ("low", "both"): "pop_low",
        ("high", "both"): "pop_high",
        ("lower80", "both"): "pop_80l",
        ("upper80", "both"): "pop_80u",
        ("lower95", "both"): "pop_95l",
        ("upper95", "both"): "pop_95u",
    }
    frames = []
    for (variant, sex), column in columns.items():
        frames.append(
            pd.DataFrame(
                {
                    "location_code": totals["country_code"].astype("int32").to_numpy(),
                    "year": totals["year"].astype("int16").to_numpy(),
                    "variant": variant,
                    "sex": sex,
                    "population": _persons(totals[column]),
                }
            )
        )
    both = frames[0].copy()
    both["sex"] = "both"
    both["population"] = frames[0]["population"].to_numpy() + frames[1]["population"].to_numpy()
    out = pd.concat(frames[:2] + [both] + frames[2:], ignore_index=True)
    out["variant"] = out["variant"].astype(
        pd.CategoricalDtype(["medium", "low", "high", "lower80", "upper80", "lower95", "upper95"])
    )
    out["sex"] = out["sex"].astype(pd.CategoricalDtype(["male", "female", "both"]))
    return out.sort_values(TABLE_KEYS["population_totals"], ignore_index=True)


def clean_tfr(estimates: pd.DataFrame, projections: pd.DataFrame) -> pd.DataFrame:
    """Total fertility per 5-year period: estimates, then medium/low/high.

    Returns
    -------
    DataFrame
        ``location_code, period_start, period_end, variant, tfr``.
    """
    frames = [estimates.assign(variant="estimates")[["country_code", "period", "variant", "tfr"]]]
    for variant, column in (("medium", "tfr"), ("low", "tfr_low"), ("high", "tfr_high")):
        frames.append(
            projections.assign(variant=variant, tfr=projections[column])[
                ["country_code", "period", "variant", "tfr"]
            ]
        )
    tidy = pd.concat(frames, ignore_index=True)
    start, end = _period_bounds(tidy["period"])
    out = pd.DataFrame(
        {
            "location_code": tidy["country_code"].astype("int32"),
            "period_start": start,
            "period_end": end,
            "variant": tidy["variant"].astype(VARIANT_DTYPE),
            "tfr": tidy["tfr"].astype("float64"),
        }
    )
    return out.sort_values(TABLE_KEYS["tfr"], ignore_index=True)


def clean_fertility_age_pattern(pasfr: pd.DataFrame) -> pd.DataFrame:
    """Share of fertility by mother's age group, per period (sums to 1).

    Returns
    -------
    DataFrame
        ``location_code, period_start, period_end, age, age_start, share``.
    """
    start, end = _period_bounds(pasfr["period"])
    out = pd.DataFrame(
        {
            "location_code": pasfr["country_code"].astype("int32"),
            "period_start": start,
            "period_end": end,
            "age": pasfr["age"].astype(str).astype(FERTILITY_AGE_DTYPE),
            "share": pasfr["pasfr"].astype("float64") / 100.0,  # raw is percent
        }
    )
    out.insert(4, "age_start", age_start(out["age"]))
    return out.sort_values(TABLE_KEYS["fertility_age_pattern"], ignore_index=True)


def clean_mortality(mx: pd.DataFrame) -> pd.DataFrame:
    """Central death rates m(x) by period, sex and abridged age group.

    Returns
    -------
    DataFrame
        ``location_code, period_start, period_end, sex, age, age_start, mx``
        with ages ``0, 1-4, 5-9, …, 95-99, 100+`` and sex male/female/both.
    """
    start, end = _period_bounds(mx["period"])
    age = _mortality_age_label(mx["age"])
    frames = []
    for sex, column in (("male", "mxM"), ("female", "mxF"), ("both", "mxB")):
        frames.append(
            pd.DataFrame(
                {
                    "location_code": mx["country_code"].astype("int32").to_numpy(),
                    "period_start": start,
                    "period_end": end,
                    "sex": sex,
                    "age": age.to_numpy(),
                    "mx": mx[column].astype("float64").to_numpy(),
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    out["sex"] = out["sex"].astype(pd.CategoricalDtype(["male", "female", "both"]))
    out["age"] = out["age"].astype(MORTALITY_AGE_DTYPE)
    out.insert(5, "age_start", age_start(out["age"]))
    return out.sort_values(TABLE_KEYS["mortality"], ignore_index=True)


def clean_sex_ratio_at_birth(srb: pd.DataFrame) -> pd.DataFrame:
    """Sex ratio at birth (males per female) per period."""
    start, end = _period_bounds(srb["period"])
    out = pd.DataFrame(
        {
            "location_code": srb["country_code"].astype("int32"),
            "period_start": start,
            "period_end": end,
            "srb": srb["srb"].astype("float64"),
        }
    )
    return out.sort_values(TABLE_KEYS["sex_ratio_at_birth"], ignore_index=True)


def clean_net_migration(migration: pd.DataFrame) -> pd.DataFrame:
    """Net international migrants by period, sex and 5-year age group.

    Returns
    -------
    DataFrame
        ``location_code, period_start, period_end, sex, age, age_start,
        net_migrants``: persons over the whole 5-year period (not per year).
        Ages are the age groups at the end of the period, as in WPP.
    """
    start, end = _period_bounds(migration["period"])
    frames = []
    for sex, column in (("male", "migM"), ("female", "migF")):
        frames.append(
            pd.DataFrame(
                {
                    "location_code": migration["country_code"].astype("int32").to_numpy(),
                    "period_start": start,
                    "period_end": end,
                    "sex": sex,
                    "age": migration["age"].astype(str).to_numpy(),
                    "net_migrants": _persons(migration[column]),
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    out["sex"] = out["sex"].astype(SEX_DTYPE)
    out["age"] = out["age"].astype(AGE_DTYPE)
    out.insert(5, "age_start", age_start(out["age"]))
    return out.sort_values(TABLE_KEYS["net_migration"], ignore_index=True)


def clean_life_expectancy(estimates: pd.DataFrame, projections: pd.DataFrame) -> pd.DataFrame:
    """Life expectancy at birth per period and sex (estimates, then medium)."""
    frames = []
    for frame, variant in ((estimates, "estimates"), (projections, "medium")):
        start, end = _period_bounds(frame["period"])
        for sex, column in (("male", "e0M"), ("female", "e0F"), ("both", "e0B")):
            frames.append(
                pd.DataFrame(
                    {
                        "location_code": frame["country_code"].astype("int32").to_numpy(),
                        "period_start": start,
                        "period_end": end,
                        "variant": variant,
                        "sex": sex,
                        "e0": frame[column].astype("float64").to_numpy(),
                    }
                )
            )
    out = pd.concat(frames, ignore_index=True)
    out["variant"] = out["variant"].astype(VARIANT_DTYPE)
    out["sex"] = out["sex"].astype(pd.CategoricalDtype(["male", "female", "both"]))
    return out.sort_values(TABLE_KEYS["life_expectancy"], ignore_index=True)


# ---------------------------------------------------------------- validation
def check_aggregates(
    totals: pd.DataFrame,
    membership: pd.DataFrame,
    tolerance: float = AGGREGATE_TOLERANCE,
    table: str = "population",
) -> pd.DataFrame:
    """Check that member countries sum to each WPP aggregate.

    Parameters
    ----------
    totals : DataFrame
        ``location_code, year, variant, population`` (any sex/age summed).
    membership : DataFrame
        The ``location_groups`` table; only groups with a WPP code are checked.
    tolerance : float
        Largest accepted absolute difference in persons; aggregates that
        contain the Holy See (no rows of its own) get ``HOLY_SEE_ALLOWANCE`` more.

    Returns
    -------
    DataFrame
        Per aggregate: ``group_code, max_difference`` (persons),
        ``max_relative_difference`` and the ``tolerance`` applied.
    """
    coded = membership.dropna(subset=["group_code"])
    coded = coded[coded["group_code"].astype(int).isin(totals["location_code"].unique())]
    members = coded[["group_code", "location_code"]].astype("int32")
    summed = (
        totals.merge(members, on="location_code")
        .groupby(["group_code", "year", "variant"], observed=True)["population"]
        .sum()
        .rename("members")
        .reset_index()
    )
    own = totals.rename(columns={"location_code": "group_code", "population": "aggregate"})
    compared = summed.merge(own, on=["group_code", "year", "variant"])
    compared["difference"] = (compared["aggregate"] - compared["members"]).abs()
    compared["relative_difference"] = compared["difference"] / compared["aggregate"]
    worst = (
        compared.groupby("group_code")
        .agg(max_difference=("difference", "max"), max_relative_difference=("relative_difference", "max"))
        .reset_index()
    )
    with_holy_see = set(coded.loc[coded["location_code"] == HOLY_SEE, "group_code"].astype(int))
    worst["tolerance"] = tolerance + np.where(worst["group_code"].isin(with_holy_see), HOLY_SEE_ALLOWANCE, 0.0)
    failing = worst[worst["max_difference"] > worst["tolerance"]]
    if len(failing):
        raise ValidationError(
            f"{table}: countries do not sum to {len(failing)} aggregates within tolerance: "
            f"{failing.to_dict('records')[:5]}"
        )
    return worst


def validate_population(population: pd.DataFrame, membership: pd.DataFrame) -> pd.DataFrame:
    """All checks of the population table; returns the aggregate comparison."""
    check_unique(population, TABLE_KEYS["population"], "population")
    check_complete_ages(population, ["location_code", "year", "variant", "sex"], AGE_GROUPS, "population")
    check_non_negative(population, "population", "population")
    years = set(population["year"].unique())
    if years != set(POPULATION_YEARS):
        raise ValidationError(f"population: years {sorted(years)} are not 1950, 1955, …, 2100")
    totals = population.groupby(["location_code", "year", "variant"], observed=True)["population"].sum().reset_index()
    return check_aggregates(totals, membership)


# ---------------------------------------------------------------- readers
def load_population(
    variants: Iterable[str] = ("medium",),
    years: Iterable[int] | None = None,
    location_codes: Iterable[int] | None = None,
    processed_dir: Path | None = None,
) -> pd.DataFrame:
    """Population by location, year, sex and age for the requested variants.

    Estimates (years up to 2020) are shared by all variants, as in WPP: they
    are returned under each requested variant's label so that every variant
    forms one continuous series from 1950.

    Parameters
    ----------
    variants : iterable of str
        Any of ``medium, low, high`` (``estimates`` returns estimates only).
    years : iterable of int, optional
        Years to keep (multiples of 5 from 1950 to 2100); all by default.
    location_codes : iterable of int, optional
        M49 codes to keep; all by default.
    """
    variants = list(variants)
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        raise IndicatorInputError(f"unknown variant(s) {unknown}; valid: {', '.join(VARIANTS)}")
    where = {name: [int(value) for value in values] for name, values in (("year", years), ("location_code", location_codes))
             if values is not None}
    return variant_series(read_table("population", processed_dir, where=where or None), variants)


def variant_series(population: pd.DataFrame, variants: Iterable[str] = ("medium",)) -> pd.DataFrame:
    """Each requested variant as one continuous series: the estimates (years up to 2020) under its label.

    Parameters
    ----------
    population : DataFrame
        The processed ``population`` table (or any selection of its rows).
    variants : iterable of str
        Any of ``medium, low, high`` (``estimates`` keeps the estimates only).

    Returns
    -------
    DataFrame
        The same columns, sorted on the table's keys.
    """
    variants = list(variants)
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        raise IndicatorInputError(f"unknown variant(s) {unknown}; valid: {', '.join(VARIANTS)}")
    estimates = population[population["variant"] == "estimates"]
    frames = []
    for variant in variants:
        if variant == "estimates":
            frames.append(estimates)
            continue
        frames.append(estimates.assign(variant=variant))
        frames.append(population[population["variant"] == variant])
    frames = [frame for frame in frames if len(frame)] or [population.iloc[:0]]
    out = pd.concat(frames, ignore_index=True)
    out["variant"] = out["variant"].astype(VARIANT_DTYPE)
    return out.sort_values(TABLE_KEYS["population"], ignore_index=True)
