"""International migrant stocks (UN DESA 2024) and World Bank WDI: cleaning, checks and loading.

Raw files (IOM GDI ``gdidata`` package, see the data mirror's README):

* ``undesa_stocks.rda`` — UN DESA *International Migrant Stock 2024*: persons
  living in a destination (``geo``, ISO-3) who were born in, or are citizens
  of, an origin (``from``, ISO-3), by sex, on 1 July of 1990, 1995, …, 2020
  and 2024.  Four 0/1 flags say how the destination's figures were measured;
  they describe the destination's data and are the same for every origin and
  year of a destination (meanings as documented in the gdidata package,
  ``R/undesa_stocks.R``):

  - ``type_b`` — based on the **foreign-born** population (place of birth);
  - ``type_c`` — based on **foreign citizens** (where birthplace data are
    lacking; a few destinations have both flags);
  - ``type_r`` — the count **includes refugees**;
  - ``type_i`` — **imputed**: no data for the destination, the stock is
    modelled (Bosnia and Herzegovina, Eritrea, Somalia, Western Sahara and
    the Holy See).

  A missing origin–sex row means that the data do not allow an estimate, not
  that there are no migrants; a row with ``n = 0`` is a definite zero.
  Origin ``OOO`` is migrants of **unknown origin**, and ``XCX`` is the
  **Channel Islands**, which WPP splits into Guernsey and Jersey.
* ``wdi.rda`` — World Bank *World Development Indicators* 1990–2023 in long
  format (``geo, var, t, v``); units are listed in :data:`WDI_INDICATORS`
  (remittances and GDP in **current US$**, income in **constant 2021
  international $ at PPP per person**).

Codes are matched to the WPP locations table by ISO-3; the cleaned tables
carry the M49 code too.  Codes that match no WPP location are kept and
reported (:func:`unmatched_codes`).  Regions, sub-regions, SDG regions,
development and income groups come from WPP 2024 (:func:`geography`); the
Channel Islands take the attributes Guernsey and Jersey share, and migrants of
unknown origin count in world totals but in no origin region.

Every ``clean_*`` function is pure (DataFrames in, a DataFrame out); the
``load_*`` readers read the processed tables.  The indicators computed from
these tables are in :mod:`analysis.study.migration`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from analysis.data.conventions import SEX_DTYPE
from analysis.data.locations import WORLD
from analysis.data.tables import (
    TABLE_KEYS,
    ValidationError,
    check_non_negative,
    check_unique,
    read_table,
)
from analysis.errors import InputError

#: Years of the UN DESA International Migrant Stock 2024 (1 July).
STOCK_YEARS: tuple[int, ...] = (1990, 1995, 2000, 2005, 2010, 2015, 2020, 2024)
#: Origin code of migrants whose origin is unknown.
UNKNOWN_ORIGIN = "OOO"
UNKNOWN_LABEL = "Unknown origin"
#: Stock codes that are not WPP locations but are made of WPP locations.
COMPOSITES: dict[str, dict] = {
    "XCX": {"name": "Channel Islands", "location_code": 830, "members": ("GGY", "JEY")},
}
DEVELOPMENT_GROUPS = {901: "More developed regions", 902: "Less developed regions"}
HIGH_INCOME = "High-income countries"
#: Raw measurement flags and their processed names.
MEASUREMENT_FLAGS: dict[str, str] = {
    "type_b": "by_birthplace",
    "type_c": "by_citizenship",
    "type_r": "includes_refugees",
    "type_i": "imputed",
}
#: WDI indicators in ``wdi.rda``: unit and World Bank series code.
WDI_INDICATORS: dict[str, tuple[str, str]] = {
    "birth": ("live births per 1,000 population", "SP.DYN.CBRT.IN"),
    "depend": ("dependants (under 15 and 65+) per 100 persons aged 15-64", "SP.POP.DPND"),
    "fdiin": ("current US$", "BX.KLT.DINV.CD.WD"),
    "fdiout": ("current US$", "BM.KLT.DINV.CD.WD"),
    "gdp": ("current US$", "NY.GDP.MKTP.CD"),
    "income": ("GDP per capita, PPP, constant 2021 international $", "NY.GDP.PCAP.PP.KD"),
    "inf": ("percent per year (consumer prices)", "FP.CPI.TOTL.ZG"),
    "nmig": ("persons (immigrants minus emigrants)", "SM.POP.NETM"),
    "polstb": ("index, standard normal units (about -2.5 to 2.5)", "WGI PV.EST"),
    "pop": ("persons (UN WPP 2024)", "SP.POP.TOTL"),
    "remin": ("current US$", "BX.TRF.PWKR.CD.DT"),
    "remout": ("current US$", "BM.TRF.PWKR.CD.DT"),
    "unem": ("percent of the labour force", "SL.UEM.TOTL.ZS"),
}
#: Names of codes that neither WPP nor gdidata's countrynames know.
OTHER_CODE_NAMES = {"CHI": "Channel Islands (World Bank code)"}
#: How unmatched codes are handled (reported by :func:`unmatched_codes`).
UNMATCHED_HANDLING = {
    "XCX": "Channel Islands: not a WPP location (WPP has Guernsey and Jersey); M49 830; counted in totals and given "
    "the region, sub-region, SDG region, development and income group that Guernsey and Jersey share",
    "OOO": "unknown origin: counted in world and destination totals, in no origin region or group",
}


class StocksInputError(InputError):
    """Bad input to a migrant-stock indicator (year, breakdown, definition)."""


# ---------------------------------------------------------------- cleaning
def _country_codes(locations: pd.DataFrame) -> pd.Series:
    """ISO-3 → M49 code of WPP countries, plus the composites."""
    countries = locations[locations["kind"] == "country"].dropna(subset=["iso3"])
    codes = pd.Series(countries["location_code"].to_numpy(), index=countries["iso3"].to_numpy())
    extra = pd.Series({code: spec["location_code"] for code, spec in COMPOSITES.items()})
    return pd.concat([codes, extra]).astype("int64")


def clean_migrant_stocks(raw: pd.DataFrame, locations: pd.DataFrame) -> pd.DataFrame:
    """Tidy migrant stocks by year, destination, origin and sex.

    Parameters
    ----------
    raw : DataFrame
        Raw ``undesa_stocks`` (``geo, t, from, sex, n, type_b, type_c,
        type_r, type_i``; ``n`` in persons).
    locations : DataFrame
        The processed locations table (ISO-3 → M49).

    Returns
    -------
    DataFrame
        ``year, destination_iso3, destination_code, origin_iso3, origin_code,
        sex, migrants, by_birthplace, by_citizenship, includes_refugees,
        imputed``.  ``*_code`` is the M49 code (``<NA>`` for the unknown
        origin), ``migrants`` is persons (float64, as in the population
        table) and the flags are booleans.
    """
    codes = _country_codes(locations)
    out = pd.DataFrame(
        {
            "year": raw["t"].astype("int16").to_numpy(),
            "destination_iso3": raw["geo"].astype(str).to_numpy(),
            "origin_iso3": raw["from"].astype(str).to_numpy(),
            "sex": raw["sex"].astype(str).str.lower().to_numpy(),
            "migrants": raw["n"].astype("float64").to_numpy(),
        }
    )
    out.insert(2, "destination_code", out["destination_iso3"].map(codes).astype("Int32"))
    out.insert(4, "origin_code", out["origin_iso3"].map(codes).astype("Int32"))
    out["sex"] = out["sex"].astype(SEX_DTYPE)
    for raw_name, name in MEASUREMENT_FLAGS.items():
        out[name] = raw[raw_name].to_numpy() == 1
    return out.sort_values(TABLE_KEYS["migrant_stocks"], ignore_index=True)


def validate_migrant_stocks(stocks: pd.DataFrame, locations: pd.DataFrame) -> None:
    """Checks on the cleaned stocks; raises :class:`ValidationError`.

    Unique keys; no negative or missing counts; the years 1990, 1995, …,
    2020, 2024; both sexes for every destination–origin pair; measurement
    flags constant within a destination; and no codes outside the WPP
    countries except the known :data:`COMPOSITES` and :data:`UNKNOWN_ORIGIN`.
    """
    table = "migrant_stocks"
    check_unique(stocks, TABLE_KEYS["migrant_stocks"], table)
    check_non_negative(stocks, "migrants", table)
    years = sorted(int(y) for y in stocks["year"].unique())
    if years != list(STOCK_YEARS):
        raise ValidationError(f"{table}: years {years} are not {list(STOCK_YEARS)}")
    sexes = stocks.groupby(["year", "destination_iso3", "origin_iso3"], observed=True)["sex"].nunique()
    if (sexes != 2).any():
        raise ValidationError(f"{table}: {int((sexes != 2).sum())} destination-origin pairs lack a sex")
    flags = stocks.groupby("destination_iso3")[list(MEASUREMENT_FLAGS.values())].nunique()
    if (flags > 1).any().any():
        varying = list(flags[(flags > 1).any(axis=1)].index)
        raise ValidationError(f"{table}: measurement flags vary within a destination: {varying}")
    known = set(_country_codes(locations).index)
    unexpected = (set(stocks["destination_iso3"]) | set(stocks["origin_iso3"])) - known - {UNKNOWN_ORIGIN}
    if unexpected:
        raise ValidationError(
            f"{table}: codes {sorted(unexpected)} match no WPP location; add them to stocks.COMPOSITES or map them"
        )
    if (stocks["destination_iso3"] == UNKNOWN_ORIGIN).any():
        raise ValidationError(f"{table}: the unknown-origin code {UNKNOWN_ORIGIN} appears as a destination")


def clean_wdi(raw: pd.DataFrame, locations: pd.DataFrame) -> pd.DataFrame:
    """Tidy WDI indicators by country, indicator and year.

    Parameters
    ----------
    raw : DataFrame
        Raw ``wdi`` (long: ``geo, var, t, v``).
    locations : DataFrame
        The processed locations table.

    Returns
    -------
    DataFrame
        ``iso3, location_code, indicator, year, value, unit``; ``location_code``
        is the M49 code of the WPP country (``<NA>`` for codes WPP does not
        have, which are kept and reported by :func:`unmatched_codes`).
    """
    codes = _country_codes(locations)
    indicator_dtype = pd.CategoricalDtype(list(WDI_INDICATORS))
    out = pd.DataFrame(
        {
            "iso3": raw["geo"].astype(str).to_numpy(),
            "indicator": raw["var"].astype(str).to_numpy(),
            "year": raw["t"].astype("int16").to_numpy(),
            "value": raw["v"].astype("float64").to_numpy(),
        }
    )
    unknown = set(out["indicator"]) - set(WDI_INDICATORS)
    if unknown:
        raise ValidationError(f"wdi: unexpected indicators {sorted(unknown)}; known: {', '.join(WDI_INDICATORS)}")
    out.insert(1, "location_code", out["iso3"].map(codes).astype("Int32"))
    out["unit"] = out["indicator"].map({k: unit for k, (unit, _) in WDI_INDICATORS.items()}).astype("category")
    out["indicator"] = out["indicator"].astype(indicator_dtype)
    return out.sort_values(TABLE_KEYS["wdi"], ignore_index=True)


def validate_wdi(wdi: pd.DataFrame) -> None:
    """Unique keys and no missing values; raises :class:`ValidationError`."""
    check_unique(wdi, TABLE_KEYS["wdi"], "wdi")
    if wdi["value"].isna().any():
        raise ValidationError(f"wdi: {int(wdi['value'].isna().sum())} missing values")
    for indicator in ("pop", "gdp", "income", "remin"):
        values = wdi.loc[wdi["indicator"] == indicator, "value"]
        if (values < 0).any():
            raise ValidationError(f"wdi: negative values of {indicator}")


def unmatched_codes(
    stocks: pd.DataFrame, wdi: pd.DataFrame, locations: pd.DataFrame, countrynames: pd.DataFrame
) -> pd.DataFrame:
    """Codes of the stocks and WDI tables that match no WPP country, and WPP countries without stocks.

    Parameters
    ----------
    stocks, wdi : DataFrame
        Cleaned tables (:func:`clean_migrant_stocks`, :func:`clean_wdi`).
    locations : DataFrame
        The processed locations table.
    countrynames : DataFrame
        Raw gdidata ``countrynames`` (names and M49 codes of the codes).

    Returns
    -------
    DataFrame
        ``dataset, role, iso3, name, m49, rows, migrants_2024, handling``:
        ``role`` is ``origin``/``destination`` (stock codes with no WPP
        country), ``absent`` (WPP countries with no rows in the stocks) or
        ``country`` (WDI codes with no WPP country).
    """
    countries = locations[locations["kind"] == "country"]
    wpp_codes = set(countries["iso3"].dropna())
    names = countrynames.dropna(subset=["iso3"]).drop_duplicates("iso3").set_index("iso3")
    frames = []
    for role, column in (("origin", "origin_iso3"), ("destination", "destination_iso3")):
        rows = stocks[~stocks[column].isin(wpp_codes)]
        latest = rows[rows["year"] == max(STOCK_YEARS)]
        summary = rows.groupby(column).size().rename("rows").to_frame()
        summary["migrants_2024"] = latest.groupby(column)["migrants"].sum()
        frames.append(summary.rename_axis("iso3").reset_index().assign(dataset="migrant_stocks", role=role))
    present = set(stocks["destination_iso3"]) | set(stocks["origin_iso3"])
    absent = countries[~countries["iso3"].isin(present)]
    frames.append(
        pd.DataFrame({"iso3": absent["iso3"].to_numpy(), "rows": 0, "migrants_2024": np.nan,
                      "dataset": "migrant_stocks", "role": "absent"})
    )
    wdi_rows = wdi[~wdi["iso3"].isin(wpp_codes)].groupby("iso3").size().rename("rows").reset_index()
    frames.append(wdi_rows.assign(migrants_2024=np.nan, dataset="wdi", role="country"))
    out = pd.concat(frames, ignore_index=True)
    wpp_names = countries.set_index("iso3")["name"]
    out["name"] = (out["iso3"].map(wpp_names).combine_first(out["iso3"].map(names["name"]))
                   .combine_first(out["iso3"].map(OTHER_CODE_NAMES)))
    out["m49"] = out["iso3"].map(countries.set_index("iso3")["location_code"]).fillna(
        out["iso3"].map(names["m49"].where(names["m49"] < 1000))
    ).astype("Int32")
    composite_members = {m: c for c, spec in COMPOSITES.items() for m in spec["members"]}
    default = {
        "origin": "not a WPP location: counted in totals, in no region or group",
        "destination": "not a WPP location: counted in totals, in no region or group",
        "absent": "WPP country with no rows in the migrant stocks",
        "country": "not a WPP location: kept in the wdi table without an M49 code from WPP; not used by the reports",
    }
    handling = out["iso3"].map(UNMATCHED_HANDLING)
    handling = handling.where(out["dataset"] == "migrant_stocks")
    absent_in = out["iso3"].map(composite_members)
    handling = handling.fillna(
        ("counted in the stocks together with its neighbours as " + absent_in).where(out["role"] == "absent")
    )
    out["handling"] = handling.fillna(out["role"].map(default))
    out["migrants_2024"] = out["migrants_2024"].astype("float64")
    out["rows"] = out["rows"].astype("int64")
    columns = ["dataset", "role", "iso3", "name", "m49", "rows", "migrants_2024", "handling"]
    return out[columns].sort_values(["dataset", "role", "iso3"], ignore_index=True)


def clean_midyear_population(totals: pd.DataFrame, changes: pd.DataFrame, years: Iterable[int] = (2024,)) -> pd.DataFrame:
    """Population on 1 July of years off the 5-year grid (2024), both sexes.

    The yearly totals of the ``wpp2024`` package (``popproj1dt``) are
    end-of-year figures: for every location, the 1 July population of the
    5-year table equals the mean of two consecutive yearly totals (measured:
    within 8 persons).  The 1 July population of year *t* is therefore the
    year's total minus half the year's population change (``miscproj1dt``):
    8,161,972,573 for the world in 2024, WPP 2024's published figure.

    Parameters
    ----------
    totals : DataFrame
        Raw ``popproj1dt`` (thousands, end of year).
    changes : DataFrame
        Raw ``miscproj1dt`` (``PopChange``: thousands over the year).
    years : iterable of int
        Years to return (2024–2100).

    Returns
    -------
    DataFrame
        ``location_code, year, population`` (persons, 1 July).
    """
    years = [int(y) for y in years]
    totals = totals.assign(year=totals["year"].astype(int))
    changes = changes.assign(year=changes["year"].astype(int))[["country_code", "year", "PopChange"]]
    merged = totals[totals["year"].isin(years)].merge(
        changes, on=["country_code", "year"], how="left", validate="one_to_one"
    )
    if merged["PopChange"].isna().any():
        raise ValidationError("population_midyear: no population change for some locations and years")
    thousands = merged["popM"] + merged["popF"] - merged["PopChange"] / 2.0
    out = pd.DataFrame(
        {
            "location_code": merged["country_code"].astype("int32").to_numpy(),
            "year": merged["year"].astype("int16").to_numpy(),
            "population": np.round(thousands.to_numpy(dtype="float64") * 1000.0),
        }
    )
    return out.sort_values(["location_code", "year"], ignore_index=True)


def validate_midyear_population(midyear: pd.DataFrame, population: pd.DataFrame, tolerance: float = 10.0) -> float:
    """Check the 1 July method on a year of the 5-year table (2025); returns the largest gap in persons.

    Raises
    ------
    ValidationError
        If a location's computed 1 July population is more than ``tolerance``
        persons from the population table's, or values are missing.
    """
    check_unique(midyear, ["location_code", "year"], "population_midyear")
    check_non_negative(midyear, "population", "population_midyear")
    five_yearly = population[population["variant"].isin(["estimates", "medium"])]
    five_yearly = five_yearly.groupby(["location_code", "year"], observed=True)["population"].sum().rename("expected")
    compared = midyear.join(five_yearly, on=["location_code", "year"], how="inner")
    if compared.empty:
        raise ValidationError("population_midyear: no year in common with the population table to check against")
    gap = float((compared["population"] - compared["expected"]).abs().max())
    if gap > tolerance:
        raise ValidationError(
            f"population_midyear: 1 July populations are up to {gap:,.0f} persons off the 5-year table"
        )
    return gap


# ---------------------------------------------------------------- geography
def geography(locations: pd.DataFrame, membership: pd.DataFrame) -> pd.DataFrame:
    """Attributes of every code in the stocks: WPP countries, composites and the unknown origin.

    Parameters
    ----------
    locations, membership : DataFrame
        The processed ``locations`` and ``location_groups`` tables.

    Returns
    -------
    DataFrame
        One row per ISO-3 code: ``iso3, location_code, name, region,
        subregion, sdg_region, income_group, development_group, matched``
        (``wpp``, ``members`` for composites, ``unknown`` for the unknown
        origin).  A composite takes an attribute only where all its members
        share it.
    """
    countries = locations[locations["kind"] == "country"].dropna(subset=["iso3"])
    development = membership[membership["group_code"].isin(list(DEVELOPMENT_GROUPS))]
    development = development.assign(development_group=development["group_code"].astype(int).map(DEVELOPMENT_GROUPS))
    columns = ["iso3", "location_code", "name", "region", "subregion", "sdg_region", "income_group"]
    base = countries[columns].merge(
        development[["location_code", "development_group"]], on="location_code", how="left", validate="one_to_one"
    )
    base["matched"] = "wpp"
    attributes = ["region", "subregion", "sdg_region", "income_group", "development_group"]
    members = pd.DataFrame(
        [(code, member) for code, spec in COMPOSITES.items() for member in spec["members"]], columns=["iso3", "member"]
    )
    shared = (
        members.merge(base.rename(columns={"iso3": "member"})[["member"] + attributes], on="member")
        .groupby("iso3")[attributes]
        .agg(lambda values: values.iloc[0] if values.nunique(dropna=False) == 1 else None)
        .reset_index()
    )
    composites = pd.DataFrame(
        {
            "iso3": list(COMPOSITES),
            "location_code": [spec["location_code"] for spec in COMPOSITES.values()],
            "name": [spec["name"] for spec in COMPOSITES.values()],
            "matched": "members",
        }
    ).merge(shared, on="iso3", how="left")
    unknown = pd.DataFrame({"iso3": [UNKNOWN_ORIGIN], "location_code": [pd.NA], "name": [UNKNOWN_LABEL],
                            "matched": ["unknown"]})
    out = pd.concat([base, composites, unknown], ignore_index=True)
    out["location_code"] = out["location_code"].astype("Int32")
    return out[columns + ["development_group", "matched"]]


def location_codes(location, geography_table: pd.DataFrame) -> list[str]:
    """ISO-3 codes of a resolved location's countries, with composites all of whose members are in it.

    Parameters
    ----------
    location : analysis.data.locations.Location
        A country, WPP aggregate or package group.
    geography_table : DataFrame
        From :func:`geography`.
    """
    members = set(location.members)
    geo = geography_table.dropna(subset=["location_code"])
    codes = set(geo.loc[geo["location_code"].astype(int).isin(members) & (geo["matched"] == "wpp"), "iso3"])
    for code, spec in COMPOSITES.items():
        if set(spec["members"]) <= codes:
            codes.add(code)
    return sorted(codes)


# ---------------------------------------------------------------- checks
def check_year(year) -> int:
    """Validate a stock year (1990, 1995, …, 2020, 2024); raises :class:`StocksInputError`."""
    valid = ", ".join(str(y) for y in STOCK_YEARS)
    try:
        value = int(str(year).strip())
    except (TypeError, ValueError):
        raise StocksInputError(f"year {year!r} is not a whole number; valid years: {valid}") from None
    if value not in STOCK_YEARS:
        raise StocksInputError(
            f"year {value} is not in UN DESA International Migrant Stock 2024, which gives stocks on 1 July of "
            f"{valid} only"
        )
    return value


# ---------------------------------------------------------------- loading
def load_migrant_stocks(processed_dir: Path | None = None) -> pd.DataFrame:
    """The processed ``migrant_stocks`` table."""
    return read_table("migrant_stocks", processed_dir)


def load_wdi(processed_dir: Path | None = None) -> pd.DataFrame:
    """The processed ``wdi`` table."""
    return read_table("wdi", processed_dir)


def load_unmatched(processed_dir: Path | None = None) -> pd.DataFrame:
    """The processed ``unmatched_codes`` table."""
    return read_table("unmatched_codes", processed_dir)


def load_geography(processed_dir: Path | None = None) -> pd.DataFrame:
    """:func:`geography` over the processed locations and membership tables."""
    return geography(read_table("locations", processed_dir), read_table("location_groups", processed_dir))


def load_country_population(year, processed_dir: Path | None = None) -> pd.DataFrame:
    """Every WPP location's population (WPP 2024, persons, 1 July) in one stock year.

    1990–2020 are WPP estimates (the 5-year table); 2024 comes from the
    ``population_midyear`` table, as in :func:`load_world_population`.

    Returns
    -------
    DataFrame
        ``location_code, population``.
    """
    year = check_year(year)
    if year % 5 == 0:
        population = read_table("population", processed_dir)
        rows = population[(population["variant"] == "estimates") & (population["year"] == year)]
        out = rows.groupby("location_code", observed=True)["population"].sum().reset_index()
    else:
        midyear = read_table("population_midyear", processed_dir)
        out = midyear.loc[midyear["year"] == year, ["location_code", "population"]].reset_index(drop=True)
    return out.astype({"location_code": "int64", "population": "float64"})


def load_world_population(processed_dir: Path | None = None) -> pd.DataFrame:
    """World population (WPP 2024, persons, 1 July) in the stock years.

    1990–2020 are WPP estimates (the 5-year table); 2024 comes from the
    ``population_midyear`` table (see :func:`clean_midyear_population`).

    Returns
    -------
    DataFrame
        ``year, population``.
    """
    population = read_table("population", processed_dir)
    estimates = population[(population["location_code"] == WORLD) & (population["variant"] == "estimates")
                           & population["year"].isin(STOCK_YEARS)]
    five_yearly = estimates.groupby("year")["population"].sum().reset_index()
    midyear = read_table("population_midyear", processed_dir)
    midyear = midyear[(midyear["location_code"] == WORLD) & midyear["year"].isin(STOCK_YEARS)][["year", "population"]]
    out = pd.concat([five_yearly, midyear[~midyear["year"].isin(five_yearly["year"])]], ignore_index=True)
    out["year"] = out["year"].astype("int16")
    return out.sort_values("year", ignore_index=True)

