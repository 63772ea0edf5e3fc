"""One colour for every variant, scenario, sex, region, education level and track, used by every figure.

A reader who learns that constant fertility is orange in one figure finds it
orange in the next.  Every figure of the reports (``plotting``, ``maps``) and
the tables' muted text take their colours from here; a test
(``tests/test_palette.py``) checks that no other report module writes a colour
of its own and that a scenario keeps its colour across figures.

The colours of categories that share a figure are distinct: sexes are light
fills (pyramid bars) and scenarios saturated lines (pyramid outlines), so an
outline never matches a bar.  Categorical colours follow Okabe and Ito's
colour-blind-safe set where they can.
"""

from __future__ import annotations

import hashlib
from typing import Iterable, Mapping

#: WPP projection variants (lines and bars); the low–high band has its own lighter colour.
VARIANTS = {"medium": "#1f5a96", "low": "#5b9bd5", "high": "#0b2545", "estimates": "#333333"}
VARIANT_BAND = "#8fb3d9"

#: Built-in scenarios (analysis/model/scenarios/*.yml); WPP's own variants keep their variant colours.
SCENARIOS = {
    "medium": VARIANTS["medium"],
    "low": VARIANTS["low"],
    "high": VARIANTS["high"],
    "constant-fertility": "#e69f00",
    "replacement-fertility": "#cc79a7",
    "fertility-1.8-by-2050": "#009e73",
    "convergence-2.1-by-2060": "#8c564b",
    "faster-decline-sub-saharan-africa": "#d55e00",
    "e0-plus-5": "#999933",
    "zero-migration": "#6a3d9a",
    "migration-half": "#b07aa1",
    "pathway-nigeria-germany": "#17becf",
}
#: Scenarios a user writes (any other name) take one of these, chosen by their name, so the choice is the same in
#: every figure and every run.
EXTRA_SCENARIOS = ("#882255", "#44aa99", "#ddcc77", "#117733", "#aa4499", "#332288", "#88ccee", "#661100")

#: Men and women: light fills, so that scenario outlines drawn over them stay visible.
SEXES = {"male": "#9ab8d8", "female": "#f0a48a"}
SEX_LABELS = {"male": "men", "female": "women"}

#: WPP's regions (SDG-independent geographic regions), the World and the two sides of a migrant stock.
REGIONS = {
    "Africa": "#e69f00",
    "Asia": "#d55e00",
    "Europe": "#0072b2",
    "Latin America and the Caribbean": "#009e73",
    "Northern America": "#cc79a7",
    "Oceania": "#56b4e9",
    "World": "#333333",
}
SIDES = {"origin": "#e69f00", "destination": "#0072b2"}

#: Education levels, light (little schooling) to dark (post-secondary); children in grey.
EDUCATION = {
    "under-15": "#d9d9d9", "none": "#e3c894", "incomplete-primary": "#d9a45f", "primary": "#b97a34",
    "lower-secondary": "#8fb3d9", "upper-secondary": "#3f7fbf", "post-secondary": "#1b3a6b",
    "short-post-secondary": "#5e81ac", "bachelor": "#2e4f80", "master-and-higher": "#142a4d",
}
#: The three skill groups the destinations' demand is compared in.
SKILLS = {"below-upper-secondary": EDUCATION["primary"], "upper-secondary": EDUCATION["upper-secondary"],
          "post-secondary": EDUCATION["post-secondary"]}

#: A skills partnership's two tracks, and where the away track's graduates end up.
TRACKS = {"home": "#009e73", "away": "#0072b2"}
PATHWAY_OUTCOMES = {"in_destination": TRACKS["away"], "returned": "#7fcdbb", "attrition_abroad": "#999999",
                    "not_placed": "#d9d9d9"}
#: Origin and destination of a partnership drawn as places (its effect on each population).
ROLES = {"origin": TRACKS["home"], "destination": TRACKS["away"]}

#: Replacement-migration targets (UN 2000), and the yearly flows into working age.
TARGETS = {"total": "#e69f00", "working-age": VARIANTS["medium"], "support-ratio": "#d55e00"}
SUPPLY = {"entrants_per_year": "#009e73", "working_age_growth_per_year": VARIANTS["medium"],
          "jobs_needed_per_year": "#cc79a7"}

#: Age groups of dependency ratios and of the care-worker lenses.
AGES = {"0-14": "#56b4e9", "65+": "#d55e00", "80+": "#882255", "total": "#333333"}

#: Partnerships: planned against achieved, and skill levels (low to high, mixed, not stated).
PLANNED_ACHIEVED = {"planned": VARIANT_BAND, "achieved": VARIANTS["medium"], "gap": "#bbbbbb"}
SKILL_LEVELS = {"low": "#c6dbef", "medium": "#6baed6", "high": "#08519c", "mixed": "#4a6d8c",
                "not stated": "#cccccc"}

#: Types of migration flow (Abel and Cohen's split), and a count beside an estimate (cited returns and flow estimates).
FLOW_TYPES = {"emigration": "#e69f00", "return": "#009e73", "transit": "#999999"}
COUNTS = {"cited count": "#d55e00", "flow estimate": VARIANTS["medium"], "project estimate": "#56b4e9"}

#: Neutral colours: reference lines, the projection start, highlighted spans, source notes, land without data.
NEUTRAL = {
    "reference": "#555555",     # dashed reference lines and markers (a floor, a world average, WPP's assumption)
    "axis": "#000000",          # zero lines
    "note": "#808080",          # source notes and the "projections" mark
    "points": "#999999",        # background scatter points
    "highlight": "#f2a65a",     # a shaded span of years (the headline's)
    "no_data": "#e6e6e6",       # land without data on a map
    "edge": "#ffffff",          # borders between countries
    "outline": "#555555",       # outline of countries with data, and of island markers
    "selected": "#d55e00",      # points of the selected places among the others
    "muted_text": "#666666",    # units under table headings
}

#: Series that are none of the categories above, in order (also the figures' default colour cycle).
SERIES = (VARIANTS["medium"], "#e69f00", "#009e73", "#cc79a7", "#d55e00", "#56b4e9", "#999933", "#882255")
#: The colour of a figure's one series (bars, a single line).
PRIMARY = VARIANTS["medium"]

#: Colour maps of maps and heatmaps: one for amounts, one for changes that can go either way.
SEQUENTIAL_MAP = "YlGnBu"
DIVERGING_MAP = "RdBu"

#: Kinds of category and their colours, for :func:`colour`.
KINDS: dict[str, Mapping[str, str]] = {
    "variant": VARIANTS, "scenario": SCENARIOS, "sex": SEXES, "region": REGIONS, "side": SIDES,
    "education": EDUCATION, "skill": SKILLS, "track": TRACKS, "pathway_outcome": PATHWAY_OUTCOMES, "role": ROLES,
    "target": TARGETS, "supply": SUPPLY, "ages": AGES, "planned_achieved": PLANNED_ACHIEVED, "skill_level": SKILL_LEVELS, "neutral": NEUTRAL,
    "flow_type": FLOW_TYPES, "count": COUNTS,
}


def scenario_colour(name: str) -> str:
    """The colour of a scenario: its own for a built-in one, else one of ``EXTRA_SCENARIOS`` chosen by its name."""
    name = str(name)
    if name in SCENARIOS:
        return SCENARIOS[name]
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    return EXTRA_SCENARIOS[digest[0] % len(EXTRA_SCENARIOS)]


def colour(kind: str, name: str) -> str:
    """The colour of one category, e.g. ``colour("sex", "female")`` or ``colour("scenario", "zero-migration")``.

    Scenarios not built in get a fixed colour chosen by their name (see
    :func:`scenario_colour`); any other unknown category is a programming error (``KeyError``).
    """
    if kind == "scenario":
        return scenario_colour(name)
    try:
        return KINDS[kind][str(name)]
    except KeyError:
        raise KeyError(f"the palette has no colour for {kind} {name!r}") from None


def series_colours(names: Iterable[str], kind: str | None = None) -> dict[str, str]:
    """``{name: colour}`` of a figure's series: by ``kind`` when given, else ``SERIES`` in order."""
    names = [str(name) for name in names]
    if kind is not None:
        return colours(kind, names)
    return {name: SERIES[index % len(SERIES)] for index, name in enumerate(names)}


def colours(kind: str, names: Iterable[str]) -> dict[str, str]:
    """``{name: colour}`` for several categories of one kind (e.g. the hue of a seaborn plot)."""
    return {str(name): colour(kind, name) for name in names}


def all_colours() -> set[str]:
    """Every colour the palette can give (lower-case hex), colour maps excluded."""
    found = {value.lower() for table in KINDS.values() for value in table.values()}
    extra = {VARIANT_BAND, *EXTRA_SCENARIOS, *SERIES}
    return found | {value.lower() for value in extra}
