"""International migrant stocks and remittances: indicators.

Indicators on the processed ``migrant_stocks`` and ``wdi`` tables (cleaned in
:mod:`analysis.data.stocks`): world totals, stocks by region of origin and
destination, the origin–destination matrix, women's shares, South–North
directions, emigrants of a group of origins and where they live, corridors,
how the stocks were measured, and remittances with their share of GDP.
Every function is pure (DataFrames in, a DataFrame out) except
:func:`resolve_group` and :func:`stocks_table` (the command line's table),
which read the processed tables.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from analysis.data import locations as locations_module
from analysis.errors import note
from analysis.data.stocks import (
    COMPOSITES,
    DEVELOPMENT_GROUPS,
    HIGH_INCOME,
    MEASUREMENT_FLAGS,
    UNKNOWN_LABEL,
    UNKNOWN_ORIGIN,
    StocksInputError,
    check_year,
    load_geography,
    load_migrant_stocks,
    load_wdi,
    location_codes,
)

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


# ---------------------------------------------------------------- geography
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


# ---------------------------------------------------------------- checks
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


def emigration_rates(stocks: pd.DataFrame, population: pd.DataFrame, geography_table: pd.DataFrame, year,
                     origin_codes: Iterable[str]) -> pd.DataFrame:
    """Each origin country's emigrants in a stock year and their share of the population living in it.

    Parameters
    ----------
    population : DataFrame
        ``location_code, population`` in the same year (see
        :func:`analysis.data.stocks.load_country_population`).
    origin_codes : iterable of str
        ISO-3 codes of the countries (see :func:`location_codes`); codes
        that are not WPP countries (composites) and countries without any
        emigrant in the data are left out.

    Returns
    -------
    DataFrame
        ``iso3, location_code, location, emigrants, population`` (persons) and
        ``share_of_population`` (emigrants over residents, 0–1), largest share first.
    """
    codes = list(origin_codes)
    selected = _of_year(stocks, year)
    selected = selected[selected["origin_iso3"].isin(codes)]
    emigrants = selected.groupby("origin_iso3", observed=True)["migrants"].sum().rename("emigrants")
    countries = geography_table[(geography_table["matched"] == "wpp") & geography_table["iso3"].isin(codes)]
    out = countries[["iso3", "location_code", "name"]].rename(columns={"name": "location"})
    out = out.merge(emigrants, left_on="iso3", right_index=True, how="inner")
    out = out.merge(population, on="location_code", how="inner", validate="one_to_one")
    out["share_of_population"] = out["emigrants"] / out["population"]
    out = out.astype({"location_code": "int64"})
    return out.sort_values("share_of_population", ascending=False, ignore_index=True)


def emigrants_by_destination(stocks: pd.DataFrame, geography_table: pd.DataFrame, year, origin_codes: Iterable[str],
                             level: str = "region", n: int | None = None) -> pd.DataFrame:
    """Where a group's emigrants live, by destination region.

    Parameters
    ----------
    n : int, optional
        Keep only the ``n`` largest destinations (all by default); shares stay
        shares of all the group's emigrants.

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
    out = out.sort_values("migrants", ascending=False, ignore_index=True)
    return out if n is None else out.head(n)


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


# ---------------------------------------------------------------- remittances by corridor and sex
#: How an origin's remittances are shared over its emigrants' destinations (World Bank, S166: allocation rules 1 and 2).
REMITTANCE_ALLOCATIONS: dict[str, str] = {
    "stock_income": "in proportion to emigrants in each destination times the destination's GDP per person "
                    "(current US$, WDI): migrants in richer destinations send more (World Bank allocation rule 2, S166)",
    "stock": "in proportion to emigrants in each destination: every emigrant sends the same (World Bank allocation "
             "rule 1, S166)",
}
#: Remittances a woman migrant sends per unit a man sends: equal by default (IFAD 2017: "approximately the same
#: amount", S164).  No open table of remittances by sex of the sender exists (UN Women 2020, S163).
WOMEN_TO_MEN_REMITTANCES = 1.0
#: Sensitivity range of that ratio: an assumption bracketing the cited directions, women sending less (Orozco,
#: Lowell and Schneider 2006, S165) or the same or more (UN Women 2020, S163); no source gives a single ratio.
WOMEN_TO_MEN_RANGE = (0.8, 1.2)
#: Year of the UN DESA emigrant stocks the remittances are shared over.
REMITTANCE_STOCK_YEAR = 2024


def wdi_latest(wdi: pd.DataFrame, indicator: str, upto: int) -> pd.DataFrame:
    """Each country's latest value of a WDI indicator up to a year: ``value, year`` indexed by ``iso3``."""
    rows = wdi[(wdi["indicator"] == indicator) & (wdi["year"] <= upto)].dropna(subset=["value"])
    latest = rows.sort_values("year").drop_duplicates("iso3", keep="last")
    return latest.set_index("iso3")[["value", "year"]].astype({"value": float, "year": int})


def corridor_remittances(
    wdi: pd.DataFrame,
    stocks: pd.DataFrame,
    origin_iso3: str,
    destination_iso3: str,
    year: int,
    women_to_men: float = WOMEN_TO_MEN_REMITTANCES,
    allocation: str = "stock_income",
    stock_year: int = REMITTANCE_STOCK_YEAR,
) -> pd.Series:
    """Remittances a migrant from an origin in one destination sends home, on average and for a woman and a man.

    The origin's personal remittances received (WDI, the latest year up to
    ``year``) are shared over its emigrants (UN DESA International Migrant
    Stock, ``stock_year``) by ``allocation`` (:data:`REMITTANCE_ALLOCATIONS`):
    a migrant in destination *d* sends ``R * w_d / sum_j(M_j * w_j)``, with
    ``M_j`` the emigrants in destination *j* and ``w_j`` 1 (``stock``) or the
    destination's GDP per person (``stock_income``; a destination without a
    WDI value gets the emigrant-weighted mean of the others).  This works for
    a destination where UN DESA records no emigrants of the origin too.
    Within the corridor, a woman sends ``women_to_men`` times what a man
    sends, so that women and men together send the corridor's average; the
    sex mix is the corridor's emigrants, or the origin's emigrants everywhere
    when UN DESA records none in the corridor (``sex_mix`` says which).  No
    open table gives remittances by sex of the sender: the ratio is a
    parameter.

    Returns
    -------
    Series
        ``origin_iso3, destination_iso3, remittance_year, origin_remittances``
        (US$), ``emigrants, emigrants_in_corridor, corridor_remittances``
        (US$), ``women_share`` (of the sex mix), ``sex_mix``,
        ``per_migrant, per_woman, per_man`` (US$ a year), ``women_to_men``,
        ``allocation``.

    Raises
    ------
    StocksInputError
        For an unknown allocation, a ratio that is not positive and finite, an
        origin without remittance data or without recorded emigrants.
    """
    if allocation not in REMITTANCE_ALLOCATIONS:
        raise StocksInputError(f"unknown remittance allocation {allocation!r}; valid: {', '.join(REMITTANCE_ALLOCATIONS)}")
    if isinstance(women_to_men, bool) or not (isinstance(women_to_men, (int, float)) and np.isfinite(women_to_men)
                                              and women_to_men > 0):
        raise StocksInputError(f"women_to_men must be a positive number, got {women_to_men!r}")
    remittances_received = wdi_latest(wdi, "remin", year)
    if origin_iso3 not in remittances_received.index:
        raise StocksInputError(f"WDI has no remittances received for {origin_iso3} up to {year}; give the remittances "
                               "per migrant yourself")
    received = tuple(remittances_received.loc[origin_iso3])
    emigrants = stocks[(stocks["year"] == stock_year) & (stocks["origin_iso3"] == origin_iso3)]
    by_destination = emigrants.groupby("destination_iso3", observed=True)["migrants"].sum()
    by_destination = by_destination[by_destination > 0].astype(float)
    if by_destination.empty:
        raise StocksInputError(f"UN DESA counts no emigrants from {origin_iso3} in {stock_year}; give the remittances "
                               "per migrant yourself")
    if allocation == "stock":
        weight = pd.Series(1.0, index=by_destination.index.union([destination_iso3]))
    else:
        places = by_destination.index.union([destination_iso3])
        population = wdi_latest(wdi, "pop", year)["value"]
        income = wdi_latest(wdi, "gdp", year)["value"] / population.where(population > 0)
        weight = income.reindex(places)
        known = weight.reindex(by_destination.index).notna()
        fill = (float((weight * by_destination).sum() / by_destination[known].sum()) if known.any() else 1.0)
        weight = weight.fillna(fill)
    per_migrant = received[0] * weight[destination_iso3] / float((by_destination * weight.reindex(by_destination.index)).sum())
    corridor = emigrants[emigrants["destination_iso3"] == destination_iso3]
    in_corridor = float(corridor["migrants"].sum())
    mix = corridor if in_corridor > 0 else emigrants
    women = float(mix.loc[mix["sex"] == "female", "migrants"].sum())
    women_share = women / float(mix["migrants"].sum())
    per_man = per_migrant / (1.0 - women_share + women_to_men * women_share)
    return pd.Series({
        "origin_iso3": origin_iso3, "destination_iso3": destination_iso3, "remittance_year": int(received[1]),
        "origin_remittances": received[0], "emigrants": float(by_destination.sum()),
        "emigrants_in_corridor": in_corridor, "corridor_remittances": per_migrant * in_corridor,
        "women_share": women_share, "sex_mix": "corridor" if in_corridor > 0 else "origin's emigrants everywhere",
        "per_migrant": per_migrant, "per_woman": women_to_men * per_man, "per_man": per_man,
        "women_to_men": float(women_to_men), "allocation": allocation,
    })


def remittances_per_migrant(
    origin: str | int,
    destination: str | int,
    sex: str = "both",
    women_to_men: float = WOMEN_TO_MEN_REMITTANCES,
    allocation: str = "stock_income",
    year: int = 2023,
    processed_dir: Path | None = None,
) -> float:
    """Remittances (current US$ a year) one migrant from ``origin`` in ``destination`` sends home.

    Parameters
    ----------
    origin, destination : str or int
        Countries (names, ISO-3 or M49 codes).
    sex : str
        ``both`` (the corridor's average), ``women`` or ``men``.
    women_to_men, allocation, year
        See :func:`corridor_remittances`.

    Raises
    ------
    StocksInputError, analysis.data.locations.UnknownLocationError
        For an unknown place or sex, a group instead of a country, or missing data.
    """
    column = {"both": "per_migrant", "women": "per_woman", "men": "per_man"}.get(sex)
    if column is None:
        raise StocksInputError(f"unknown sex {sex!r}; valid: both, women, men")
    places = [locations_module.resolve(place, processed_dir) for place in (origin, destination)]
    for place in places:
        if not place.is_country:
            raise StocksInputError(f"{place.name!r} is a group of countries; remittances per migrant need a country")
    if places[0].iso3 == places[1].iso3:
        raise StocksInputError(f"origin and destination are both {places[0].name}; choose two different countries")
    row = corridor_remittances(load_wdi(processed_dir), load_migrant_stocks(processed_dir), places[0].iso3,
                               places[1].iso3, year, women_to_men, allocation)
    return float(row[column])


# ---------------------------------------------------------------- command line
def resolve_group(
    query: str | int, geography_table: pd.DataFrame, processed_dir: Path | None = None
) -> tuple[str, list[str]]:
    """Resolve a location query to its name and the ISO-3 codes of its countries in the stocks.

    Raises
    ------
    analysis.data.locations.UnknownLocationError
        With close matches, for names and codes WPP does not know.
    """
    location = locations_module.resolve(query, processed_dir)
    return location.name, location_codes(location, geography_table)


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
        share_of_origin, share_of_destination``; empty (the header only)
        when there are no such migrants, with a note saying why
        (:func:`empty_stocks_note`).  Corridors: the same with
        ``origin_iso3`` and ``destination_iso3`` after the names.  Persons are
        whole numbers; ``share_of_origin`` is the share of all the origin's
        emigrants, ``share_of_destination`` of all the destination's
        immigrants (4 decimals).

    Raises
    ------
    StocksInputError
        For a year without data or an unknown breakdown.
    analysis.data.locations.UnknownLocationError
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
    if table.empty:  # a valid question whose answer is an empty table: the header, and why on stderr
        note(empty_stocks_note(stocks, year, origin_name, dest_name, dest_codes))
    table.insert(0, "year", year)
    for column in ("migrants", "female", "male"):
        table[column] = table[column].round().astype("int64")
    for column in ("share_of_origin", "share_of_destination"):
        table[column] = table[column].round(4)
    return table.reset_index(drop=True)



def unknown_origin_stock(stocks: pd.DataFrame, year, destination_codes: Iterable[str] | None = None) -> tuple[float, float]:
    """Migrants of unknown origin, and all migrants, living in some destinations (all when None) in a stock year."""
    rows = _of_year(stocks, year)
    if destination_codes is not None:
        rows = rows[rows["destination_iso3"].isin(list(destination_codes))]
    return float(rows.loc[rows["origin_iso3"] == UNKNOWN_ORIGIN, "migrants"].sum()), float(rows["migrants"].sum())


def empty_stocks_note(stocks: pd.DataFrame, year, origin_name: str | None, destination_name: str | None,
                      destination_codes: Iterable[str] | None) -> str:
    """Why a stock table came out empty, in one sentence with the data gap measured from the stocks.

    UN DESA gives no row where its data do not allow an estimate, and some
    destinations record many migrants without their origin (about 0.95
    million in the GCC in 2024): the sentence gives the destination's
    unknown-origin stock and its share of all its migrants.
    """
    parts = ([f"from {origin_name}"] if origin_name else []) + ([f"to {destination_name}"] if destination_name else [])
    unknown, total = unknown_origin_stock(stocks, year, destination_codes)
    where = destination_name or "the world"
    gap = (f"{where}'s stocks record {unknown:,.0f} migrants of unknown origin in {year} ({100 * unknown / total:.2g}% of "
           f"its {total:,.0f} migrants), whom no origin row counts" if unknown > 0 and total > 0 else
           f"{where}'s stocks give the origin of every migrant they count in {year}")
    return (f"no migrants {' '.join(parts)} in the UN DESA stocks of {year}: a missing row means that the data do "
            f"not allow an estimate, not that there are none; {gap}")


# ---------------------------------------------------------------- report summaries (migration_context)
def world_year(world: pd.DataFrame, year) -> pd.DataFrame:
    """The row of one stock year of a :func:`world_totals` table.

    Parameters
    ----------
    world : DataFrame
        From :func:`world_totals`.
    year : int
        1990, 1995, …, 2020 or 2024.

    Returns
    -------
    DataFrame
        One row: ``year, migrants, female, male, women_share,
        world_population, share_of_population``.

    Raises
    ------
    StocksInputError
        For a year without data.
    """
    year = check_year(year)
    out = world[world["year"] == year].reset_index(drop=True)
    if out.empty:
        raise StocksInputError(f"no world totals for {year}")
    return out


def unmatched_handling(unmatched: pd.DataFrame) -> pd.DataFrame:
    """How the codes that match no WPP location are handled: one row per way of handling them.

    Parameters
    ----------
    unmatched : DataFrame
        The ``unmatched_codes`` table (:func:`analysis.data.stocks.load_unmatched`):
        ``iso3, handling`` and other columns, one row per dataset and role.

    Returns
    -------
    DataFrame
        ``codes, handling``: the codes handled each way, joined by ``", "``,
        in the order they first appear (a code is listed once per handling).
    """
    unique = unmatched.drop_duplicates(["iso3", "handling"])
    out = unique.groupby("handling", sort=False)["iso3"].agg(", ".join).reset_index()
    return out.rename(columns={"iso3": "codes"})[["codes", "handling"]]


def other_definition_shares(stocks: pd.DataFrame, geography_table: pd.DataFrame, year,
                            definition: str = "un_development") -> pd.DataFrame:
    """South–North shares under the South definition *other* than ``definition``, for comparison.

    Parameters
    ----------
    definition : str
        The definition in use (see :data:`SOUTH_DEFINITIONS`); the shares are
        computed under the other one.

    Returns
    -------
    DataFrame
        One row: ``definition`` (the other one) and ``south_south,
        south_north, north_north, north_south``: shares (0–1) of migrants with
        a known origin (see :func:`south_north_shares`).
    """
    definition = check_south_definition(definition)
    other = next(name for name in SOUTH_DEFINITIONS if name != definition)
    shares = south_north_shares(stocks, geography_table, year, other).set_index("direction")["share_of_known_origin"]
    row = {"definition": [other]}
    for direction in ("South-South", "South-North", "North-North", "North-South"):
        row[direction.lower().replace("-", "_")] = [shares[direction]]
    return pd.DataFrame(row)


def top_remittances(table: pd.DataFrame, n: int | None = 10, by: str = "remittances") -> pd.DataFrame:
    """The countries of a :func:`remittances` table with the largest amounts or shares of GDP.

    Parameters
    ----------
    table : DataFrame
        From :func:`remittances`.
    n : int, optional
        How many countries (all with a value when None).
    by : str
        ``remittances`` (US$) or ``share_of_gdp``; countries without a value
        are left out.

    Returns
    -------
    DataFrame
        The table's rows, largest ``by`` first (ties keep the table's order).
    """
    if by not in ("remittances", "share_of_gdp"):
        raise StocksInputError(f"unknown ranking {by!r}; valid: remittances, share_of_gdp")
    out = table.dropna(subset=[by]).sort_values(by, ascending=False, kind="stable")
    return out if n is None else out.head(n)
