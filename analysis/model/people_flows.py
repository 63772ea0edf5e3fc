"""Flows counted in people: scenario blocks that move a stated number of people from one place to another.

A scenario's ``flows`` and ``returns`` blocks (see :mod:`analysis.model.scenarios`)::

    flows:                         # people leaving `from` for `to`
      - from: Nigeria              # a country or group, or a list of them
        to: [Germany, Italy]
        persons_per_year: 20000    # or persons: the total over `years`
        years: 2030-2040           # from 1 July 2030 to 1 July 2040 (10 years); or one year, 2030
        ages: 15-64                # default 0-64
        female_share: 0.4          # default: the recorded stock of the corridor (UN DESA 2024), else 0.5
        age_profile: rogers-castro # default; or even
    returns:                       # the same fields, read as migrants going home
      - from: GCC                  # where the migrants live (the destination they went to)
        to: [Ethiopia, Kenya, Uganda]   # their home (the origin they return to)
        persons: 1500000
        years: 2030-2035

**What moves.**  In each year of ``years`` the block moves
``persons_per_year`` people (or ``persons`` spread evenly over the years):
the senders (the countries of ``from``) lose exactly the people the
receivers (the countries of ``to``) gain, with one sex split (``female_share``)
and one age profile (over the 5-year groups of ``ages``, by the age group they
are in at the end of the period, as the engine books all migrants).  Years go
into the projection's 5-year periods (a year *y* runs from 1 July *y*); the
people then age, die and have children in the engine like everyone else.

**Returns.**  A ``returns`` block is a ``flows`` block read the other way:
``from`` is where the migrants live, ``to`` their home country.  It moves
people exactly as a ``flows`` block from ``from`` to ``to`` would; it differs
in two readings of the data: the corridor stock that shares a group and
gives the default female share is that of ``to``'s people living in
``from`` (for ``flows``: ``from``'s people living in ``to``, the diaspora the
flow adds to), and a return larger than that recorded stock gets a warning
with the figures (a return draws from an existing stock; an emigration flow
builds a new one).

**Groups** on either side are shared among their countries by a key:

* ``stock``: each country's recorded migrant stock with the other side (UN
  DESA International Migrant Stock 2024, both sexes, the corridor read as
  above), when every country of the side has one;
* ``population``: otherwise, each country's population in the projection's
  base year (WPP 2024).  UN DESA's Gulf stocks, for instance, record few
  origins, so a side with a country missing from the stock falls back to
  population rather than giving that country nothing.

The shares are printed (:func:`describe_plan`).  Write one block per pair of
countries to fix the split yourself.

**Default age profile.**  The Rogers–Castro model migration schedule with
the *fundamental* parameters Rogers and Castro (1981) suggest, as distributed
with the R package ``migest`` (:data:`ROGERS_CASTRO`, :data:`ROGERS_CASTRO_SOURCE`):
m(x) = a1 exp(−α1 x) + a2 exp(−α2 (x − μ2) − exp(−λ2 (x − μ2))) + c, with
a1 = 0.02, α1 = 0.1, a2 = 0.06, α2 = 0.1, μ2 = 20, λ2 = 0.4, c = 0.003.  It is
read as the age distribution of the movers: m(x) at the middle of each single
year of age is summed into the 5-year groups (the open group 100+ takes
ages 100–104), kept within ``ages`` and scaled to sum to 1.  The default
``ages`` is 0–64: the 7-parameter schedule has no retirement component, and
its constant c would put 12 % of the movers at 65 or more over all ages, more
old people than some senders have (the Gulf states).  Over 0–64 it puts
21.5 % of the movers under 15 (children moving with their parents) and
78.5 % at 15–64, most at 20–34 (the peak is at 20–24, 19.2 %).
``age_profile: even`` spreads them evenly over the groups of ``ages``.

**Feasibility** (checked by :func:`analysis.model.scenarios.run`): an outflow
larger than the people of that age and sex in the sending country is refused
in one line; a return larger than the recorded stock of that corridor gets a
warning with the figures.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from analysis.data import config
from analysis.data.conventions import LAST_YEAR, STEP, IndicatorInputError, parse_age_band
from analysis.errors import InputError

N_AGES = 21
SECTIONS = ("flows", "returns")
FIELDS = ("from", "to", "persons_per_year", "persons", "years", "ages", "female_share", "age_profile")
AGE_PROFILES = ("rogers-castro", "even")
DEFAULT_AGES = "0-64"
#: Largest number of people a block may move in one year (about the world's yearly migrant flow).
MAX_PER_YEAR = 50_000_000
#: Sex split where neither the block nor the recorded stock gives one.
DEFAULT_FEMALE_SHARE = 0.5
#: The year of UN DESA's stocks used as the sharing key and for the default sex split.
STOCK_YEAR = 2024
#: Rogers–Castro fundamental parameters (7-parameter schedule).
ROGERS_CASTRO = {"a1": 0.02, "alpha1": 0.1, "a2": 0.06, "alpha2": 0.1, "mu2": 20.0, "lambda2": 0.4, "c": 0.003}
ROGERS_CASTRO_SOURCE = {
    "citation": "Rogers, A. and Castro, L. J. (1981). Model Migration Schedules. IIASA Research Report RR-81-030. "
                "Parameters as distributed with the R package migest (Abel), data set rc9.fund.",
    "url": "https://www.rdocumentation.org/packages/migest/versions/1.7.2/topics/rc9.fund",
    "quote": "Set of fundamental parameters suggested by Rogers and Castro (1981).",
}


class FlowFieldError(InputError):
    """An invalid ``flows`` or ``returns`` block; the message names the block, the field and what is valid."""


# ---------------------------------------------------------------- checking a block
def _places(value: Any, where: str, key: str) -> list:
    items = value if isinstance(value, list) else [value]
    if not items:
        raise FlowFieldError(f"{where}: {key!r} is empty; name a country or group (name, ISO-3 or M49 code)")
    for item in items:
        if isinstance(item, bool) or not isinstance(item, (str, int)) or (isinstance(item, str) and not item.strip()):
            raise FlowFieldError(f"{where}: {key!r} must name countries or groups (name, ISO-3 or M49 code), got {item!r}")
    repeated = sorted({str(item) for item in items if items.count(item) > 1})
    if repeated:
        raise FlowFieldError(f"{where}: {key!r} names {repeated[0]!r} twice")
    return list(items)


def _amount(value: Any, where: str, key: str, high: float) -> float:
    value = config.numeric(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise FlowFieldError(f"{where}: {key} must be a number of persons, got {value!r}")
    if not math.isfinite(value):
        raise FlowFieldError(f"{where}: {key} must be a finite number of persons, got {value!r}")
    if value < 0:
        raise FlowFieldError(f"{where}: {key} must be 0 or more persons, got {value!r}; write a flow the other way "
                             "round as its own block")
    if value > high:
        raise FlowFieldError(f"{where}: {key} {value:,.0f} is implausibly large (at most {high:,.0f})")
    return float(value)


def parse_years(value: Any, where: str) -> tuple[int, int]:
    """``2030-2035`` → (2030, 2035): from 1 July of the first year to 1 July of the second; ``2030`` → (2030, 2031)."""
    if isinstance(value, bool):
        raise FlowFieldError(f"{where}: years must be START-END (e.g. 2030-2035) or one year, got {value!r}")
    if isinstance(value, (int, np.integer)):
        start, end = int(value), int(value) + 1
    elif isinstance(value, str) and (match := re.fullmatch(r"\s*(\d{4})\s*(?:[-–]\s*(\d{4}))?\s*", value)):
        start = int(match.group(1))
        end = int(match.group(2)) if match.group(2) else start + 1
    else:
        raise FlowFieldError(f"{where}: years must be START-END (e.g. 2030-2035: from 1 July 2030 to 1 July 2035) "
                             f"or one year, got {value!r}")
    if end <= start:
        raise FlowFieldError(f"{where}: years {value!r} ends before it starts (END is the year the flow stops: "
                             "2030-2035 is five years)")
    if start < 1950 or end > LAST_YEAR:
        raise FlowFieldError(f"{where}: years {value!r} must lie within 1950–{LAST_YEAR}")
    return start, end


def check_block(block: Mapping, where: str) -> dict:
    """A complete, checked block: ``from``, ``to`` (lists), ``persons_per_year``, ``years`` (START-END), ``ages``,
    ``female_share`` (None: from the stock), ``age_profile``, and ``defaulted`` (fields left at their default).

    Raises
    ------
    FlowFieldError
        For an unknown field (with a close match), a missing or invalid value.
    """
    if not isinstance(block, Mapping):
        raise FlowFieldError(f"{where} must be a mapping of fields ({', '.join(FIELDS)})")
    for key in block:
        if key not in FIELDS:
            close = difflib.get_close_matches(str(key), FIELDS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise FlowFieldError(f"{where}: unknown field {key!r}{hint}; valid: {', '.join(FIELDS)}")
    for key in ("from", "to", "years"):
        if key not in block:
            raise FlowFieldError(f"{where}: {key!r} is required ({', '.join(FIELDS)})")
    if ("persons_per_year" in block) == ("persons" in block):
        raise FlowFieldError(f"{where}: give persons_per_year (people a year) or persons (the total over the years), "
                             "one of the two")
    start, end = parse_years(block["years"], where)
    if "persons" in block:
        per_year = _amount(block["persons"], where, "persons", MAX_PER_YEAR * (end - start)) / (end - start)
    else:
        per_year = _amount(block["persons_per_year"], where, "persons_per_year", MAX_PER_YEAR)
    ages = block.get("ages", DEFAULT_AGES)
    try:
        ages = parse_age_band(ages).label
    except IndicatorInputError as error:
        raise FlowFieldError(f"{where}: ages: {error}") from None
    female = block.get("female_share")
    if female is not None:
        female = config.numeric(female)
        if isinstance(female, bool) or not isinstance(female, (int, float)) or not math.isfinite(female) \
                or not 0 <= female <= 1:
            raise FlowFieldError(f"{where}: female_share must be a share between 0 and 1, got {block['female_share']!r}")
        female = float(female)
    profile = block.get("age_profile", "rogers-castro")
    if profile not in AGE_PROFILES:
        raise FlowFieldError(f"{where}: age_profile {profile!r} is not one of {', '.join(AGE_PROFILES)}")
    return {
        "from": _places(block["from"], where, "from"), "to": _places(block["to"], where, "to"),
        "persons_per_year": per_year, "years": f"{start}-{end}", "ages": ages, "female_share": female,
        "age_profile": profile,
        "defaulted": [key for key in ("ages", "female_share", "age_profile") if key not in block],
    }


# ---------------------------------------------------------------- age profile
def rogers_castro(ages: np.ndarray, params: Mapping[str, float] = ROGERS_CASTRO) -> np.ndarray:
    """The 7-parameter Rogers–Castro schedule at ``ages`` (years)."""
    x = np.asarray(ages, dtype=float)
    labour = x - params["mu2"]
    return (params["a1"] * np.exp(-params["alpha1"] * x)
            + params["a2"] * np.exp(-params["alpha2"] * labour - np.exp(-params["lambda2"] * labour)) + params["c"])


def age_profile(ages: str, profile: str = "rogers-castro") -> np.ndarray:
    """Shares of the movers by 5-year group (21, sums to 1) within the band ``ages``."""
    inside = parse_age_band(ages).groups().astype(float)
    if profile == "even":
        weights = inside
    else:
        single = rogers_castro(np.arange(105) + 0.5)  # single years 0 … 104; 100+ takes 100-104
        groups = single.reshape(21, 5).sum(axis=1)
        weights = groups * inside
    return weights / weights.sum()


# ---------------------------------------------------------------- placing a block
@dataclass
class Side:
    """The countries of one side of a block and their shares."""

    codes: np.ndarray  # M49 codes
    shares: np.ndarray  # sums to 1
    key: str  # "single country", "stock" or "population"
    stock: np.ndarray  # recorded corridor stock of each country with the other side (persons; 0 = none)
    missing: list[str] = field(default_factory=list)  # names without a recorded stock (population key)


@dataclass
class Plan:
    """A block placed on the projected countries: who sends, who receives, how many, when, which sex and age."""

    section: str
    index: int
    block: dict
    senders: Side
    receivers: Side
    per_year: np.ndarray  # (P,) persons moved in each period (years within the projection)
    years_outside: int  # years of the block after the projection's end
    female_share: float
    female_source: str
    ages: np.ndarray  # (21,) shares
    corridor_stock: float  # recorded stock of the corridor (persons; 0 = none)
    label: str = ""

    @property
    def name(self) -> str:
        return f"{self.section}[{self.index}]"

    @property
    def asked(self) -> float:
        """People the block asks to move over all its years."""
        start, end = (int(y) for y in self.block["years"].split("-"))
        return self.block["persons_per_year"] * (end - start)

    def profile(self) -> np.ndarray:
        """People moved by period, sex and age (P, 2, 21), before sharing among countries."""
        sexes = np.array([1.0 - self.female_share, self.female_share])
        return self.per_year[:, None, None] * sexes[None, :, None] * self.ages[None, None, :]


def _members(places: Sequence, resolve: Callable, projected: set[int], where: str, key: str) -> list[int]:
    codes: list[int] = []
    for place in places:
        location = resolve(place)
        inside = [int(code) for code in location.members if int(code) in projected]
        if not inside:
            raise FlowFieldError(f"{where}: {key} {location.name!r} has no projected country")
        codes.extend(code for code in inside if code not in codes)
    return codes


def corridor_stocks(stocks: pd.DataFrame | None, home: Sequence[int], host: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """Recorded migrants of each ``home`` country living in each ``host`` country: both sexes and women (H, D)."""
    both = np.zeros((len(home), len(host)))
    women = np.zeros_like(both)
    if stocks is None or stocks.empty:
        return both, women
    year = stocks[stocks["year"] == STOCK_YEAR]
    origin = year["origin_code"].to_numpy(dtype=float, na_value=-1)  # unknown origins never match
    destination = year["destination_code"].to_numpy(dtype=float, na_value=-1)
    keep = np.isin(origin, home) & np.isin(destination, host)
    row = {code: i for i, code in enumerate(home)}
    col = {code: j for j, code in enumerate(host)}
    female = (year["sex"].astype(str).to_numpy() == "female")[keep]
    for o, d, is_female, persons in zip(origin[keep], destination[keep], female, year["migrants"].to_numpy()[keep]):
        i, j = row[int(o)], col[int(d)]
        both[i, j] += persons
        if is_female:
            women[i, j] += persons
    return both, women


def _side(codes: list[int], stock: np.ndarray, population: np.ndarray, names: Callable[[int], str]) -> Side:
    codes_array = np.asarray(codes, dtype=int)
    if len(codes) == 1:
        return Side(codes_array, np.ones(1), "single country", stock)
    if (stock > 0).all():
        return Side(codes_array, stock / stock.sum(), "stock", stock)
    if population.sum() <= 0:
        raise FlowFieldError("no population to share the flow by")
    return Side(codes_array, population / population.sum(), "population", stock,
                [names(code) for code, value in zip(codes, stock) if value <= 0])


def place(
    section: str,
    index: int,
    block: Mapping,
    codes: np.ndarray,
    population: np.ndarray,
    base_year: int,
    n_periods: int,
    resolve: Callable,
    stocks: pd.DataFrame | None,
    names: Callable[[int], str],
    label: str = "",
) -> Plan:
    """A checked block placed on the projected countries ``codes`` (with their base ``population`` (L,)).

    Raises
    ------
    FlowFieldError
        A place with no projected country, a country on both sides, or years before the base year.
    """
    where = f"scenario {label!r}, {section}[{index}]"
    projected = {int(code) for code in codes}
    senders = _members(block["from"], resolve, projected, where, "from")
    receivers = _members(block["to"], resolve, projected, where, "to")
    both_sides = [code for code in senders if code in receivers]
    if both_sides:
        raise FlowFieldError(f"{where}: {names(both_sides[0])} is on both sides (from and to); a flow needs two "
                             "different places")
    start, end = (int(y) for y in block["years"].split("-"))
    if start < base_year:
        raise FlowFieldError(f"{where}: years {block['years']} start before the projection's base year {base_year}; "
                             f"start in {base_year} or later")
    home, host = (senders, receivers) if section == "flows" else (receivers, senders)
    stock_both, stock_women = corridor_stocks(stocks, home, host)
    position = {int(code): i for i, code in enumerate(codes)}
    sizes = lambda members: np.array([population[position[c]] for c in members], dtype=float)  # noqa: E731
    home_side = _side(home, stock_both.sum(axis=1), sizes(home), names)
    host_side = _side(host, stock_both.sum(axis=0), sizes(host), names)
    sender_side, receiver_side = (home_side, host_side) if section == "flows" else (host_side, home_side)

    recorded = float(stock_both.sum())
    if block["female_share"] is not None:
        female, source = float(block["female_share"]), "as given"
    elif recorded > 0:
        female = float(stock_women.sum()) / recorded
        source = f"from the corridor's recorded stock (UN DESA {STOCK_YEAR}: {recorded:,.0f} persons)"
    else:
        female, source = DEFAULT_FEMALE_SHARE, f"default {DEFAULT_FEMALE_SHARE:g}: no recorded stock of the corridor"
    years = np.arange(start, end)
    period = (years - base_year) // STEP
    inside = period < n_periods
    per_period = np.bincount(period[inside], minlength=n_periods).astype(float) * block["persons_per_year"]
    return Plan(section, index, dict(block), sender_side, receiver_side, per_period, int((~inside).sum()), female,
                source, age_profile(block["ages"], block["age_profile"]), recorded, label)


def net_migrants(plan: Plan, codes: np.ndarray) -> np.ndarray:
    """The block's net migrants for every projected country: (L, P, 2, 21); they sum to zero over countries."""
    out = np.zeros((len(codes), len(plan.per_year), 2, N_AGES))
    position = {int(code): i for i, code in enumerate(codes)}
    moved = plan.profile()
    for side, sign in ((plan.senders, -1.0), (plan.receivers, 1.0)):
        for code, share in zip(side.codes, side.shares):
            out[position[int(code)]] += sign * share * moved
    return out


# ---------------------------------------------------------------- what a block moved
def moved_table(plans: Sequence[Plan], base_year: int) -> pd.DataFrame:
    """People each block moves, by period and sex: ``block, section, period_start, period_end, sex, persons``."""
    rows = []
    for plan in plans:
        moved = plan.profile().sum(axis=2)  # (P, 2)
        for p in np.flatnonzero(plan.per_year > 0):
            for s, sex in enumerate(("male", "female")):
                rows.append({"block": plan.name, "section": plan.section, "period_start": base_year + STEP * int(p),
                             "period_end": base_year + STEP * (int(p) + 1), "sex": sex, "persons": float(moved[p, s])})
    return pd.DataFrame(rows, columns=["block", "section", "period_start", "period_end", "sex", "persons"])


def _people(value: float) -> str:
    return f"{value:,.0f}"


def _shares(side: Side, names: Callable[[int], str]) -> str:
    return ", ".join(f"{names(code)} {100 * share:.1f} %" for code, share in zip(side.codes, side.shares))


def describe_plan(plan: Plan, base_year: int, names: Callable[[int], str]) -> list[str]:
    """Lines (without ``#``) saying what a block moved: totals, by period and sex, the shares and the defaults."""
    kind = "return" if plan.section == "returns" else "flow"
    senders = ", ".join(names(c) for c in plan.senders.codes)
    receivers = ", ".join(names(c) for c in plan.receivers.codes)
    moved = plan.profile().sum(axis=2)  # (P, 2)
    total = moved.sum()
    lines = [f"{plan.name} ({kind}, {plan.block['years']}): moved {_people(total)} people from {senders} to "
             f"{receivers} (women {_people(moved[:, 1].sum())}, men {_people(moved[:, 0].sum())}); both sides "
             f"change by exactly this number"]
    if plan.years_outside:
        lines.append(f"{plan.name}: {plan.years_outside} of its years fall after the projection's end: it asks "
                     f"{_people(plan.asked)}, the projection moves {_people(total)}")
    for p in np.flatnonzero(plan.per_year > 0):
        start = base_year + STEP * int(p)
        lines.append(f"{plan.name} moved in {start}–{start + STEP}: {_people(moved[p].sum())} "
                     f"(women {_people(moved[p, 1])}, men {_people(moved[p, 0])})")
    for role, side in (("senders", plan.senders), ("receivers", plan.receivers)):
        if side.key == "single country":
            continue
        why = {"stock": f"their recorded stock with the other side (UN DESA {STOCK_YEAR})",
               "population": f"base-year population ({', '.join(side.missing)}: no recorded stock with the other side)"}
        lines.append(f"{plan.name} {role} shared by {why[side.key]}: {_shares(side, names)}")
    defaults = plan.block.get("defaulted", [])
    sex = f"female share {plan.female_share:.3f}, {plan.female_source}"
    profile = ("Rogers–Castro fundamental schedule (Rogers and Castro 1981)" if plan.block["age_profile"] == "rogers-castro"
               else "even over the age groups")
    lines.append(f"{plan.name} profile: ages {plan.block['ages']}, {profile}; {sex}"
                 + (f"; defaults applied: {', '.join(defaults)}" if defaults else ""))
    return lines


def stock_warnings(plan: Plan, names: Callable[[int], str], stocks: pd.DataFrame | None) -> list[str]:
    """One line when a return is larger than the recorded stock it draws from, with the figures (empty if not).

    Each pair (home country, host country) returns ``total × home share ×
    host share`` people over the block's years; pairs without a recorded
    stock are not compared.
    """
    if plan.section != "returns":
        return []
    home, host = plan.receivers, plan.senders
    stock, _ = corridor_stocks(stocks, list(home.codes), list(host.codes))
    pairs = float(plan.per_year.sum()) * home.shares[:, None] * host.shares[None, :]
    over = np.argwhere((stock > 0) & (pairs > stock))
    if not len(over):
        return []
    order = sorted(over.tolist(), key=lambda ij: -(pairs[ij[0], ij[1]] - stock[ij[0], ij[1]]))
    shown = [f"{names(home.codes[i])} from {names(host.codes[j])} {_people(pairs[i, j])} against {_people(stock[i, j])}"
             for i, j in order[:4]]
    more = f" and {len(order) - 4} more" if len(order) > 4 else ""
    unknown = int((stock <= 0).sum())
    return [f"{plan.name} returns more people than the recorded stock (UN DESA {STOCK_YEAR}) in {len(order)} of "
            f"{stock.size} corridors: {'; '.join(shown)}{more}"
            + (f" ({unknown} corridors have no recorded stock)" if unknown else "") + "; the projection moves them all"]
