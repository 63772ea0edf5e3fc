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

import json
import os
import tempfile
import time
from functools import cache
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np
import pandas as pd
import pyreadr

from analysis import paths
from analysis.sources import atomic_write_text, make_readable, raw_path, sha256_of

#: 5-year age groups of the population tables, youngest first.
AGE_GROUPS: tuple[str, ...] = tuple(f"{a}-{a + 4}" for a in range(0, 100, 5)) + ("100+",)
#: Age groups of the mortality table (abridged: 0 and 1-4 split).
MORTALITY_AGE_GROUPS: tuple[str, ...] = ("0", "1-4") + AGE_GROUPS[1:]
#: Mothers' age groups of the fertility age pattern.
FERTILITY_AGE_GROUPS: tuple[str, ...] = AGE_GROUPS[3:10]
SEXES: tuple[str, ...] = ("male", "female")
VARIANTS: tuple[str, ...] = ("estimates", "medium", "low", "high")
PROJECTION_VARIANTS: tuple[str, ...] = ("medium", "low", "high")
FIRST_YEAR, LAST_YEAR, LAST_ESTIMATE_YEAR = 1950, 2100, 2020
POPULATION_YEARS: tuple[int, ...] = tuple(range(FIRST_YEAR, LAST_YEAR + 1, 5))
#: Countries must sum to each WPP aggregate within this many persons: the
#: raw figures are rounded to whole persons (measured: at most 96 persons apart).
AGGREGATE_TOLERANCE = 100.0
#: WPP counts the Holy See (M49 336) in its aggregates, but the wpp2024
#: package has no rows for it; aggregates that contain it may differ by its
#: population as well (measured: at most 1,622 persons).
HOLY_SEE, HOLY_SEE_ALLOWANCE = 336, 2000.0

SEX_DTYPE = pd.CategoricalDtype(list(SEXES), ordered=False)
AGE_DTYPE = pd.CategoricalDtype(list(AGE_GROUPS), ordered=True)
MORTALITY_AGE_DTYPE = pd.CategoricalDtype(list(MORTALITY_AGE_GROUPS), ordered=True)
FERTILITY_AGE_DTYPE = pd.CategoricalDtype(list(FERTILITY_AGE_GROUPS), ordered=True)
VARIANT_DTYPE = pd.CategoricalDtype(list(VARIANTS), ordered=False)

#: Processed tables and the columns that identify a row.
TABLE_KEYS: dict[str, list[str]] = {
    "population": ["location_code", "year", "variant", "sex", "age"],
    "population_totals": ["location_code", "year", "variant", "sex"],
    "locations": ["location_code"],
    "location_groups": ["group_id", "location_code"],
    "tfr": ["location_code", "period_start", "variant"],
    "fertility_age_pattern": ["location_code", "period_start", "age"],
    "mortality": ["location_code", "period_start", "sex", "age"],
    "sex_ratio_at_birth": ["location_code", "period_start"],
    "net_migration": ["location_code", "period_start", "sex", "age"],
    "life_expectancy": ["location_code", "period_start", "variant", "sex"],
    # --- migrant stocks and WDI (cleaned in analysis/stocks.py)
    "migrant_stocks": ["year", "destination_iso3", "origin_iso3", "sex"],
    "wdi": ["iso3", "indicator", "year"],
    "unmatched_codes": ["dataset", "role", "iso3"],
    "population_midyear": ["location_code", "year"],
}


class ValidationError(ValueError):
    """A processed table failed one of its checks."""


class DataNotBuiltError(FileNotFoundError):
    """A processed table is missing."""


# ---------------------------------------------------------------- raw readers
def read_rda(path: Path) -> pd.DataFrame:
    """Read the single data frame stored in an ``.rda`` file."""
    frames = pyreadr.read_r(str(path))
    if len(frames) != 1:
        raise ValueError(f"{path}: expected one data frame, found {list(frames)}")
    return next(iter(frames.values()))


def read_raw(name: str, raw_dir: Path | None = None) -> pd.DataFrame:
    """Read a registered raw WPP/gdidata file by its registry name."""
    path = raw_path(name, raw_dir)
    if path.suffix == ".rda":
        return read_rda(path)
    return pd.read_csv(path, sep="\t", encoding="utf-8")


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


def age_start(age: pd.Series) -> pd.Series:
    """Lower bound of an age label (``"15-19"`` → 15, ``"100+"`` → 100)."""
    return age.astype(str).str.extract(r"^(\d+)")[0].astype("int16")


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
def check_unique(df: pd.DataFrame, keys: Sequence[str], table: str) -> None:
    """Raise if rows are not unique on ``keys`` or a key is missing."""
    if df[list(keys)].isna().any().any():
        raise ValidationError(f"{table}: missing values in key columns {list(keys)}")
    duplicated = df.duplicated(list(keys))
    if duplicated.any():
        raise ValidationError(
            f"{table}: {int(duplicated.sum())} duplicate rows on {list(keys)}, "
            f"e.g. {df.loc[duplicated, list(keys)].iloc[0].to_dict()}"
        )


def check_complete_ages(df: pd.DataFrame, group_keys: Sequence[str], ages: Sequence[str], table: str) -> None:
    """Raise unless every group has exactly the age groups ``ages``."""
    counts = df.groupby(list(group_keys), observed=True)["age"].nunique()
    incomplete = counts[counts != len(ages)]
    if len(incomplete):
        raise ValidationError(
            f"{table}: {len(incomplete)} groups lack age groups (expected {len(ages)}), "
            f"e.g. {dict(zip(group_keys, np.atleast_1d(incomplete.index[0])))}"
        )
    unexpected = set(df["age"].astype(str)) - set(ages)
    if unexpected:
        raise ValidationError(f"{table}: unexpected age groups {sorted(unexpected)}")


def check_non_negative(df: pd.DataFrame, column: str, table: str) -> None:
    """Raise on negative or missing values."""
    values = df[column]
    if values.isna().any():
        raise ValidationError(f"{table}: {int(values.isna().sum())} missing values in {column}")
    if (values < 0).any():
        bad = df.loc[values < 0].iloc[0].to_dict()
        raise ValidationError(f"{table}: {int((values < 0).sum())} negative values in {column}, e.g. {bad}")


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


# ---------------------------------------------------------------- writing
def write_parquet(df: pd.DataFrame, target: Path) -> Path:
    """Write a table to Parquet through a temporary file and an atomic rename."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}.", suffix=".tmp")
    os.close(handle)
    try:
        df.to_parquet(tmp, index=False, engine="pyarrow", compression="zstd")
        make_readable(tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def build(
    raw_dir: Path | None = None,
    out_dir: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Build every processed table from the raw files and write a manifest.

    Each step reads its raw inputs, cleans them, validates the result, writes
    Parquet atomically and reads the written file back to check it.
    ``manifest.json`` is written last, so its presence means a complete build.

    Returns
    -------
    dict
        The manifest: per table, rows, columns and SHA-256 of the file.
    """
    from analysis import locations as locations_module  # locations builds on wpp's helpers

    out_dir = Path(out_dir or paths.PROCESSED)
    say = progress or (lambda message: None)
    manifest: dict[str, dict] = {}
    started = time.perf_counter()

    def emit(name: str, df: pd.DataFrame) -> None:
        target = write_parquet(df, out_dir / f"{name}.parquet")
        back = pd.read_parquet(target)
        if len(back) != len(df) or list(back.columns) != list(df.columns):
            raise ValidationError(f"{name}: the written file does not read back as written")
        check_unique(back, TABLE_KEYS[name], name)
        manifest[name] = {"rows": len(back), "columns": list(back.columns), "sha256": sha256_of(target)}
        say(f"{name}: {len(back):,} rows ({time.perf_counter() - started:.1f} s)")

    raw = lambda name: read_raw(name, raw_dir)  # noqa: E731

    locations, membership = locations_module.clean_locations(
        raw("wpp2024/UNlocations.txt"), raw("gdidata/countrynames.rda")
    )
    locations_module.validate_locations(locations, membership)
    emit("locations", locations)
    emit("location_groups", membership)

    population = clean_population(raw("wpp2024/popAge5dt.rda"), raw("wpp2024/popprojAge5dt.rda"))
    worst = validate_population(population, membership)
    emit("population", population)
    say(
        f"  countries sum to all {len(worst)} WPP aggregates: at most {worst['max_difference'].max():,.0f} persons "
        f"({worst['max_relative_difference'].max():.1e} relative) apart"
    )

    totals = clean_population_totals(raw("wpp2024/popproj1dt.rda"))
    check_non_negative(totals, "population", "population_totals")
    emit("population_totals", totals)

    tfr = clean_tfr(raw("wpp2024/tfr5dt.rda"), raw("wpp2024/tfrproj5dt.rda"))
    check_non_negative(tfr, "tfr", "tfr")
    emit("tfr", tfr)

    pattern = clean_fertility_age_pattern(raw("wpp2024/percentASFR5dt.rda"))
    check_non_negative(pattern, "share", "fertility_age_pattern")
    check_complete_ages(pattern, ["location_code", "period_start"], FERTILITY_AGE_GROUPS, "fertility_age_pattern")
    sums = pattern.groupby(["location_code", "period_start"])["share"].sum()
    if (sums - 1).abs().max() > 1e-4:
        raise ValidationError(f"fertility_age_pattern: shares do not sum to 1 (worst {sums.sub(1).abs().max():.2e})")
    emit("fertility_age_pattern", pattern)

    mortality = clean_mortality(raw("wpp2024/mx5dt.rda"))
    check_non_negative(mortality, "mx", "mortality")
    check_complete_ages(mortality, ["location_code", "period_start", "sex"], MORTALITY_AGE_GROUPS, "mortality")
    emit("mortality", mortality)

    srb = clean_sex_ratio_at_birth(raw("wpp2024/sexRatio5dt.rda"))
    check_non_negative(srb, "srb", "sex_ratio_at_birth")
    emit("sex_ratio_at_birth", srb)

    migration = clean_net_migration(raw("wpp2024/migprojAge5dt.rda"))
    check_complete_ages(migration, ["location_code", "period_start", "sex"], AGE_GROUPS, "net_migration")
    if migration["net_migrants"].isna().any():
        raise ValidationError("net_migration: missing values")
    emit("net_migration", migration)

    e0 = clean_life_expectancy(raw("wpp2024/e05dt.rda"), raw("wpp2024/e0proj5dt.rda"))
    check_non_negative(e0, "e0", "life_expectancy")
    emit("life_expectancy", e0)

    # --- migrant stocks and WDI (analysis/stocks.py)
    from analysis import stocks as stocks_module

    migrant_stocks = stocks_module.clean_migrant_stocks(raw("gdidata/undesa_stocks.rda"), locations)
    stocks_module.validate_migrant_stocks(migrant_stocks, locations)
    emit("migrant_stocks", migrant_stocks)
    wdi = stocks_module.clean_wdi(raw("gdidata/wdi.rda"), locations)
    stocks_module.validate_wdi(wdi)
    emit("wdi", wdi)
    midyear = stocks_module.clean_midyear_population(
        raw("wpp2024/popproj1dt.rda"), raw("wpp2024/miscproj1dt.rda"), years=(2024, 2025)
    )
    gap = stocks_module.validate_midyear_population(midyear[midyear["year"] == 2025], population)
    emit("population_midyear", midyear[midyear["year"] == 2024].reset_index(drop=True))
    say(f"  1 July 2024 from end-of-year totals; the method reproduces 1 July 2025 within {gap:,.1f} persons")
    unmatched = stocks_module.unmatched_codes(migrant_stocks, wdi, locations, raw("gdidata/countrynames.rda"))
    emit("unmatched_codes", unmatched)
    listed = ", ".join(f"{r.iso3} ({r.dataset} {r.role})" for r in unmatched.itertuples())
    say(f"  unmatched codes (table unmatched_codes): {listed}")
    # --- end of migrant stocks and WDI

    atomic_write_text(out_dir / "manifest.json", json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    say(f"processed tables written to {out_dir} in {time.perf_counter() - started:.1f} s")
    return manifest


# ---------------------------------------------------------------- readers
def read_table(name: str, processed_dir: Path | None = None) -> pd.DataFrame:
    """Read a processed table, with a clear error when it has not been built."""
    path = Path(processed_dir or paths.PROCESSED) / f"{name}.parquet"
    if not path.exists():
        raise DataNotBuiltError(f"processed table {path} is missing: run `make data` first")
    return _read_cached(str(path), path.stat().st_mtime_ns).copy()


@cache
def _read_cached(path: str, mtime_ns: int) -> pd.DataFrame:  # noqa: ARG001 (mtime invalidates)
    return pd.read_parquet(path)


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
        raise ValueError(f"unknown variant(s) {unknown}; valid: {', '.join(VARIANTS)}")
    population = read_table("population", processed_dir)
    if years is not None:
        population = population[population["year"].isin(list(years))]
    if location_codes is not None:
        population = population[population["location_code"].isin(list(location_codes))]
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
