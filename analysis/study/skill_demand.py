"""Which jobs destinations will lack: employment by occupation and skill level, projected as a demographic proxy.

Built on ILOSTAT's employment by ISCO-08 major group, sex and place of birth
(:mod:`analysis.data.employment`, each country in its reference year) and
WPP 2024's population.

* :func:`employment_by_occupation`, :func:`employment_by_skill` — employed
  persons by major group or skill level, by sex, for countries and groups
  (a group sums its members with data and lists the others);
* :func:`foreign_born_shares` — the foreign-born share of each group, from
  the place-of-birth table (``Foreign`` over ``Total``, never the parts
  added to the total);
* :func:`projected_workforce` — the **demographic proxy**: each country's
  employed persons of a sex and group in its reference year, scaled by the
  growth of its population of that sex aged 15–64 since then.  Equivalently,
  the projected 15–64 population times today's employment per person aged
  15–64 and today's occupation shares, **by sex** (ILOSTAT's tables here
  have no age breakdown, so rates by age group are not possible).  No
  productivity change and no participation change: the number says how many
  workers today's jobs would have if only the population changed;
* :func:`replacement_need` — per five-year period, the workers who leave
  the 15–64 ages (the 65–69 group at the period's end) against those who
  enter them (the 15–19 group at the period's end), each at the same
  employment rate and occupation mix: leaving minus entering;
* the match with an origin's skilled growth is in :mod:`analysis.study.skill_match`;
* :data:`SKILL_SOURCES`, :data:`HEALTH_AND_CARE` — the cited grouping of
  skill levels, the ISCED ↔ ISCO mapping used, and where health and care
  workers sit among the major groups (they are not a major group).

The ``demand`` command's request is :class:`analysis.study.requests.demand.DemandRequest`.
The probabilistic version (fans) is in :mod:`analysis.study.workforce_uncertainty`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from analysis.data import employment, wpp
from analysis.data import locations as locations_module
from analysis.data.conventions import LAST_YEAR, PROJECTION_VARIANTS, age_start, check_years, parse_age_band
from analysis.data.locations import Location
from analysis.errors import InputError
from analysis.model import scenarios

#: Destinations of the report by default.
DEFAULT_DESTINATIONS: tuple[str, ...] = (
    "EU27", "Germany", "Italy", "United Kingdom", "Japan", "Republic of Korea", "United States of America", "GCC",
)
SKILLS: tuple[str, ...] = employment.SKILL_GROUPS  # high, medium, low, unknown
SKILL_DTYPE = pd.CategoricalDtype(list(SKILLS), ordered=True)
BY_CHOICES: tuple[str, ...] = ("skill", "occupation")
SEX_CHOICES: tuple[str, ...] = ("both", "each", "female", "male")
WORKING = parse_age_band("15-64")
ENTERING = parse_age_band("15-19")
LEAVING = parse_age_band("65-69")
FIRST_PROJECTION_YEAR = 2025
#: What every projected number is, said once.
PROXY = ("demographic proxy: employment in the reference year scaled by the growth of the 15-64 population "
         "of the same sex (today's employment per person aged 15-64 and today's occupation mix, by sex; no "
         "productivity or participation change)")
BASIS = "by sex (ILOSTAT's occupation tables have no age breakdown)"

#: The sources of the skill-level grouping, the ISCED link and the place of health and care workers:
#: each with a verbatim quote (checked by the tests to contain the phrases it is cited for).
SKILL_SOURCES: tuple[dict, ...] = (
    {"id": "ilo2012", "publisher": "International Labour Office", "year": 2012,
     "title": "International Standard Classification of Occupations: ISCO-08. Volume I: Structure, group "
              "definitions and correspondence tables (Geneva)",
     "url": "https://ilostat.ilo.org/methods/concepts-and-definitions/classification-occupation/",
     "accessed": "2026-12-07", "supports": "the classification and its four skill levels (quoted through the "
     "reproductions below)", "quote": ""},
    {"id": "springer2021", "publisher": "Journal for Labour Market Research (SpringerOpen)", "year": 2021,
     "title": "Labour market polarisation revisited: evidence from Austrian vacancy data, Table 6 'Skill levels "
              "according to the International Labour Organization (ILO 2012)'",
     "url": "https://labourmarketresearch.springeropen.com/articles/10.1186/s12651-021-00290-4/tables/6",
     "accessed": "2026-12-07", "supports": "skill level 1 is defined by primary education (ISCED-97 level 1)",
     "quote": "For competent performance in some occupations at Skill Level 1, completion of primary education or "
              "the first stage of basic education (ISCED-97 Level 1) may be required."},
    {"id": "worldbank-table1.2", "publisher": "World Bank (publication ISBN 978-1-4648-1803-5, on issuu)", "year": None,
     "title": "Table 1.2 'Job Classification by ISCO Code, Skill Level, and Education Level' (Source: Based on ILO 2012)",
     "url": "https://issuu.com/world.bank.publications/docs/9781464818035/61", "accessed": "2026-12-07",
     "supports": "ILO's grouping: high = skill levels 3 and 4 (major groups 1-3), medium = level 2, low = level 1; "
                 "the education levels set beside them",
     "quote": "High (Levels 3 and 4) | Medium (Level 2) | Low (Level 1) | Managers, professionals, and technicians "
              "(1–3): highskill occupations (HSOs) | although ILO (2012) associates skilled agricultural and fishery "
              "workers (ISCO code 6) with Level 2 skill (generally associated with secondary education)"},
    {"id": "esco-c5", "publisher": "European Commission, ESCO (ISCO-08 group definitions)", "year": None,
     "title": "Services and sales workers (ISCO-08 major group 5)",
     "url": "https://esco.ec.europa.eu/es/classification/occupation?uri=http://data.europa.eu/esco/isco/C5",
     "accessed": "2026-12-07", "supports": "major group 5 is skill level 2 and holds personal care workers (53)",
     "quote": "providing personal and basic health care at homes or in institutions | Competent performance in most "
              "occupations in this major group requires skills at the second ISCO skill level. | 53 Personal Care "
              "Workers"},
    {"id": "esco-c22", "publisher": "European Commission, ESCO (ISCO-08 group definitions)", "year": None,
     "title": "Health professionals (ISCO-08 sub-major group 22)",
     "url": "https://esco.ec.europa.eu/nl/classification/occupation?uri=http%3A//data.europa.eu/esco/isco/C22",
     "accessed": "2026-12-07", "supports": "nursing and midwifery professionals sit in major group 2, skill level 4",
     "quote": "Competent performance in most occupations in this sub-major group requires skills at the fourth ISCO "
              "skill level. | 222 Nursing and Midwifery Professionals"},
    {"id": "esco-c32", "publisher": "European Commission, ESCO v1 (ISCO-08 group definitions), Hugging Face dataset "
                                    "viewer danieldux/ESCO", "year": None,
     "title": "Technicians and associate professionals (3); health associate professionals (32)",
     "url": "https://huggingface.co./datasets/danieldux/ESCO/viewer/esco_en/train?p=8", "accessed": "2026-12-07",
     "supports": "major group 3 and its health associate professionals (nursing associates, 3221) are skill level 3",
     "quote": "Competent performance in most occupations in this major group requires skills at the third ISCO skill "
              "level. | Health associate professionals perform technical and practical tasks to support diagnosis "
              "and treatment of illness"},
    {"id": "esco-c9", "publisher": "European Commission, ESCO (ISCO-08 group definitions)", "year": None,
     "title": "Elementary occupations (ISCO-08 major group 9)",
     "url": "https://ec.europa.eu/esco/portal/occupation?uri=http%3A%2F%2Fdata.europa.eu%2Fesco%2Fisco%2FC9"
            "&conceptLanguage=en&full=false",
     "accessed": "2026-12-07", "supports": "major group 9 is skill level 1",
     "quote": "Most occupations in this major group require skills at the first ISCO skill level."},
)

#: Health and care workers in ISCO-08: not a major group of their own.  Where each sits (the tables
#: here stop at major groups, so none of these can be isolated).
HEALTH_AND_CARE: tuple[dict, ...] = (
    {"workers": "nursing and midwifery professionals", "isco08": "222 (2221, 2222)", "major_group": "2",
     "major_group_label": "Professionals", "skill": "high", "source": "esco-c22"},
    {"workers": "other health professionals (doctors, pharmacists …)", "isco08": "22", "major_group": "2",
     "major_group_label": "Professionals", "skill": "high", "source": "esco-c22"},
    {"workers": "nursing and midwifery associate professionals", "isco08": "322 (3221, 3222)", "major_group": "3",
     "major_group_label": "Technicians and associate professionals", "skill": "high", "source": "esco-c32"},
    {"workers": "personal care workers (health care assistants, home-based personal care, child care)",
     "isco08": "53 (531, 532)", "major_group": "5", "major_group_label": "Services and sales workers",
     "skill": "medium", "source": "esco-c5"},
)
HEALTH_AND_CARE_NOTE = (
    "ISCO-08 major groups do not isolate nurses or care workers: nursing professionals (2221) are counted in "
    "major group 2 (Professionals, high skill), nursing associate professionals (3221) in group 3 (Technicians and "
    "associate professionals, high skill) and personal care workers (53) in group 5 (Services and sales workers, "
    "medium skill), each among many other occupations; the figures by major group therefore bound, and do not "
    "measure, health and care employment.")


class SkillDemandInputError(InputError):
    """Bad input to a skill-demand question (a destination without data, an unknown breakdown, a year)."""


# ---------------------------------------------------------------- inputs
def check_by(by: str) -> str:
    """``skill`` or ``occupation``."""
    if by not in BY_CHOICES:
        raise SkillDemandInputError(f"--by must be one of {', '.join(BY_CHOICES)}, got {by!r}")
    return by


def check_sex(sex: str) -> str:
    """``both`` (summed), ``each`` (rows per sex), ``female`` or ``male``."""
    if sex not in SEX_CHOICES:
        raise SkillDemandInputError(f"sex must be one of {', '.join(SEX_CHOICES)}, got {sex!r}")
    return sex


def check_projection_years(years: Iterable[int]) -> list[int]:
    """Years on WPP's 5-year grid from 2025 to 2100, each once, in order."""
    years = check_years(years)
    early = [y for y in years if y < FIRST_PROJECTION_YEAR]
    if early:
        raise SkillDemandInputError(f"year {early[0]} comes before {FIRST_PROJECTION_YEAR}: projected years are "
                                    f"{FIRST_PROJECTION_YEAR}, {FIRST_PROJECTION_YEAR + 5}, …, {LAST_YEAR} (the observed "
                                    "year is each country's ILOSTAT reference year)")
    return years


@dataclass(frozen=True)
class Members:
    """A destination's member countries: those with ILOSTAT ISCO-08 data and those without."""

    location: str
    with_data: dict[str, str]  # name -> ISO-3
    without: tuple[str, ...]
    years: dict[str, int] = field(default_factory=dict)  # ISO-3 -> reference year

    def note(self) -> str:
        """One sentence on the members left out (empty when none)."""
        if not self.without:
            return ""
        return (f"{self.location}: {len(self.with_data)} of {len(self.with_data) + len(self.without)} members have "
                f"ILOSTAT ISCO-08 employment by occupation; left out: {', '.join(self.without)}")


def members_with_data(destinations: Sequence[str | int | Location], processed_dir: Path | None = None,
                      table: str = "occupation") -> list[Members]:
    """Resolve destinations and split each one's members by whether they have data.

    Parameters
    ----------
    table : str
        ``occupation`` (ISCO-08 employment by occupation) or ``birth``
        (ISCO-08 employment by occupation and place of birth).

    Raises
    ------
    SkillDemandInputError
        When a destination has no member with data (one line, naming it).
    """
    places = locations_module.resolve_all(list(destinations), processed_dir)
    cover = employment.load_coverage(processed_dir)
    column = "occupation_year" if table == "occupation" else "birth_year"
    usable = cover[cover[column].notna() & (cover["classification"] == employment.ISCO08)]
    years = dict(zip(usable["iso3"], usable[column].astype(int)))
    names = locations_module.load_locations(processed_dir).set_index("location_code")
    out = []
    for place in places:
        codes = list(place.members)
        rows = names.loc[[c for c in codes if c in names.index]]
        present = {r.name: r.iso3 for r in rows.itertuples() if r.iso3 in years}
        absent = tuple(sorted(r.name for r in rows.itertuples() if r.iso3 not in years))
        if not present:
            what = ("employment by occupation (ISCO-08)" if table == "occupation"
                    else "employment by occupation and place of birth (ISCO-08)")
            raise SkillDemandInputError(
                f"{place.name} has no ILOSTAT {what} in the data (countries without it are listed by "
                "`make data` and in the README); choose another destination")
        out.append(Members(place.name, dict(sorted(present.items())), absent,
                           {iso3: years[iso3] for iso3 in present.values()}))
    return out


# ---------------------------------------------------------------- observed employment
def _labels(isco: pd.DataFrame) -> pd.DataFrame:
    return isco[isco["classification"] == employment.ISCO08][["occupation", "major_group", "label", "skill",
                                                               "skill_levels"]]


def _select_sex(table: pd.DataFrame, sex: str, keys: Sequence[str], value_columns: Sequence[str]) -> pd.DataFrame:
    """Rows per sex (``each``), one sex, or the sexes summed (``both``, labelled ``both``)."""
    if sex == "each":
        return table
    if sex in ("female", "male"):
        return table[table["sex"] == sex]
    summed = table.groupby([k for k in keys if k != "sex"], observed=True, sort=False)[list(value_columns)].sum()
    return summed.reset_index().assign(sex="both")


def _years_text(years: Iterable[int]) -> str:
    years = sorted(set(int(y) for y in years))
    return str(years[0]) if len(years) == 1 else f"{years[0]}-{years[-1]}"


def employment_table(members: Sequence[Members], processed_dir: Path | None = None) -> pd.DataFrame:
    """Reference-year employment of each destination's members with data, by country, ISCO-08 group and sex.

    Returns
    -------
    DataFrame
        ``location, iso3, year, occupation, major_group, label, skill,
        skill_levels, sex, employed`` (persons).
    """
    table = employment.load_occupation(processed_dir)
    table = table[table["classification"] == employment.ISCO08]
    frames = []
    for member in members:
        rows = table[table["iso3"].isin(list(member.with_data.values()))]
        frames.append(rows.assign(location=member.location))
    out = pd.concat(frames, ignore_index=True).merge(_labels(employment.load_isco(processed_dir)), on="occupation")
    out["sex"] = out["sex"].astype(str)
    columns = ["location", "iso3", "year", "occupation", "major_group", "label", "skill", "skill_levels", "sex",
               "employed"]
    return out[columns]


def employment_by_occupation(destinations: Sequence, sex: str = "both", processed_dir: Path | None = None
                             ) -> pd.DataFrame:
    """Employed persons by ISCO-08 major group (observed, each member in its reference year).

    Returns
    -------
    DataFrame
        ``location, years, members, occupation, major_group, label, skill,
        sex, employed, share`` (share of the location's employed of that sex,
        all groups including armed forces and not classified).
    """
    sex = check_sex(sex)
    members = members_with_data(destinations, processed_dir)
    table = employment_table(members, processed_dir)
    keys = ["location", "occupation", "major_group", "label", "skill", "sex"]
    out = table.groupby(keys, observed=True, sort=False)["employed"].sum().reset_index()
    out = _select_sex(out, sex, keys, ["employed"])
    out["share"] = out["employed"] / out.groupby(["location", "sex"])["employed"].transform("sum")
    info = {m.location: (_years_text(m.years.values()), len(m.with_data)) for m in members}
    out.insert(1, "years", out["location"].map(lambda loc: info[loc][0]))
    out.insert(2, "members", out["location"].map(lambda loc: info[loc][1]))
    return out.sort_values(["location", "sex", "occupation"], ignore_index=True)


def employment_by_skill(destinations: Sequence, sex: str = "both", processed_dir: Path | None = None) -> pd.DataFrame:
    """Employed persons by ILO skill group (high: groups 1-3; medium: 4-8; low: 9; unknown: 0 and X).

    Returns
    -------
    DataFrame
        ``location, years, members, skill, sex, employed, share``.
    """
    table = employment_by_occupation(destinations, sex, processed_dir)
    out = table.groupby(["location", "years", "members", "skill", "sex"], observed=True, sort=False)[
        ["employed", "share"]].sum().reset_index()
    out["skill"] = pd.Categorical(out["skill"].astype(str), dtype=SKILL_DTYPE)
    return out.sort_values(["location", "sex", "skill"], ignore_index=True)


def foreign_born_shares(destinations: Sequence, by: str = "skill", sex: str = "both",
                        processed_dir: Path | None = None) -> pd.DataFrame:
    """Foreign-born share of each occupation or skill group (place-of-birth table, reference year).

    The share is ``Foreign`` over ``Total`` summed over the cells where
    both are published (``coverage`` is their part of the group's
    ``Total``); ``Native`` and ``Unknown`` are never added to the total.

    Returns
    -------
    DataFrame
        ``location, years, members, group, sex, foreign_born, employed,
        foreign_share, coverage``.
    """
    by, sex = check_by(by), check_sex(sex)
    members = members_with_data(destinations, processed_dir, table="birth")
    table = employment.load_occupation_birth(processed_dir)
    table = table[table["classification"] == employment.ISCO08]
    labels = _labels(employment.load_isco(processed_dir))
    frames = []
    for member in members:
        rows = table[table["iso3"].isin(list(member.with_data.values()))]
        wide = rows.pivot_table(index=["iso3", "occupation", "sex"], columns="birth", values="employed",
                                aggfunc="sum", observed=True).reindex(columns=["foreign", "total"]).reset_index()
        wide["location"] = member.location
        frames.append(wide)
    wide = pd.concat(frames, ignore_index=True).merge(labels, on="occupation")
    wide["sex"] = wide["sex"].astype(str)
    reported = wide["foreign"].notna() & wide["total"].notna()
    wide["covered_total"] = wide["total"].where(reported, 0.0)
    wide["foreign"] = wide["foreign"].where(reported, 0.0)
    group = "skill" if by == "skill" else "occupation"
    keys = ["location", group, "sex"] if by == "skill" else ["location", group, "label", "sex"]
    out = wide.groupby(keys, observed=True, sort=False)[["foreign", "covered_total", "total"]].sum().reset_index()
    out = _select_sex(out, sex, keys, ["foreign", "covered_total", "total"])
    out = out.rename(columns={group: "group", "foreign": "foreign_born", "total": "employed"})
    out["foreign_share"] = out["foreign_born"] / out["covered_total"].where(out["covered_total"] > 0)
    out["coverage"] = out["covered_total"] / out["employed"].where(out["employed"] > 0)
    info = {m.location: (_years_text(m.years.values()), len(m.with_data)) for m in members}
    out.insert(1, "years", out["location"].map(lambda loc: info[loc][0]))
    out.insert(2, "members", out["location"].map(lambda loc: info[loc][1]))
    columns = ["location", "years", "members", "group", *(["label"] if by == "occupation" else []), "sex",
               "foreign_born", "employed", "foreign_share", "coverage"]
    order = out["group"].map({s: i for i, s in enumerate(SKILLS)}) if by == "skill" else out["group"]
    return out.assign(_order=order).sort_values(["location", "sex", "_order"], ignore_index=True)[columns]


# ---------------------------------------------------------------- population
def band_sum(population: pd.DataFrame, band, keys: Sequence[str]) -> pd.Series:
    """Persons in an age band (:class:`AgeBand`), summed by ``keys``."""
    starts = age_start(population["age"])
    rows = population[band.contains(starts.to_numpy())]
    return rows.groupby(list(keys), observed=True)["population"].sum()


def population_by_country(iso3: Sequence[str], years: Iterable[int], source: str = "medium",
                          processed_dir: Path | None = None) -> tuple[pd.DataFrame, str]:
    """Population by country (ISO-3), year, sex and 5-year age group under a WPP variant or a scenario.

    ``source`` is a WPP 2024 variant (``medium``, ``low``, ``high``: WPP's
    published figures) or a scenario name or file (the project's engine from
    2025, :func:`analysis.model.scenarios.projected_population`).

    Returns
    -------
    (DataFrame, str)
        ``iso3, year, sex, age, population`` and a label of the source.
    """
    years = sorted(set(int(y) for y in years))
    places = locations_module.load_locations(processed_dir)
    codes = places[places["iso3"].isin(list(iso3)) & (places["kind"] == "country")].set_index("location_code")["iso3"]
    if source in PROJECTION_VARIANTS:
        table = wpp.load_population([source], years, list(codes.index), processed_dir)
        table = table.assign(iso3=table["location_code"].map(codes))
        label = f"WPP 2024 {source} variant"
    else:
        early = [y for y in years if y < FIRST_PROJECTION_YEAR]
        if early:
            raise SkillDemandInputError(f"a scenario is projected from {FIRST_PROJECTION_YEAR}; year {early[0]} is earlier")
        table = scenarios.projected_population(list(codes.to_numpy()), [source], FIRST_PROJECTION_YEAR, max(years),
                                               processed_dir)
        name_to_iso3 = {locations_module.resolve(i, processed_dir).name: i for i in codes.to_numpy()}
        table = table[table["year"].isin(years)].assign(iso3=lambda t: t["location"].map(name_to_iso3))
        label = f"the project's engine, scenario {table['scenario'].iloc[0]}"
    table = table.assign(sex=table["sex"].astype(str))
    return table[["iso3", "year", "sex", "age", "population"]], label


def interpolate_reference(working: pd.DataFrame, years: Mapping[str, int]) -> pd.DataFrame:
    """Each country's population at its reference year, interpolated linearly between the 5-year grid's years.

    Parameters
    ----------
    working : DataFrame
        ``iso3, sex, year, population`` on the 5-year grid (both years around
        each reference year).
    years : {ISO-3: year}

    Returns
    -------
    DataFrame
        ``iso3, sex, reference_year, working_age``.
    """
    wide = working.pivot_table(index=["iso3", "sex"], columns="year", values="population", observed=True)
    iso3 = wide.index.get_level_values("iso3")
    reference = np.array([years[code] for code in iso3])
    low = 5 * (reference // 5)
    weight = (reference - low) / 5.0
    columns = {int(c): i for i, c in enumerate(wide.columns)}
    values = wide.to_numpy()
    rows = np.arange(len(wide))
    at_low = values[rows, [columns[y] for y in low]]
    at_high = np.where(weight > 0, values[rows, [columns.get(y + 5, columns[y]) for y in low]], at_low)
    if np.isnan(at_low).any() or np.isnan(at_high).any():
        missing = sorted(set(iso3[np.isnan(at_low) | np.isnan(at_high)]))
        raise SkillDemandInputError(f"no WPP population around the reference year for {', '.join(missing)}")
    return pd.DataFrame({"iso3": iso3, "sex": wide.index.get_level_values("sex"), "reference_year": reference,
                         "working_age": (1 - weight) * at_low + weight * at_high})


def working_age_at_reference(years: Mapping[str, int], processed_dir: Path | None = None) -> pd.DataFrame:
    """Each country's population aged 15–64 by sex in its reference year (WPP 2024, estimates and medium).

    Off the 5-year grid the population is interpolated linearly between the
    two surrounding years (2020 estimates and 2025 medium for 2022–2024).

    Returns
    -------
    DataFrame
        ``iso3, sex, reference_year, working_age`` (persons).
    """
    grid = sorted({5 * (y // 5) for y in years.values()} | {5 * (y // 5) + 5 for y in years.values()})
    population, _ = population_by_country(list(years), [y for y in grid if y <= LAST_YEAR], "medium", processed_dir)
    working = band_sum(population, WORKING, ["iso3", "sex", "year"]).reset_index()
    return interpolate_reference(working, years)


def apply_rates(rates: pd.DataFrame, people: pd.DataFrame, column: str = "workers") -> pd.DataFrame:
    """Workers: each country's people of a sex (by year) times its employment rate of each group.

    Parameters
    ----------
    rates : DataFrame
        ``location, iso3, sex, group, employment_rate`` (:func:`base_rates`).
    people : DataFrame
        ``iso3, sex, year, population``.

    Returns
    -------
    DataFrame
        ``location, year, group, sex, <column>``, summed over each location's countries.
    """
    table = rates.merge(people, on=["iso3", "sex"], how="inner", validate="many_to_many")
    table[column] = table["population"] * table["employment_rate"]
    keys = ["location", "year", "group", "sex"]
    return table.groupby(keys, observed=True, sort=False)[column].sum().reset_index()


# ---------------------------------------------------------------- the proxy
def _group_column(by: str) -> str:
    return "skill" if by == "skill" else "occupation"


def base_rates(members: Sequence[Members], by: str = "skill", processed_dir: Path | None = None) -> pd.DataFrame:
    """Per member country and sex: employed in the reference year by group, the 15–64 population then, and the rates.

    Returns
    -------
    DataFrame
        ``location, iso3, reference_year, sex, group, employed,
        working_age, employment_rate`` (employed of every age in the group
        per person aged 15–64 of that sex), ``share`` (the group's share of
        the sex's employed).
    """
    table = employment_table(members, processed_dir)
    table = table[table["sex"].isin(["female", "male"])]  # "other" never falls in a reference year (checked by the build)
    group = _group_column(by)
    employed = table.groupby(["location", "iso3", "sex", group], observed=True)["employed"].sum().reset_index()
    years = {iso3: year for m in members for iso3, year in m.years.items()}
    working = working_age_at_reference(years, processed_dir)
    out = employed.merge(working, on=["iso3", "sex"], how="left", validate="many_to_one")
    if out["working_age"].isna().any() or (out["working_age"] <= 0).any():
        missing = sorted(set(out.loc[out["working_age"].isna(), "iso3"]))
        raise SkillDemandInputError(f"no WPP population aged 15-64 for {', '.join(missing)}")
    out = out.rename(columns={group: "group"})
    out["employment_rate"] = out["employed"] / out["working_age"]
    out["share"] = out["employed"] / out.groupby(["location", "iso3", "sex"])["employed"].transform("sum")
    columns = ["location", "iso3", "reference_year", "sex", "group", "employed", "working_age", "employment_rate",
               "share"]
    return out[columns]


def _finish(out: pd.DataFrame, sex: str, by: str, keys: Sequence[str], values: Sequence[str]) -> pd.DataFrame:
    out = _select_sex(out, sex, keys, values)
    if by == "skill":
        out = out.assign(_order=out["group"].map({s: i for i, s in enumerate(SKILLS)}))
    else:
        out = out.assign(_order=out["group"])
    first = [k for k in keys if k not in ("group", "sex")]
    return out.sort_values([*first, "sex", "_order"], ignore_index=True).drop(columns="_order")


def projected_workforce(destinations: Sequence, years: Iterable[int] = (2025, 2035, 2050), by: str = "skill",
                        sex: str = "both", source: str = "medium", observed: bool = True,
                        processed_dir: Path | None = None) -> pd.DataFrame:
    """The demographic proxy of each destination's workforce by skill level or major group (see :data:`PROXY`).

    Parameters
    ----------
    years : iterable of int
        Projection years (2025, 2030, …, 2100).
    source : str
        A WPP 2024 variant or a scenario (:func:`population_by_country`).
    observed : bool
        Add the observed reference-year rows (``kind`` ``observed``; a
        group's members may have different reference years, shown in
        ``year_text``).

    Returns
    -------
    DataFrame
        ``location, kind, year, year_text, group, sex, workers, source,
        measure`` (persons; ``measure`` is ``observed employment`` or
        ``demographic proxy``, see :data:`PROXY`).
    """
    by, sex = check_by(by), check_sex(sex)
    years = check_projection_years(years)
    members = members_with_data(destinations, processed_dir)
    rates = base_rates(members, by, processed_dir)
    population, label = population_by_country(sorted(set(rates["iso3"])), years, source, processed_dir)
    working = band_sum(population, WORKING, ["iso3", "sex", "year"]).reset_index()
    projected = apply_rates(rates, working)
    projected = projected.assign(kind="projected", year_text=projected["year"].astype(str))
    frames = [projected]
    if observed:
        seen = rates.groupby(["location", "group", "sex"], observed=True, sort=False)["employed"].sum().reset_index()
        texts = {m.location: _years_text(m.years.values()) for m in members}
        first = {m.location: max(m.years.values()) for m in members}
        frames.insert(0, seen.rename(columns={"employed": "workers"}).assign(
            kind="observed", year=seen["location"].map(first), year_text=seen["location"].map(texts)))
    out = pd.concat(frames, ignore_index=True)
    out = _finish(out, sex, by, ["location", "kind", "year", "year_text", "group", "sex"], ["workers"])
    out["source"] = np.where(out["kind"] == "observed", "ILOSTAT (reference year)", label)
    out["measure"] = np.where(out["kind"] == "observed", "observed employment", "demographic proxy")
    out["kind"] = pd.Categorical(out["kind"], categories=["observed", "projected"], ordered=True)
    out = out.sort_values(["location", "kind", "year"], kind="stable", ignore_index=True)
    return out[["location", "kind", "year", "year_text", "group", "sex", "workers", "source", "measure"]]


def workforce_change(projection: pd.DataFrame, start: int = 2025, ends: Sequence[int] = (2035, 2050)) -> pd.DataFrame:
    """Change of the projected workforce from ``start`` to each end year, by group (persons and percent).

    Returns
    -------
    DataFrame
        ``location, group, sex, start_year, end_year, start, end, change, percent_change``.
    """
    rows = projection[projection["kind"] == "projected"]
    wide = rows.pivot_table(index=["location", "group", "sex"], columns="year", values="workers", observed=True,
                            sort=False)
    frames = []
    for end in ends:
        if start not in wide.columns or end not in wide.columns:
            raise SkillDemandInputError(f"the projection has no year {start if start not in wide.columns else end}")
        frames.append(pd.DataFrame({"start_year": start, "end_year": end, "start": wide[start], "end": wide[end]})
                      .reset_index())
    out = pd.concat(frames, ignore_index=True)
    out["change"] = out["end"] - out["start"]
    out["percent_change"] = 100.0 * out["change"] / out["start"]
    return out


def replacement_need(destinations: Sequence, start: int = 2025, end: int = 2050, by: str = "skill",
                     sex: str = "both", source: str = "medium", processed_dir: Path | None = None) -> pd.DataFrame:
    """Workers leaving the 15–64 ages against those entering them, per five-year period (the proxy).

    Leaving: the population aged 65–69 at the period's end (those who turned
    65 in it, less the few who died after); entering: the population aged
    15–19 at the period's end (those who turned 15 in it), as in
    :func:`analysis.study.demand.supply`.  Both are taken at the country's
    employment per person aged 15–64 and occupation mix of their sex, so
    with no age breakdown the two share one skill mix.

    Returns
    -------
    DataFrame
        ``location, period_start, period_end, group, sex, leaving, entering,
        need`` (workers over the period; ``need`` = leaving − entering,
        positive when more leave than enter), ``source``, ``measure``.
    """
    by, sex = check_by(by), check_sex(sex)
    if not start < end:
        raise SkillDemandInputError(f"the end year {end} must come after the start year {start}")
    ends = check_projection_years(range(start + 5, end + 1, 5))
    check_projection_years([start])
    members = members_with_data(destinations, processed_dir)
    rates = base_rates(members, by, processed_dir)
    population, label = population_by_country(sorted(set(rates["iso3"])), ends, source, processed_dir)
    keys = ["location", "year", "group", "sex"]
    leaving = apply_rates(rates, band_sum(population, LEAVING, ["iso3", "sex", "year"]).reset_index(), "leaving")
    entering = apply_rates(rates, band_sum(population, ENTERING, ["iso3", "sex", "year"]).reset_index(), "entering")
    out = _finish(leaving.merge(entering, on=keys), sex, by, keys, ["leaving", "entering"])
    out["need"] = out["leaving"] - out["entering"]
    out.insert(1, "period_start", out["year"] - 5)
    out = out.rename(columns={"year": "period_end"})
    out["source"] = label
    out["measure"] = "demographic proxy"
    return out[["location", "period_start", "period_end", "group", "sex", "leaving", "entering", "need", "source",
                "measure"]]


def cumulative_need(need: pd.DataFrame, start: int = 2025, horizons: Sequence[int] = (2035, 2050)) -> pd.DataFrame:
    """Replacement need summed from ``start`` to each horizon, by location, group and sex.

    Returns
    -------
    DataFrame
        ``location, group, sex, start_year, end_year, leaving, entering, need``.
    """
    frames = []
    for horizon in horizons:
        rows = need[(need["period_start"] >= start) & (need["period_end"] <= horizon)]
        if rows["period_end"].max() != horizon:
            raise SkillDemandInputError(f"the replacement need does not reach {horizon}")
        summed = rows.groupby(["location", "group", "sex"], observed=True, sort=False)[
            ["leaving", "entering", "need"]].sum().reset_index()
        frames.append(summed.assign(start_year=start, end_year=horizon))
    out = pd.concat(frames, ignore_index=True)
    return out[["location", "group", "sex", "start_year", "end_year", "leaving", "entering", "need"]]


def destination_list(destination: str, comparison: Sequence[str], processed_dir: Path | None = None) -> list[str]:
    """The destination first, then the comparison destinations not naming it again (names as resolved)."""
    first = locations_module.resolve(destination, processed_dir).name
    others = [p.name for p in locations_module.resolve_all(list(comparison), processed_dir) if p.name != first]
    return [first, *others]


def with_birth_data(destinations: Sequence, processed_dir: Path | None = None) -> tuple[list[str], list[str]]:
    """The destinations that have ISCO-08 employment by place of birth for at least one member, and the others."""
    places = locations_module.resolve_all(list(destinations), processed_dir)
    kept, skipped = [], []
    for place in places:
        try:
            members_with_data([place], processed_dir, table="birth")
            kept.append(place.name)
        except SkillDemandInputError:
            skipped.append(place.name)
    return kept, skipped


def coverage_table(destinations: Sequence, processed_dir: Path | None = None) -> pd.DataFrame:
    """Each destination's member countries and what the ILOSTAT tables hold for them.

    Returns
    -------
    DataFrame
        ``location, member, iso3, occupation_year, groups_missing,
        employed, birth_year, foreign_born`` (missing years: no ISCO-08
        data; a member without any is left out of the destination's figures).
    """
    places = locations_module.resolve_all(list(destinations), processed_dir)
    cover = employment.load_coverage(processed_dir)
    isco08 = cover["classification"] == employment.ISCO08
    cover = cover.assign(occupation_year=cover["occupation_year"].where(isco08),
                         employed=cover["employed"].where(isco08))
    frames = []
    for place in places:
        rows = cover[cover["location_code"].isin(list(place.members))]
        frames.append(rows.assign(location=place.name).rename(columns={"name": "member"}))
    out = pd.concat(frames, ignore_index=True)
    columns = ["location", "member", "iso3", "occupation_year", "groups_missing", "employed", "birth_year",
               "foreign_born"]
    return out[columns].sort_values(["location", "member"], ignore_index=True)


def health_and_care() -> pd.DataFrame:
    """Where health and care workers sit among the ISCO-08 major groups (:data:`HEALTH_AND_CARE`)."""
    return pd.DataFrame(list(HEALTH_AND_CARE))


def sources_table() -> pd.DataFrame:
    """The cited sources of the skill grouping and the ISCED link (:data:`SKILL_SOURCES`)."""
    return pd.DataFrame(list(SKILL_SOURCES))


def members_notes(destinations: Sequence, processed_dir: Path | None = None) -> list[str]:
    """One line per destination: its members' reference years, the members left out (no ILOSTAT occupation data)
    and the major groups a member's reference year does not report."""
    cover = employment.load_coverage(processed_dir).set_index("iso3")
    lines = []
    for member in members_with_data(destinations, processed_dir):
        if list(member.with_data) == [member.location]:
            years = f"{member.years[member.with_data[member.location]]} (ILOSTAT)"
        else:
            years = ", ".join(f"{name} {member.years[iso3]}" for name, iso3 in member.with_data.items())
        text = member.note()
        gaps = [f"{name} {member.years[iso3]} has no cell for major group(s) {cover.loc[iso3, 'groups_missing']} "
                "(its skill mix is that of the groups it reports)"
                for name, iso3 in member.with_data.items() if cover.loc[iso3, "groups_missing"]]
        lines.append(f"{member.location}: reference year{'s' if ',' in years else ''} {years}" + (f"; {text.split(': ', 1)[1]}" if text else "")
                     + "".join(f"; {gap}" for gap in gaps))
    return lines
