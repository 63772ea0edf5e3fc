"""Skills-partnership pathways (Global Skills Partnerships): flows, costs and scale.

A destination funds a training institution in an origin country.  Each year
it admits ``annual_intake`` trainees; after ``programme_years`` a share
``completion_rate`` graduates (the rest drop out).  Graduates follow a
*home* track (they stay and work in the origin) or an *away* track (a share
``away_share``).  Of the away-track graduates, ``placement_rate`` are placed
and migrate in their graduation year; the others never migrate.  In the
destination, ``annual_attrition`` of the migrants leave the pathway each year
(onward moves, other sectors), and ``return_share`` of each arrival cohort
goes home ``return_after`` years after arriving.

Accounting identities, checked on every run:

* intake = graduates + dropouts + still in training;
* away-track graduates = in the destination + returned + attrition (not placed,
  plus those who left the pathway abroad).

The defaults cite the dataset of real partnerships
(:mod:`analysis.study.partnerships`).
"""

from __future__ import annotations

import dataclasses
import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from analysis.data import config
from analysis.errors import InputError


class PathwayInputError(InputError):
    """An invalid pathway parameter; the message names it and what is valid."""


#: Upper bounds: trainees admitted a year by one institution, and any cost per person (in ``currency``).
MAX_INTAKE = 1_000_000
MAX_COST = 10_000_000

#: Where each default comes from (source ids refer to partnership_sources.csv).
DEFAULT_SOURCES: dict[str, str] = {
    "annual_intake": "assumption: one institution of 200 trainees a year (PALIM trained 120, S19)",
    "programme_years": "assumption: a two-year vocational programme",
    "completion_rate": "assumption: 0.6, between Australian VET completion (41.4 %, S44) and German dual-training "
                       "contracts not dissolved early (75.3 %, S45)",
    "away_share": "GSP design proposals: 50 % away (PALIM plan of March 2019, S20; Kosovo YES plan, S48)",
    "placement_rate": "assumption: 0.8; Triple Win had 62 % of placed nurses arrived at end-2019, the rest still "
                      "in preparation (S14)",
    "annual_attrition": "assumption: 5 % a year leave the pathway abroad",
    "return_share": "assumption informed by MENTOR II: 27 % had returned by October 2024 (S34)",
    "return_after": "assumption: return after 5 years",
    "cost_per_trainee_origin": "Clemens' illustration of €10,000 per nurse trained in the origin (S46); PALIM's "
                               "budget per trainee was about €12,470, an upper bound (S18)",
    "cost_per_worker_destination": "assumption: €30,000 to train one worker in the destination (for comparison; "
                                   "YGCA's destination master's cost about €26,531 per graduate, S37)",
    "placement_cost": "Triple Win employer cost per placed nurse, lower end €9,500 (S16: €9,500–17,000)",
    "destination_share_of_training": "GSP design: the destination pays for both tracks (S46)",
    "employer_share_of_placement": "Triple Win: employers pay placement costs (S16)",
}


@dataclass(frozen=True)
class PathwayParameters:
    """Parameters of a skills-partnership pathway (defaults: see ``DEFAULT_SOURCES``)."""

    origin: str = "Morocco"
    destination: str = "Germany"
    sector: str = "long-term care"
    start_year: int = 2026
    years: int = 25
    annual_intake: float = 200.0
    programme_years: int = 2
    completion_rate: float = 0.6
    away_share: float = 0.5
    placement_rate: float = 0.8
    annual_attrition: float = 0.05
    return_share: float = 0.25
    return_after: int = 5
    cost_per_trainee_origin: float = 10_000.0
    cost_per_worker_destination: float = 30_000.0
    placement_cost: float = 9_500.0
    destination_share_of_training: float = 1.0
    employer_share_of_placement: float = 1.0
    currency: str = "EUR"
    notes: dict = field(default_factory=dict, compare=False)

    def validate(self) -> "PathwayParameters":
        """Raise :class:`PathwayInputError` for values of the wrong type, not finite or outside their valid range."""
        shares = ("completion_rate", "away_share", "placement_rate", "annual_attrition", "return_share",
                  "destination_share_of_training", "employer_share_of_placement")
        for name in shares:
            value = getattr(self, name)
            if not _is_number(value) or not 0.0 <= value <= 1.0:
                raise PathwayInputError(f"{name} must be a share between 0 and 1, got {value!r}")
        for name, high in (("annual_intake", MAX_INTAKE), ("cost_per_trainee_origin", MAX_COST),
                           ("cost_per_worker_destination", MAX_COST), ("placement_cost", MAX_COST)):
            value = getattr(self, name)
            if not _is_number(value):
                raise PathwayInputError(f"{name} must be a finite number, 0 or more, got {value!r}")
            if value < 0:
                raise PathwayInputError(f"{name} must be 0 or more, got {value!r}")
            if value > high:
                raise PathwayInputError(f"{name} must be at most {high:,.0f}, got {value!r}")
        for name, low, high in (("programme_years", 1, 10), ("years", 1, 75), ("return_after", 1, 50),
                                ("start_year", 1950, 2100)):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                if name == "start_year":
                    raise PathwayInputError(f"start_year must be a whole year within 1950–2100, got {value!r}")
                raise PathwayInputError(f"{name} must be a whole number of years from {low} to {high}, got {value!r}")
        for name in ("origin", "destination", "sector", "currency"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise PathwayInputError(f"{name} must be a non-empty text, got {value!r}")
        return self

    @classmethod
    def from_mapping(cls, values: Mapping) -> "PathwayParameters":
        """Parameters from a dict (e.g. a YAML file); unknown keys are refused with the valid ones listed.

        Numeric strings (YAML 1.1 reads ``1e4`` as text) become numbers; NaN and infinities are refused.
        """
        known = {f.name for f in dataclasses.fields(cls) if f.name != "notes"}
        unknown = sorted(set(map(str, values)) - known)
        if unknown:
            close = difflib.get_close_matches(unknown[0], sorted(known), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise PathwayInputError(f"unknown pathway parameter {unknown[0]!r}{hint}; valid: {', '.join(sorted(known))}")
        kinds = {f.name: str(f.type) for f in dataclasses.fields(cls)}
        coerced = {key: config.numeric(value, integer=kinds[key] == "int") if kinds[key] in ("int", "float") else value
                   for key, value in values.items()}
        return cls(**coerced).validate()

    @classmethod
    def from_yaml(cls, path: str | Path) -> "PathwayParameters":
        """Parameters from a YAML file, read by :func:`analysis.data.config.read_mapping` (one line for any problem)."""
        values = config.read_mapping(path, "pathway config", PathwayInputError,
                                     example=f"any of: {', '.join(DEFAULT_SOURCES)}")
        return cls.from_mapping(values)


def _is_number(value) -> bool:
    """A finite int or float (not a bool)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and np.isfinite(value)


def simulate(parameters: PathwayParameters) -> pd.DataFrame:
    """Yearly flows, stocks and costs of a pathway.

    Returns
    -------
    DataFrame
        One row per year: ``intake, in_training, graduates, dropouts,
        graduates_home, graduates_away, arrivals, not_placed, in_destination,
        returned, attrition_abroad`` (persons), their cumulative sums
        (``cumulative_*``), ``cost_training, cost_placement, cost_total``,
        ``cost_destination_government, cost_origin, cost_employers``,
        ``cumulative_cost`` and ``cost_per_migrant`` (cumulative cost per
        cumulative arrival), in ``parameters.currency``.
    """
    p = parameters.validate()
    years = np.arange(p.start_year, p.start_year + p.years)
    n = len(years)
    intake = np.full(n, float(p.annual_intake))
    lag = p.programme_years
    finishing = np.zeros(n)
    if lag < n:
        finishing[lag:] = intake[: n - lag]  # cohorts reaching the end of their programme
    graduates = p.completion_rate * finishing
    dropouts = finishing - graduates  # counted when their cohort would have graduated
    in_training = np.array([intake[max(0, t - lag + 1): t + 1].sum() for t in range(n)])
    graduates_away = p.away_share * graduates
    graduates_home = graduates - graduates_away
    arrivals = p.placement_rate * graduates_away
    not_placed = graduates_away - arrivals

    # cohort matrix: remaining[c, t] of those arriving in year c, at the end of year t
    since = np.arange(n)[None, :] - np.arange(n)[:, None]  # t - c
    alive = since >= 0
    stay_factor = np.where(alive, (1.0 - p.annual_attrition) ** np.clip(since, 0, None), 0.0)
    returned_by = since >= p.return_after
    stay_factor = np.where(returned_by, stay_factor * (1.0 - p.return_share), stay_factor)
    remaining = arrivals[:, None] * stay_factor
    before = np.concatenate([np.zeros((n, 1)), remaining[:, :-1]], axis=1)  # end of the previous year
    attrition = np.where(since >= 1, p.annual_attrition * before, 0.0)
    returning = np.where(since == p.return_after, p.return_share * (before - attrition), 0.0)
    in_destination = remaining.sum(axis=0)
    attrition_abroad = attrition.sum(axis=0)
    returned = returning.sum(axis=0)

    cost_training = in_training * p.cost_per_trainee_origin / p.programme_years
    cost_placement = arrivals * p.placement_cost
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
        "in_destination": in_destination,
        "returned": returned,
        "attrition_abroad": attrition_abroad,
        "cost_training": cost_training,
        "cost_placement": cost_placement,
    })
    table["cost_total"] = cost_training + cost_placement
    table["cost_destination_government"] = (p.destination_share_of_training * cost_training
                                            + (1.0 - p.employer_share_of_placement) * cost_placement)
    table["cost_origin"] = (1.0 - p.destination_share_of_training) * cost_training
    table["cost_employers"] = p.employer_share_of_placement * cost_placement
    for column in ("intake", "graduates", "dropouts", "graduates_home", "graduates_away", "arrivals", "not_placed",
                   "returned", "attrition_abroad", "cost_total"):
        table[f"cumulative_{column.removeprefix('cost_') if column == 'cost_total' else column}"] = table[column].cumsum()
    table = table.rename(columns={"cumulative_total": "cumulative_cost"})
    with np.errstate(divide="ignore", invalid="ignore"):
        table["cost_per_migrant"] = np.where(table["cumulative_arrivals"] > 0,
                                             table["cumulative_cost"] / table["cumulative_arrivals"], np.nan)
    table.attrs["parameters"] = p
    check_conservation(table)
    return table


def check_conservation(table: pd.DataFrame, tolerance: float = 1e-6) -> None:
    """Raise if the pathway's people do not add up (see the module notes)."""
    trained = table["cumulative_intake"] - table["in_training"]
    finished = table["cumulative_graduates"] + table["cumulative_dropouts"]
    away = table["cumulative_graduates_away"]
    accounted = table["in_destination"] + table["cumulative_returned"] + table["cumulative_attrition_abroad"] + table["cumulative_not_placed"]
    scale = max(float(table["cumulative_intake"].iloc[-1]), 1.0)
    if (trained - finished).abs().max() > tolerance * scale:
        raise AssertionError("pathway flows do not conserve people: intake ≠ graduates + dropouts + in training")
    if (away - accounted).abs().max() > tolerance * scale:
        raise AssertionError("pathway flows do not conserve people: away track ≠ destination + returned + attrition")


def away_share_curve(parameters: PathwayParameters, shares: Iterable[float] = np.linspace(0.1, 0.9, 9)) -> pd.DataFrame:
    """Cost per migrant and migrants in the destination at the end, for several away-track shares."""
    rows = []
    for share in shares:
        table = simulate(dataclasses.replace(parameters, away_share=float(share)))
        last = table.iloc[-1]
        rows.append({
            "away_share": float(share),
            "cumulative_arrivals": last["cumulative_arrivals"],
            "in_destination": last["in_destination"],
            "graduates_home": last["cumulative_graduates_home"],
            "cumulative_cost": last["cumulative_cost"],
            "cost_per_migrant": last["cost_per_migrant"],
            "cost_per_migrant_destination_training": parameters.cost_per_worker_destination,
        })
    return pd.DataFrame(rows)


def partnerships_needed(
    pathway: pd.DataFrame, workers_needed: float, coverage: float, year: int
) -> dict:
    """Institutions of the pathway's size needed to cover a share of a destination's additional workers.

    Parameters
    ----------
    pathway : DataFrame
        Output of :func:`simulate` for one institution.
    workers_needed : float
        Additional workers the destination needs by ``year`` (e.g. from
        :func:`analysis.study.demand.care_workers`).
    coverage : float
        Share (0–1) of those workers the partnerships should supply.
    year : int
        Year at which the institutions' migrants in the destination are counted.

    Returns
    -------
    dict
        ``institutions`` (rounded up), migrants per institution in the
        destination, workers to cover, the yearly and cumulative cost of
        all institutions up to ``year``, their home-track graduates and the
        trainees they admit a year (``trainees_per_year``).
    """
    if not 0.0 < coverage <= 1.0:
        raise PathwayInputError(f"coverage must be a share in (0, 1], got {coverage}")
    row = pathway[pathway["year"] == year]
    if row.empty:
        raise PathwayInputError(
            f"year {year} is outside the pathway run ({pathway['year'].min()}–{pathway['year'].max()}); lengthen 'years'"
        )
    per_institution = float(row["in_destination"].item())
    to_cover = coverage * max(workers_needed, 0.0)
    if per_institution <= 0:
        raise PathwayInputError(f"an institution has no migrants in the destination by {year}; check the parameters")
    institutions = int(np.ceil(to_cover / per_institution))
    return {
        "year": year,
        "workers_to_cover": to_cover,
        "migrants_per_institution": per_institution,
        "institutions": institutions,
        "yearly_cost_at_full_scale": institutions * float(row["cost_total"].item()),
        "cumulative_cost": institutions * float(row["cumulative_cost"].item()),
        "graduates_home": institutions * float(row["cumulative_graduates_home"].item()),
        "trainees_per_year": institutions * float(row["intake"].item()),
    }


# ---------------------------------------------------------------- report tables (skills_partnership)
def parameter_table(parameters: PathwayParameters) -> pd.DataFrame:
    """Each documented parameter: its value, its default and where the default comes from (``DEFAULT_SOURCES``)."""
    defaults = PathwayParameters()
    return pd.DataFrame([{"parameter": name, "value": getattr(parameters, name), "default": getattr(defaults, name),
                          "source of the default": source} for name, source in DEFAULT_SOURCES.items()])


def milestones(pathway: pd.DataFrame, every: int = 5) -> pd.DataFrame:
    """The rows of every ``every``-th year of a run (its 5th, 10th … year), from :func:`simulate`."""
    if every < 1:
        raise PathwayInputError(f"every must be 1 or more, got {every}")
    return pathway[(pathway["year"] - pathway["year"].min()) % every == every - 1]


def totals(pathway: pd.DataFrame) -> pd.Series:
    """A run's state at its last year (the last row of :func:`simulate`).

    Adds ``cumulative_lost_abroad``: away-track graduates never placed plus
    those who left the pathway abroad, so that the away track equals
    ``in_destination + cumulative_returned + cumulative_lost_abroad``.
    """
    last = pathway.iloc[-1].copy()
    last["cumulative_lost_abroad"] = last["cumulative_attrition_abroad"] + last["cumulative_not_placed"]
    return last
