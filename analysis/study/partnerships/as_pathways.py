"""Real partnerships as parameters of the pathway model (:mod:`analysis.study.pathways`).

:func:`observed_parameters` reads one row of the partnership dataset and
returns the pathway parameters its achieved numbers imply, as a plain dict
keyed by ``PathwayParameters`` field names (with a ``notes`` entry saying how
each was derived).  Parameters the row cannot inform are left out, so the
caller keeps the documented defaults for them.  The rules:

* ``annual_intake``: achieved trainees per year of operation (start year to
  the count's date; otherwise the end year of an ended partnership,
  otherwise ``as_of``).  Without trainees, achieved graduates per year, with
  ``completion_rate`` 1 (intake counted at graduation: dropouts are not
  observed).  For direct placement of people already qualified, achieved
  participants per year, with ``completion_rate`` and ``away_share`` 1.
* ``completion_rate``: achieved graduates / achieved trainees.
* ``away_share``: achieved migrants placed / graduates (``placement_rate`` is
  then 1: the two cannot be told apart); for direct placement,
  ``placement_rate`` = migrants placed / participants.
* ``return_share``: the share returned, or returns / migrants placed.
* Costs: the total cost per person entering (``cost_per_trainee_origin``;
  ``placement_cost`` is then 0, as the budget covers the whole programme), or
  per migrant placed for direct placement (``placement_cost``), in euros at
  one year's prices (:mod:`analysis.study.partnerships.unit_costs`); a cost that
  cannot be converted is not used (``notes["costs"]`` says why).  For direct
  placement of people already qualified, ``cost_per_trainee_origin`` is 0.

Counts that are per year or lower bounds are noted; per-year counts are used
as a yearly intake directly.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pandas as pd

from analysis.errors import InputError
from analysis.study import pathways
from analysis.study.partnerships import unit_costs

PARAMETER_NAMES = frozenset(field.name for field in dataclasses.fields(pathways.PathwayParameters))


class PartnershipParameterError(InputError):
    """A partnership lacks the values needed for the pathway parameters asked for."""


def _row(table: pd.DataFrame, partnership_id: str) -> pd.Series:
    rows = table[table["id"] == partnership_id]
    if rows.empty:
        raise PartnershipParameterError(f"no partnership {partnership_id!r} in the dataset; see the id column of "
                                        "partnerships.csv (e.g. APTC-ALL, TRIPLEWIN, PALIM)")
    return rows.iloc[0]


def _flags(row: pd.Series, qualifier: str) -> list[str]:
    return str(row[qualifier]).split(";") if pd.notna(row[qualifier]) else []


def _years(row: pd.Series, field: str, as_of: int) -> tuple[int, str]:
    """Years of operation behind a cumulative count, and the span as text."""
    date = row[f"{field}_date"]
    if pd.notna(date):
        until, why = int(str(date)[:4]), "the count's date"
    elif row["status"] == "ended" and pd.notna(row["end_year"]):
        until, why = int(row["end_year"]), "the end year"
    else:
        until, why = int(as_of), f"{as_of}: the count is undated, so the pace is a lower bound"
    if until < int(row["start_year"]):
        raise PartnershipParameterError(f"partnership {row['id']}: {field} dates from {until}, before its start year "
                                        f"{row['start_year']}; check the row")
    return until - int(row["start_year"]) + 1, f"{int(row['start_year'])} to {why}"


def _per_year(row: pd.Series, field: str, as_of: int) -> tuple[float, str]:
    count = float(row[field])
    bound = " (a lower bound)" if field in _flags(row, "lower_bound_fields") else ""
    if field in _flags(row, "per_year_fields"):
        return count, f"{count:,.0f} a year{bound}"
    years, span = _years(row, field, as_of)
    return count / years, f"{count:,.0f}{bound} over {years} year{'s' if years > 1 else ''} ({span})"


def observed_parameters(
    table: pd.DataFrame,
    partnership_id: str,
    as_of: int,
    rates: pd.DataFrame | None = None,
    price_year: int | None = None,
    required: tuple[str, ...] = ("annual_intake",),
) -> dict:
    """The pathway parameters a partnership's achieved numbers imply (see the module notes for the rules).

    Parameters
    ----------
    table : DataFrame
        :func:`analysis.study.partnerships.records.load_partnerships`.
    partnership_id : str
        The row's ``id`` (e.g. ``"TRIPLEWIN"``, ``"APTC-ALL"``).
    as_of : int
        Year used for undated counts of partnerships not known to have ended.
    rates : DataFrame, optional
        :func:`analysis.study.partnerships.unit_costs.load_conversion_rates` (read
        if not given), to express costs in euros at ``price_year`` prices.
    required : tuple of str
        Parameters that must be derivable (default: the intake).

    Returns
    -------
    dict
        ``PathwayParameters`` field names to values, and ``notes``: how each
        value was derived.

    Raises
    ------
    PartnershipParameterError
        In one line, if the partnership is unknown, a required parameter
        cannot be derived, or the values imply an impossible parameter (a
        share above 1).
    """
    unknown = sorted(set(required) - PARAMETER_NAMES)
    if unknown:
        raise PartnershipParameterError(f"{unknown[0]!r} is not a pathway parameter; valid: {', '.join(sorted(PARAMETER_NAMES))}")
    row = _row(table, partnership_id)
    out: dict = {}
    notes: dict[str, str] = {}
    direct = row["model"] == "direct_placement"
    has = {field: pd.notna(row[field]) and float(row[field]) > 0 for field in
           ("trainees_achieved", "graduates_achieved", "migrants_placed_achieved", "participants_achieved")}
    entry = None
    if pd.notna(row["start_year"]):
        if has["trainees_achieved"]:
            entry = "trainees_achieved"
        elif has["graduates_achieved"]:
            entry = "graduates_achieved"
            out["completion_rate"] = 1.0
            notes["completion_rate"] = "1: intake counted at graduation (dropouts not observed)"
        elif direct and has["participants_achieved"]:
            entry = "participants_achieved"
            out["completion_rate"], out["away_share"], out["cost_per_trainee_origin"] = 1.0, 1.0, 0.0
            notes["completion_rate"] = "1: direct placement of people already qualified"
            notes["away_share"] = "1: everyone recruited is recruited to move"
            notes["cost_per_trainee_origin"] = "0: their training is not a cost of the partnership"
    if entry:
        out["annual_intake"], notes["annual_intake"] = _per_year(row, entry, as_of)
        notes["annual_intake"] = f"{entry.removesuffix('_achieved')}: {notes['annual_intake']}"
    if has["trainees_achieved"] and pd.notna(row["graduates_achieved"]):
        out["completion_rate"] = float(row["graduates_achieved"]) / float(row["trainees_achieved"])
        notes["completion_rate"] = f"{row['graduates_achieved']:,} graduates of {row['trainees_achieved']:,} trainees"
    if pd.notna(row["migrants_placed_achieved"]):
        placed = float(row["migrants_placed_achieved"])
        if direct and has["participants_achieved"]:
            out["placement_rate"] = placed / float(row["participants_achieved"])
            notes["placement_rate"] = f"{placed:,.0f} arrived of {row['participants_achieved']:,} recruited"
        elif has["graduates_achieved"]:
            out["away_share"], out["placement_rate"] = placed / float(row["graduates_achieved"]), 1.0
            notes["away_share"] = (f"{placed:,.0f} migrants placed of {row['graduates_achieved']:,} graduates "
                                   "(placement_rate 1: away track and placement not observed apart)")
    if pd.notna(row["return_share"]):
        out["return_share"] = float(row["return_share"])
        notes["return_share"] = "share returned, as printed"
    elif pd.notna(row["returns_achieved"]) and has["migrants_placed_achieved"]:
        out["return_share"] = float(row["returns_achieved"]) / float(row["migrants_placed_achieved"])
        notes["return_share"] = f"{row['returns_achieved']:,} returned of {row['migrants_placed_achieved']:,} placed"
    _add_costs(row, out, notes, entry, direct, has,
               unit_costs.load_conversion_rates() if rates is None else rates, price_year)

    for name, value in out.items():
        if name.endswith(("_rate", "_share")) and not 0.0 <= value <= 1.0:
            raise PartnershipParameterError(f"partnership {partnership_id}: the values imply {name} = {value:.3g}, "
                                            "outside 0-1; check the counts and their stages")
    missing = [name for name in required if name not in out]
    if missing:
        raise PartnershipParameterError(
            f"partnership {partnership_id} lacks the values for {', '.join(missing)} (it needs a start year and "
            "achieved trainees or graduates, or participants for direct placement); partnerships that have them: "
            f"{', '.join(with_parameters(table, as_of, required))}")
    out["notes"] = notes
    return out


def _add_costs(row: pd.Series, out: dict, notes: dict, entry: str | None, direct: bool, has: dict,
               rates: pd.DataFrame, price_year: int | None) -> None:
    """Costs per person in euros at ``price_year`` prices; none where the cost cannot be converted."""
    field = "cost_total" if pd.notna(row["cost_total"]) else "cost_per_participant"
    if pd.isna(row[field]):
        return
    converted = unit_costs.normalise(pd.Series([float(row[field])]), pd.Series([row["cost_currency"]]),
                                            pd.Series([row["cost_year"]]), rates, price_year)
    reason = converted["not_converted"].iloc[0]
    if reason:
        notes["costs"] = f"{row['cost_currency']} {float(row[field]):,.0f} not used: {reason}"
        return
    amount, unit = float(converted["eur"].iloc[0]), f"EUR at {converted.attrs['price_year']} prices"
    per_year = _flags(row, "per_year_fields")
    divisor = "migrants_placed_achieved" if direct and has["migrants_placed_achieved"] else entry
    if field == "cost_total" and (divisor in per_year or "cost_total" in per_year):
        notes["costs"] = "not used: a total and a per-year count do not share a scope"
        return
    if field == "cost_per_participant":
        out["cost_per_trainee_origin"], out["currency"] = amount, "EUR"
        notes["cost_per_trainee_origin"] = f"cost per participant as printed, {unit}"
    elif direct and has["migrants_placed_achieved"]:
        out["placement_cost"], out["currency"] = amount / float(row["migrants_placed_achieved"]), "EUR"
        notes["placement_cost"] = f"total cost / migrants placed, {unit}"
    elif entry:
        out["cost_per_trainee_origin"] = amount / float(row[entry])
        out["placement_cost"], out["currency"] = 0.0, "EUR"
        notes["cost_per_trainee_origin"] = f"total cost / {entry.removesuffix('_achieved')}, {unit}"
        notes["placement_cost"] = "0: the total cost covers the whole programme"


def with_parameters(table: pd.DataFrame, as_of: int, required: tuple[str, ...] = ("annual_intake",)) -> list[str]:
    """Ids of the partnerships from which the ``required`` parameters can be derived."""
    found = []
    for partnership_id in table["id"]:
        try:
            derived = observed_parameters(table, partnership_id, as_of, required=())
        except PartnershipParameterError:  # values implying an impossible share
            continue
        if set(required) <= set(derived):
            found.append(partnership_id)
    return found


# ---------------------------------------------------------------- beside the defaults
def parameter_comparison(observed: dict[str, dict], defaults: pathways.PathwayParameters | None = None,
                         processed_dir: Path | None = None) -> pd.DataFrame:
    """The default pathway parameters beside each observed set (missing where a set keeps the default).

    Parameters
    ----------
    observed : dict
        Run label to a dict of :func:`observed_parameters` (costs in its ``currency``).
    defaults : PathwayParameters, optional
        The defaults; costs left to the cited table are resolved for their corridor.
    """
    defaults = pathways.resolve(defaults or pathways.PathwayParameters(), processed_dir)

    def numeric(name: str) -> bool:
        value = getattr(defaults, name)
        return isinstance(value, (int, float)) and not isinstance(value, bool)

    names = [name for name in pathways.DEFAULT_SOURCES
             if numeric(name) and any(name in values for values in observed.values())]
    table = pd.DataFrame({"parameter": names, "default": [float(getattr(defaults, name)) for name in names]})
    for label, values in observed.items():
        table[label] = [float(values[name]) if name in values else math.nan for name in names]
    return table


def runs(observed: dict[str, dict], defaults: pathways.PathwayParameters | None = None) -> pd.DataFrame:
    """One institution simulated with the defaults and with each observed set over the defaults, at its last year.

    Returns
    -------
    DataFrame
        One row per run (``run``, then ``defaults`` first): ``annual_intake,
        cumulative_graduates, cumulative_arrivals, in_destination,
        cumulative_graduates_home, cumulative_cost, cost_per_migrant,
        currency`` after ``defaults.years`` years.
    """
    defaults = defaults or pathways.PathwayParameters()
    rows = []
    for label, values in {"defaults": {}, **observed}.items():
        parameters = dataclasses.replace(defaults, **{k: v for k, v in values.items() if k != "notes"}).validate()
        last = pathways.simulate(parameters).iloc[-1]
        rows.append({"run": label, "annual_intake": parameters.annual_intake,
                     **{column: last[column] for column in ("cumulative_graduates", "cumulative_arrivals",
                                                            "in_destination", "cumulative_graduates_home",
                                                            "cumulative_cost", "cost_per_migrant")},
                     "currency": parameters.currency})
    return pd.DataFrame(rows)
