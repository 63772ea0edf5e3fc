"""Who moves and who returns: a location's flows by type and sex, and cited return events beside the flow estimates.

The flows are Abel and Cohen's (2022) published estimates, or the project's
own made with the same method to 2024, read through :mod:`analysis.study.flows`
(:func:`~analysis.study.flows.load_flow_source`): people who lived
in the origin on 1 July of a five-year period's first year and in the
destination on 1 July of its last, split by type (``outward``: leaving the
country of birth; ``return``: moving to the country of birth; ``transit``:
between two countries neither of which is the country of birth) for both
sexes, and by sex for all types.  They are estimated from changes in
migrant stocks, so a return that is undone within the period, or whose
people were never counted in a stock, leaves no trace in them: the cited
events (:mod:`analysis.study.returns.events`) show what they miss.

Every function is pure (DataFrames in, a DataFrame out) except
:func:`location_flows` and :func:`corridors_of`, which resolve a location
through the processed tables.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis.data import locations as locations_module
from analysis.data.stocks import load_migrant_stocks
from analysis.study import flows as flow_study

#: The flow estimates the report uses, as its tables label them.
FLOW_SOURCE = flow_study.SOURCE_LABELS["published"]
#: Type names as the report prints them.
TYPE_LABELS = {"all": "all", "outward": "emigration (leaving the country of birth)",
               "return": "return (to the country of birth)", "transit": "transit (neither country of birth)"}


def location_flows(location, flows: pd.DataFrame, processed_dir: Path | None = None) -> pd.DataFrame:
    """Flows into and out of a location by period, sex and type (persons over each five-year period).

    Returns
    -------
    DataFrame
        ``location, period_start, period, sex, type, inflow, outflow, net``:
        for both sexes every type, for women and men all types together
        (the estimates split sex and type separately).
    """
    name, codes = flow_study.location_units(location, processed_dir)
    table = flow_study.flows_in_out(flows, codes)
    table = table[(table["sex"] == "both") | (table["type"] == "all")].copy()
    table["type"] = table["type"].astype(str).map(TYPE_LABELS)
    table.insert(0, "location", name)
    return table[["location", "period_start", "period", "sex", "type", "inflow", "outflow", "net"]].reset_index(drop=True)


def latest_by_type(table: pd.DataFrame) -> pd.DataFrame:
    """The last period of :func:`location_flows`, one row per sex and type, with each type's share of the flows."""
    last = table[table["period_start"] == table["period_start"].max()].copy()
    both = last[last["sex"] == "both"].set_index("type")
    for side in ("inflow", "outflow"):
        total = float(both.loc[TYPE_LABELS["all"], side])
        last[f"{side}_share"] = np.where(last["sex"] == "both", (last[side] / total).round(4) if total else np.nan,
                                         np.nan)
    return last.reset_index(drop=True)


def intra_african_table(flows: pd.DataFrame, geography: pd.DataFrame) -> pd.DataFrame:
    """Africa's intra-African share of African emigration flows by period, both sexes, for every type."""
    table = flow_study.intra_african_share(flows, geography)
    table = table[table["sex"] == "both"].copy()
    table["type"] = table["type"].astype(str).map(TYPE_LABELS)
    return table[["period", "type", "from_africa", "within_africa", "share"]].reset_index(drop=True)


def corridors_of(location, flows: pd.DataFrame, geography: pd.DataFrame, n: int = 10, kind: str = "all",
                 processed_dir: Path | None = None) -> pd.DataFrame:
    """The largest corridors out of and into a location in the last period (both sexes, one type).

    Returns
    -------
    DataFrame
        ``direction`` (``out of <name>``/``into <name>``), ``period, origin,
        destination, persons``, largest first within each direction;
        corridors inside a group are left out.
    """
    name, codes = flow_study.location_units(location, processed_dir)
    last = int(flows["period_start"].max())
    frames = []
    for direction, side in ((f"out of {name}", "origin_codes"), (f"into {name}", "destination_codes")):
        rows = flow_study.top_corridors(flows, geography, n=None, period=last, kind=kind, **{side: codes})
        inside = rows["origin_iso3"].isin(codes) & rows["destination_iso3"].isin(codes)
        frames.append(rows[~inside].head(n).assign(direction=direction))
    out = pd.concat(frames, ignore_index=True)
    return out[["direction", "period", "origin", "destination", "persons"]]


#: Emigrants a country needs in a period for its returns per emigrant to be mapped (a ratio of a few people is noise).
MIN_EMIGRANTS = 1000


def return_rate_map(flows: pd.DataFrame, geography: pd.DataFrame, period: int | None = None,
                    region: str = "Africa", min_emigrants: float = MIN_EMIGRANTS) -> pd.DataFrame:
    """Each country's returns per emigrant in one period, for a map: ``location_code, location, period, returns,
    outward, returns_per_emigrant`` (people coming home per person of the country leaving it; 4 decimals).

    Countries of ``region`` only (all when None) with at least ``min_emigrants``
    leaving in the period; the last period by default.
    """
    rates = flow_study.return_rates(flows, geography)
    period = int(rates["period_start"].max()) if period is None else int(period)
    rates = rates[rates["period_start"] == period]
    if region is not None:
        rates = rates[rates["region"] == region]
    rates = rates[rates["outward"] >= min_emigrants]
    codes = geography.set_index("iso3")["location_code"]
    out = pd.DataFrame({"location_code": rates["iso3"].map(codes), "location": rates["name"], "period": rates["period"],
                        "returns": rates["returns"], "outward": rates["outward"],
                        "returns_per_emigrant": rates["returns_per_emigrant"]})
    return out.dropna(subset=["location_code", "returns_per_emigrant"]).astype({"location_code": int}).sort_values(
        "returns_per_emigrant", ascending=False, ignore_index=True)


def _periods_overlapping(start_year: int, end_year: int, periods: pd.DataFrame) -> pd.DataFrame:
    """Flow periods (``period_start, period_end``) sharing at least one year with an event's years."""
    return periods[(periods["period_start"] <= end_year) & (periods["period_end"] > start_year)]


def events_beside_flows(events: pd.DataFrame, flows: pd.DataFrame) -> pd.DataFrame:
    """Each cited return event beside what the flow estimates show for the same corridor and years.

    For an event with one origin (home) and named hosts, the estimates'
    flows from the hosts to the origin in the five-year periods that share a
    year with the event: all flows, and returns (people moving to their
    country of birth).  Where the event names no host, the flows into the
    origin from everywhere.  Events outside 1990–2020 have no estimate.

    Returns
    -------
    DataFrame
        ``id, home, host, event_period, returnees, count_kind, bound,
        flow_periods, flow_all, flow_returns, ratio`` (the event's count over
        the estimated returns, 1 decimal; missing without an estimate),
        ``coverage`` (``within the flow periods``, ``partly after 2020``, ``after
        2020: no estimate``).
    """
    periods = flows[["period_start", "period_end", "period"]].drop_duplicates().sort_values("period_start")
    last_end = int(periods["period_end"].max())
    rows = []
    for event in events.itertuples(index=False):
        homes = [code for code in event.home_iso3.split(";") if code]
        hosts = [code for code in event.host_iso3.split(";") if code]
        overlapping = _periods_overlapping(event.start_year, event.end_year, periods)
        if not homes or overlapping.empty:
            flow_all = flow_returns = np.nan
            labels = ""
        else:
            cells = flows[(flows["sex"] == "both") & flows["destination_iso3"].isin(homes)
                          & flows["period_start"].isin(overlapping["period_start"])]
            cells = cells[~cells["origin_iso3"].isin(homes)]
            if hosts:
                cells = cells[cells["origin_iso3"].isin(hosts)]
            flow_all = float(cells.loc[cells["type"] == "all", "persons"].sum())
            flow_returns = float(cells.loc[cells["type"] == "return", "persons"].sum())
            labels = ", ".join(overlapping["period"].astype(str))
        if not homes:
            coverage = "origins not split: no corridor"
        elif overlapping.empty:
            coverage = f"after {last_end}: no estimate" if event.start_year >= last_end else "before the estimates"
        elif event.end_year >= last_end:
            coverage = f"partly after {last_end}"
        else:
            coverage = "within the flow periods"
        rows.append({"id": event.id, "home": event.home if homes else event.places_note,
                     "host": event.host if hosts else "anywhere",
                     "event_period": f"{event.period_start} to {event.period_end}", "returnees": event.returnees,
                     "count_kind": event.count_kind, "bound": event.bound, "flow_periods": labels,
                     "flow_all": flow_all, "flow_returns": flow_returns,
                     "ratio": round(event.returnees / flow_returns, 1) if flow_returns and flow_returns > 0 else np.nan,
                     "coverage": coverage})
    return pd.DataFrame(rows)


def events_beside_sources(events: pd.DataFrame, published: pd.DataFrame, estimated: pd.DataFrame) -> pd.DataFrame:
    """:func:`events_beside_flows` on the published estimates and on the project's own (to 2024), side by side.

    Returns
    -------
    DataFrame
        ``id, home, host, event_period, returnees, count_kind, bound``, then for
        each source (``published_``, ``estimated_``) ``periods, returns`` and
        ``ratio`` (the event's count over that source's returns).
    """
    keys = ["id", "home", "host", "event_period", "returnees", "count_kind", "bound"]
    frames = []
    for prefix, flows in (("published", published), ("estimated", estimated)):
        table = events_beside_flows(events, flows)
        frames.append(table[keys + ["flow_periods", "flow_returns", "ratio"]].rename(columns={
            "flow_periods": f"{prefix}_periods", "flow_returns": f"{prefix}_returns", "ratio": f"{prefix}_ratio"}))
    return frames[0].merge(frames[1], on=keys)


def recorded_beside_reported(reported: pd.DataFrame, stocks: pd.DataFrame, years: tuple[int, ...] = (2020, 2024)
                             ) -> pd.DataFrame:
    """Migrant numbers reported for a corridor beside UN DESA's recorded stock of the same corridor.

    Returns
    -------
    DataFrame
        ``id, origin, destination, reported, reported_high, bound, date, what``
        and ``recorded_<year>`` (UN DESA, both sexes; 0 where the corridor has
        no row: the destination's data do not name that origin).
    """
    out = reported[["id", "origin", "destination", "persons", "persons_high", "bound", "date", "what"]].rename(
        columns={"persons": "reported", "persons_high": "reported_high"}).copy()
    for year in years:
        part = stocks[stocks["year"] == year].groupby(["origin_iso3", "destination_iso3"])["migrants"].sum()
        out[f"recorded_{year}"] = [float(part.get((o, d), 0.0)) for o, d in
                                   zip(reported["origin_iso3"], reported["destination_iso3"])]
    return out


def origin_detail(stocks: pd.DataFrame, geography: pd.DataFrame, destination_codes: list[int], origins: list[str],
                  year: int = 2024) -> pd.DataFrame:
    """How much a destination's recorded migrants say about where they come from.

    Parameters
    ----------
    destination_codes : list of int
        M49 codes of the destination's countries.
    origins : list of str
        ISO-3 codes of origins to look up.

    Returns
    -------
    DataFrame
        One row per destination country: ``destination, migrants, unknown_origin,
        unknown_share`` (4 decimals), ``origins_named`` (origins with a row),
        ``african_origins_named``, and ``recorded_<ISO-3>`` for each origin asked
        (persons; 0 where not recorded).
    """
    part = stocks[(stocks["year"] == year) & stocks["destination_code"].isin(destination_codes)]
    names = geography.set_index("location_code")["name"]
    african = set(geography.loc[geography["region"] == "Africa", "iso3"])
    rows = []
    for code, group in part.groupby("destination_code"):
        total = float(group["migrants"].sum())
        unknown = float(group.loc[group["origin_code"].isna(), "migrants"].sum())
        named = set(group.loc[group["origin_code"].notna(), "origin_iso3"])
        row = {"destination": names.get(int(code), str(code)), "migrants": total, "unknown_origin": unknown,
               "unknown_share": round(unknown / total, 4) if total else np.nan, "origins_named": len(named),
               "african_origins_named": len(named & african)}
        for origin in origins:
            row[f"recorded_{origin}"] = float(group.loc[group["origin_iso3"] == origin, "migrants"].sum())
        rows.append(row)
    return pd.DataFrame(rows).sort_values("migrants", ascending=False, ignore_index=True)


def host_origin_detail(host, origins, year: int = 2024, processed_dir: Path | None = None) -> pd.DataFrame:
    """:func:`origin_detail` of a host (a country or group) for the origins named (countries or groups)."""
    destination = locations_module.resolve(host, processed_dir)
    table = locations_module.load_locations(processed_dir).set_index("location_code")
    codes = [code for place in locations_module.resolve_all(list(origins), processed_dir) for code in place.members]
    iso3 = list(dict.fromkeys(table.loc[codes, "iso3"]))
    return origin_detail(load_migrant_stocks(processed_dir), flow_study.flow_geography(processed_dir),
                         list(destination.members), iso3, year)
