"""International migrant stocks (UN DESA 2024) and World Bank WDI: cleaning and indicators.

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

Every function is pure (DataFrames in, a DataFrame out) except the
``load_*`` readers and :func:`stocks_table` (the command line's table), which
read the processed tables.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from analysis import wpp

#: Years of the UN DESA International Migrant Stock 2024 (1 July).
STOCK_YEARS: tuple[int, ...] = (1990, 1995, 2000, 2005, 2010, 2015, 2020, 2024)
#: Origin code of migrants whose origin is unknown.
UNKNOWN_ORIGIN = "OOO"
UNKNOWN_LABEL = "Unknown origin"
#: Stock codes that are not WPP locations but are made of WPP locations.
COMPOSITES: dict[str, dict] = {
    "XCX": {"name": "Channel Islands", "location_code": 830, "members": ("GGY", "JEY")},
}
#: Geographic levels for breakdowns (columns of :func:`geography`).
LEVELS: dict[str, str] = {
    "region": "WPP region (6)",
    "subregion": "WPP sub-region",
    "sdg_region": "SDG region (8)",
}
#: Definitions of "South" and "North" a user can choose.
SOUTH_DEFINITIONS: dict[str, str] = {
    "un_development": "South = the UN's less developed regions (WPP 902), North = more developed regions (WPP 901: "
    "Europe, Northern America, Australia, New Zealand and Japan)",
    "world_bank_income": "North = high-income countries (World Bank income groups as used by WPP 2024), South = all "
    "other countries, including the few WPP lists without an income group (e.g. Venezuela)",
}
#: What ``stocks_table`` can break stocks down by.
BY_CHOICES: tuple[str, ...] = ("region", "subregion", "sdg_region", "corridor")
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


class StocksInputError(ValueError):
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
    out["sex"] = out["sex"].astype(wpp.SEX_DTYPE)
    for raw_name, name in MEASUREMENT_FLAGS.items():
        out[name] = raw[raw_name].to_numpy() == 1
    return out.sort_values(wpp.TABLE_KEYS["migrant_stocks"], ignore_index=True)


def validate_migrant_stocks(stocks: pd.DataFrame, locations: pd.DataFrame) -> None:
    """Checks on the cleaned stocks; raises :class:`analysis.wpp.ValidationError`.

    Unique keys; no negative or missing counts; the years 1990, 1995, …,
    2020, 2024; both sexes for every destination–origin pair; measurement
    flags constant within a destination; and no codes outside the WPP
    countries except the known :data:`COMPOSITES` and :data:`UNKNOWN_ORIGIN`.
    """
    table = "migrant_stocks"
    wpp.check_unique(stocks, wpp.TABLE_KEYS["migrant_stocks"], table)
    wpp.check_non_negative(stocks, "migrants", table)
    years = sorted(int(y) for y in stocks["year"].unique())
    if years != list(STOCK_YEARS):
        raise wpp.ValidationError(f"{table}: years {years} are not {list(STOCK_YEARS)}")
    sexes = stocks.groupby(["year", "destination_iso3", "origin_iso3"], observed=True)["sex"].nunique()
    if (sexes != 2).any():
        raise wpp.ValidationError(f"{table}: {int((sexes != 2).sum())} destination-origin pairs lack a sex")
    flags = stocks.groupby("destination_iso3")[list(MEASUREMENT_FLAGS.values())].nunique()
    if (flags > 1).any().any():
        varying = list(flags[(flags > 1).any(axis=1)].index)
        raise wpp.ValidationError(f"{table}: measurement flags vary within a destination: {varying}")
    known = set(_country_codes(locations).index)
    unexpected = (set(stocks["destination_iso3"]) | set(stocks["origin_iso3"])) - known - {UNKNOWN_ORIGIN}
    if unexpected:
        raise wpp.ValidationError(
            f"{table}: codes {sorted(unexpected)} match no WPP location; add them to stocks.COMPOSITES or map them"
        )
    if (stocks["destination_iso3"] == UNKNOWN_ORIGIN).any():
        raise wpp.ValidationError(f"{table}: the unknown-origin code {UNKNOWN_ORIGIN} appears as a destination")


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
        raise ValueError(f"wdi: unexpected indicators {sorted(unknown)}; known: {', '.join(WDI_INDICATORS)}")
    out.insert(1, "location_code", out["iso3"].map(codes).astype("Int32"))
    out["unit"] = out["indicator"].map({k: unit for k, (unit, _) in WDI_INDICATORS.items()}).astype("category")
    out["indicator"] = out["indicator"].astype(indicator_dtype)
    return out.sort_values(wpp.TABLE_KEYS["wdi"], ignore_index=True)


def validate_wdi(wdi: pd.DataFrame) -> None:
    """Unique keys and no missing values; raises :class:`analysis.wpp.ValidationError`."""
    wpp.check_unique(wdi, wpp.TABLE_KEYS["wdi"], "wdi")
    if wdi["value"].isna().any():
        raise wpp.ValidationError(f"wdi: {int(wdi['value'].isna().sum())} missing values")
    for indicator in ("pop", "gdp", "income", "remin"):
        values = wdi.loc[wdi["indicator"] == indicator, "value"]
        if (values < 0).any():
            raise wpp.ValidationError(f"wdi: negative values of {indicator}")


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
    out["name"] = out["iso3"].map(wpp_names).fillna(out["iso3"].map(names["name"])).fillna(out["iso3"].map(OTHER_CODE_NAMES))
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
        raise ValueError("population_midyear: no population change for some locations and years")
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
    analysis.wpp.ValidationError
        If a location's computed 1 July population is more than ``tolerance``
        persons from the population table's, or values are missing.
    """
    wpp.check_unique(midyear, ["location_code", "year"], "population_midyear")
    wpp.check_non_negative(midyear, "population", "population_midyear")
    five_yearly = population[population["variant"].isin(["estimates", "medium"])]
    five_yearly = five_yearly.groupby(["location_code", "year"], observed=True)["population"].sum().rename("expected")
    compared = midyear.join(five_yearly, on=["location_code", "year"], how="inner")
    if compared.empty:
        raise wpp.ValidationError("population_midyear: no year in common with the population table to check against")
    gap = float((compared["population"] - compared["expected"]).abs().max())
    if gap > tolerance:
        raise wpp.ValidationError(
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


def south_north(geography_table: pd.DataFrame, definition: str) -> pd.Series:
    """``"South"`` or ``"North"`` for each ISO-3 code under a definition (``<NA>`` for the unknown origin).

    Parameters
    ----------
    geography_table : DataFrame
        From :func:`geography`.
    definition : str
        ``un_development`` or ``world_bank_income`` (see :data:`SOUTH_DEFINITIONS`).
    """
    definition = check_south_definition(definition)
    geo = geography_table.set_index("iso3")
    if definition == "un_development":
        labels = geo["development_group"].map({DEVELOPMENT_GROUPS[902]: "South", DEVELOPMENT_GROUPS[901]: "North"})
    else:
        labels = pd.Series(np.where(geo["income_group"] == HIGH_INCOME, "North", "South"), index=geo.index)
    labels = labels.where(geo["matched"] != "unknown")
    return labels.astype("string").rename("south_north")


def location_codes(location, geography_table: pd.DataFrame) -> list[str]:
    """ISO-3 codes of a resolved location's countries, with composites all of whose members are in it.

    Parameters
    ----------
    location : analysis.locations.Location
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


def check_level(level: str) -> str:
    """Validate a geographic level (``region``, ``subregion``, ``sdg_region``)."""
    text = str(level).strip().lower()
    if text not in LEVELS:
        raise StocksInputError(f"unknown level {level!r}; valid: {', '.join(LEVELS)}")
    return text


def check_south_definition(definition: str) -> str:
    """Validate a South definition (``un_development`` or ``world_bank_income``)."""
    text = str(definition).strip().lower()
    if text not in SOUTH_DEFINITIONS:
        raise StocksInputError(f"unknown South definition {definition!r}; valid: {', '.join(SOUTH_DEFINITIONS)}")
    return text


def check_by(by: str) -> str:
    """Validate a ``--by`` breakdown (``region``, ``subregion``, ``sdg_region``, ``corridor``)."""
    text = str(by).strip().lower()
    if text not in BY_CHOICES:
        raise StocksInputError(f"unknown breakdown --by {by!r}; valid: {', '.join(BY_CHOICES)}")
    return text


def _no_rows_hint(codes: Sequence[str]) -> str:
    """Why some WPP countries have no rows: composites that hold them, or absence from the stocks."""
    holders = [f"{spec['name']} ({code})" for code, spec in COMPOSITES.items() if set(codes) & set(spec["members"])]
    if holders:
        return f"the stocks count it only as part of {', '.join(holders)}; choose a group that contains it"
    return "UN DESA gives no stocks for it (see the unmatched_codes table); choose another country, region or group"


def check_codes(stocks: pd.DataFrame, codes: Sequence[str], name: str) -> list[str]:
    """Raise :class:`StocksInputError` unless some of ``codes`` appear in the stocks as origins or destinations."""
    codes = list(codes)
    present = stocks["origin_iso3"].isin(codes).any() or stocks["destination_iso3"].isin(codes).any()
    if not present:
        raise StocksInputError(f"{name} has no rows in UN DESA International Migrant Stock 2024: {_no_rows_hint(codes)}")
    return codes


# ---------------------------------------------------------------- indicators
def _of_year(stocks: pd.DataFrame, year) -> pd.DataFrame:
    year = check_year(year)
    return stocks[stocks["year"] == year]


def _both_sexes(stocks: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """Sum over sexes: ``keys, migrants, female, male``."""
    female = stocks["migrants"].where(stocks["sex"] == "female", 0.0)
    frame = stocks[list(keys)].assign(migrants=stocks["migrants"], female=female, male=stocks["migrants"] - female)
    return frame.groupby(list(keys), observed=True, sort=False)[["migrants", "female", "male"]].sum().reset_index()


def _group_labels(codes: pd.Series, geography_table: pd.DataFrame, level: str) -> pd.Series:
    labels = codes.map(geography_table.set_index("iso3")[check_level(level)])
    return labels.where(codes != UNKNOWN_ORIGIN, UNKNOWN_LABEL).fillna("Not classified")


def _ordered(table: pd.DataFrame, column: str) -> pd.DataFrame:
    """Sort a grouped table by label, with the unknown origin last."""
    return table.assign(_last=table[column] == UNKNOWN_LABEL).sort_values(["_last", column]).drop(columns="_last")


def world_totals(stocks: pd.DataFrame, world_population: pd.DataFrame) -> pd.DataFrame:
    """World migrant stock by year, women's share and share of the world population.

    Parameters
    ----------
    stocks : DataFrame
        The ``migrant_stocks`` table.
    world_population : DataFrame
        ``year, population`` of the world (see :func:`load_world_population`).

    Returns
    -------
    DataFrame
        ``year, migrants, female, male, women_share, world_population,
        share_of_population`` (shares 0–1).
    """
    totals = _both_sexes(stocks, ["year"]).sort_values("year", ignore_index=True)
    totals["women_share"] = totals["female"] / totals["migrants"]
    out = totals.merge(world_population[["year", "population"]].rename(columns={"population": "world_population"}),
                       on="year", how="left", validate="one_to_one")
    out["share_of_population"] = out["migrants"] / out["world_population"]
    return out


def stocks_by(stocks: pd.DataFrame, geography_table: pd.DataFrame, year, side: str = "destination",
              level: str = "region") -> pd.DataFrame:
    """Migrant stock by origin or destination region in one year.

    Parameters
    ----------
    side : str
        ``origin`` (where migrants come from) or ``destination`` (where they live).
    level : str
        ``region``, ``subregion`` or ``sdg_region``.

    Returns
    -------
    DataFrame
        ``<side>, migrants, female, male, women_share, share_of_total``;
        origins include a row for the unknown origin.
    """
    if side not in ("origin", "destination"):
        raise StocksInputError(f"unknown side {side!r}; valid: origin, destination")
    selected = _of_year(stocks, year)
    labelled = selected.assign(**{side: _group_labels(selected[f"{side}_iso3"], geography_table, level)})
    out = _both_sexes(labelled, [side])
    out["women_share"] = out["female"] / out["migrants"]
    out["share_of_total"] = out["migrants"] / out["migrants"].sum()
    return _ordered(out, side).reset_index(drop=True)


def women_share_by_region(stocks: pd.DataFrame, geography_table: pd.DataFrame, year,
                          level: str = "region") -> pd.DataFrame:
    """Women's share of emigrants (by region of origin) and of immigrants (by region of destination).

    Returns
    -------
    DataFrame
        ``side`` (``origin``/``destination``), ``region``, ``migrants, female,
        women_share``; migrants of unknown origin are left out of the origin side.
    """
    frames = []
    for side in ("origin", "destination"):
        table = stocks_by(stocks, geography_table, year, side, level).rename(columns={side: "region"})
        frames.append(table[table["region"] != UNKNOWN_LABEL].assign(side=side))
    out = pd.concat(frames, ignore_index=True)
    return out[["side", "region", "migrants", "female", "women_share"]]


def origin_destination(stocks: pd.DataFrame, geography_table: pd.DataFrame, year, level: str = "region") -> pd.DataFrame:
    """Origin–destination matrix of migrant stocks between regions, in long form.

    Returns
    -------
    DataFrame
        ``origin, destination, migrants, female, male, share_of_origin,
        share_of_destination``: each cell's share of the origin's emigrants
        and of the destination's immigrants.
    """
    selected = _of_year(stocks, year)
    labelled = selected.assign(
        origin=_group_labels(selected["origin_iso3"], geography_table, level),
        destination=_group_labels(selected["destination_iso3"], geography_table, level),
    )
    out = _both_sexes(labelled, ["origin", "destination"])
    out["share_of_origin"] = out["migrants"] / out.groupby("origin")["migrants"].transform("sum")
    out["share_of_destination"] = out["migrants"] / out.groupby("destination")["migrants"].transform("sum")
    out = out.assign(_last=out["origin"] == UNKNOWN_LABEL).sort_values(["_last", "origin", "destination"])
    return out.drop(columns="_last").reset_index(drop=True)


def own_region_share(stocks: pd.DataFrame, geography_table: pd.DataFrame, year, level: str = "region") -> pd.DataFrame:
    """Share of migrants who live in their own region of origin.

    Returns
    -------
    DataFrame
        Per origin region (known origins only) and ``All known origins``:
        ``origin, migrants, in_own_region, share`` (0–1).
    """
    od = origin_destination(stocks, geography_table, year, level)
    od = od[od["origin"] != UNKNOWN_LABEL]
    od = od.assign(in_own_region=od["migrants"].where(od["origin"] == od["destination"], 0.0))
    out = od.groupby("origin")[["migrants", "in_own_region"]].sum().reset_index()
    total = pd.DataFrame({"origin": ["All known origins"], "migrants": [out["migrants"].sum()],
                          "in_own_region": [out["in_own_region"].sum()]})
    out = pd.concat([out, total], ignore_index=True)
    out["share"] = out["in_own_region"] / out["migrants"]
    return out


def south_north_shares(stocks: pd.DataFrame, geography_table: pd.DataFrame, year,
                       definition: str = "un_development") -> pd.DataFrame:
    """South–South, South–North, North–North and North–South shares of the migrant stock.

    Parameters
    ----------
    definition : str
        ``un_development`` or ``world_bank_income`` (see :data:`SOUTH_DEFINITIONS`).

    Returns
    -------
    DataFrame
        ``direction, migrants, share_of_known_origin, share_of_total``: the
        four directions (origin–destination) and a row for migrants of
        unknown origin, who have no direction.
    """
    labels = south_north(geography_table, definition)
    selected = _of_year(stocks, year)
    origin = selected["origin_iso3"].map(labels)
    destination = selected["destination_iso3"].map(labels)
    direction = (origin + "-" + destination).fillna(UNKNOWN_LABEL).astype(str)
    out = _both_sexes(selected.assign(direction=direction.to_numpy()), ["direction"])[["direction", "migrants"]]
    order = ["South-South", "South-North", "North-North", "North-South", UNKNOWN_LABEL]
    out = out.set_index("direction").reindex(order, fill_value=0.0).reset_index()
    known = out["direction"] != UNKNOWN_LABEL
    out["share_of_known_origin"] = (out["migrants"] / out.loc[known, "migrants"].sum()).where(known)
    out["share_of_total"] = out["migrants"] / out["migrants"].sum()
    return out


def emigrant_summary(stocks: pd.DataFrame, year, origin_codes: Iterable[str], name: str = "origin") -> pd.DataFrame:
    """Emigrants of a group of origins: total, women's share and the share living within the group.

    Parameters
    ----------
    origin_codes : iterable of str
        ISO-3 codes of the group's countries (see :func:`location_codes`).
    name : str
        Label of the group (e.g. ``Africa``).

    Returns
    -------
    DataFrame
        One row: ``origin, migrants, female, women_share, within_group,
        within_share`` (for Africa, ``within_share`` is the intra-African share).
    """
    codes = list(origin_codes)
    selected = _of_year(stocks, year)
    selected = selected[selected["origin_iso3"].isin(codes)]
    inside = selected["destination_iso3"].isin(codes)
    female = selected["migrants"].where(selected["sex"] == "female", 0.0)
    total = selected["migrants"].sum()
    within = selected["migrants"].where(inside, 0.0).sum()
    return pd.DataFrame(
        {"origin": [name], "migrants": [total], "female": [female.sum()], "women_share": [female.sum() / total],
         "within_group": [within], "within_share": [within / total]}
    )


def emigrants_by_destination(stocks: pd.DataFrame, geography_table: pd.DataFrame, year, origin_codes: Iterable[str],
                             level: str = "region") -> pd.DataFrame:
    """Where a group's emigrants live, by destination region.

    Returns
    -------
    DataFrame
        ``destination, migrants, female, male, women_share, share`` (of the
        group's emigrants), largest first.
    """
    selected = _of_year(stocks, year)
    selected = selected[selected["origin_iso3"].isin(list(origin_codes))]
    labelled = selected.assign(destination=_group_labels(selected["destination_iso3"], geography_table, level))
    out = _both_sexes(labelled, ["destination"])
    out["women_share"] = out["female"] / out["migrants"]
    out["share"] = out["migrants"] / out["migrants"].sum()
    return out.sort_values("migrants", ascending=False, ignore_index=True)


def top_corridors(stocks: pd.DataFrame, geography_table: pd.DataFrame, year, origin_codes: Iterable[str] | None = None,
                  destination_codes: Iterable[str] | None = None, n: int | None = 10) -> pd.DataFrame:
    """The largest country-to-country corridors, optionally from or to given countries.

    Parameters
    ----------
    origin_codes, destination_codes : iterable of str, optional
        ISO-3 codes to keep as origins / destinations; all by default.
    n : int, optional
        How many corridors (all with migrants when None).

    Returns
    -------
    DataFrame
        ``origin, origin_iso3, destination, destination_iso3, migrants,
        female, male, women_share, share_of_origin, share_of_destination``,
        largest first: the corridor's share of all the origin's emigrants and
        of all the destination's immigrants.  Corridors with no migrants are
        left out.
    """
    selected = _of_year(stocks, year)
    pairs = _both_sexes(selected, ["origin_iso3", "destination_iso3"])
    pairs["share_of_origin"] = pairs["migrants"] / pairs.groupby("origin_iso3")["migrants"].transform("sum")
    pairs["share_of_destination"] = pairs["migrants"] / pairs.groupby("destination_iso3")["migrants"].transform("sum")
    if origin_codes is not None:
        pairs = pairs[pairs["origin_iso3"].isin(list(origin_codes))]
    if destination_codes is not None:
        pairs = pairs[pairs["destination_iso3"].isin(list(destination_codes))]
    pairs = pairs[pairs["migrants"] > 0].sort_values(["migrants", "origin_iso3", "destination_iso3"],
                                                     ascending=[False, True, True])
    if n is not None:
        pairs = pairs.head(n)
    names = geography_table.set_index("iso3")["name"]
    pairs["origin"] = pairs["origin_iso3"].map(names)
    pairs["destination"] = pairs["destination_iso3"].map(names)
    pairs["women_share"] = pairs["female"] / pairs["migrants"]
    columns = ["origin", "origin_iso3", "destination", "destination_iso3", "migrants", "female", "male", "women_share",
               "share_of_origin", "share_of_destination"]
    return pairs[columns].reset_index(drop=True)


def measurement_summary(stocks: pd.DataFrame, year) -> pd.DataFrame:
    """How the stock of a year was measured: destinations and migrants by measurement flag.

    Returns
    -------
    DataFrame
        ``measurement, destinations, migrants, share_of_migrants``; flags
        overlap (e.g. birthplace data that include refugees), so shares do
        not sum to one.
    """
    selected = _of_year(stocks, year)
    flags = list(MEASUREMENT_FLAGS.values())
    total = selected["migrants"].sum()
    destinations = selected.drop_duplicates("destination_iso3")[flags].sum()
    migrants = selected[flags].mul(selected["migrants"], axis=0).sum()
    return pd.DataFrame({"measurement": flags, "destinations": destinations.astype(int).to_numpy(),
                         "migrants": migrants.to_numpy(), "share_of_migrants": (migrants / total).to_numpy()})


# ---------------------------------------------------------------- remittances
def latest_year(wdi: pd.DataFrame, indicator: str, upto: int | None = None) -> int:
    """The latest year with values of a WDI indicator (up to ``upto``)."""
    years = wdi.loc[wdi["indicator"] == indicator, "year"]
    if upto is not None:
        years = years[years <= upto]
    if years.empty:
        raise StocksInputError(f"no WDI values of {indicator!r}" + (f" up to {upto}" if upto is not None else ""))
    return int(years.max())


def remittances(wdi: pd.DataFrame, geography_table: pd.DataFrame, country_codes: Iterable[str], year: int) -> pd.DataFrame:
    """Personal remittances received and their share of GDP, per country, in one year.

    Parameters
    ----------
    wdi : DataFrame
        The ``wdi`` table.
    country_codes : iterable of str
        ISO-3 codes of the countries (e.g. Africa's).
    year : int
        A WDI year (1990–2023).

    Returns
    -------
    DataFrame
        ``name, iso3, remittances, gdp, share_of_gdp`` (current US$; share
        0–1, missing where GDP is), countries with data only, largest first.
    """
    codes = list(country_codes)
    rows = wdi[(wdi["year"] == int(year)) & wdi["iso3"].isin(codes) & wdi["indicator"].isin(["remin", "gdp"])]
    wide = rows.pivot_table(index="iso3", columns="indicator", values="value", observed=True)
    wide = wide.reindex(columns=["remin", "gdp"])
    wide = wide.dropna(subset=["remin"]).rename(columns={"remin": "remittances"})
    wide["share_of_gdp"] = wide["remittances"] / wide["gdp"]
    out = wide.reset_index()
    out.insert(0, "name", out["iso3"].map(geography_table.set_index("iso3")["name"]))
    out.columns.name = None
    return out.sort_values("remittances", ascending=False, ignore_index=True)


def remittance_summary(table: pd.DataFrame, countries: int, name: str = "group") -> pd.DataFrame:
    """Total remittances of a :func:`remittances` table and their share of the same countries' GDP.

    Parameters
    ----------
    table : DataFrame
        From :func:`remittances`.
    countries : int
        Number of countries in the group (to report coverage).

    Returns
    -------
    DataFrame
        One row: ``group, countries, reporting, remittances, gdp_of_reporting, share_of_gdp``.
    """
    both = table.dropna(subset=["gdp"])
    return pd.DataFrame(
        {"group": [name], "countries": [countries], "reporting": [len(table)], "remittances": [table["remittances"].sum()],
         "gdp_of_reporting": [both["gdp"].sum()], "share_of_gdp": [both["remittances"].sum() / both["gdp"].sum()]}
    )


# ---------------------------------------------------------------- loading
def load_migrant_stocks(processed_dir: Path | None = None) -> pd.DataFrame:
    """The processed ``migrant_stocks`` table."""
    return wpp.read_table("migrant_stocks", processed_dir)


def load_wdi(processed_dir: Path | None = None) -> pd.DataFrame:
    """The processed ``wdi`` table."""
    return wpp.read_table("wdi", processed_dir)


def load_unmatched(processed_dir: Path | None = None) -> pd.DataFrame:
    """The processed ``unmatched_codes`` table."""
    return wpp.read_table("unmatched_codes", processed_dir)


def load_geography(processed_dir: Path | None = None) -> pd.DataFrame:
    """:func:`geography` over the processed locations and membership tables."""
    return geography(wpp.read_table("locations", processed_dir), wpp.read_table("location_groups", processed_dir))


def load_world_population(processed_dir: Path | None = None) -> pd.DataFrame:
    """World population (WPP 2024, persons, 1 July) in the stock years.

    1990–2020 are WPP estimates (the 5-year table); 2024 comes from the
    ``population_midyear`` table (see :func:`clean_midyear_population`).

    Returns
    -------
    DataFrame
        ``year, population``.
    """
    from analysis.locations import WORLD

    population = wpp.read_table("population", processed_dir)
    estimates = population[(population["location_code"] == WORLD) & (population["variant"] == "estimates")
                           & population["year"].isin(STOCK_YEARS)]
    five_yearly = estimates.groupby("year")["population"].sum().reset_index()
    midyear = wpp.read_table("population_midyear", processed_dir)
    midyear = midyear[(midyear["location_code"] == WORLD) & midyear["year"].isin(STOCK_YEARS)][["year", "population"]]
    out = pd.concat([five_yearly, midyear[~midyear["year"].isin(five_yearly["year"])]], ignore_index=True)
    out["year"] = out["year"].astype("int16")
    return out.sort_values("year", ignore_index=True)


def resolve_group(
    query: str | int, geography_table: pd.DataFrame, processed_dir: Path | None = None
) -> tuple[str, list[str]]:
    """Resolve a location query to its name and the ISO-3 codes of its countries in the stocks.

    Raises
    ------
    analysis.locations.UnknownLocationError
        With close matches, for names and codes WPP does not know.
    """
    from analysis import locations as locations_module

    location = locations_module.resolve(query, processed_dir)
    return location.name, location_codes(location, geography_table)


# ---------------------------------------------------------------- command line
def stocks_table(year: int | str = 2024, by: str = "region", origin: str | None = None,
                 destination: str | None = None, processed_dir: Path | None = None) -> pd.DataFrame:
    """What ``python -m analysis stocks`` prints as CSV.

    Parameters
    ----------
    year : int
        1990, 1995, …, 2020 or 2024.
    by : str
        ``region``, ``subregion`` or ``sdg_region``: the origin–destination
        matrix between those regions (long form); ``corridor``: country to
        country, largest first (corridors with migrants only).
    origin, destination : str, optional
        A country, region or group (name, ISO-3, M49 code, e.g. ``Africa``,
        ``NGA``, ``ECOWAS``): keep migrants from (to) it only, summed over its
        countries when ``by`` is a region level.

    Returns
    -------
    DataFrame
        Regions: ``year, origin, destination, migrants, female, male,
        share_of_origin, share_of_destination``.  Corridors: the same with
        ``origin_iso3`` and ``destination_iso3`` after the names.  Persons are
        whole numbers; ``share_of_origin`` is the share of all the origin's
        emigrants, ``share_of_destination`` of all the destination's
        immigrants (4 decimals).

    Raises
    ------
    StocksInputError
        For a year without data or an unknown breakdown.
    analysis.locations.UnknownLocationError
        For an unknown origin or destination (with close matches).
    """
    year = check_year(year)
    by = check_by(by)
    stocks = load_migrant_stocks(processed_dir)
    geo = load_geography(processed_dir)
    origin_name, origin_codes = resolve_group(origin, geo, processed_dir) if origin is not None else (None, None)
    dest_name, dest_codes = resolve_group(destination, geo, processed_dir) if destination is not None else (None, None)
    if by == "corridor":
        table = top_corridors(stocks, geo, year, origin_codes, dest_codes, n=None)
        table = table.drop(columns="women_share")
    else:
        selected = stocks[stocks["year"] == year]
        origin_label = _group_labels(selected["origin_iso3"], geo, by)
        destination_label = _group_labels(selected["destination_iso3"], geo, by)
        if origin_codes is not None:
            origin_label = origin_label.where(~selected["origin_iso3"].isin(origin_codes), origin_name)
        if dest_codes is not None:
            destination_label = destination_label.where(~selected["destination_iso3"].isin(dest_codes), dest_name)
        labelled = selected.assign(origin=origin_label, destination=destination_label)
        table = _both_sexes(labelled, ["origin", "destination"])
        table["share_of_origin"] = table["migrants"] / table.groupby("origin")["migrants"].transform("sum")
        table["share_of_destination"] = table["migrants"] / table.groupby("destination")["migrants"].transform("sum")
        if origin_codes is not None:
            table = table[table["origin"] == origin_name]
        if dest_codes is not None:
            table = table[table["destination"] == dest_name]
        table = table.assign(_last=table["origin"] == UNKNOWN_LABEL)
        table = table.sort_values(["_last", "origin", "destination"]).drop(columns="_last")
    for name, codes in ((origin_name, origin_codes), (dest_name, dest_codes)):
        if codes is not None:
            check_codes(stocks, codes, name)
    if table.empty:
        parts = ([f"from {origin_name}"] if origin_name else []) + ([f"to {dest_name}"] if dest_name else [])
        raise StocksInputError(f"no migrants {' '.join(parts)} in the UN DESA stocks of {year}")
    table.insert(0, "year", year)
    for column in ("migrants", "female", "male"):
        table[column] = table[column].round().astype("int64")
    for column in ("share_of_origin", "share_of_destination"):
        table[column] = table[column].round(4)
    return table.reset_index(drop=True)
