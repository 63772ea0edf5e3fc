"""The people of a labour pathway, year by year, and the net migration they add to a projection.

One parameter set describes a pathway (a Global Skills Partnership, or plain
recruitment): :data:`PATHWAY_FIELDS` lists every field with its type, range,
default and meaning.  The cost model (:mod:`analysis.study.pathways`, whose
``PathwayParameters`` holds these fields) and the projection (a scenario's
``pathways`` blocks, :mod:`analysis.model.scenarios`) both read it, and both
take the people from :func:`yearly_flows`, so that a pathway's migrants by year
are the same in the cost model and in the projection.

The people, year by year (a pathway year *y* runs from 1 July *y*, like
WPP's periods):

* ``annual_intake`` trainees start in each of ``years`` years from
  ``start_year``; after ``programme_years`` (0: recruitment without training)
  a share ``completion_rate`` graduates, the rest drop out;
* graduates follow the *home* track (they stay and work in the origin) or the
  *away* track (share ``away_share``); ``placement_rate`` of the away track
  migrate in their graduation year, the others stay at home;
* abroad, ``annual_attrition`` of those still in the pathway leave it each
  year (other jobs or sectors; they stay in the destination's population), and
  a share ``return_share`` of each arrival cohort goes home ``return_after``
  years after arriving if still in the pathway.  A return time that is not a
  whole number of years is split between the two years around it
  (``return_after = 2.5``: half after 2 years, half after 3);
* migrants are ``female_share`` women and spread evenly over the 5-year age
  groups of ``ages`` when they move; returners are as many years older as
  they spent abroad (a fraction of a 5-year group is split between two groups,
  so people are conserved exactly).

:func:`net_migrants` sums the years into the projection's 5-year periods: the
origin loses the migrants of each period and gains its returners; the
destination gains exactly what the origin loses.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np
import pandas as pd

from analysis.data import config
from analysis.data.conventions import FIRST_YEAR, LAST_YEAR, STEP, IndicatorInputError, parse_age_band
from analysis.errors import InputError

N_AGES = 21
#: Currencies the cost model reports in (conversion rates: analysis/study/partnerships/data/pathway_costs.csv).
CURRENCIES = ("EUR", "GBP", "USD")
#: Kinds of training programme the cost model has cited costs for (analysis/study/partnerships/data/pathway_costs.csv).
PROGRAMMES: dict[str, str] = {
    "nursing_degree": "registered-nurse training (a diploma or degree of three or four years)",
    "care_assistant": "care-assistant certificate (geriatric care assistant, about one year)",
    "ict_short_course": "short ICT course with language and soft skills (PALIM, five months)",
    "language_placement": "language and placement only: no training cost; language to B1, recognition and travel "
                          "are in the placement cost",
}


class PathwayFieldError(InputError):
    """An invalid pathway field; the message names it and what is valid."""


@dataclass(frozen=True)
class Field:
    """One pathway parameter: its kind, default, valid range and meaning."""

    kind: str  # place | text | choice | year | whole | share | amount | ratio | years | ages | currency
    default: Any
    low: float | None = None
    high: float | None = None
    optional: bool = False  # None allowed (the cost model then uses its cited table)
    meaning: str = ""
    choices: tuple[str, ...] = ()


#: Every pathway parameter, read by the cost model and by the projection.
PATHWAY_FIELDS: dict[str, Field] = {
    "origin": Field("place", "Morocco", meaning="country the trainees come from (name, ISO-3 or M49 code)"),
    "destination": Field("place", "Germany", meaning="country the away track migrates to"),
    "sector": Field("text", "long-term care", meaning="sector of the training (a label)"),
    "start_year": Field("year", 2026, FIRST_YEAR, LAST_YEAR, meaning="first intake year"),
    "years": Field("whole", 25, 1, 100, meaning="years with an intake"),
    "annual_intake": Field("amount", 200.0, 0, 10_000_000, meaning="trainees admitted each year (persons)"),
    "ages": Field("ages", "20-39", meaning="age band of the migrants when they move (5-year groups)"),
    "female_share": Field("share", 0.8, 0, 1, meaning="share of women in every flow"),
    "programme": Field("choice", "nursing_degree", choices=tuple(PROGRAMMES),
                       meaning="kind of training, for its cost: " + ", ".join(PROGRAMMES)),
    "programme_years": Field("whole", 3, 0, 10, meaning="length of the training (0: recruitment without training)"),
    "completion_rate": Field("share", 0.6, 0, 1, meaning="share of trainees who graduate"),
    "away_share": Field("share", 0.5, 0, 1, meaning="share of graduates on the away track"),
    "placement_rate": Field("share", 0.8, 0, 1, meaning="share of the away track placed abroad (they migrate)"),
    "annual_attrition": Field("share", 0.05, 0, 1, meaning="share of migrants leaving the pathway abroad each year"),
    "return_share": Field("share", 0.25, 0, 1, meaning="share of each arrival cohort that returns home"),
    "return_after": Field("years", 5.0, 1, 50, meaning="years abroad before returning (need not be whole)"),
    "currency": Field("currency", "EUR", meaning="currency of every cost and benefit: " + ", ".join(CURRENCIES)),
    "cost_per_trainee_origin": Field("amount", None, 0, 1e7, optional=True,
                                     meaning="training cost per trainee for the whole programme in the origin "
                                             "(default: the cited cost per trainee-year of the programme times "
                                             "programme_years)"),
    "cost_per_worker_destination": Field("amount", None, 0, 1e7, optional=True,
                                         meaning="cost of training one worker in the same programme in the "
                                                 "destination, for comparison (default: cited table)"),
    "placement_cost": Field("amount", None, 0, 1e7, optional=True,
                            meaning="cost per migrant placed: language, recognition, travel (default: cited table)"),
    "destination_share_of_training": Field("share", 1.0, 0, 1, meaning="share of training costs the destination pays"),
    "employer_share_of_placement": Field("share", 1.0, 0, 1, meaning="share of placement costs employers pay"),
    "earnings_destination": Field("amount", None, 0, 1e7, optional=True,
                                  meaning="yearly gross earnings of a migrant in the destination (default: cited table)"),
    "remittances_per_migrant": Field("amount", None, 0, 1e7, optional=True,
                                     meaning="remittances a migrant of the pathway sends home a year, women and men "
                                             "together (default: WDI, the origin's remittances shared over its "
                                             "emigrants by destination)"),
    "women_remittance_ratio": Field("ratio", 1.0, 0.1, 10, meaning="remittances a woman migrant sends per unit a man "
                                                                   "sends (1: equal)"),
}

#: The fields the projection reads (the others feed the cost model only).
PEOPLE_FIELDS = ("origin", "destination", "start_year", "years", "annual_intake", "ages", "female_share",
                 "programme_years", "completion_rate", "away_share", "placement_rate", "annual_attrition",
                 "return_share", "return_after")


def defaults() -> dict[str, Any]:
    """Every field's default value."""
    return {name: field.default for name, field in PATHWAY_FIELDS.items()}


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def check_field(name: str, value: Any, where: str = "pathway") -> Any:
    """The value of one field, checked for type, finiteness and range.

    Raises
    ------
    PathwayFieldError
        With the field, the value and what is valid.
    """
    field = PATHWAY_FIELDS[name]
    if value is None and field.optional:
        return None
    kind = field.kind
    if kind == "place":
        if isinstance(value, bool) or not isinstance(value, (str, int)) or (isinstance(value, str) and not value.strip()):
            raise PathwayFieldError(f"{where}: {name} must be a country name, ISO-3 or M49 code, got {value!r}")
        return value
    if kind == "text":
        if not isinstance(value, str):
            raise PathwayFieldError(f"{where}: {name} must be text, got {value!r}")
        return value
    if kind == "choice":
        if value not in field.choices:
            close = difflib.get_close_matches(str(value), field.choices, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise PathwayFieldError(f"{where}: {name} {value!r} is not one of {', '.join(field.choices)}{hint}")
        return value
    if kind == "currency":
        if value not in CURRENCIES:
            raise PathwayFieldError(f"{where}: currency {value!r} is not one of {', '.join(CURRENCIES)}")
        return value
    if kind == "ages":
        try:
            parse_age_band(value)
        except IndicatorInputError as error:
            raise PathwayFieldError(f"{where}: ages: {error}") from None
        return str(value)
    if kind in ("year", "whole", "share", "years", "amount", "ratio"):
        value = config.numeric(value, integer=kind in ("year", "whole"))  # YAML 1.1 reads 1e4 as text
    if kind in ("year", "whole"):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or not field.low <= value <= field.high:
            what = "a year" if kind == "year" else "a whole number of years"
            raise PathwayFieldError(f"{where}: {name} must be {what} from {field.low:g} to {field.high:g}, got {value!r}")
        return int(value)
    what = {"share": "a share between 0 and 1", "years": f"a number of years from {field.low:g} to {field.high:g}",
            "ratio": f"a ratio from {field.low:g} to {field.high:g}"}.get(kind, "0 or more")
    if not _is_number(value):
        raise PathwayFieldError(f"{where}: {name} must be a finite number ({what}), got {value!r}")
    if not math.isfinite(float(value)):
        raise PathwayFieldError(f"{where}: {name} must be a finite number, got {value!r}")
    value = float(value)
    if kind == "share" and not 0.0 <= value <= 1.0:
        raise PathwayFieldError(f"{where}: {name} must be a share between 0 and 1, got {value!r}")
    if kind == "years" and not field.low <= value <= field.high:
        raise PathwayFieldError(f"{where}: {name} must be a number of years from {field.low:g} to {field.high:g}, got {value!r}")
    if kind == "ratio" and not field.low <= value <= field.high:
        raise PathwayFieldError(f"{where}: {name} must be a ratio from {field.low:g} to {field.high:g}, got {value!r}")
    if kind == "amount" and value < 0:
        raise PathwayFieldError(f"{where}: {name} must be 0 or more, got {value!r}")
    if kind == "amount" and value > field.high:
        shown = f"{value:,.0f}" if value < 1e15 else f"{value:.3g}"
        raise PathwayFieldError(f"{where}: {name} {shown} is implausibly large (at most {field.high:,.0f})")
    return value


def check_unknown(names, where: str = "pathway", allowed: tuple[str, ...] = ()) -> None:
    """Refuse names that are not pathway fields, with a close match and the valid names."""
    valid = list(PATHWAY_FIELDS) + list(allowed)
    for name in names:
        if name not in valid:
            close = difflib.get_close_matches(str(name), valid, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise PathwayFieldError(f"{where}: unknown pathway parameter {name!r}{hint}; valid: {', '.join(sorted(valid))}")


def check_values(values: Mapping[str, Any], where: str = "pathway") -> dict[str, Any]:
    """Every field, the given ones checked and the others at their defaults.

    Raises
    ------
    PathwayFieldError
        For an unknown field (with a close match) or an invalid value.
    """
    check_unknown(values, where)
    out = defaults()
    for name, value in values.items():
        out[name] = check_field(name, value, where)
    return out


# ---------------------------------------------------------------- the people, year by year
def return_split(return_after: float) -> dict[int, float]:
    """Shares of returners by whole years abroad: 2.5 → {2: 0.5, 3: 0.5}; 5 → {5: 1.0}."""
    whole = int(math.floor(return_after))
    fraction = return_after - whole
    split = {whole: 1.0 - fraction}
    if fraction > 0:
        split[whole + 1] = fraction
    return split


def yearly_flows(values: Mapping[str, Any], last_year: int | None = None) -> pd.DataFrame:
    """The pathway's people year by year, from ``start_year`` to ``last_year``.

    Parameters
    ----------
    values : mapping
        Checked pathway fields (see :func:`check_values`).
    last_year : int, optional
        Last year of the table; by default the last intake year.

    Returns
    -------
    DataFrame
        One row per year: ``intake, in_training, graduates, dropouts,
        graduates_home, graduates_away, arrivals, not_placed, in_destination,
        returned, attrition_abroad`` (persons), and ``returned_after_<k>`` for
        each whole number of years abroad *k* of the returners (they sum to
        ``returned``).
    """
    start = int(values["start_year"])
    last = start + int(values["years"]) - 1 if last_year is None else int(last_year)
    n = max(last - start + 1, 0)
    years = np.arange(start, start + n)
    intake = np.where(np.arange(n) < int(values["years"]), float(values["annual_intake"]), 0.0)
    lag = int(values["programme_years"])
    finishing = np.zeros(n)
    if lag < n:
        finishing[lag:] = intake[: n - lag]
    graduates = values["completion_rate"] * finishing
    dropouts = finishing - graduates
    cumulative = np.concatenate([[0.0], np.cumsum(intake)])
    in_training = cumulative[1:] - cumulative[np.clip(np.arange(n) + 1 - lag, 0, n)]  # cohorts of the last `lag` years
    graduates_away = values["away_share"] * graduates
    graduates_home = graduates - graduates_away
    arrivals = values["placement_rate"] * graduates_away
    not_placed = graduates_away - arrivals

    # cohorts: of those arriving in year c, remaining[c, t] are in the pathway at the end of year t
    since = np.arange(n)[None, :] - np.arange(n)[:, None]  # t - c
    attrition_rate, back = float(values["annual_attrition"]), float(values["return_share"])
    staying = np.where(since >= 0, (1.0 - attrition_rate) ** np.clip(since, 0, None), 0.0)
    split = return_split(float(values["return_after"]))
    returned_by = np.zeros_like(staying)  # share of the cohort's returners gone home by t
    returning = {}
    for years_abroad, share in split.items():
        at = since == years_abroad
        returned_by = returned_by + np.where(since >= years_abroad, share, 0.0)
        returning[years_abroad] = (arrivals[:, None] * back * share * np.where(at, staying, 0.0)).sum(axis=0)
    remaining = arrivals[:, None] * staying * (1.0 - back * returned_by)
    before = np.concatenate([np.zeros((n, 1)), remaining[:, :-1]], axis=1)  # end of the previous year
    attrition = np.where(since >= 1, attrition_rate * before, 0.0)

    table = pd.DataFrame({
        "year": years,
        "intake": intake,
        "in_training": in_training,
        "graduates": graduates,
        "dropouts": dropouts,
        "graduates_home": graduates_home,
        "graduates_away": graduates_away,
        "arrivals": arrivals,
        "not_placed": not_placed,
        "in_destination": remaining.sum(axis=0),
        "returned": sum(returning.values()) if returning else np.zeros(n),
        "attrition_abroad": attrition.sum(axis=0),
    })
    for years_abroad, flow in returning.items():
        table[f"returned_after_{years_abroad}"] = flow
    return table


def age_shift(weights: np.ndarray, years: float) -> np.ndarray:
    """Age-group weights ``years`` later: a fraction of a 5-year group is split between two groups.

    People uniformly spread over a 5-year group are, ``years`` later, spread
    over the same width shifted by ``years``; the oldest stay in ``100+``.
    The total is unchanged.
    """
    whole, fraction = divmod(years / STEP, 1.0)
    whole = int(whole)
    out = np.zeros_like(weights)
    for offset, share in ((whole, 1.0 - fraction), (whole + 1, fraction)):
        if share == 0.0:
            continue
        moved = np.zeros_like(weights)
        if offset < N_AGES:
            moved[..., offset:] = weights[..., : N_AGES - offset]
            moved[..., -1] += weights[..., N_AGES - offset:].sum(axis=-1)
        else:
            moved[..., -1] = weights.sum(axis=-1)
        out = out + share * moved
    return out


def age_weights(ages: str) -> np.ndarray:
    """Even weights over the 5-year age groups of a band (sums to 1)."""
    groups = parse_age_band(ages).groups().astype(float)
    return groups / groups.sum()


def net_migrants(values: Mapping[str, Any], base_year: int, n_periods: int) -> np.ndarray:
    """The origin's net migrants of a pathway, by 5-year period, sex and age: (P, 2, 21).

    The destination's are the same with the opposite sign.  Years from
    ``base_year`` to the end of the last period are counted; the pathway must
    not start before ``base_year``.

    Raises
    ------
    PathwayFieldError
        When the pathway starts before the projection's base year.
    """
    start = int(values["start_year"])
    if start < base_year:
        raise PathwayFieldError(
            f"pathway from {values['origin']} starts in {start}, before the projection's base year {base_year}; "
            f"set start_year to {base_year} or later"
        )
    last = base_year + STEP * n_periods - 1
    out = np.zeros((n_periods, 2, N_AGES))
    if start > last:
        return out
    flows = yearly_flows(values, last)
    period = (flows["year"].to_numpy() - base_year) // STEP
    sexes = np.array([1.0 - values["female_share"], values["female_share"]])
    ages = age_weights(values["ages"])
    leaving = np.bincount(period, weights=flows["arrivals"].to_numpy(), minlength=n_periods)
    out -= leaving[:, None, None] * sexes[None, :, None] * ages[None, None, :]
    for years_abroad in return_split(float(values["return_after"])):
        back = np.bincount(period, weights=flows[f"returned_after_{years_abroad}"].to_numpy(), minlength=n_periods)
        out += back[:, None, None] * sexes[None, :, None] * age_shift(ages, years_abroad)[None, None, :]
    return out


def migrants_by_period(values: Mapping[str, Any], base_year: int, n_periods: int) -> pd.DataFrame:
    """Departures and returns of a pathway summed by projection period (persons over the period)."""
    last = base_year + STEP * n_periods - 1
    flows = yearly_flows(values, last)
    flows = flows[flows["year"] >= base_year]
    period = (flows["year"].to_numpy() - base_year) // STEP
    start = base_year + STEP * np.arange(n_periods)
    return pd.DataFrame({
        "period_start": start,
        "period_end": start + STEP,
        "departures": np.bincount(period, weights=flows["arrivals"].to_numpy(), minlength=n_periods),
        "returns": np.bincount(period, weights=flows["returned"].to_numpy(), minlength=n_periods),
    })
