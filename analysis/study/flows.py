"""Bilateral migration flows: indicators a report needs, published and estimated side by side.

Two sources, laid out alike (:mod:`analysis.data.flows`):

* ``published``: Abel and Cohen (2022), *Bilateral international migration
  flow estimates updated and refined by sex*, Scientific Data 9:173, from the
  Global Migration Data Explorer (CC BY-NC 3.0): 1990–1995 … 2015–2020;
* ``estimated``: the project's own estimates with the same method on UN DESA
  2024 stocks and WPP 2024 (:mod:`analysis.model.flow_estimator`):
  1990–1995 … 2015–2020 and 2020–2024 (a 4-year period), labelled as the
  project's own everywhere.

Flows are people who lived in the origin on 1 July of the period's first
year and in the destination on 1 July of its last year.  A location may be a
country or a group (:func:`analysis.data.locations.resolve`): a group's flows
are the sum over its member countries, and the former units of the published
set (Sudan with South Sudan before 2010, Serbia with Montenegro before 2010)
and the Channel Islands count in a group only when all their members do.
"Out of" and "into" a group count moves that cross its border; a corridor
from a group to itself (Africa to Africa) counts the moves between its
members.

Every function is pure (DataFrames in, a DataFrame out) except the loaders
(:func:`load_flow_source`, :func:`flow_geography`) and :func:`location_units`,
which read the processed tables.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from analysis.data import flows as flow_data
from analysis.data import locations as locations_module
from analysis.data.stocks import STOCK_YEARS, load_geography, load_migrant_stocks
from analysis.errors import InputError, note
from analysis.model import flow_estimator
from analysis.study.migration import unknown_origin_stock

#: Where flows come from.
FLOW_SOURCES: tuple[str, ...] = ("published", "estimated")
#: How each source is labelled in tables and figures.
SOURCE_LABELS: dict[str, str] = {
    "published": "published (Abel and Cohen 2022, UN DESA 2020 stocks)",
    "estimated": "estimated (project's own, same method on UN DESA 2024 stocks and WPP 2024)",
}
#: Corridors this large or larger (persons over a period) make the "large corridors" rank correlation.
LARGE_CORRIDOR = 10_000
KEYS = ["period_start", "period_end", "period", "sex", "type"]


class FlowsInputError(InputError):
    """Bad input to a flow indicator (period, sex, type, source)."""


# ---------------------------------------------------------------- loading and locations
def load_flow_source(source: str = "published", processed_dir: Path | None = None) -> pd.DataFrame:
    """The flows of one source (``published`` or ``estimated``) in the layout of the ``flows`` table.

    The project's estimates are computed on first use and cached
    (:func:`analysis.model.flow_estimator.estimated_flows`).
    """
    source = check_source(source)
    if source == "published":
        return flow_data.load_flows(processed_dir)
    return flow_estimator.estimated_flows(processed_dir)


def flow_geography(processed_dir: Path | None = None) -> pd.DataFrame:
    """Name, M49 code, region and sub-region of every unit in the flow tables (countries, composites, former units).

    Returns
    -------
    DataFrame
        ``iso3, location_code, name, region, subregion, sdg_region,
        income_group, development_group, matched``; the former units
        (``SUD``, ``SCG``) take the attributes their members share.
    """
    geography = load_geography(processed_dir)
    rows = []
    attributes = ["region", "subregion", "sdg_region", "income_group", "development_group"]
    by_iso = geography.set_index("iso3")
    for code, spec in flow_data.FORMER_UNITS.items():
        members = by_iso.reindex(list(spec["members"]))
        shared = {a: (members[a].iloc[0] if members[a].nunique(dropna=False) == 1 else None) for a in attributes}
        rows.append({"iso3": code, "location_code": pd.NA, "name": spec["name"], **shared, "matched": "former"})
    extra = pd.DataFrame(rows).astype({"location_code": "Int32"})
    extra = extra.astype({c: object for c in attributes if extra[c].isna().all()})
    out = pd.concat([geography.astype({"location_code": "Int32"}), extra.dropna(axis=1, how="all")],
                    ignore_index=True)
    return out[geography.columns]


def location_units(query: str | int, processed_dir: Path | None = None) -> tuple[str, list[str]]:
    """A location's name and the ISO-3 codes of the flow units inside it (countries, composites all of whose members are in).

    Raises
    ------
    analysis.data.locations.UnknownLocationError
        With close matches, for names and codes WPP does not know.
    """
    location = locations_module.resolve(query, processed_dir)
    locations = locations_module.load_locations(processed_dir)
    iso3 = locations.set_index("location_code").reindex(list(location.members))["iso3"].dropna()
    return location.name, sorted(flow_data.codes_in(set(iso3)))


# ---------------------------------------------------------------- checks
def check_source(source: str) -> str:
    """Validate a flow source; raises :class:`FlowsInputError`."""
    text = str(source).strip().lower()
    if text not in FLOW_SOURCES:
        raise FlowsInputError(f"unknown source {source!r}; valid: {', '.join(FLOW_SOURCES)}")
    return text


def check_sex(sex: str) -> str:
    """Validate a sex (``both``, ``female``, ``male``)."""
    text = str(sex).strip().lower()
    if text not in flow_data.FLOW_SEXES:
        raise FlowsInputError(f"unknown sex {sex!r}; valid: {', '.join(flow_data.FLOW_SEXES)}")
    return text


def check_type(kind: str) -> str:
    """Validate a flow type (``all``, ``outward``, ``return``, ``transit``)."""
    text = str(kind).strip().lower()
    if text not in flow_data.FLOW_TYPES:
        raise FlowsInputError(f"unknown flow type {kind!r}; valid: {', '.join(flow_data.FLOW_TYPES)} "
                              f"({'; '.join(f'{k}: {v}' for k, v in flow_data.TYPE_MEANINGS.items())})")
    return text


def check_period(period, flows: pd.DataFrame) -> int:
    """Validate a period by its start year against the periods a flow table has."""
    starts = sorted(int(s) for s in flows["period_start"].unique())
    valid = ", ".join(f"{s} ({flow_data.period_label(s, e)})" for s, e in
                      flows.drop_duplicates("period_start")[["period_start", "period_end"]].sort_values(
                          "period_start").itertuples(index=False))
    try:
        value = int(str(period).strip())
    except (TypeError, ValueError):
        raise FlowsInputError(f"period {period!r} is not a start year; valid: {valid}") from None
    if value not in starts:
        raise FlowsInputError(f"no flow period starts in {value}; valid: {valid}")
    return value


# ---------------------------------------------------------------- indicators
def _select(flows: pd.DataFrame, period=None, sex: str | None = None, kind: str | None = None) -> pd.DataFrame:
    rows = flows
    if period is not None:
        rows = rows[rows["period_start"] == int(period)]
    if sex is not None:
        rows = rows[rows["sex"] == sex]
    if kind is not None:
        rows = rows[rows["type"] == kind]
    return rows


def _sum_by_keys(rows: pd.DataFrame, flows: pd.DataFrame, column: str = "persons") -> pd.DataFrame:
    """Sum persons by period, sex and type over every combination the table has (zeros where no rows)."""
    frame = flows[KEYS].drop_duplicates()
    sums = rows.groupby(KEYS, observed=True)["persons"].sum().rename(column)
    out = frame.join(sums, on=KEYS).fillna({column: 0.0})
    return out.sort_values(["period_start", "sex", "type"], ignore_index=True)


def corridor(flows: pd.DataFrame, origin_codes: Iterable[str] | None = None,
             destination_codes: Iterable[str] | None = None, period=None, sex: str | None = None,
             kind: str | None = None) -> pd.DataFrame:
    """Flows from a set of origins to a set of destinations, summed over their members.

    Parameters
    ----------
    flows : DataFrame
        A flows table (published or estimated).
    origin_codes, destination_codes : iterable of str, optional
        ISO-3 codes of the units (:func:`location_units`); all when None.
    period : int, optional
        Start year of one period; all when None.
    sex, kind : str, optional
        One sex and one type; all when None.

    Returns
    -------
    DataFrame
        ``period_start, period_end, period, sex, type, persons`` for every
        period, sex and type selected (zero where the corridor has no flow).
    """
    rows = _select(flows, period, sex, kind)
    scope = rows
    if origin_codes is not None:
        rows = rows[rows["origin_iso3"].isin(list(origin_codes))]
    if destination_codes is not None:
        rows = rows[rows["destination_iso3"].isin(list(destination_codes))]
    return _sum_by_keys(rows, scope)


def flows_in_out(flows: pd.DataFrame, codes: Sequence[str], period=None, sex: str | None = None,
                 kind: str | None = None) -> pd.DataFrame:
    """Flows into and out of a location (crossing its border), and the net, by period, sex and type.

    Returns
    -------
    DataFrame
        ``period_start, period_end, period, sex, type, inflow, outflow,
        net`` (persons; net = inflow − outflow).
    """
    codes = list(codes)
    rows = _select(flows, period, sex, kind)
    inside_origin, inside_destination = rows["origin_iso3"].isin(codes), rows["destination_iso3"].isin(codes)
    inflow = _sum_by_keys(rows[~inside_origin & inside_destination], rows, "inflow")
    outflow = _sum_by_keys(rows[inside_origin & ~inside_destination], rows, "outflow")
    out = inflow.merge(outflow, on=KEYS)
    out["net"] = out["inflow"] - out["outflow"]
    return out


def intra_african_share(flows: pd.DataFrame, geography: pd.DataFrame) -> pd.DataFrame:
    """Africa's intra-African share of African emigration flows, by period, sex and type.

    Returns
    -------
    DataFrame
        ``period_start, period_end, period, sex, type, from_africa,
        within_africa, share``: flows from African countries to anywhere, of
        them to other African countries, and the share (4 decimals).
    """
    african = set(geography.loc[geography["region"] == "Africa", "iso3"])
    from_africa = flows[flows["origin_iso3"].isin(african)]
    total = _sum_by_keys(from_africa, flows, "from_africa")
    within = _sum_by_keys(from_africa[from_africa["destination_iso3"].isin(african)], flows, "within_africa")
    out = total.merge(within, on=KEYS)
    out["share"] = (out["within_africa"] / out["from_africa"].where(out["from_africa"] > 0)).round(4)
    return out


def top_corridors(flows: pd.DataFrame, geography: pd.DataFrame, n: int | None = 10, period=None,
                  sex: str = "both", kind: str = "all", origin_codes: Iterable[str] | None = None,
                  destination_codes: Iterable[str] | None = None) -> pd.DataFrame:
    """The largest country-to-country corridors of a period, sex and type.

    Returns
    -------
    DataFrame
        ``period, origin, origin_iso3, destination, destination_iso3,
        persons``, largest first (ties by codes); every period when
        ``period`` is None, each ranked on its own.
    """
    rows = _select(flows, period, sex, kind)
    if origin_codes is not None:
        rows = rows[rows["origin_iso3"].isin(list(origin_codes))]
    if destination_codes is not None:
        rows = rows[rows["destination_iso3"].isin(list(destination_codes))]
    rows = rows.sort_values(["period_start", "persons", "origin_iso3", "destination_iso3"],
                            ascending=[True, False, True, True])
    if n is not None:
        rows = rows.groupby("period_start", observed=True).head(n)
    names = geography.set_index("iso3")["name"]
    out = pd.DataFrame({"period": rows["period"].astype(str), "origin": rows["origin_iso3"].map(names),
                        "origin_iso3": rows["origin_iso3"], "destination": rows["destination_iso3"].map(names),
                        "destination_iso3": rows["destination_iso3"], "persons": rows["persons"]})
    return out.reset_index(drop=True)


def return_rates(flows: pd.DataFrame, geography: pd.DataFrame, sex: str = "both") -> pd.DataFrame:
    """How much of the movement into and out of each country is people coming home, by period.

    Two ratios per country and period:

    * ``return_share_of_inflows``: people moving back to the country where
      they were born (returns into it) as a share of all flows into it;
    * ``returns_per_emigrant``: returns into it per person of it leaving
      (outward flows from it: people born there who leave it).

    Returns
    -------
    DataFrame
        ``iso3, name, region, period_start, period, inflow, returns,
        outward, return_share_of_inflows, returns_per_emigrant`` (persons;
        ratios to 4 decimals, missing where the denominator is zero).
    """
    rows = flows[flows["sex"] == sex]
    inflow = rows[rows["type"] == "all"].groupby(["destination_iso3", "period_start"], observed=True)["persons"].sum()
    returns = rows[rows["type"] == "return"].groupby(["destination_iso3", "period_start"], observed=True)["persons"].sum()
    outward = rows[rows["type"] == "outward"].groupby(["origin_iso3", "period_start"], observed=True)["persons"].sum()
    outward.index = outward.index.set_names("destination_iso3", level=0)
    out = pd.concat([inflow.rename("inflow"), returns.rename("returns"), outward.rename("outward")], axis=1)
    out = out.fillna(0.0).rename_axis(["iso3", "period_start"]).reset_index()
    labels = rows.drop_duplicates("period_start").set_index("period_start")["period"].astype(str)
    out["period"] = out["period_start"].map(labels)
    out["return_share_of_inflows"] = (out["returns"] / out["inflow"].where(out["inflow"] > 0)).round(4)
    out["returns_per_emigrant"] = (out["returns"] / out["outward"].where(out["outward"] > 0)).round(4)
    attributes = geography.set_index("iso3")[["name", "region"]]
    out = out.join(attributes, on="iso3")
    columns = ["iso3", "name", "region", "period_start", "period", "inflow", "returns", "outward",
               "return_share_of_inflows", "returns_per_emigrant"]
    return out[columns].sort_values(["period_start", "iso3"], ignore_index=True)


def side_by_side(published: pd.DataFrame, estimated: pd.DataFrame,
                 keys: Sequence[str] = ("period_start", "origin_iso3", "destination_iso3", "sex", "type")
                 ) -> pd.DataFrame:
    """Published and estimated flows of the same cells side by side (outer join; zero where a source has no flow).

    Returns
    -------
    DataFrame
        The key columns, ``period``, ``published``, ``estimated`` and
        ``ratio`` (estimated / published, 4 decimals; missing where the
        published flow is zero).  Periods only one source has (2020–2024)
        keep ``published`` missing.
    """
    keys = list(keys)
    left = published.groupby(keys, observed=True)["persons"].sum().rename("published")
    right = estimated.groupby(keys, observed=True)["persons"].sum().rename("estimated")
    out = pd.concat([left, right], axis=1).reset_index()
    for column, source in (("published", published), ("estimated", estimated)):
        covered = out["period_start"].isin(set(source["period_start"]))
        out[column] = out[column].where(~covered, out[column].fillna(0.0))
    labels = pd.concat([published, estimated]).drop_duplicates("period_start").set_index("period_start")["period"]
    out.insert(1, "period", out["period_start"].map(labels.astype(str)))
    out["ratio"] = (out["estimated"] / out["published"].where(out["published"] > 0)).round(4)
    return out


def _spearman(x: pd.Series, y: pd.Series) -> float:
    """Spearman's rank correlation (average ranks for ties), without scipy."""
    if len(x) < 3:
        return float("nan")
    return float(np.corrcoef(x.rank().to_numpy(), y.rank().to_numpy())[0, 1])


def validation(published: pd.DataFrame, estimated: pd.DataFrame, geography: pd.DataFrame,
               sex: str = "both") -> dict[str, pd.DataFrame]:
    """The project's estimates against the published ones, period by period (the periods both have).

    Corridors are compared country to country over the units both tables
    share (the former units SUD and SCG, which the 2024 stocks do not use in
    the same periods, are left out of the corridor comparisons).

    Returns
    -------
    dict of DataFrame
        ``world``: ``period, published, estimated, ratio`` (all flows) and
        the return shares of both; ``regions``: totals per origin region and
        per destination region (``side`` = origin/destination); ``ranks``:
        Spearman rank correlations over all corridors, over corridors from
        African origins, and over corridors of at least
        :data:`LARGE_CORRIDOR` persons in the published set, with the number
        of corridors.
    """
    periods = sorted(set(published["period_start"]) & set(estimated["period_start"]))
    both = side_by_side(published[(published["sex"] == sex) & published["period_start"].isin(periods)],
                        estimated[(estimated["sex"] == sex) & estimated["period_start"].isin(periods)])
    every = both[both["type"] == "all"]
    world = every.groupby(["period_start", "period"], observed=True)[["published", "estimated"]].sum().reset_index()
    returns = both[both["type"] == "return"].groupby("period_start", observed=True)[["published", "estimated"]].sum()
    world["ratio"] = (world["estimated"] / world["published"]).round(4)
    world["published_return_share"] = (world["period_start"].map(returns["published"]) / world["published"]).round(4)
    world["estimated_return_share"] = (world["period_start"].map(returns["estimated"]) / world["estimated"]).round(4)
    region = geography.set_index("iso3")["region"]
    frames = []
    for side in ("origin", "destination"):
        grouped = every.assign(region=every[f"{side}_iso3"].map(region).fillna("(none)"))
        table = grouped.groupby(["period_start", "period", "region"], observed=True)[["published", "estimated"]].sum().reset_index()
        frames.append(table.assign(side=side))
    regions = pd.concat(frames, ignore_index=True)
    regions["ratio"] = (regions["estimated"] / regions["published"].where(regions["published"] > 0)).round(4)
    shared = every[~every["origin_iso3"].isin(flow_data.FORMER_UNITS) &
                   ~every["destination_iso3"].isin(flow_data.FORMER_UNITS)]
    units = set(published["origin_iso3"]) & set(estimated["origin_iso3"])
    shared = shared[shared["origin_iso3"].isin(units) & shared["destination_iso3"].isin(units)]
    african = set(geography.loc[geography["region"] == "Africa", "iso3"])
    ranks = []
    for (start, label), cells in shared.groupby(["period_start", "period"], observed=True):
        # every pair of shared units is a corridor, zero where neither source has a flow
        codes = sorted(units)
        grid = pd.MultiIndex.from_product([codes, codes], names=["origin_iso3", "destination_iso3"])
        full = cells.set_index(["origin_iso3", "destination_iso3"])[["published", "estimated"]].reindex(grid,
                                                                                                      fill_value=0.0)
        full = full[full.index.get_level_values(0) != full.index.get_level_values(1)]
        from_africa = full[full.index.get_level_values(0).isin(african)]
        large = full[full["published"] >= LARGE_CORRIDOR]
        large_africa = from_africa[from_africa["published"] >= LARGE_CORRIDOR]
        for name, subset in (("all corridors", full), ("African origins", from_africa),
                             (f"corridors of {LARGE_CORRIDOR:,} or more", large),
                             (f"African origins, {LARGE_CORRIDOR:,} or more", large_africa)):
            ranks.append({"period_start": start, "period": label, "corridors": name, "count": len(subset),
                          "spearman": round(_spearman(subset["published"], subset["estimated"]), 3)})
    return {"world": world, "regions": regions, "ranks": pd.DataFrame(ranks)}


# ---------------------------------------------------------------- command line
#: Period starts of each source (the published set ends in 2020; the project's own reach 2024).
def source_periods(source: str) -> dict[int, int]:
    """Start year → end year of the periods a source has."""
    pairs = dict(zip(STOCK_YEARS[:-1], STOCK_YEARS[1:]))
    if check_source(source) == "published":
        return {start: end for start, end in pairs.items() if end - start == flow_data.PERIOD_YEARS}
    return pairs


def check_source_period(period, source: str) -> int | None:
    """Validate ``--period`` (a start year, or None for every period) against a source's periods."""
    if period is None:
        return None
    periods = source_periods(source)
    valid = ", ".join(f"{s} ({flow_data.period_label(s, e)})" for s, e in periods.items())
    try:
        value = int(str(period).strip())
    except (TypeError, ValueError):
        raise FlowsInputError(f"period {period!r} is not a start year; valid for the {source} flows: {valid}") from None
    if value not in periods:
        extra = (" (2020-2024 has the project's own estimates only: add --source estimated)"
                 if source == "published" and value in source_periods("estimated") else "")
        raise FlowsInputError(f"no {source} flow period starts in {value}; valid: {valid}{extra}")
    return value


def empty_corridor_note(origin: tuple[str, list[str]] | None, destination: tuple[str, list[str]] | None,
                        period: int | None, source: str, processed_dir: Path | None = None) -> str:
    """Why a corridor has no flow, in one sentence: what the stocks the flows are made from hold there.

    The flows are estimated from bilateral migrant stocks, so a corridor
    whose stocks are empty at both ends of a period has no flow; the
    sentence says whether the stocks have migrants from the origin in the
    destination, and how many migrants of unknown origin the destination's
    stocks hold (UN DESA 2024, the period's end year).
    """
    stocks = load_migrant_stocks(processed_dir)
    periods = source_periods(source)
    years = sorted({periods[period]} if period is not None else set(periods.values()))
    year = years[-1]
    parts = ([f"from {origin[0]}"] if origin else []) + ([f"to {destination[0]}"] if destination else [])
    when = flow_data.period_label(period, periods[period]) if period is not None else "any period"
    rows = stocks[stocks["year"].isin(years)]
    if origin:
        rows = rows[rows["origin_iso3"].isin(origin[1])]
    if destination:
        rows = rows[rows["destination_iso3"].isin(destination[1])]
    held = float(rows.loc[rows["year"] == year, "migrants"].sum())
    unknown, total = unknown_origin_stock(stocks, year, destination[1] if destination else None)
    where = destination[0] if destination else "the world"
    former = [spec["name"] for code, spec in flow_data.FORMER_UNITS.items()
              if any(set(spec["members"]) & set(side[1]) for side in (origin, destination) if side)
              and source == "published"]
    text = (f"no {source} flows {' '.join(parts)} in {when}: flows are estimated from bilateral migrant stocks, and "
            f"UN DESA's 2024 stocks hold {held:,.0f} migrants {' '.join(parts)} in {year}")
    if unknown > 0 and total > 0:
        text += (f"; {where}'s stocks record {unknown:,.0f} migrants of unknown origin in {year} "
                 f"({100 * unknown / total:.2g}% of its {total:,.0f} migrants), whom no corridor counts")
    if former:
        text += (f"; before 2010 the published estimates count {', '.join(former)} as one unit: ask for a group "
                 "holding all its members")
    return text


def flows_table(origin: str | None = None, destination: str | None = None, period: int | None = None,
                sex: str = "both", kind: str = "all", source: str = "published",
                processed_dir: Path | None = None) -> pd.DataFrame:
    """What ``python -m analysis flows`` prints as CSV: flows from an origin to a destination by period.

    Parameters
    ----------
    origin, destination : str, optional
        A country, region or group (name, ISO-3, M49 code); a group sums its
        members; all countries when None.
    period : int, optional
        Start year of one period (every period when None).
    sex, kind : str
        ``both``/``female``/``male`` and ``all``/``outward``/``return``/``transit``.
    source : str
        ``published`` (Abel and Cohen 2022) or ``estimated`` (the project's own).

    Returns
    -------
    DataFrame
        ``source, period, period_start, period_end, years, origin,
        destination, sex, type, persons, persons_per_year`` (whole persons).
        Empty (the header only) when the corridor has no flow in the periods
        asked, with a note saying what the stocks hold there.
    """
    source, sex, kind = check_source(source), check_sex(sex), check_type(kind)
    period = check_source_period(period, source)
    origin_side = location_units(origin, processed_dir) if origin is not None else None
    destination_side = location_units(destination, processed_dir) if destination is not None else None
    flows = load_flow_source(source, processed_dir)
    table = corridor(flows, origin_side[1] if origin_side else None, destination_side[1] if destination_side else None,
                     period, sex, kind)
    table = table.assign(source=SOURCE_LABELS[source], years=table["period_end"] - table["period_start"],
                         origin=origin_side[0] if origin_side else "all countries",
                         destination=destination_side[0] if destination_side else "all countries")
    table["persons"] = table["persons"].round().astype("int64")
    table["persons_per_year"] = (table["persons"] / table["years"]).round().astype("int64")
    columns = ["source", "period", "period_start", "period_end", "years", "origin", "destination", "sex", "type",
               "persons", "persons_per_year"]
    table = table[columns].assign(period=table["period"].astype(str), sex=table["sex"].astype(str),
                                  type=table["type"].astype(str))
    if not (table["persons"] > 0).any():
        note(empty_corridor_note(origin_side, destination_side, period, source, processed_dir))
        return table.iloc[0:0]
    return table.reset_index(drop=True)
