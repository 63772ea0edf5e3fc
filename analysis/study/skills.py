"""Skills supply: population by educational attainment for any location, set against destination demand.

Every count here is WPP 2024 population with the Wittgenstein Centre's 2018
(SSP2) education shares applied, country by country, year, sex and 5-year
age group: the *harmonised table* of :mod:`analysis.data.education`
(``location_code, year, [variant, scenario, trajectory …], sex, age,
age_start, education, population``).  Extra key columns such as ``variant``
or ``trajectory`` are carried through every function, so the same
indicators run on the WPP variants or on sampled trajectories.

Locations are passed as ``{name: member M49 codes}`` (:func:`members_of`
builds it from names, codes and groups).  A location's figure is the sum over
its members that have an education split; WIC does not cover 34 small WPP
countries and territories (Saint Helena is the only African one), and
:func:`coverage_of` says which members a figure leaves out and how many
people they hold.  Shares are of people aged 15 and over in the chosen ages.

Pure functions take DataFrames and return one; :func:`education_table`,
:func:`education_pyramid`, :func:`supply_against_shortfall`,
:func:`care_need_against_entrants` and :func:`partnership_pipeline` read the
processed tables (``processed_dir``) for the command line and the reports.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from analysis.data import education
from analysis.data import locations as locations_module
from analysis.data.conventions import SEXES, AgeBand, check_years, parse_age_band
from analysis.data.education import (
    AT_LEAST_UPPER_SECONDARY,
    ATTAINMENT_LEVELS,
    EDUCATION_LEVELS,
    POST_SECONDARY_DETAIL,
)
from analysis.data.locations import Location
from analysis.errors import InputError
from analysis.study import demand

#: Skill groups of a working-age population.
SKILL_GROUPS: dict[str, tuple[str, ...]] = {
    "below-upper-secondary": ("none", "incomplete-primary", "primary", "lower-secondary"),
    "upper-secondary": ("upper-secondary",),
    "post-secondary": ("post-secondary",),
}
SKILL_GROUP_DTYPE = pd.CategoricalDtype(list(SKILL_GROUPS), ordered=True)
#: Attainment thresholds: the levels that count as having reached each.
THRESHOLDS: dict[str, tuple[str, ...]] = {
    "post-secondary": ("post-secondary",),
    "at-least-upper-secondary": AT_LEAST_UPPER_SECONDARY,
}
THRESHOLD_DTYPE = pd.CategoricalDtype(list(THRESHOLDS), ordered=True)
#: Ages at the end of a period over which the skilled-entrants proxy follows
#: cohorts (see :func:`skilled_entrants`).  WIC gives nobody aged 15–19
#: post-secondary education, and a cohort's post-secondary count stops
#: rising after 25–29 (measured on Africa: the cohort aged 20–24 in 2030
#: holds about 70 % of what it holds at 25–29 in 2035, and a little less
#: at 30–34), so 15–29 catches every completion WIC models.
DEFAULT_COMPLETION_AGES = "15-29"
#: Sexes a table can be broken down by: summed, one of them, or each as rows.
SEX_CHOICES: tuple[str, ...] = ("both", *SEXES, "each")

#: Education that qualifies for each care-worker track (the lowest
#: qualifying threshold; higher levels qualify too).  An assumption; its
#: sources are cited in the reports (``eu2005`` and ``oecd2019`` in
#: :data:`analysis.report.provenance.REFERENCES`):
#:
#: * nurse (ISCO-08 2221, 3221): post-secondary.  EU law sets the training of
#:   nurses responsible for general care at no less than three years of study
#:   and 4,600 hours of theoretical and clinical training (Directive
#:   2005/36/EC, Art. 31(3), as amended by Directive 2013/55/EU), a
#:   post-secondary programme;
#: * personal care worker (ISCO-08 532): at least upper secondary.  Not a
#:   legal minimum (the OECD reports that personal care workers are most of
#:   the long-term care workforce and that few countries set them a minimum
#:   level of education: OECD 2019, 2020), but the general schooling a
#:   destination's recruitment, language and training programmes build on,
#:   and the level that gives access to nurse training.  A lower floor would
#:   widen the pool; pass another mapping to :func:`eligible_entrants`.
CARE_ELIGIBILITY: dict[str, str] = {
    "nurse": "post-secondary",
    "personal care worker": "at-least-upper-secondary",
}

_COVERAGE_COLUMNS = ("members", "members_covered", "not_covered", "population_not_covered")
_CELL = {"location_code", "location", "year", "sex", "age", "age_start", "education", "detail", "population"}


class SkillsInputError(InputError):
    """Bad input to a skills indicator; the message says what is valid."""


# ---------------------------------------------------------------- inputs
def parse_levels(levels: str | Iterable[str] | None) -> list[str]:
    """Education levels from user text: ``"post-secondary"``, ``"Upper Secondary"``, ``"bachelor"``, ``"all"`` …

    The six levels (none, incomplete-primary, primary, lower-secondary,
    upper-secondary, post-secondary), ``under-15``, and post-secondary's
    sub-levels (short-post-secondary, bachelor, master-and-higher) where WIC
    splits it; ``None`` or ``"all"`` gives ``under-15`` and the six levels.

    Raises
    ------
    SkillsInputError
        For an unknown level, with the valid names.
    """
    if levels is None:
        return list(EDUCATION_LEVELS)
    items = [levels] if isinstance(levels, str) else list(levels)
    valid = [*EDUCATION_LEVELS, *POST_SECONDARY_DETAIL]
    out = []
    for item in items:
        for part in str(item).split(","):
            key = re.sub(r"[\s_]+", "-", part.strip().lower())
            if not key:
                continue
            if key == "all":
                out.extend(EDUCATION_LEVELS)
                continue
            if key not in valid:
                raise SkillsInputError(f"unknown education level {part.strip()!r}; valid: {', '.join(valid)}, all")
            out.append(key)
    if not out:
        raise SkillsInputError(f"no education level given; valid: {', '.join(valid)}, all")
    return list(dict.fromkeys(out))


def check_sex(sex: str) -> str:
    """``both``, ``male``, ``female`` or ``each`` (men and women as separate rows)."""
    value = str(sex).strip().lower()
    aliases = {"men": "male", "women": "female", "all": "both"}
    value = aliases.get(value, value)
    if value not in SEX_CHOICES:
        raise SkillsInputError(f"unknown sex {sex!r}; valid: {', '.join(SEX_CHOICES)}")
    return value


def first_and_last(years: Iterable[int]) -> tuple[list[int], int, int]:
    """Years of a report (on the 5-year grid, ascending, at least two): the list, the first and the last.

    Raises
    ------
    SkillsInputError
        For fewer than two years or years out of order; see
        :func:`analysis.data.conventions.check_years` for the grid.
    """
    checked = check_years(years)
    if len(checked) < 2 or checked != sorted(set(checked)):
        raise SkillsInputError(f"give two or more years in increasing order, e.g. [2025, 2040, 2050]; got {checked}")
    return checked, checked[0], checked[-1]


def _band(ages: str | AgeBand) -> AgeBand:
    return parse_age_band(ages)


def members_of(locations: Sequence[str | int | Location], processed_dir: Path | None = None
               ) -> dict[str, tuple[int, ...]]:
    """``{name: member M49 codes}`` of locations given as names, ISO-3 or M49 codes, groups or :class:`Location`.

    Every location is summed over its member countries (a country is its own
    single member), WPP regions included, since WIC's own aggregates are not
    used.
    """
    resolved = locations_module.resolve_all(locations, processed_dir)
    out = {}
    for place in resolved:
        if not place.has_data:
            raise SkillsInputError(f"the WPP 2024 files used here have no population rows for {place.name}; "
                                   "choose another location")
        out[place.name] = tuple(int(c) for c in place.members)
    return out


def _mapping(members: Mapping[str, Iterable[int]]) -> pd.DataFrame:
    rows = [(name, int(code)) for name, codes in members.items() for code in codes]
    if not rows:
        raise SkillsInputError("no locations given")
    return pd.DataFrame(rows, columns=["location", "location_code"]).astype({"location_code": "int32"})


def _extra_keys(table: pd.DataFrame) -> list[str]:
    return [c for c in table.columns if c not in _CELL and c not in _COVERAGE_COLUMNS]


def _select(harmonised: pd.DataFrame, members: Mapping[str, Iterable[int]], band: AgeBand | None,
            years: Iterable[int] | None, sex: str) -> pd.DataFrame:
    """The rows of each location's members, in the band, years and sex, with a ``location`` column."""
    table = harmonised
    if years is not None:
        table = table[table["year"].isin([int(y) for y in years])]
    if band is not None:
        table = table[band.contains(table["age_start"])]
    if sex in SEXES:
        table = table[table["sex"] == sex]
    merged = table.merge(_mapping(members), on="location_code")
    merged["location"] = pd.Categorical(merged["location"], categories=list(members), ordered=True)
    return merged


# ---------------------------------------------------------------- population by level
def by_education(harmonised: pd.DataFrame, members: Mapping[str, Iterable[int]], ages: str | AgeBand = "15-64",
                 years: Iterable[int] | None = None, sex: str = "both") -> pd.DataFrame:
    """Population by education level of each location, in an age band.

    Parameters
    ----------
    harmonised : DataFrame
        The harmonised table (or :func:`analysis.data.education.harmonise` of
        any population table).
    members : mapping
        ``{name: member M49 codes}`` (see :func:`members_of`).
    ages : str or AgeBand
        A band of 5-year groups: ``"25-34"``, ``"20-24"``, ``"15-64"``, ``"15+"``.
    years : iterable of int, optional
        Years to keep (all by default).
    sex : {"both", "male", "female", "each"}
        Both sexes summed, one of them, or men and women as separate rows.

    Returns
    -------
    DataFrame
        ``location, year, [extra keys], sex, ages, education, population``
        (persons), all seven levels (``under-15`` is non-zero only when the
        band includes ages under 15).

    Raises
    ------
    SkillsInputError
        If no member has an education split in those years.
    """
    band, sex = _band(ages), check_sex(sex)
    selected = _select(harmonised, members, band, years, sex)
    if selected.empty:
        raise SkillsInputError(f"no education data for {', '.join(members)} in these years: WIC does not cover "
                               "them (see the coverage table)")
    extra = _extra_keys(harmonised)
    keys = ["location", "year", *extra] + (["sex"] if sex == "each" else []) + ["education"]
    out = selected.groupby(keys, observed=True, sort=True)["population"].sum().reset_index()
    if sex != "each":
        out.insert(2 + len(extra), "sex", sex)
    out.insert(3 + len(extra), "ages", band.label)
    return out


def by_detail(harmonised_detail: pd.DataFrame, members: Mapping[str, Iterable[int]], ages: str | AgeBand = "15-64",
              years: Iterable[int] | None = None, sex: str = "both", names: Mapping[int, str] | None = None
              ) -> pd.DataFrame:
    """Post-secondary population by sub-level (short post-secondary, bachelor, master and higher).

    Parameters
    ----------
    harmonised_detail : DataFrame
        :func:`analysis.data.education.harmonise_detail`.

    Raises
    ------
    SkillsInputError
        Unless every member has the split in every year asked for (WIC splits
        post-secondary for 59 countries, from 2015): a partial sum would be wrong.
    """
    band, sex = _band(ages), check_sex(sex)
    years = sorted({int(y) for y in (years if years is not None else harmonised_detail["year"].unique())})
    have = set(map(tuple, harmonised_detail[["location_code", "year"]].drop_duplicates().to_numpy()))
    for name, codes in members.items():
        lacking = sorted({code for code in codes for year in years if (code, year) not in have})
        if lacking:
            labels = [(names or {}).get(code, str(code)) for code in lacking]
            which = (f"not for {name}" if len(codes) == 1 else
                     f"not for {len(lacking)} of {name}'s {len(codes)} members ({', '.join(labels[:5])}"
                     f"{', …' if len(labels) > 5 else ''})")
            raise SkillsInputError(f"WIC splits post-secondary into short post-secondary, bachelor and master and "
                                   f"higher for 59 countries from 2015 only, {which}; ask for post-secondary instead")
    selected = _select(harmonised_detail, members, band, years, sex)
    extra = _extra_keys(harmonised_detail)
    keys = ["location", "year", *extra] + (["sex"] if sex == "each" else []) + ["detail"]
    out = selected.groupby(keys, observed=True, sort=True)["population"].sum().reset_index()
    if sex != "each":
        out.insert(2 + len(extra), "sex", sex)
    out.insert(3 + len(extra), "ages", band.label)
    return out.rename(columns={"detail": "education"})


def coverage_of(coverage: pd.DataFrame, members: Mapping[str, Iterable[int]], years: Iterable[int],
                names: Mapping[int, str] | None = None) -> pd.DataFrame:
    """Which members of each location have an education split in each year.

    Parameters
    ----------
    coverage : DataFrame
        The processed ``education_coverage`` table.
    names : mapping, optional
        ``{M49 code: name}`` to list members by name (codes otherwise).

    Returns
    -------
    DataFrame
        ``location, year, members, members_covered, not_covered`` (the
        members without a split, ``"; "``-separated; empty when complete) and
        ``population_not_covered`` (their WPP population, persons).
    """
    years = [int(y) for y in years]
    grid = _mapping(members).merge(pd.DataFrame({"year": years}), how="cross")
    table = grid.merge(coverage[["location_code", "year", "covered", "population"]], on=["location_code", "year"],
                       how="left")
    # members without WPP rows (the Holy See) have no split either, and nobody to leave out
    table["covered"] = table["covered"].eq(True)
    table["population"] = table["population"].fillna(0.0)
    rows = []
    for (name, year), block in table.groupby(["location", "year"], sort=False):
        missing = block[~block["covered"]]
        labels = [names.get(int(c), str(c)) if names else str(c) for c in missing["location_code"]]
        rows.append({"location": name, "year": int(year), "members": len(block),
                     "members_covered": int(block["covered"].sum()), "not_covered": "; ".join(labels),
                     "population_not_covered": float(missing["population"].sum())})
    out = pd.DataFrame(rows, columns=["location", "year", *_COVERAGE_COLUMNS])
    out["location"] = pd.Categorical(out["location"], categories=list(members), ordered=True)
    return out.sort_values(["location", "year"], ignore_index=True)


def level_shares(table: pd.DataFrame) -> pd.DataFrame:
    """Each attainment level's share of the people aged 15+ (from :func:`by_education`).

    Returns
    -------
    DataFrame
        The rows without ``under-15``, with ``share`` (0–1).
    """
    adults = table[table["education"] != "under-15"].copy()
    keys = [c for c in adults.columns if c not in ("education", "population")]
    total = adults.groupby(keys, observed=True, dropna=False)["population"].transform("sum")
    adults["share"] = adults["population"] / total.where(total > 0)
    return adults.reset_index(drop=True)


def attainment(table: pd.DataFrame) -> pd.DataFrame:
    """People aged 15+ with at least upper-secondary and with post-secondary education, and their shares.

    Parameters
    ----------
    table : DataFrame
        :func:`by_education`.

    Returns
    -------
    DataFrame
        ``location, year, [extra keys], sex, ages, people`` (everyone aged
        15+ in ``ages``: all of them for a band such as 25-34),
        ``at_least_upper_secondary, post_secondary`` (persons) and
        ``share_at_least_upper_secondary, share_post_secondary`` (0–1).
    """
    adults = table[table["education"] != "under-15"]
    keys = [c for c in adults.columns if c not in ("education", "population")]
    levels = adults["education"].astype(str)
    frame = adults[keys].assign(
        people=adults["population"],
        at_least_upper_secondary=adults["population"].where(levels.isin(AT_LEAST_UPPER_SECONDARY), 0.0),
        post_secondary=adults["population"].where(levels == "post-secondary", 0.0),
    )
    out = frame.groupby(keys, observed=True, sort=False, dropna=False).sum().reset_index()
    denominator = out["people"].where(out["people"] > 0)
    out["share_at_least_upper_secondary"] = out["at_least_upper_secondary"] / denominator
    out["share_post_secondary"] = out["post_secondary"] / denominator
    return out


def change_between(table: pd.DataFrame, base_year: int, target_year: int,
                   values: Sequence[str] | None = None) -> pd.DataFrame:
    """Change of value columns between two years, for every other key.

    Parameters
    ----------
    table : DataFrame
        Any table with ``year`` (e.g. :func:`by_education` or :func:`attainment`).
    values : sequence of str, optional
        The columns compared; by default ``population`` if present, else every
        float column.

    Returns
    -------
    DataFrame
        Keys, ``base_year, target_year`` and for each value ``<value>_base``,
        ``<value>_target`` and: for counts ``<value>_change`` and
        ``<value>_percent_change``; for shares (columns starting with
        ``share``) ``<value>_change_pp``, the change in percentage points.
    """
    present = {int(y) for y in table["year"].unique()}
    missing = [y for y in (base_year, target_year) if int(y) not in present]
    if missing:
        raise SkillsInputError(f"years {missing} are not in the table, which has {sorted(present)}")
    if values is None:
        values = ["population"] if "population" in table.columns else [
            c for c in table.columns if pd.api.types.is_float_dtype(table[c]) and c not in _COVERAGE_COLUMNS]
    keys = [c for c in table.columns if c not in {*values, "year", *_COVERAGE_COLUMNS}]
    base = table[table["year"] == base_year].set_index(keys)[list(values)]
    target = table[table["year"] == target_year].set_index(keys)[list(values)]
    out = pd.DataFrame(index=base.index.union(target.index, sort=False))
    for value in values:
        before, after = base[value].reindex(out.index), target[value].reindex(out.index)
        out[f"{value}_base"], out[f"{value}_target"] = before, after
        if value.startswith("share"):
            out[f"{value}_change_pp"] = 100.0 * (after - before)
        else:
            out[f"{value}_change"] = after - before
            out[f"{value}_percent_change"] = 100.0 * (after - before) / before.where(before != 0)
    out = out.reset_index()
    out.insert(len(keys), "base_year", int(base_year))
    out.insert(len(keys) + 1, "target_year", int(target_year))
    return out


def wide_by_level(table: pd.DataFrame, value: str = "population", levels: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per key (location, year, sex …) with each education level as a column, lowest level first.

    Parameters
    ----------
    table : DataFrame
        :func:`by_education` or :func:`level_shares`.
    levels : sequence of str, optional
        The levels kept as columns (all present by default).
    """
    keys = [c for c in table.columns if c not in ("education", "population", "share")]
    wide = table.pivot_table(index=keys, columns="education", values=value, observed=True, sort=True)
    order = [level for level in (levels or [*EDUCATION_LEVELS, *POST_SECONDARY_DETAIL]) if level in wide.columns]
    wide = wide[order]
    wide.columns = [str(c) for c in order]
    return wide.reset_index()


def women_share(table: pd.DataFrame, levels: Sequence[str] = ATTAINMENT_LEVELS) -> pd.DataFrame:
    """Women's share of each education level, one column per level.

    Parameters
    ----------
    table : DataFrame
        :func:`by_education` with ``sex="each"``.

    Returns
    -------
    DataFrame
        ``location, year, [extra keys], ages`` and one column per level
        (0–1), plus ``all`` (women's share of the people aged 15+).
    """
    if set(table["sex"].astype(str)) != set(SEXES):
        raise SkillsInputError("women's share needs the table by sex: call by_education with sex='each'")
    adults = table[table["education"].astype(str).isin(levels)]
    keys = [c for c in adults.columns if c not in ("sex", "education", "population")]
    by_level = adults.pivot_table(index=keys, columns=["education", "sex"], values="population", aggfunc="sum",
                                  observed=True)
    out = pd.DataFrame(index=by_level.index)
    for level in levels:
        if level in by_level.columns.get_level_values(0):
            women, men = by_level[(level, "female")], by_level[(level, "male")]
            out[level] = women / (women + men).where(women + men > 0)
    totals = by_level.T.groupby(level="sex", observed=True).sum().T
    out["all"] = totals["female"] / (totals["female"] + totals["male"])
    return out.reset_index()


# ---------------------------------------------------------------- where the growth is
def country_contributions(harmonised: pd.DataFrame, countries: Mapping[str, int], base_year: int, target_year: int,
                          ages: str | AgeBand = "15-64", levels: Sequence[str] = ("upper-secondary", "post-secondary")
                          ) -> pd.DataFrame:
    """Each country's change in the people holding each level, and its share of the countries' summed change.

    Parameters
    ----------
    countries : mapping
        ``{name: M49 code}`` of the countries (e.g. a region's members that WIC covers).
    levels : sequence of str
        Levels whose growth is apportioned.

    Returns
    -------
    DataFrame
        ``education, location, location_code`` (M49), ``base, target,
        change`` (persons), ``percent_change`` (percent of the base year) and
        ``share_of_change`` (0–1 of the summed change of that level), largest
        change first within each level.
    """
    levels = parse_levels(levels)
    table = by_education(harmonised, {name: (code,) for name, code in countries.items()}, ages,
                         [base_year, target_year])
    table = table[table["education"].astype(str).isin(levels)]
    wide = table.pivot_table(index=["education", "location"], columns="year", values="population", observed=True)
    out = pd.DataFrame({"base": wide[base_year], "target": wide[target_year]}).reset_index()
    out["change"] = out["target"] - out["base"]
    out["percent_change"] = 100.0 * out["change"] / out["base"]
    out["share_of_change"] = out["change"] / out.groupby("education", observed=True)["change"].transform("sum")
    out["location"] = out["location"].astype(str)
    out.insert(2, "location_code", out["location"].map(dict(countries)).astype("int64"))
    out["education"] = out["education"].astype(str)
    out["order"] = out["education"].map({level: i for i, level in enumerate(levels)})
    out = out.sort_values(["order", "change"], ascending=[True, False]).drop(columns="order")
    return out.reset_index(drop=True)


def top_contributions(contributions: pd.DataFrame, n: int) -> pd.DataFrame:
    """The ``n`` largest contributors of each level of a :func:`country_contributions` table."""
    if n < 1:
        raise SkillsInputError(f"the number of countries to show must be 1 or more, got {n}")
    return contributions.groupby("education", sort=False).head(n).reset_index(drop=True)


# ---------------------------------------------------------------- skilled entrants
def skilled_entrants(
    harmonised: pd.DataFrame,
    members: Mapping[str, Iterable[int]],
    periods: Iterable[int] | None = None,
    completion_ages: str | AgeBand = DEFAULT_COMPLETION_AGES,
    thresholds: Sequence[str] = tuple(THRESHOLDS),
    sex: str = "both",
) -> pd.DataFrame:
    """Young people reaching an education level each year: a proxy for new entrants to skilled work.

    Definition: follow every 5-year cohort that is within ``completion_ages``
    at the end *t+5* of a period (default 15–29, so aged 10–24 at *t*).  Its
    entrants over the period are the rise in its share holding at least the
    level, times its size at *t+5*::

        entrants(t → t+5) = Σ_cohorts [s(a+5, t+5) − s(a, t)] × N(a+5, t+5)

    with *s* the WIC share (0 below age 15, where WIC gives no attainment)
    and *N* the WPP population, summed over sexes and member countries; the
    yearly figure is a fifth of it.  Working on shares keeps deaths and
    migration, which change *N* but not *s*, out of a count of people
    *reaching* a level.

    It counts every upper-secondary and post-secondary completion WIC models
    up to age 29; it is completed attainment under SSP2, not entry into work:
    some graduates never take skilled work, and some skilled workers hold no
    post-secondary qualification.  ``completion_ages="25-29"`` gives the
    narrower increase between ages 20–24 and 25–29 only.

    Parameters
    ----------
    periods : iterable of int, optional
        Start years *t* of 5-year periods; by default every start year whose
        period lies in the table.
    thresholds : sequence of str
        Keys of :data:`THRESHOLDS`.
    sex : {"both", "male", "female", "each"}

    Returns
    -------
    DataFrame
        ``location, period_start, period_end, [extra keys], sex,
        completion_ages, threshold, entrants`` (persons over the period) and
        ``entrants_per_year``.
    """
    band, sex = _band(completion_ages), check_sex(sex)
    if band.end is None or band.start < 5:
        raise SkillsInputError(f"the completion ages must be a closed band starting at 5 or later (e.g. 15-29), "
                               f"got {band.label}")
    unknown = [t for t in thresholds if t not in THRESHOLDS]
    if unknown or not thresholds:
        raise SkillsInputError(f"unknown thresholds {unknown}; valid: {', '.join(THRESHOLDS)}")
    years = sorted(int(y) for y in harmonised["year"].unique())
    starts = [y for y in years if y + 5 in years] if periods is None else [int(p) for p in periods]
    bad = [p for p in starts if p not in years or p + 5 not in years]
    if bad or not starts:
        raise SkillsInputError(f"periods {bad or starts} need their start year and five years later in the table, "
                               f"which has {years[0]}–{years[-1]}")
    if not (harmonised["age_start"] == band.start - 5).any():
        raise SkillsInputError(f"the entrants proxy follows cohorts from age {band.start - 5}: the table must hold "
                               "every age group, children included")
    extra = _extra_keys(harmonised)
    codes = sorted({int(c) for codes in members.values() for c in codes})
    table = harmonised[harmonised["year"].isin(sorted(set(starts) | {s + 5 for s in starts}))
                       & harmonised["location_code"].isin(codes)]
    if sex in SEXES:
        table = table[table["sex"] == sex]
    cell = ["location_code", *extra, "sex", "age_start"]
    levels = table["education"].astype(str)
    attained = {t: table["population"].where(levels.isin(THRESHOLDS[t]), 0.0) for t in thresholds}
    frame = table[["year", *cell]].assign(population=table["population"], **attained)
    per_cell = frame.groupby(["year", *cell], observed=True, sort=False).sum().reset_index()
    shares = per_cell[list(thresholds)].div(per_cell["population"].where(per_cell["population"] > 0), axis=0)
    per_cell[list(thresholds)] = shares.fillna(0.0)
    end = per_cell[per_cell["year"].isin([s + 5 for s in starts]) & band.contains(per_cell["age_start"])]
    start = per_cell[per_cell["year"].isin(starts)].drop(columns="population")
    start = start.assign(year=(start["year"] + 5).astype(end["year"].dtype),
                         age_start=(start["age_start"] + 5).astype(end["age_start"].dtype))
    # a cohort's share five years earlier: children have none; a country WIC lacks at t drops out of that period
    merged = end.merge(start, on=["year", *cell], how="inner", suffixes=("", "_start"))
    rows = []
    for threshold in thresholds:
        rows.append(merged[["year", *cell]].assign(
            threshold=threshold,
            entrants=(merged[threshold] - merged[f"{threshold}_start"]) * merged["population"]))
    long = pd.concat(rows, ignore_index=True).merge(_mapping(members), on="location_code")
    keys = ["location", "year", *extra] + (["sex"] if sex == "each" else []) + ["threshold"]
    out = long.groupby(keys, observed=True, sort=False)["entrants"].sum().reset_index()
    out["location"] = pd.Categorical(out["location"], categories=list(members), ordered=True)
    out["threshold"] = pd.Categorical(out["threshold"], dtype=THRESHOLD_DTYPE)
    out = out.rename(columns={"year": "period_end"})
    out.insert(1, "period_start", (out["period_end"] - 5).astype("int16"))
    if sex != "each":
        out.insert(3 + len(extra), "sex", sex)
    out.insert(out.columns.get_loc("threshold"), "completion_ages", band.label)
    out["entrants_per_year"] = out["entrants"] / 5.0
    return out.sort_values(["location", "threshold", "period_start", *extra], ignore_index=True)


def entrants_by_variant(entrants: pd.DataFrame) -> pd.DataFrame:
    """Entrants per year of one location, one column per WPP variant.

    Parameters
    ----------
    entrants : DataFrame
        :func:`skilled_entrants` of one location on a table with a ``variant`` column.

    Returns
    -------
    DataFrame
        ``threshold, period, period_end, medium, low, high`` (persons a year).
    """
    if entrants["location"].nunique() != 1 or "variant" not in entrants.columns:
        raise SkillsInputError("entrants_by_variant needs the entrants of one location, by variant")
    wide = entrants.pivot_table(index=["threshold", "period_end"], columns="variant", values="entrants_per_year",
                                observed=True)
    wide = wide[[v for v in ("medium", "low", "high") if v in wide.columns]].reset_index().rename_axis(columns=None)
    wide.insert(1, "period", [f"{end - 5}-{end}" for end in wide["period_end"]])
    return wide


# ---------------------------------------------------------------- against demand
def skill_mix_change(harmonised: pd.DataFrame, members: Mapping[str, Iterable[int]], base_year: int = 2025,
                     target_year: int = 2050, ages: str | AgeBand = "15-64", sex: str = "both") -> pd.DataFrame:
    """Change of a population (default: working age) by skill group between two years.

    Skill groups (:data:`SKILL_GROUPS`): below upper secondary (none,
    incomplete primary, primary, lower secondary), upper secondary and
    post-secondary.

    Returns
    -------
    DataFrame
        ``location, [extra keys], base_year, target_year, ages, skill, base,
        target, change`` (persons), ``total_change`` (all skill groups) and
        ``share_of_base`` (the group's share of the band's people aged 15+ in
        the base year).
    """
    table = by_education(harmonised, members, ages, [base_year, target_year], check_sex(sex))
    table = table[table["education"] != "under-15"]
    group_of = {level: group for group, levels in SKILL_GROUPS.items() for level in levels}
    extra = _extra_keys(harmonised)
    frame = table.assign(skill=table["education"].astype(str).map(group_of))
    wide = frame.pivot_table(index=["location", *extra, "skill"], columns="year", values="population",
                             aggfunc="sum", observed=True)
    out = pd.DataFrame({"base": wide[base_year], "target": wide[target_year]}).reset_index()
    out["change"] = out["target"] - out["base"]
    by = ["location", *extra]
    out["total_change"] = out.groupby(by, observed=True)["change"].transform("sum")
    out["share_of_base"] = out["base"] / out.groupby(by, observed=True)["base"].transform("sum")
    out["skill"] = pd.Categorical(out["skill"], dtype=SKILL_GROUP_DTYPE)
    out.insert(1 + len(extra), "base_year", int(base_year))
    out.insert(2 + len(extra), "target_year", int(target_year))
    out.insert(3 + len(extra), "ages", _band(ages).label)
    return out.sort_values(["location", *extra, "skill"], ignore_index=True)


def shortfall_against_supply(destinations: pd.DataFrame, origins: pd.DataFrame) -> pd.DataFrame:
    """Each destination's working-age change by skill group beside each origin's growth in the same group.

    Parameters
    ----------
    destinations, origins : DataFrame
        :func:`skill_mix_change` of the destinations and of the origins, over
        the same years and ages.

    Returns
    -------
    DataFrame
        ``destination, origin, [extra keys], base_year, target_year, ages,
        skill, destination_change`` (negative: a shortfall),
        ``destination_total_change``, ``origin_change`` and
        ``origin_per_destination_loss`` (the origin's growth per person the
        destination loses in that group; missing where the destination gains).
    """
    same = ["base_year", "target_year", "ages"]
    for column in same:
        if set(destinations[column]) != set(origins[column]) or destinations[column].nunique() != 1:
            raise SkillsInputError(f"destinations and origins must share one {column}")
    extra = [c for c in _extra_keys(destinations) if c not in {*same, "skill", "base", "target", "change",
                                                               "total_change", "share_of_base"}]
    d = destinations.rename(columns={"location": "destination", "change": "destination_change",
                                     "total_change": "destination_total_change"})
    o = origins.rename(columns={"location": "origin", "change": "origin_change"})
    out = d[["destination", *extra, *same, "skill", "destination_change", "destination_total_change"]].merge(
        o[["origin", *extra, "skill", "origin_change"]], on=[*extra, "skill"])
    loss = -out["destination_change"]
    out["origin_per_destination_loss"] = out["origin_change"] / loss.where(loss > 0)
    columns = ["destination", "origin", *extra, *same, "skill", "destination_change", "destination_total_change",
               "origin_change", "origin_per_destination_loss"]
    return out[columns].sort_values(["destination", "origin", *extra, "skill"], ignore_index=True)


def eligible_entrants(entrants: pd.DataFrame, eligibility: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Entrants who qualify for each care-worker track (:data:`CARE_ELIGIBILITY` by default).

    Parameters
    ----------
    entrants : DataFrame
        :func:`skilled_entrants` with the thresholds the tracks need.

    Returns
    -------
    DataFrame
        The entrants' keys with ``track`` and ``minimum_level`` in place of
        ``threshold``, ``entrants`` and ``entrants_per_year``.
    """
    eligibility = dict(CARE_ELIGIBILITY if eligibility is None else eligibility)
    frames = []
    for track, threshold in eligibility.items():
        if threshold not in THRESHOLDS:
            raise SkillsInputError(f"{track}: minimum level {threshold!r} must be one of {', '.join(THRESHOLDS)}")
        rows = entrants[entrants["threshold"] == threshold]
        if rows.empty:
            raise SkillsInputError(f"{track}: the entrants table has no {threshold!r} rows")
        frames.append(rows.drop(columns="threshold").assign(track=track, minimum_level=threshold))
    return pd.concat(frames, ignore_index=True)


def care_need_against_entrants(care: pd.DataFrame, eligible: pd.DataFrame, base_year: int = 2025,
                               target_year: int = 2050) -> pd.DataFrame:
    """A destination's additional care workers against each origin's eligible entrants over the same years.

    Parameters
    ----------
    care : DataFrame
        :func:`analysis.study.demand.care_workers` (``location, year,
        [variant], additional_workers``) of the destinations, one variant.
    eligible : DataFrame
        :func:`eligible_entrants` of the origins.

    Returns
    -------
    DataFrame
        ``destination, origin, track, minimum_level, base_year, target_year,
        additional_workers`` (the destination's, target against base),
        ``eligible_entrants`` (the origin's, summed over the periods from base
        to target), ``eligible_per_year`` and ``need_share_of_entrants``: the
        share of the origin's eligible young people the destination's extra
        need alone would take.
    """
    for table, name in ((care, "care-worker"), (eligible, "entrants")):
        if "variant" in table.columns and table["variant"].nunique() > 1:
            raise SkillsInputError(f"the {name} table has several variants; select one")
    need = care[care["year"] == target_year]
    if need.empty:
        raise SkillsInputError(f"the care-worker table has no rows for {target_year}")
    need = need.groupby("location", observed=True)["additional_workers"].sum().rename_axis("destination").reset_index()
    window = eligible[(eligible["period_start"] >= base_year) & (eligible["period_end"] <= target_year)]
    periods = window.groupby(["location", "track"], observed=True)["period_start"].nunique()
    if periods.empty or (periods < (target_year - base_year) // 5).any():
        raise SkillsInputError(f"the entrants table lacks some periods between {base_year} and {target_year}")
    supply = window.groupby(["location", "track", "minimum_level"], observed=True, sort=False)["entrants"].sum()
    supply = supply.rename("eligible_entrants").reset_index().rename(columns={"location": "origin"})
    out = need.merge(supply, how="cross")
    out["destination"], out["origin"] = out["destination"].astype(str), out["origin"].astype(str)
    out["base_year"], out["target_year"] = int(base_year), int(target_year)
    out["eligible_per_year"] = out["eligible_entrants"] / (target_year - base_year)
    out["need_share_of_entrants"] = out["additional_workers"] / out["eligible_entrants"].where(
        out["eligible_entrants"] > 0)
    return out[["destination", "origin", "track", "minimum_level", "base_year", "target_year", "additional_workers",
                "eligible_entrants", "eligible_per_year", "need_share_of_entrants"]]


# ---------------------------------------------------------------- reading the processed tables
def _names(processed_dir: Path | None) -> dict[int, str]:
    return locations_module.load_locations(processed_dir).set_index("location_code")["name"].to_dict()


def _harmonised_for(members: Mapping[str, Iterable[int]], years: Iterable[int] | None, variants: Sequence[str],
                    processed_dir: Path | None) -> pd.DataFrame:
    codes = sorted({int(c) for codes in members.values() for c in codes})
    return education.load_harmonised(variants, years, codes, processed_dir)


def education_table(locations: Sequence[str | int | Location], ages: str = "15-64", years: Iterable[int] = (2025,),
                    sex: str = "both", levels: str | Iterable[str] | None = None, variant: str = "medium",
                    processed_dir: Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Population by education level for the command line: ``location, year, sex, ages, education, population``.

    Parameters
    ----------
    locations : sequence
        Names, ISO-3 or M49 codes, or groups (ECOWAS, EU27 …).
    years : iterable of int
        Among 1950, 1955, …, 2100 (WIC covers most countries from 1950, some
        from 2015).
    levels : str or iterable, optional
        See :func:`parse_levels`; all seven levels by default.  Sub-levels of
        post-secondary need every member to have WIC's split.
    variant : str
        WPP variant the shares are applied to (medium, low or high).

    Returns
    -------
    table : DataFrame
        The CSV's rows (persons, both sexes unless asked).
    coverage : DataFrame
        :func:`coverage_of` for the locations and years, members listed by name.

    Raises
    ------
    SkillsInputError
        For unknown levels or sexes, a location WIC does not cover at all, or
        sub-levels where WIC has no split.
    """
    years = check_years(years)
    band, sex, wanted = _band(ages), check_sex(sex), parse_levels(levels)
    if variant not in ("medium", "low", "high"):
        raise SkillsInputError(f"unknown variant {variant!r}; valid: medium, low, high")
    members = members_of(locations, processed_dir)
    names = _names(processed_dir)
    coverage_table = education.load_coverage(processed_dir)
    covered = coverage_of(coverage_table, members, years, names)
    empty = covered[covered["members_covered"] == 0]
    if len(empty):
        row = empty.iloc[0]
        codes = list(members[row["location"]])
        first = coverage_table[coverage_table["location_code"].isin(codes) & coverage_table["covered"]]["year"]
        when = (f"WIC covers it only from {int(first.min())}" if len(first) else
                "it is not among the 201 countries of WIC's 2018 assessment")
        raise SkillsInputError(f"no education data for {row['location']} in {row['year']}: {when}")
    harmonised = _harmonised_for(members, years, [variant], processed_dir)
    frames = []
    main = [level for level in wanted if level in EDUCATION_LEVELS]
    if main:
        frames.append(by_education(harmonised, members, band, years, sex))
    if any(level in POST_SECONDARY_DETAIL for level in wanted):
        split = education.harmonise_detail(education.load_detail_shares(processed_dir),
                                           harmonised[harmonised["education"] == "post-secondary"])
        frames.append(by_detail(split, members, band, years, sex, names))
    table = pd.concat(frames, ignore_index=True)
    table["education"] = table["education"].astype(str)
    if levels is None and band.start >= education.ADULT_AGE:
        wanted = [level for level in wanted if level != "under-15"]  # nobody in the band is under 15
    table = table[table["education"].isin(wanted)]
    order = {level: i for i, level in enumerate([*EDUCATION_LEVELS, *POST_SECONDARY_DETAIL])}
    table = table.assign(order=table["education"].map(order)).sort_values(["location", "year", "sex", "order"])
    columns = ["location", "year", "sex", "ages", "education", "population"]
    return table[columns].reset_index(drop=True), covered


def coverage_note(coverage: pd.DataFrame) -> list[str]:
    """One line per location and year whose figures leave out members WIC does not cover."""
    partial = coverage[coverage["not_covered"] != ""]
    return [f"{row.location} {row.year}: no education split for {row.not_covered} "
            f"({row.population_not_covered:,.0f} people, left out of the figures)"
            for row in partial.itertuples()]


def education_pyramid(place: Location | str, years: Iterable[int], processed_dir: Path | None = None) -> pd.DataFrame:
    """Population of one location by year, sex, age group and education level (WPP 2024 medium, WIC shares).

    Returns
    -------
    DataFrame
        ``year, sex, age, education, population``; empty when WIC does not
        cover the location in those years.
    """
    members = members_of([place], processed_dir)
    harmonised = _harmonised_for(members, [int(y) for y in years], ["medium"], processed_dir)
    selected = _select(harmonised, members, None, None, "both")
    out = selected.groupby(["year", "sex", "age", "education"], observed=True)["population"].sum().reset_index()
    return out


def location_coverage(place: Location | str, years: Iterable[int], processed_dir: Path | None = None) -> pd.DataFrame:
    """:func:`coverage_of` for one location read from the processed tables, members by name."""
    members = members_of([place], processed_dir)
    return coverage_of(education.load_coverage(processed_dir), members, years, _names(processed_dir))


def supply_against_shortfall(destinations: Sequence[str | Location], origins: Sequence[str | Location],
                             base_year: int = 2025, target_year: int = 2050, ages: str = "15-64",
                             processed_dir: Path | None = None) -> pd.DataFrame:
    """:func:`shortfall_against_supply` for named destinations and origins (WPP 2024 medium, WIC shares)."""
    check_years([base_year, target_year])
    destination_members = members_of(destinations, processed_dir)
    origin_members = members_of(origins, processed_dir)
    harmonised = _harmonised_for({**destination_members, **origin_members}, [base_year, target_year], ["medium"],
                                 processed_dir)
    return shortfall_against_supply(
        skill_mix_change(harmonised, destination_members, base_year, target_year, ages),
        skill_mix_change(harmonised, origin_members, base_year, target_year, ages))


def origin_entrants(origins: Sequence[str | Location], base_year: int = 2025, target_year: int = 2050,
                    variants: Sequence[str] = ("medium",), completion_ages: str = DEFAULT_COMPLETION_AGES,
                    processed_dir: Path | None = None) -> pd.DataFrame:
    """:func:`skilled_entrants` of named origins over the periods from ``base_year`` to ``target_year``."""
    years = check_years(range(base_year - 5, target_year + 1, 5))
    members = members_of(origins, processed_dir)
    harmonised = _harmonised_for(members, years, list(variants), processed_dir)
    return skilled_entrants(harmonised, members, range(base_year, target_year, 5), completion_ages)


def care_need_against_entrants_for(destinations: Sequence[str | Location], origins: Sequence[str | Location],
                                   base_year: int = 2025, target_year: int = 2050,
                                   workers_per_100: float = demand.OECD_CARE_WORKERS_PER_100_AGED_65,
                                   processed_dir: Path | None = None) -> pd.DataFrame:
    """:func:`care_need_against_entrants` for named destinations and origins (medium variant)."""
    care = demand.care_workers(destinations, base_year, [base_year, target_year], ["medium"], workers_per_100,
                               processed_dir=processed_dir)
    entrants = origin_entrants(origins, base_year, target_year, processed_dir=processed_dir)
    return care_need_against_entrants(care, eligible_entrants(entrants), base_year, target_year)


def partnership_pipeline(origin: str | Location, destination: str | Location, trainees_per_year: float,
                         base_year: int = 2025, target_year: int = 2050,
                         workers_per_100: float = demand.OECD_CARE_WORKERS_PER_100_AGED_65,
                         processed_dir: Path | None = None) -> pd.DataFrame:
    """How large a care-worker partnership is against the origin's pipeline of eligible young people.

    Parameters
    ----------
    trainees_per_year : float
        Trainees the partnership (all its institutions) takes in each year.

    Returns
    -------
    DataFrame
        One row per care-worker track (:data:`CARE_ELIGIBILITY`):
        ``track, minimum_level, eligible_per_year`` (the origin's young people
        reaching the level each year, averaged over base to target year),
        ``trainees_per_year``, ``trainees_share_of_eligible``,
        ``additional_workers`` (the destination's extra care workers by the
        target year) and ``need_share_of_entrants`` (that need over the
        origin's eligible entrants of the same years).
    """
    if not trainees_per_year >= 0 or not np.isfinite(trainees_per_year):
        raise SkillsInputError(f"trainees per year must be a non-negative number, got {trainees_per_year}")
    table = care_need_against_entrants_for([destination], [origin], base_year, target_year, workers_per_100,
                                           processed_dir)
    table["trainees_per_year"] = float(trainees_per_year)
    table["trainees_share_of_eligible"] = table["trainees_per_year"] / table["eligible_per_year"].where(
        table["eligible_per_year"] > 0)
    return table[["track", "minimum_level", "eligible_per_year", "trainees_per_year", "trainees_share_of_eligible",
                  "additional_workers", "need_share_of_entrants"]]


def member_countries(place: Location | str, year: int, processed_dir: Path | None = None) -> dict[str, int]:
    """``{name: M49 code}`` of a location's member countries that WIC covers in ``year``."""
    members = members_of([place], processed_dir)
    codes = next(iter(members.values()))
    coverage = education.load_coverage(processed_dir)
    covered = set(coverage.loc[(coverage["year"] == int(year)) & coverage["covered"], "location_code"].astype(int))
    names = _names(processed_dir)
    return {names[code]: code for code in codes if code in covered}


def wic_against_wpp(place: Location | str, years: Iterable[int] = education.COMPARISON_YEARS,
                    processed_dir: Path | None = None) -> pd.DataFrame:
    """WIC's total population against WPP 2024's for a location's member countries, largest gap first.

    Returns
    -------
    DataFrame
        ``location, year, wic, wpp, difference`` (persons) and
        ``relative_difference`` (WIC − WPP over WPP), members WIC covers.
    """
    members = next(iter(members_of([place], processed_dir).values()))
    totals = education.load_totals(processed_dir)
    rows = totals[totals["location_code"].isin(members) & totals["year"].isin([int(y) for y in years])].copy()
    rows.insert(0, "location", rows["location_code"].map(_names(processed_dir)))
    rows = rows.assign(gap=rows["relative_difference"].abs()).sort_values(["year", "gap"], ascending=[True, False])
    return rows.drop(columns=["location_code", "gap"]).reset_index(drop=True)


def totals_summary(years: Iterable[int] = education.COMPARISON_YEARS, min_population: float = 1e6,
                   place: Location | str | None = None, processed_dir: Path | None = None) -> pd.DataFrame:
    """:func:`analysis.data.education.summarise_totals` for all countries (or a location's members), worst by name."""
    totals = education.load_totals(processed_dir)
    if place is not None:
        members = next(iter(members_of([place], processed_dir).values()))
        totals = totals[totals["location_code"].isin(members)]
    summary = education.summarise_totals(totals, years, min_population)
    summary.insert(len(summary.columns) - 1, "worst_country", summary["worst_code"].map(_names(processed_dir)))
    return summary.drop(columns="worst_code")


def pyramid_wide(pyramid: pd.DataFrame) -> pd.DataFrame:
    """:func:`education_pyramid` with one column per level (``year, sex, age`` and the seven levels)."""
    wide = pyramid.pivot_table(index=["year", "sex", "age"], columns="education", values="population",
                               observed=True, sort=True)
    wide = wide[[level for level in EDUCATION_LEVELS if level in wide.columns]]
    wide.columns = [str(c) for c in wide.columns]
    return wide.reset_index()


def skill_mix_wide(comparison: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The destinations' and the origins' changes by skill group, one column per group.

    Parameters
    ----------
    comparison : DataFrame
        :func:`shortfall_against_supply`.

    Returns
    -------
    destinations, origins : DataFrame
        ``destination`` (or ``origin``) and one column per skill group (persons).
    """
    out = []
    for side in ("destination", "origin"):
        rows = comparison.drop_duplicates([side, "skill"])
        wide = rows.pivot_table(index=side, columns="skill", values=f"{side}_change", observed=True, sort=False)
        wide = wide[[group for group in SKILL_GROUPS if group in wide.columns]]
        wide.columns = [str(c) for c in wide.columns]
        order = list(dict.fromkeys(comparison[side]))
        out.append(wide.reindex(order).reset_index())
    return out[0], out[1]
