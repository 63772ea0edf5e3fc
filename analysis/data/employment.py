"""Employment by occupation, education and place of birth (ILOSTAT via the IOM ``snapshot`` package).

Raw files (``ilostat/``, see the data mirror's README), measured on the files:

* ``empsexoccup.rda`` — employed persons by sex (``Female``, ``Male``,
  ``Other``) and occupation: ISCO-08 major groups (``isco-08-0`` armed
  forces … ``isco-08-9`` elementary occupations, ``isco-08-X`` not
  elsewhere classified) or, for three territories, ISCO-68 groups.  **One
  value per country, occupation and sex**: the package keeps each cell's
  latest year, so a country's cells can come from different years (Japan:
  groups 7 and X from 2022, the rest from 2024; Egypt: one 2011 cell beside
  a complete 2023).  Summing a country's cells would mix years.  Each
  country therefore gets a *reference year*, the year holding most of its
  cells (the latest on a tie); only reference-year cells are used, and the
  cells left in other years are listed.  Germany 2023: 22 cells,
  43,064,625 persons.  There is no total row: the total is female + male +
  other.  ``Other`` appears in three cells of India (2019–2020, 116,263
  persons), none of them in India's reference year (2023).
* ``empsexoccupbirth.rda`` — the same by place of birth (``Foreign``,
  ``Native``, ``Total``, ``Unknown``), female and male only, also one value
  per cell.  ``Total`` is the total: foreign + native + unknown fall short of
  it by up to 5.4 % of a country's employment (Tokelau; median 0.06 %) and
  never exceed it by more than 1 person in a cell (rounding), so shares
  are taken against ``Total`` and the parts are never added to it.
  ``Unknown`` cells often date from another year than the rest (Germany:
  2017 beside 2023) and are then left out.  The code ``isco-68-Y`` holds 308
  rows in 13 countries with up to four different values for one key (an
  unlabelled split the package collapsed): they are dropped.
* ``empsexeduc.rda`` — employed persons by place of birth (no total), sex
  and education (``Less than basic``, ``Basic``, ``Intermediate``,
  ``Advanced``, ``Unknown``), **every year** (2017–2023 for Germany); the
  reference year counts the cells of known birthplace and education.
* ``unemsexeduc.rda`` — unemployment rates (%) by place of birth, sex and
  education, including ``Total`` rows, every year.
* ``earnings.rda`` — mean monthly earnings in local currency by place of
  birth or citizenship and sex, every year.
* ``isco_occupations.rda`` — the major groups with their label and skill
  group (``High-skill``, ``Medium-skill``, ``Low-skill``, ``Unknown``).

ISCO-08 and ISCO-68 are kept apart: a country's reference year uses one
classification only (checked), and every sum in the study layer is taken
within ISCO-08.  The package does not name the ILOSTAT indicator ids.

The ``clean_*`` functions are pure (raw frames in, a processed table out);
``check_*`` raise :class:`ValidationError` in one line; ``load_*`` read the
processed tables.  The indicators built on them are in
:mod:`analysis.study.skill_demand`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from analysis.data.tables import TABLE_KEYS, ValidationError, check_non_negative, check_unique, read_table

#: Registry names of the raw files.
RAW_FILES: dict[str, str] = {
    "occupation": "ilostat/empsexoccup.rda",
    "occupation_birth": "ilostat/empsexoccupbirth.rda",
    "education": "ilostat/empsexeduc.rda",
    "unemployment": "ilostat/unemsexeduc.rda",
    "earnings": "ilostat/earnings.rda",
    "isco": "ilostat/isco_occupations.rda",
}
ISCO08, ISCO68 = "ISCO-08", "ISCO-68"
#: Occupation codes whose rows are not one value per key (see the module docstring): dropped.
AMBIGUOUS_CODES: tuple[str, ...] = ("isco-68-Y",)
#: Skill groups of the package, as processed.
SKILL_GROUP_NAMES = {"High-skill": "high", "Medium-skill": "medium", "Low-skill": "low", "Unknown": "unknown"}
SKILL_GROUPS: tuple[str, ...] = ("high", "medium", "low", "unknown")
#: ISCO-08 skill levels of each major group (ILO 2012, ISCO-08 vol. I; the quotes are in
#: :data:`analysis.study.skill_demand.SKILL_SOURCES`).  Armed forces span levels 1, 2 and 4
#: (commissioned officers, non-commissioned officers, other ranks); "X" is not classified.
ISCO08_SKILL_LEVELS: dict[str, tuple[int, ...]] = {
    "1": (3, 4), "2": (4,), "3": (3,), "4": (2,), "5": (2,), "6": (2,), "7": (2,), "8": (2,), "9": (1,),
    "0": (1, 2, 4), "X": (),
}
#: ILO's grouping of skill levels: 3 and 4 high, 2 medium, 1 low; a group spanning several is unknown.
SKILL_GROUP_OF_LEVELS = {(4,): "high", (3,): "high", (3, 4): "high", (2,): "medium", (1,): "low"}
SEX_NAMES = {"Female": "female", "Male": "male", "Other": "other", "Total": "total"}
OCCUPATION_SEX_DTYPE = pd.CategoricalDtype(["male", "female", "other"])
RATE_SEX_DTYPE = pd.CategoricalDtype(["male", "female", "total"])
BIRTH_NAMES = {"Foreign": "foreign", "Native": "native", "Total": "total", "Unknown": "unknown",
               "Foreign-born": "foreign", "Native-born": "native"}
BIRTH_DTYPE = pd.CategoricalDtype(["foreign", "native", "unknown", "total"])
EDUCATION_NAMES = {"Less than basic": "less-than-basic", "Basic": "basic", "Intermediate": "intermediate",
                   "Advanced": "advanced", "Unknown": "unknown", "Total": "total"}
EDUCATION_DTYPE = pd.CategoricalDtype(list(dict.fromkeys(EDUCATION_NAMES.values())), ordered=True)
#: Countries whose occupation and place-of-birth tables come from different sources in the same
#: reference year (measured: Guatemala 2023, 7,793,723 employed against 6,622,164, +17.7 %).  Every
#: other country sharing a reference year agrees within OCCUPATION_TOTAL_TOLERANCE in every cell.
DIFFERENT_SOURCES: dict[str, str] = {
    "GTM": "Guatemala 2023: the occupation table counts 17.7 % more employed than the place-of-birth table",
}
#: Persons by which the two tables' cells (occupation × sex) may differ: rounding of the published thousands.
OCCUPATION_TOTAL_TOLERANCE = 1.0
#: Persons by which foreign + native + unknown may exceed the Total of a cell (measured at most 1.0: rounding).
BIRTH_PARTS_TOLERANCE = 1.0
#: Largest shortfall of foreign + native + unknown below a country's Total (measured 5.4 %, Tokelau).
BIRTH_PARTS_MAX_SHORTFALL = 0.06


# ---------------------------------------------------------------- cleaning
def _codes(locations: pd.DataFrame) -> pd.Series:
    countries = locations[locations["kind"] == "country"].dropna(subset=["iso3"])
    return pd.Series(countries["location_code"].to_numpy(), index=countries["iso3"].to_numpy())


def _mapped(values: pd.Series, names: dict[str, str], what: str, table: str) -> np.ndarray:
    unknown = sorted(set(values.astype(str)) - set(names))
    if unknown:
        raise ValidationError(f"{table}: unexpected {what} {unknown}; known: {', '.join(names)}")
    return values.astype(str).map(names).to_numpy()


def classification_of(codes: pd.Series) -> pd.Series:
    """``ISCO-08`` or ``ISCO-68`` from occupation codes such as ``isco-08-5``."""
    prefix = codes.astype(str).str.slice(0, 7)
    return prefix.map({"isco-08": ISCO08, "isco-68": ISCO68})


def clean_isco(raw: pd.DataFrame) -> pd.DataFrame:
    """The occupation groups: ``occupation, classification, major_group, label, skill, skill_levels``.

    ``skill_levels`` (ISCO-08 only, e.g. ``"3-4"``) are ILO's; the package's
    skill group of every ISCO-08 group is checked against ILO's grouping of
    those levels.
    """
    out = pd.DataFrame({
        "occupation": raw["code"].astype(str).to_numpy(),
        "label": raw["label"].astype(str).to_numpy(),
        "skill": _mapped(raw["skill"], SKILL_GROUP_NAMES, "skill groups", "isco_groups"),
    })
    out.insert(1, "classification", classification_of(out["occupation"]).to_numpy())
    out.insert(2, "major_group", out["occupation"].str.slice(8).to_numpy())
    if out["classification"].isna().any():
        raise ValidationError(f"isco_groups: codes outside ISCO-08 and ISCO-68: "
                              f"{sorted(out.loc[out['classification'].isna(), 'occupation'])}")
    levels = out["major_group"].map(ISCO08_SKILL_LEVELS).where(out["classification"] == ISCO08)
    out["skill_levels"] = levels.map(lambda v: "-".join(map(str, v)) if isinstance(v, tuple) else "")
    isco08 = out[out["classification"] == ISCO08]
    missing = sorted(set(ISCO08_SKILL_LEVELS) - set(isco08["major_group"]))
    if missing:
        raise ValidationError(f"isco_groups: ISCO-08 major groups {missing} are missing")
    expected = isco08["major_group"].map(lambda g: SKILL_GROUP_OF_LEVELS.get(ISCO08_SKILL_LEVELS[g], "unknown"))
    wrong = isco08[expected != isco08["skill"]]
    if len(wrong):
        row = wrong.iloc[0]
        raise ValidationError(f"isco_groups: the package puts {row['occupation']} ({row['label']}) in skill group "
                              f"{row['skill']}, ILO's skill levels {row['skill_levels']} say otherwise")
    out["skill"] = pd.Categorical(out["skill"], categories=SKILL_GROUPS)
    return out.sort_values("occupation", ignore_index=True)


def reference_years(table: pd.DataFrame, counted: pd.Series | None = None) -> pd.Series:
    """Each country's reference year: the year holding most of its cells, the latest on a tie.

    Parameters
    ----------
    table : DataFrame
        ``iso3, year`` (one row per cell).
    counted : Series of bool, optional
        The rows that count (e.g. the place-of-birth table's ``Total`` rows).

    Returns
    -------
    Series
        Year by ISO-3 code.
    """
    rows = table if counted is None else table[counted.to_numpy()]
    cells = rows.groupby(["iso3", "year"]).size().rename("cells").reset_index()
    best = cells.sort_values(["iso3", "cells", "year"]).groupby("iso3").tail(1)
    return best.set_index("iso3")["year"].astype("int16")


def _with_reference(out: pd.DataFrame, counted: pd.Series | None = None) -> pd.DataFrame:
    reference = reference_years(out, counted)
    # a country with no counted cell (e.g. only unknown birthplaces) has no reference year
    out["reference_year"] = out["iso3"].map(reference).astype("Int16")
    out["in_reference_year"] = (out["year"] == out["reference_year"]).fillna(False).astype(bool)
    return out


def _base(raw: pd.DataFrame, locations: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "iso3": raw["geo"].astype(str).to_numpy(),
        "location_code": raw["geo"].astype(str).map(_codes(locations)).astype("Int32").to_numpy(),
        "year": raw["t"].astype("int16").to_numpy(),
    })


def clean_occupation(raw: pd.DataFrame, locations: pd.DataFrame) -> pd.DataFrame:
    """Employed persons by country, occupation and sex, each cell with its year and the country's reference year.

    Returns
    -------
    DataFrame
        ``iso3, location_code, year, classification, occupation, sex,
        employed, reference_year, in_reference_year`` (persons;
        ``location_code`` is ``<NA>`` for codes WPP does not have).
    """
    table = "employment_occupation"
    out = _base(raw, locations)
    out["classification"] = classification_of(raw["occup"]).to_numpy()
    out["occupation"] = raw["occup"].astype(str).to_numpy()
    out["sex"] = pd.Categorical(_mapped(raw["sex"], SEX_NAMES, "sexes", table), dtype=OCCUPATION_SEX_DTYPE)
    out["employed"] = raw["n"].astype("float64").to_numpy()
    if out["sex"].isna().any():
        raise ValidationError(f"{table}: a Total sex row where only female, male and other are expected")
    return _with_reference(out).sort_values(TABLE_KEYS[table], ignore_index=True)


def clean_occupation_birth(raw: pd.DataFrame, locations: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Employed persons by country, place of birth, occupation and sex, with reference years.

    The reference year counts the ``Total`` cells.  Rows of
    :data:`AMBIGUOUS_CODES` are dropped and returned apart.

    Returns
    -------
    (DataFrame, DataFrame)
        ``iso3, location_code, year, classification, occupation, birth, sex,
        employed, reference_year, in_reference_year``; and the dropped rows
        (``iso3, occupation, rows``).
    """
    table = "employment_occupation_birth"
    ambiguous = raw["occup"].astype(str).isin(AMBIGUOUS_CODES).to_numpy()
    dropped = (raw[ambiguous].groupby(["geo", "occup"]).size().rename("rows").reset_index()
               .rename(columns={"geo": "iso3", "occup": "occupation"}))
    raw = raw[~ambiguous]
    out = _base(raw, locations)
    out["classification"] = classification_of(raw["occup"]).to_numpy()
    out["occupation"] = raw["occup"].astype(str).to_numpy()
    out["birth"] = pd.Categorical(_mapped(raw["birth"], BIRTH_NAMES, "places of birth", table), dtype=BIRTH_DTYPE)
    out["sex"] = pd.Categorical(_mapped(raw["sex"], SEX_NAMES, "sexes", table), dtype=OCCUPATION_SEX_DTYPE)
    out["employed"] = raw["n"].astype("float64").to_numpy()
    out = _with_reference(out, out["birth"] == "total")
    return out.sort_values(TABLE_KEYS[table], ignore_index=True), dropped


def clean_education(raw: pd.DataFrame, locations: pd.DataFrame) -> pd.DataFrame:
    """Employed persons by country, year, place of birth, sex and education (every year), with reference years.

    Returns
    -------
    DataFrame
        ``iso3, location_code, year, birth, sex, education, employed,
        reference_year, in_reference_year``.
    """
    table = "employment_education"
    out = _base(raw, locations)
    out["birth"] = pd.Categorical(_mapped(raw["birth"], BIRTH_NAMES, "places of birth", table), dtype=BIRTH_DTYPE)
    out["sex"] = pd.Categorical(_mapped(raw["sex"], SEX_NAMES, "sexes", table), dtype=OCCUPATION_SEX_DTYPE)
    out["education"] = pd.Categorical(_mapped(raw["educ"], EDUCATION_NAMES, "education levels", table),
                                      dtype=EDUCATION_DTYPE)
    out["employed"] = raw["n"].astype("float64").to_numpy()
    # every year is kept here; the reference year counts the cells of known birthplace and education
    known = (out["birth"] != "unknown") & (out["education"] != "unknown")
    return _with_reference(out, known).sort_values(TABLE_KEYS[table], ignore_index=True)


def clean_unemployment(raw: pd.DataFrame, locations: pd.DataFrame) -> pd.DataFrame:
    """Unemployment rate (%) by country, year, place of birth, sex and education (``total`` rows kept).

    Returns
    -------
    DataFrame
        ``iso3, location_code, year, birth, sex, education, unemployment_rate`` (percent of the labour force).
    """
    table = "unemployment_education"
    out = _base(raw, locations)
    out["birth"] = pd.Categorical(_mapped(raw["birth"], BIRTH_NAMES, "places of birth", table), dtype=BIRTH_DTYPE)
    out["sex"] = pd.Categorical(_mapped(raw["sex"], SEX_NAMES, "sexes", table), dtype=RATE_SEX_DTYPE)
    out["education"] = pd.Categorical(_mapped(raw["educ"], EDUCATION_NAMES, "education levels", table),
                                      dtype=EDUCATION_DTYPE)
    out["unemployment_rate"] = raw["v"].astype("float64").to_numpy()
    return out.sort_values(TABLE_KEYS[table], ignore_index=True)


def clean_earnings(raw: pd.DataFrame, locations: pd.DataFrame) -> pd.DataFrame:
    """Mean monthly earnings (local currency, nominal) by country, year, birth or citizenship and sex.

    Returns
    -------
    DataFrame
        ``iso3, location_code, year, by`` (``birth`` or ``citizenship``),
        ``status`` (foreign, native, total, unknown), ``sex``,
        ``mean_monthly_earnings``.
    """
    table = "earnings_birth"
    out = _base(raw, locations)
    out["by"] = pd.Categorical(raw["type"].astype(str).to_numpy(), categories=["birth", "citizenship"])
    if out["by"].isna().any():
        raise ValidationError(f"{table}: types other than birth and citizenship: {sorted(set(raw['type']))}")
    out["status"] = pd.Categorical(_mapped(raw["status"], BIRTH_NAMES, "statuses", table), dtype=BIRTH_DTYPE)
    out["sex"] = pd.Categorical(_mapped(raw["sex"], SEX_NAMES, "sexes", table), dtype=RATE_SEX_DTYPE)
    out["mean_monthly_earnings"] = raw["v"].astype("float64").to_numpy()
    return out.sort_values(TABLE_KEYS[table], ignore_index=True)


# ---------------------------------------------------------------- checks
def check_counts(df: pd.DataFrame, table: str, value: str = "employed") -> None:
    """Unique keys, no missing or negative counts; raises :class:`ValidationError`."""
    check_unique(df, TABLE_KEYS[table], table)
    check_non_negative(df, value, table)


def check_classifications(df: pd.DataFrame, isco: pd.DataFrame, table: str) -> None:
    """Every code is a known group, and a country's reference year holds one classification only."""
    unknown = sorted(set(df["occupation"]) - set(isco["occupation"]))
    if unknown:
        raise ValidationError(f"{table}: occupation codes {unknown} are not in isco_occupations")
    current = df[df["in_reference_year"]]
    mixed = current.groupby("iso3")["classification"].nunique()
    if (mixed > 1).any():
        raise ValidationError(f"{table}: ISCO-08 and ISCO-68 cells in one reference year for "
                              f"{', '.join(mixed[mixed > 1].index)}; they must never be summed together")


def check_birth_parts(birth: pd.DataFrame) -> dict[str, float]:
    """Foreign + native + unknown against ``Total`` in every reference-year cell and country.

    A cell's parts may exceed its total by :data:`BIRTH_PARTS_TOLERANCE`
    persons; a country's parts may fall short of its total by
    :data:`BIRTH_PARTS_MAX_SHORTFALL` (cells whose birthplace split was not
    published).  Returns the measured extremes.
    """
    table = "employment_occupation_birth"
    current = birth[birth["in_reference_year"]]
    wide = current.pivot_table(index=["iso3", "occupation", "sex"], columns="birth", values="employed",
                               aggfunc="sum", observed=True)
    wide = wide.reindex(columns=list(BIRTH_DTYPE.categories))
    parts = wide[["foreign", "native", "unknown"]].sum(axis=1, min_count=1)
    both = wide["total"].notna() & parts.notna()
    excess = (parts - wide["total"])[both]
    if len(excess) and excess.max() > BIRTH_PARTS_TOLERANCE + 1e-6:  # float noise on whole persons
        where = excess.idxmax()
        raise ValidationError(f"{table}: foreign + native + unknown exceed the Total by {excess.max():,.0f} persons "
                              f"in {where} (at most {BIRTH_PARTS_TOLERANCE:g} allowed: the parts are in the total)")
    totals = current.groupby(["iso3", "birth"], observed=True)["employed"].sum().unstack()
    totals = totals.reindex(columns=list(BIRTH_DTYPE.categories))
    country_parts = totals[["foreign", "native", "unknown"]].sum(axis=1, min_count=1)
    shortfall = (1 - country_parts / totals["total"]).dropna()
    if len(shortfall) and shortfall.max() > BIRTH_PARTS_MAX_SHORTFALL:
        raise ValidationError(f"{table}: in {shortfall.idxmax()} foreign + native + unknown fall {shortfall.max():.1%} "
                              f"short of the Total (at most {BIRTH_PARTS_MAX_SHORTFALL:.0%} expected)")
    return {"cell_excess": float(excess.max()) if len(excess) else 0.0,
            "cell_shortfall": float(-excess.min()) if len(excess) else 0.0,
            "country_shortfall": float(shortfall.max()) if len(shortfall) else 0.0,
            "country_shortfall_iso3": str(shortfall.idxmax()) if len(shortfall) else "",
            "median_country_shortfall": float(shortfall.median()) if len(shortfall) else 0.0}


def check_sex_totals(occupation: pd.DataFrame, birth: pd.DataFrame,
                     different_sources: Iterable[str] = tuple(DIFFERENT_SOURCES)) -> dict[str, float]:
    """The occupation table's sexes against the place-of-birth table's ``Total`` rows, cell by cell.

    The occupation table has no total row: its total is female + male +
    other.  Where both tables have the same reference year, each occupation
    × sex cell of the one must equal the ``Total`` cell of the other within
    :data:`OCCUPATION_TOTAL_TOLERANCE` persons, and so the sexes summed; the
    countries of :data:`DIFFERENT_SOURCES` are reported, not checked.

    Returns
    -------
    dict
        ``countries`` compared, ``worst`` absolute cell difference among them.
    """
    occ = occupation[occupation["in_reference_year"]]
    tot = birth[birth["in_reference_year"] & (birth["birth"] == "total")]
    keys = ["iso3", "year", "occupation", "sex"]
    merged = occ[keys + ["employed"]].merge(tot[keys + ["employed"]], on=keys, suffixes=("", "_birth"))
    merged = merged[~merged["iso3"].isin(list(different_sources))]
    difference = (merged["employed"] - merged["employed_birth"]).abs()
    if len(difference) and difference.max() > OCCUPATION_TOTAL_TOLERANCE + 1e-6:
        row = merged.loc[difference.idxmax()]
        raise ValidationError(
            f"employment_occupation: {row['iso3']} {row['year']} {row['occupation']} {row['sex']}: "
            f"{row['employed']:,.0f} employed against {row['employed_birth']:,.0f} in the place-of-birth table "
            f"(at most {OCCUPATION_TOTAL_TOLERANCE:g} apart; add the country to employment.DIFFERENT_SOURCES "
            "if the tables come from different sources)")
    return {"countries": int(merged["iso3"].nunique()), "worst": float(difference.max()) if len(difference) else 0.0}


# ---------------------------------------------------------------- coverage
def coverage(occupation: pd.DataFrame, birth: pd.DataFrame, education: pd.DataFrame,
             locations: pd.DataFrame) -> pd.DataFrame:
    """Which country has which table, in which reference year, and what its reference year leaves out.

    Returns
    -------
    DataFrame
        One row per WPP country and per code outside WPP: ``iso3,
        location_code, name, occupation_year, classification, employed``
        (reference-year total, all sexes), ``groups_missing`` (ISCO-08
        major groups 1–9 with no cell in the reference year),
        ``cells_other_years`` and ``employed_other_years`` (cells left out),
        ``birth_year``, ``foreign_born`` (reference-year ``Foreign`` total),
        ``education_year``.
    """
    countries = locations[locations["kind"] == "country"].dropna(subset=["iso3"])
    frame = pd.DataFrame({"iso3": sorted(set(countries["iso3"]) | set(occupation["iso3"]) | set(birth["iso3"])
                                         | set(education["iso3"]))})
    frame["location_code"] = frame["iso3"].map(_codes(locations)).astype("Int32")
    frame["name"] = frame["iso3"].map(countries.set_index("iso3")["name"])
    current = occupation[occupation["in_reference_year"]]
    other = occupation[~occupation["in_reference_year"]]
    frame["occupation_year"] = frame["iso3"].map(current.groupby("iso3")["year"].first()).astype("Int16")
    frame["classification"] = frame["iso3"].map(current.groupby("iso3")["classification"].first())
    frame["employed"] = frame["iso3"].map(current.groupby("iso3")["employed"].sum())
    present = current[current["classification"] == ISCO08].groupby("iso3")["occupation"].agg(set)
    wanted = {f"isco-08-{g}" for g in "123456789"}
    missing = present.map(lambda have: ", ".join(sorted(code[-1] for code in wanted - have)))
    frame["groups_missing"] = frame["iso3"].map(missing).fillna("")
    frame["cells_other_years"] = frame["iso3"].map(other.groupby("iso3").size()).fillna(0).astype("int64")
    frame["employed_other_years"] = frame["iso3"].map(other.groupby("iso3")["employed"].sum()).fillna(0.0)
    born = birth[birth["in_reference_year"]]
    frame["birth_year"] = frame["iso3"].map(born.groupby("iso3")["year"].first()).astype("Int16")
    foreign = born[born["birth"] == "foreign"].groupby("iso3")["employed"].sum()
    frame["foreign_born"] = frame["iso3"].map(foreign)
    frame["education_year"] = frame["iso3"].map(education.groupby("iso3")["reference_year"].first()).astype("Int16")
    return frame.sort_values("iso3", ignore_index=True)


def without_data(cover: pd.DataFrame, column: str = "occupation_year") -> list[str]:
    """Names of the WPP countries with no reference year in a table (``occupation_year``, ``birth_year`` …)."""
    rows = cover[cover["location_code"].notna() & cover[column].isna()]
    return sorted(rows["name"].astype(str))


# ---------------------------------------------------------------- loading
def load_isco(processed_dir: Path | None = None) -> pd.DataFrame:
    """The processed ``isco_groups`` table."""
    return read_table("isco_groups", processed_dir)


def load_occupation(processed_dir: Path | None = None, reference_only: bool = True) -> pd.DataFrame:
    """The processed ``employment_occupation`` table (by default the cells of each country's reference year)."""
    table = read_table("employment_occupation", processed_dir)
    return table[table["in_reference_year"]].reset_index(drop=True) if reference_only else table


def load_occupation_birth(processed_dir: Path | None = None, reference_only: bool = True) -> pd.DataFrame:
    """The processed ``employment_occupation_birth`` table (by default the reference-year cells)."""
    table = read_table("employment_occupation_birth", processed_dir)
    return table[table["in_reference_year"]].reset_index(drop=True) if reference_only else table


def load_education(processed_dir: Path | None = None) -> pd.DataFrame:
    """The processed ``employment_education`` table (every year)."""
    return read_table("employment_education", processed_dir)


def load_coverage(processed_dir: Path | None = None) -> pd.DataFrame:
    """The processed ``employment_coverage`` table."""
    return read_table("employment_coverage", processed_dir)
