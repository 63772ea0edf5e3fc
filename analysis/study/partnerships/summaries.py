"""The partnership dataset as a whole: scale planned and achieved, sectors, corridors, women, coverage, shortfalls.

Every function takes the table of :func:`analysis.study.partnerships.records.load_partnerships`
and returns a DataFrame; nothing here adds a value to the dataset.  Counts
stay as the sources print them: a lower bound stays a lower bound (flagged),
a per-year figure stays per year.
"""

from __future__ import annotations

import math
from pathlib import Path

import geopandas
import numpy as np
import pandas as pd

from analysis.data.locations import african_countries, load_locations
from analysis.errors import InputError
from analysis.study import demand
from analysis.study.partnerships.records import COLUMNS, STAGES, UNSOURCED, VOCABULARIES, codes_of

NOT_STATED = "not stated"


class PartnershipAnalysisError(InputError):
    """Bad input to a partnership analysis (a year range, a count of rows, a destination)."""


def _flagged(table: pd.DataFrame, qualifier: str, field: str) -> pd.Series:
    return table[qualifier].fillna("").str.split(";").apply(lambda fields: field in fields)


# ---------------------------------------------------------------- scale
def planned_vs_achieved(table: pd.DataFrame) -> pd.DataFrame:
    """Planned against achieved numbers, one row per partnership and stage with either known.

    Returns
    -------
    DataFrame
        ``id, stage, planned, achieved, planned_date, achieved_date,
        planned_bound, achieved_bound`` (``">="``, ``"<="`` or ``""``),
        ``per_year`` (``"planned"``, ``"achieved"``, ``"both"`` or ``""``)
        and ``achieved_share`` (achieved / planned where both are known and
        both are totals or both per year), sorted by id and stage.
    """
    frames = []
    for stage in STAGES:
        planned, achieved = f"{stage}_planned", f"{stage}_achieved"
        part = table[["id", planned, achieved, f"{planned}_date", f"{achieved}_date"]].copy()
        part.columns = ["id", "planned", "achieved", "planned_date", "achieved_date"]
        part.insert(1, "stage", stage)
        for side, field in (("planned", planned), ("achieved", achieved)):
            part[f"{side}_bound"] = np.where(_flagged(table, "lower_bound_fields", field), ">=",
                                             np.where(_flagged(table, "upper_bound_fields", field), "<=", ""))
        per_planned = _flagged(table, "per_year_fields", planned)
        per_achieved = _flagged(table, "per_year_fields", achieved)
        part["per_year"] = np.select([per_planned & per_achieved, per_planned, per_achieved],
                                     ["both", "planned", "achieved"], "")
        frames.append(part[part["planned"].notna() | part["achieved"].notna()])
    out = pd.concat(frames, ignore_index=True)
    comparable = out["planned"].notna() & out["achieved"].notna() & out["per_year"].isin(["", "both"]) \
        & (out["planned"] > 0)
    out["achieved_share"] = (out["achieved"].astype(float) / out["planned"].astype(float)).where(comparable)
    order = {stage: i for i, stage in enumerate(STAGES)}
    return out.sort_values(["id", "stage"], key=lambda s: s.map(order) if s.name == "stage" else s,
                           ignore_index=True)


def compared(scale: pd.DataFrame) -> pd.DataFrame:
    """The rows of :func:`planned_vs_achieved` where achieved can be set against planned, lowest share first."""
    return scale.dropna(subset=["achieved_share"]).sort_values("achieved_share", ignore_index=True)


def exact(both: pd.DataFrame) -> pd.Series:
    """True for rows of :func:`compared` whose planned and achieved numbers are both exact (no ``<=`` or ``>=``).

    A cap (``<=``) or a lower bound (``>=``) on either side leaves the share
    of the plan achieved unknown in one direction, so such rows cannot say
    whether a partnership fell short.
    """
    return (both["planned_bound"] == "") & (both["achieved_bound"] == "")


def scale_summary(table: pd.DataFrame) -> pd.Series:
    """How many partnerships report a plan, an achievement, both at one stage, and the median achieved share.

    ``below_plan`` and ``median_achieved_share`` count only comparisons whose
    planned and achieved numbers are both exact (:func:`exact`);
    ``left_out_bounded`` says how many comparisons were left out because a
    side is a cap (``<=``) or a lower bound (``>=``).
    """
    scale = planned_vs_achieved(table)
    both = compared(scale)
    kept = both[exact(both)]
    return pd.Series(dtype=object, data={
        "partnerships": len(table),
        "with_a_planned_number": scale.loc[scale["planned"].notna(), "id"].nunique(),
        "with_an_achieved_number": scale.loc[scale["achieved"].notna(), "id"].nunique(),
        "with_both_at_one_stage": both["id"].nunique(),
        "comparisons": len(both),
        "left_out_bounded": int(len(both) - len(kept)),
        "exact_comparisons": len(kept),
        "median_achieved_share": float(kept["achieved_share"].median()) if len(kept) else math.nan,
        "below_plan": int((kept["achieved_share"] < 1).sum()),
    })


def with_a_plan(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of :func:`planned_vs_achieved` with a planned number, largest plan first."""
    scale = planned_vs_achieved(table)
    return scale.dropna(subset=["planned"]).sort_values("planned", ascending=False, ignore_index=True)


def scale_reached(table: pd.DataFrame) -> pd.DataFrame:
    """Each partnership's largest achieved count of people, with its stage, largest first (unknown last).

    Returns
    -------
    DataFrame
        ``id, model, sector, start_year, end_year, largest_count, stage,
        per_year`` (True when that count is per year or per season).
    """
    achieved = [f"{stage}_achieved" for stage in STAGES if stage != "returns"]
    counts = table[achieved].astype(float)
    out = table[["id", "model", "sector", "start_year", "end_year"]].copy()
    out["largest_count"] = counts.max(axis=1).astype("Int64")
    stage_field = counts.fillna(-1).idxmax(axis=1).where(out["largest_count"].notna())
    out["stage"] = stage_field.str.removesuffix("_achieved")
    out["per_year"] = [isinstance(field, str) and field in str(flags).split(";")
                       for field, flags in zip(stage_field, table["per_year_fields"])]
    return out.sort_values("largest_count", ascending=False, na_position="last", ignore_index=True)


def with_counts(scale: pd.DataFrame) -> pd.DataFrame:
    """The partnerships of :func:`scale_reached` with an achieved count."""
    return scale.dropna(subset=["largest_count"])


def placements_per_year(table: pd.DataFrame, as_of: int) -> pd.DataFrame:
    """Migrants placed a year by each partnership, to set against a pathway's migrants a year (like with like).

    Only achieved counts of migrants placed are used (not trainees or
    participants), each as a pace per year (:func:`placement_pace`: a
    per-year count as printed, a cumulative count over its years).

    Returns
    -------
    DataFrame
        ``id, model, sector, migrants_placed_achieved, per_year, years,
        per_year_pace, lower_bound``, largest pace first.
    """
    pace = placement_pace(table, as_of)
    out = pace.merge(table[["id"]], on="id")[["id", "model", "sector", "migrants_placed_achieved", "per_year",
                                              "years", "per_year_pace", "lower_bound"]]
    return out.sort_values("per_year_pace", ascending=False, ignore_index=True)


# ---------------------------------------------------------------- sectors, skills, models
def counts_by(table: pd.DataFrame, column: str) -> pd.DataFrame:
    """Partnerships per value of a vocabulary column (every value listed, ``not stated`` last), with shares."""
    if column not in VOCABULARIES:
        raise PartnershipAnalysisError(f"{column!r} has no vocabulary; choose one of {', '.join(VOCABULARIES)}")
    values = table[column].fillna(NOT_STATED)
    order = list(VOCABULARIES[column]) + [NOT_STATED]
    counts = values.value_counts().reindex(order, fill_value=0)
    out = counts.rename_axis(column).reset_index(name="partnerships")
    out["share"] = out["partnerships"] / len(table)
    return out


def sector_by_skill(table: pd.DataFrame) -> pd.DataFrame:
    """Partnerships by sector (rows, largest first) and skill level (columns), ``not stated`` included, with totals."""
    sector = table["sector"].fillna(NOT_STATED)
    skill = pd.Categorical(table["skill_level"].fillna(NOT_STATED),
                           categories=list(VOCABULARIES["skill_level"]) + [NOT_STATED])
    cross = pd.crosstab(sector, skill, dropna=False)
    cross["total"] = cross.sum(axis=1)
    cross = cross.sort_values(["total"], ascending=False, kind="stable")
    cross.columns = [str(c) for c in cross.columns]
    return cross.rename_axis("sector").reset_index()


# ---------------------------------------------------------------- origins and destinations
def _names(processed_dir: Path | None) -> pd.Series:
    locations = load_locations(processed_dir)
    countries = locations[locations["kind"] == "country"]
    return countries.set_index("iso3")["name"]


def corridors(table: pd.DataFrame, top: int | None = None, processed_dir: Path | None = None) -> pd.DataFrame:
    """Origin-destination country pairs and the partnerships linking them, most partnerships first.

    Parameters
    ----------
    top : int, optional
        Keep only the first ``top`` corridors (all by default).

    Returns
    -------
    DataFrame
        ``origin, destination`` (WPP names), ``origin_iso3,
        destination_iso3``, ``partnerships`` (count), ``african_origin``
        (bool) and ``ids`` (``;``-separated).  ``attrs`` holds the number
        of all corridors (``corridors``) and of those from Africa
        (``african_origin``).
    """
    if top is not None and top < 1:
        raise PartnershipAnalysisError(f"top must be 1 or more, got {top}")
    origins = codes_of(table, "origin_iso3").rename("origin_iso3")
    destinations = codes_of(table, "destination_iso3").rename("destination_iso3")
    pairs = origins.to_frame().join(destinations, how="inner").reset_index()
    grouped = pairs.groupby(["origin_iso3", "destination_iso3"]).agg(
        partnerships=("id", "nunique"), ids=("id", lambda ids: ";".join(sorted(set(ids))))).reset_index()
    names = _names(processed_dir)
    grouped.insert(0, "origin", grouped["origin_iso3"].map(names))
    grouped.insert(1, "destination", grouped["destination_iso3"].map(names))
    grouped["african_origin"] = grouped["origin_iso3"].isin(set(african_countries(processed_dir)["iso3"]))
    out = grouped.sort_values(["partnerships", "origin", "destination"], ascending=[False, True, True],
                              ignore_index=True)[
        ["origin", "destination", "origin_iso3", "destination_iso3", "partnerships", "african_origin", "ids"]]
    counts = {"corridors": len(out), "african_origin": int(out["african_origin"].sum())}
    out = out.head(top) if top is not None else out
    out.attrs.update(counts)
    return out


def country_roles(table: pd.DataFrame, processed_dir: Path | None = None) -> pd.DataFrame:
    """Partnerships per country as origin and as destination.

    Returns
    -------
    DataFrame
        ``iso3, m49, name, as_origin, as_destination`` for every country
        named in the dataset, most partnerships first.
    """
    origin = codes_of(table, "origin_iso3").value_counts().rename("as_origin")
    destination = codes_of(table, "destination_iso3").value_counts().rename("as_destination")
    roles = pd.concat([origin, destination], axis=1).fillna(0).astype(int).rename_axis("iso3").reset_index()
    locations = load_locations(processed_dir)
    countries = locations[locations["kind"] == "country"].set_index("iso3")
    roles.insert(1, "m49", roles["iso3"].map(countries["location_code"]).astype("Int64"))
    roles.insert(2, "name", roles["iso3"].map(countries["name"]))
    roles["total"] = roles["as_origin"] + roles["as_destination"]
    return roles.sort_values(["total", "name"], ascending=[False, True], ignore_index=True).drop(columns="total")


def map_table(table: pd.DataFrame, shapes: geopandas.GeoDataFrame, processed_dir: Path | None = None
              ) -> geopandas.GeoDataFrame:
    """Country shapes with the partnerships each country takes part in as origin and as destination (0 if none).

    Parameters
    ----------
    shapes : GeoDataFrame
        :func:`analysis.data.country_shapes.load_country_shapes`.

    Returns
    -------
    GeoDataFrame
        ``m49, name, geometry, as_origin, as_destination``;
        ``attrs["without_shape"]`` names the countries of the dataset that
        have no shape at this scale.
    """
    roles = country_roles(table, processed_dir).set_index("m49")
    out = shapes.copy()
    for column in ("as_origin", "as_destination"):
        out[column] = out["m49"].map(roles[column]).fillna(0).astype(int)
    out.attrs["without_shape"] = roles.loc[~roles.index.isin(shapes["m49"].dropna()), "name"].tolist()
    return out


# ---------------------------------------------------------------- women
def women_share(table: pd.DataFrame) -> pd.DataFrame:
    """The partnerships whose sources print the share of women among participants, highest first."""
    known = table.dropna(subset=["women_share"])
    return known[["id", "name", "sector", "model", "women_share", "women_share_date"]].sort_values(
        "women_share", ascending=False, ignore_index=True)


# ---------------------------------------------------------------- field coverage
def field_coverage(table: pd.DataFrame) -> pd.DataFrame:
    """For each field that carries a value, the rows that know it (count and share), in schema order."""
    fields = [column for column in COLUMNS if column not in UNSOURCED]
    known = table[fields].notna().sum()
    out = known.rename_axis("field").reset_index(name="rows_known")
    out["share_known"] = out["rows_known"] / len(table)
    return out


def coverage_summary(coverage: pd.DataFrame) -> pd.Series:
    """Fields known for every row, for none, and the median share of rows a field is known for."""
    return pd.Series(dtype=object, data={
        "fields": len(coverage),
        "known_for_all_rows": int((coverage["share_known"] == 1).sum()),
        "known_for_no_row": int((coverage["rows_known"] == 0).sum()),
        "median_share_known": float(coverage["share_known"].median()),
    })


# ---------------------------------------------------------------- against destinations' shortfalls
def placement_pace(table: pd.DataFrame, as_of: int) -> pd.DataFrame:
    """Migrants placed per year at each partnership's achieved pace.

    A per-year count is a pace as it stands; a cumulative count is divided
    by the years from ``start_year`` to the year of the count (its date;
    otherwise ``end_year`` for an ended partnership, otherwise ``as_of``,
    the year the sources were read, which gives a lower bound on the pace).

    Parameters
    ----------
    as_of : int
        Year used for undated counts of partnerships not known to have ended.

    Returns
    -------
    DataFrame
        ``id, destination_iso3, model, sector, migrants_placed_achieved,
        per_year, years, per_year_pace, lower_bound`` for every partnership
        with an achieved number of migrants placed and a start year.
    """
    placed = table.dropna(subset=["migrants_placed_achieved", "start_year"]).copy()
    per_year = _flagged(placed, "per_year_fields", "migrants_placed_achieved")
    dated = pd.to_numeric(placed["migrants_placed_achieved_date"].str[:4], errors="coerce")
    ended = placed["end_year"].where(placed["status"] == "ended")
    until = dated.fillna(ended.astype(float)).fillna(float(as_of))
    early = placed.loc[until < placed["start_year"].astype(float), "id"].tolist()
    if early:
        raise PartnershipAnalysisError(f"the count of migrants placed of {', '.join(early)} would date from before "
                                       f"its start year (as_of {as_of} or the count's date); give a later as_of")
    placed["per_year"] = per_year
    placed["years"] = np.where(per_year, 1, until - placed["start_year"].astype(float) + 1).astype(int)
    placed["per_year_pace"] = placed["migrants_placed_achieved"].astype(float) / placed["years"]
    placed["lower_bound"] = _flagged(placed, "lower_bound_fields", "migrants_placed_achieved") | (
        dated.isna() & ended.isna() & ~per_year)
    return placed[["id", "destination_iso3", "model", "sector", "migrants_placed_achieved", "per_year", "years",
                   "per_year_pace", "lower_bound"]].reset_index(drop=True)


def shortfall_coverage(
    table: pd.DataFrame,
    as_of: int,
    base_year: int = 2025,
    horizon: int = 2050,
    workers_per_100: float = demand.OECD_CARE_WORKERS_PER_100_AGED_65,
    processed_dir: Path | None = None,
) -> pd.DataFrame:
    """The share of each destination's shortfall that all its partnerships could cover at their achieved pace.

    Each partnership with one destination and an achieved number of
    migrants placed keeps its pace (:func:`placement_pace`) from
    ``base_year`` to ``horizon``.  Circular and seasonal migrants return,
    so they fill their yearly number of jobs at any one time; other migrants
    accumulate and are assumed to stay (an upper bound).  The result is set
    against the destination's fall in its 15-64 population and, for the
    health partnerships, against the additional care workers it needs
    (``workers_per_100`` per 100 people aged 65+), both from WPP 2024's
    medium variant between ``base_year`` and ``horizon``
    (:mod:`analysis.study.demand`).

    Returns
    -------
    DataFrame
        One row per destination: ``destination, destination_iso3,
        partnerships, per_year_pace, health_per_year_pace, workers_by_horizon,
        health_workers_by_horizon, working_age_decline`` (the fall in the
        15-64 population, persons, positive; missing where it grows),
        ``additional_care_workers, share_of_working_age_decline,
        share_of_care_workers`` (shares are missing where the working-age
        population does not fall or no care workers are added), largest
        number of workers first.  ``attrs["multi_destination"]`` lists the
        partnerships left out because they name several destinations.
    """
    if horizon <= base_year:
        raise PartnershipAnalysisError(f"horizon {horizon} must come after base_year {base_year}")
    pace = placement_pace(table, as_of)
    several = pace["destination_iso3"].str.contains(";")
    single = pace[~several].copy()
    span = horizon - base_year
    single["workers"] = np.where(single["model"] == "circular_seasonal", single["per_year_pace"],
                                 single["per_year_pace"] * span)
    health = single["sector"] == "health"
    single["health_pace"] = single["per_year_pace"].where(health, 0.0)
    single["health_workers"] = single["workers"].where(health, 0.0)
    grouped = single.groupby("destination_iso3").agg(
        partnerships=("id", "nunique"),
        per_year_pace=("per_year_pace", "sum"),
        health_per_year_pace=("health_pace", "sum"),
        workers_by_horizon=("workers", "sum"),
        health_workers_by_horizon=("health_workers", "sum"),
    ).reset_index()
    names = _names(processed_dir)
    grouped.insert(0, "destination", grouped["destination_iso3"].map(names))
    places = grouped["destination"].tolist()
    if not places:
        raise PartnershipAnalysisError("no partnership with one destination reports migrants placed: nothing to set "
                                       "against the shortfalls")
    gaps = demand.shortfall(places, base_year, [base_year, horizon], ["medium"], processed_dir=processed_dir)
    decline = -gaps[gaps["year"] == horizon].set_index("location")["change_from_base"]
    care = demand.care_workers(places, base_year, [horizon], ["medium"], workers_per_100, processed_dir=processed_dir)
    added = care.set_index("location")["additional_workers"]
    # a fall is positive; where the 15-64 population grows there is no decline (missing, not a negative decline)
    grouped["working_age_decline"] = grouped["destination"].map(decline).astype(float).where(lambda fall: fall > 0)
    grouped["additional_care_workers"] = grouped["destination"].map(added).astype(float)
    grouped["share_of_working_age_decline"] = (grouped["workers_by_horizon"] / grouped["working_age_decline"]).where(
        grouped["working_age_decline"] > 0)
    grouped["share_of_care_workers"] = (grouped["health_workers_by_horizon"] / grouped["additional_care_workers"]
                                        ).where(grouped["additional_care_workers"] > 0)
    out = grouped.sort_values("workers_by_horizon", ascending=False, ignore_index=True)
    out.attrs.update({"multi_destination": pace.loc[several, "id"].tolist(), "base_year": base_year,
                      "horizon": horizon, "as_of": as_of})
    return out


def destination_row(coverage: pd.DataFrame, destination: str) -> pd.Series:
    """One destination's row of :func:`shortfall_coverage`, by name or ISO-3 code."""
    match = coverage[(coverage["destination"] == destination) | (coverage["destination_iso3"] == destination)]
    if match.empty:
        raise PartnershipAnalysisError(f"no partnership with placements has {destination!r} as its only destination; "
                                       f"choose one of {', '.join(coverage['destination'])}")
    return match.iloc[0]
