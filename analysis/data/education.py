"""Population by educational attainment (Wittgenstein Centre 2018, SSP2), cleaned and harmonised with WPP 2024.

Raw file: ``wcde/epop_ssp2.rda`` (Wittgenstein Centre Data Explorer version 2,
the 2018 assessment, SSP2 scenario, from the ``wcde`` R package).  One row per
location, year, 5-year age group, sex and education category, with ``epop``
in **thousands to one decimal** (a resolution of 100 persons).

Raw conventions handled here (measured on the pinned file; the tests check
them):

* 201 countries and 28 WIC aggregates (World, continents, sub-regions), which
  carry WPP's aggregate codes.  The aggregates are dropped: every group, WPP
  region or regional economic community is summed over its member countries,
  because WIC's aggregates are not the sums of its countries level by level.
  One WIC country is not a WPP country: the Channel Islands (830), whose
  shares WPP's Guernsey and Jersey take;
* most countries run 1950–2100; 16 (Eritrea, Libya, Mauritania, Djibouti,
  Seychelles, Western Sahara, the Channel Islands, …) only 2015–2100, WIC's
  base year.  Earlier years are WIC's back-projections;
* every country-year-age-sex cell carries seven categories (``Under 15``,
  ``No Education``, ``Incomplete Primary``, ``Primary``, ``Lower Secondary``,
  ``Upper Secondary``, ``Post Secondary``).  Some countries, from 2015 on,
  also carry ``Short Post Secondary``, ``Bachelor`` and ``Master and
  higher``, which **repeat** ``Post Secondary`` (they sum to it within one
  rounding unit, 100 persons).  Summing all ten categories would count
  post-secondary twice, so the level table holds the seven categories and
  the split goes to a detail table of its own;
* there is no total row: a cell's total is the sum of its seven categories.
  "Levels sum to the total" is checked both ways the hierarchy can be read
  (seven categories, or post-secondary replaced by its three sub-levels);
* ``Under 15`` is non-zero only at ages 0–14 and every attainment level is
  zero there; it is kept as the level ``under-15`` so that totals match WPP's,
  and shares of attainment are of people aged 15 and over;
* ages ``0--4`` … ``95--99``, ``100+`` become WPP's ``0-4`` … ``100+``; sexes
  ``Male``/``Female`` become ``male``/``female``.

Harmonisation: WIC's base population (2015) and its projections differ from
WPP 2024's (see :func:`compare_totals`), so WIC's counts are never used
directly.  :func:`education_shares` turns them into shares by country, year,
sex and age, and :func:`harmonise` applies those shares to any WPP-shaped
population table: the medium variant, the low and high variants, projection
results or sampled trajectories (every column besides the cell keys and the
value is carried through as a key).  :func:`shares_array` and
:func:`harmonise_array` do the same on arrays, for trajectories held as
``(trajectory, location, year, sex, age)`` arrays.  WPP countries WIC does not
report get no split: :func:`coverage` lists them.

Every ``clean_*`` function is pure; ``check_*`` functions raise
:class:`~analysis.data.tables.ValidationError` with one line saying what is
wrong; ``load_*`` functions read the processed tables.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from analysis.data import wpp
from analysis.data.conventions import AGE_DTYPE, AGE_GROUPS, SEX_DTYPE, SEXES, VARIANT_DTYPE, age_start
from analysis.data.tables import ValidationError, check_unique, read_table

RAW_FILE = "wcde/epop_ssp2.rda"
#: Education levels of the tidy table, lowest first.  ``under-15`` holds
#: everyone aged 0–14 (WIC assigns them no attainment).
EDUCATION_LEVELS: tuple[str, ...] = (
    "under-15",
    "none",
    "incomplete-primary",
    "primary",
    "lower-secondary",
    "upper-secondary",
    "post-secondary",
)
#: The six attainment levels of people aged 15 and over.
ATTAINMENT_LEVELS: tuple[str, ...] = EDUCATION_LEVELS[1:]
#: Sub-levels of post-secondary, where WIC splits it.
POST_SECONDARY_DETAIL: tuple[str, ...] = ("short-post-secondary", "bachelor", "master-and-higher")
#: Levels counted as "at least upper secondary".
AT_LEAST_UPPER_SECONDARY: tuple[str, ...] = ("upper-secondary", "post-secondary")
#: How a cell's shares were obtained: its own WIC counts, the nearest younger
#: age group's (WIC has no people in the cell), or the shares of all ages 15+
#: of the same location, year and sex (no younger age group has people).
FALLBACKS: tuple[str, ...] = ("none", "younger-age", "all-adult-ages")

EDUCATION_DTYPE = pd.CategoricalDtype(list(EDUCATION_LEVELS), ordered=True)
DETAIL_DTYPE = pd.CategoricalDtype(list(POST_SECONDARY_DETAIL), ordered=True)
FALLBACK_DTYPE = pd.CategoricalDtype(list(FALLBACKS), ordered=False)

RAW_EDUCATION: dict[str, str] = {
    "Under 15": "under-15",
    "No Education": "none",
    "Incomplete Primary": "incomplete-primary",
    "Primary": "primary",
    "Lower Secondary": "lower-secondary",
    "Upper Secondary": "upper-secondary",
    "Post Secondary": "post-secondary",
}
RAW_DETAIL: dict[str, str] = {
    "Short Post Secondary": "short-post-secondary",
    "Bachelor": "bachelor",
    "Master and higher": "master-and-higher",
}
RAW_SEX: dict[str, str] = {"Male": "male", "Female": "female"}

#: Attainment starts at this age in WIC.
ADULT_AGE = 15
#: The sub-levels repeat ``Post Secondary`` to within one rounding unit of the
#: raw file (0.1 thousand): measured at most 100 persons apart.
DETAIL_TOLERANCE = 100.0
#: WPP countries that WIC reports only inside a unit of its own, and that take
#: that unit's shares: WIC's Channel Islands (830) are WPP's Guernsey (831)
#: and Jersey (832).
DEFAULT_SHARE_DONORS: dict[int, int] = {831: 830, 832: 830}
#: Largest accepted difference (persons) between a harmonised cell, summed over
#: levels, and the WPP cell it came from.
HARMONISE_TOLERANCE = 1.0
#: Years in which WIC's totals are compared with WPP's by default.
COMPARISON_YEARS: tuple[int, ...] = (2025, 2050)

CELL_KEYS = ["location_code", "year", "sex", "age"]
_AGE_STARTS = age_start(pd.Series(AGE_GROUPS)).to_numpy()
_ADULT = _AGE_STARTS >= ADULT_AGE
LEVEL_KEYS = CELL_KEYS + ["education"]
DETAIL_KEYS = CELL_KEYS + ["detail"]
_REPAIR = f"the raw file {RAW_FILE} is not the pinned version or is corrupt: run `make data` again"


# ---------------------------------------------------------------- cleaning
def _mapped(values: pd.Series, mapping: Mapping[str, str], what: str) -> np.ndarray:
    """Map labels through ``mapping`` via factorisation (fast on 2 M rows); unknown labels raise."""
    codes, uniques = pd.factorize(values.astype(str), sort=False)
    unknown = sorted(set(uniques) - set(mapping))
    if unknown:
        raise ValidationError(f"{RAW_FILE}: unexpected {what} {unknown[:5]}; {_REPAIR}")
    return np.asarray([mapping[u] for u in uniques], dtype=object)[codes]


def wic_age_labels(labels: Iterable[str]) -> dict[str, str]:
    """WIC age labels (``"0--4"``, …, ``"95--99"``, ``"100+"``) to WPP's (``"0-4"``, …, ``"100+"``)."""
    out = {}
    for label in labels:
        text = str(label).strip()
        parts = [p for p in text.split("-") if p]
        out[text] = "100+" if text == "100+" else "-".join(parts)
    return {raw: wpp_label for raw, wpp_label in out.items() if wpp_label in AGE_GROUPS}


def _base_columns(raw: pd.DataFrame) -> pd.DataFrame:
    """Typed keys of the raw rows, with persons; raises on anything the raw conventions do not allow."""
    missing = {"country_code", "year", "age", "education", "sex", "epop"} - set(raw.columns)
    if missing:
        raise ValidationError(f"{RAW_FILE}: missing columns {sorted(missing)}; {_REPAIR}")
    codes = pd.to_numeric(raw["country_code"], errors="coerce").to_numpy(dtype="float64")
    years = pd.to_numeric(raw["year"], errors="coerce").to_numpy(dtype="float64")
    epop = pd.to_numeric(raw["epop"], errors="coerce").to_numpy(dtype="float64")
    for name, values in (("country_code", codes), ("year", years), ("epop", epop)):
        bad = ~np.isfinite(values)
        if bad.any():
            raise ValidationError(f"{RAW_FILE}: {int(bad.sum())} missing or infinite values in {name}; {_REPAIR}")
    if (codes != np.round(codes)).any() or (years != np.round(years)).any():
        raise ValidationError(f"{RAW_FILE}: non-integer country codes or years; {_REPAIR}")
    off_grid = (years % 5 != 0) | (years < 1950) | (years > 2100)
    if off_grid.any():
        raise ValidationError(f"{RAW_FILE}: years off the 5-year grid 1950–2100, e.g. {years[off_grid][0]:.0f}; {_REPAIR}")
    if (epop < 0).any():
        raise ValidationError(f"{RAW_FILE}: {int((epop < 0).sum())} negative counts in epop; {_REPAIR}")
    ages = raw["age"].astype(str)
    return pd.DataFrame(
        {
            "location_code": codes.astype("int32"),
            "year": years.astype("int16"),
            "sex": _mapped(raw["sex"], RAW_SEX, "sexes"),
            "age": _mapped(ages, wic_age_labels(ages.unique()), "age groups"),
            "category": raw["education"].astype(str).to_numpy(dtype=object),
            # thousands with one decimal -> whole persons (exact at that resolution)
            "persons": np.round(epop * 1000.0),
        }
    )


def _age_start(age: pd.Series) -> np.ndarray:
    """Lower bounds of WPP age-group categoricals, from their codes (fast on millions of rows)."""
    return _AGE_STARTS[age.cat.codes.to_numpy()]


def _typed(base: pd.DataFrame, column: str, mapping: Mapping[str, str], dtype, keys: list[str]) -> pd.DataFrame:
    rows = base[base["category"].isin(list(mapping))]
    out = pd.DataFrame(
        {
            "location_code": rows["location_code"].to_numpy(),
            "year": rows["year"].to_numpy(),
            "sex": pd.Categorical(rows["sex"].to_numpy(), dtype=SEX_DTYPE),
            "age": pd.Categorical(rows["age"].to_numpy(), dtype=AGE_DTYPE),
            column: pd.Categorical(_mapped(rows["category"], mapping, "education categories"), dtype=dtype),
            "persons": rows["persons"].to_numpy(),
        }
    )
    out.insert(4, "age_start", _age_start(out["age"]))
    return out.sort_values(keys, ignore_index=True)


def clean_education(raw: pd.DataFrame, aggregate_codes: Iterable[int] = ()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Tidy WIC population by location, year, sex, age and education level, and the post-secondary split.

    Parameters
    ----------
    raw : DataFrame
        Raw ``epop_ssp2`` (``name, country_code, year, age, education, sex, epop``).
    aggregate_codes : iterable of int
        Codes to drop: WPP's aggregates (WIC's 28 aggregates, World 900 …
        Southern Asia 5501, all carry WPP aggregate codes).  Groups are summed
        over their member countries instead.

    Returns
    -------
    levels : DataFrame
        ``location_code`` (int32, M49), ``year`` (int16), ``sex``, ``age``,
        ``age_start``, ``education`` (ordered: under-15, none,
        incomplete-primary, primary, lower-secondary, upper-secondary,
        post-secondary) and ``persons`` (float64, WIC's counts).
    detail : DataFrame
        The same keys with ``detail`` (short-post-secondary, bachelor,
        master-and-higher) in place of ``education``: rows only for the cells
        where WIC splits post-secondary.

    Raises
    ------
    ValidationError
        Missing, infinite or negative values, codes or years off the grid, or
        unknown sexes, ages or education categories.
    """
    base = _base_columns(raw)
    unknown = sorted(set(pd.unique(base["category"])) - set(RAW_EDUCATION) - set(RAW_DETAIL))
    if unknown:
        raise ValidationError(f"{RAW_FILE}: unexpected education categories {unknown[:5]}; {_REPAIR}")
    base = base[~base["location_code"].isin([int(c) for c in aggregate_codes])]
    levels = _typed(base, "education", RAW_EDUCATION, EDUCATION_DTYPE, LEVEL_KEYS)
    detail = _typed(base, "detail", RAW_DETAIL, DETAIL_DTYPE, DETAIL_KEYS)
    return levels, detail


# ---------------------------------------------------------------- checks
def _check_values(table: pd.DataFrame, value: str, name: str) -> None:
    values = table[value].to_numpy(dtype="float64")
    if not np.isfinite(values).all():
        raise ValidationError(f"{name}: {int((~np.isfinite(values)).sum())} missing or infinite values in {value}")
    if (values < 0).any():
        raise ValidationError(f"{name}: {int((values < 0).sum())} negative values in {value}, "
                              f"e.g. {table.loc[values < 0].iloc[0].to_dict()}")


def _cells(table: pd.DataFrame, column: str, categories: Sequence[str], value: str, name: str
           ) -> tuple[pd.DataFrame, np.ndarray]:
    """The cells of a complete table and their values as an array (location-year-sex × 21 ages × categories).

    Raises
    ------
    ValidationError
        If a cell lacks a category or a location-year-sex lacks an age group.
    """
    k = len(categories)
    ordered = table.sort_values(CELL_KEYS + [column], ignore_index=True)
    codes = ordered[column].cat.codes.to_numpy()
    if len(ordered) % k or not (codes.reshape(-1, k) == np.arange(k)).all():
        cells = ordered.groupby(CELL_KEYS, observed=True)[column].nunique()
        first = cells[cells != k].index[0] if (cells != k).any() else ordered.iloc[0][CELL_KEYS].tolist()
        raise ValidationError(f"{name}: cells without all {k} categories of {column}, e.g. {dict(zip(CELL_KEYS, first))}")
    cells = ordered.iloc[::k][CELL_KEYS + ["age_start"]].reset_index(drop=True)
    ages = len(AGE_GROUPS)
    age_codes = cells["age"].cat.codes.to_numpy()
    if len(cells) % ages or not (age_codes.reshape(-1, ages) == np.arange(ages)).all():
        groups = cells.groupby(["location_code", "year", "sex"], observed=True)["age"].nunique()
        first = groups[groups != ages].index[0] if (groups != ages).any() else cells.iloc[0][CELL_KEYS].tolist()
        raise ValidationError(f"{name}: location-years without the {ages} age groups, e.g. {first}")
    values = ordered[value].to_numpy(dtype="float64").reshape(-1, ages, k)
    return cells, values


def check_education(levels: pd.DataFrame, name: str = "education") -> None:
    """All checks of the level table; raises ``ValidationError``.

    * unique on location, year, sex, age and education; no missing keys;
    * persons finite and non-negative;
    * every cell has the seven levels and every location-year-sex the 21 age groups;
    * ``under-15`` only at ages 0–14, attainment levels only at ages 15+.
    """
    check_unique(levels, LEVEL_KEYS, name)
    _check_values(levels, "persons", name)
    _cells(levels, "education", EDUCATION_LEVELS, "persons", name)
    child = levels["age_start"].to_numpy() < ADULT_AGE
    under = (levels["education"] == "under-15").to_numpy()
    misplaced = (levels["persons"].to_numpy() > 0) & (child != under)
    if misplaced.any():
        raise ValidationError(f"{name}: {int(misplaced.sum())} rows with attainment below age {ADULT_AGE} or "
                              f"'under-15' above it, e.g. {levels.loc[misplaced].iloc[0].to_dict()}")


def check_post_secondary_detail(detail: pd.DataFrame, levels: pd.DataFrame, tolerance: float = DETAIL_TOLERANCE,
                                name: str = "education_detail") -> pd.DataFrame:
    """Check that the sub-levels are complete and repeat ``post-secondary`` cell by cell.

    Returns
    -------
    DataFrame
        Per split cell: ``location_code, year, sex, age, post_secondary,
        detail_sum, difference`` (persons).

    Raises
    ------
    ValidationError
        If a split cell lacks a sub-level or a level row, or its sub-levels
        differ from ``post-secondary`` by more than ``tolerance`` persons.
    """
    check_unique(detail, DETAIL_KEYS, name)
    _check_values(detail, "persons", name)
    cells, values = _cells(detail, "detail", POST_SECONDARY_DETAIL, "persons", name)
    post = levels.loc[levels["education"] == "post-secondary", CELL_KEYS + ["persons"]]
    compared = cells[CELL_KEYS].merge(post, on=CELL_KEYS, how="left").rename(columns={"persons": "post_secondary"})
    if compared["post_secondary"].isna().any():
        raise ValidationError(f"{name}: split cells with no post-secondary level row, "
                              f"e.g. {compared[compared['post_secondary'].isna()].iloc[0][CELL_KEYS].to_dict()}")
    compared["detail_sum"] = values.reshape(-1, len(POST_SECONDARY_DETAIL)).sum(axis=1)
    compared["difference"] = compared["detail_sum"] - compared["post_secondary"]
    worst = float(compared["difference"].abs().max()) if len(compared) else 0.0
    if worst > tolerance + 1e-6:
        raise ValidationError(f"{name}: post-secondary sub-levels differ from post-secondary by up to {worst:,.0f} "
                              f"persons (tolerance {tolerance:,.0f}); {_REPAIR}")
    return compared


def level_totals(levels: pd.DataFrame, detail: pd.DataFrame) -> pd.DataFrame:
    """Each country-year-sex total read both ways: the seven levels, and with post-secondary replaced by its sub-levels.

    The raw file has no total row, so a total is the sum of the seven
    categories; where WIC splits post-secondary, the hierarchy can also be
    read with the three sub-levels in its place.  Both readings must agree
    within one rounding unit (100 persons) per age group.

    Returns
    -------
    DataFrame
        ``location_code, year, sex, levels_total, detailed_total, difference``
        (persons); the two totals are equal where there is no split.
    """
    keys = ["location_code", "year", "sex"]
    total = levels.groupby(keys, observed=True)["persons"].sum().rename("levels_total")
    post = levels[levels["education"] == "post-secondary"].merge(detail[CELL_KEYS].drop_duplicates(), on=CELL_KEYS)
    replaced = post.groupby(keys, observed=True)["persons"].sum()
    sub = detail.groupby(keys, observed=True)["persons"].sum()
    detailed = total.sub(replaced, fill_value=0.0).add(sub, fill_value=0.0).rename("detailed_total")
    out = pd.concat([total, detailed], axis=1).reset_index()
    out["difference"] = out["detailed_total"] - out["levels_total"]
    return out


def check_level_totals(totals: pd.DataFrame, tolerance: float = DETAIL_TOLERANCE * len(AGE_GROUPS)) -> float:
    """Raise unless both readings of every total agree within ``tolerance`` persons; returns the largest gap."""
    worst = float(totals["difference"].abs().max()) if len(totals) else 0.0
    if worst > tolerance + 1e-6:
        row = totals.loc[totals["difference"].abs().idxmax()]
        raise ValidationError(f"education: the levels of {int(row['location_code'])} in {int(row['year'])} sum to "
                              f"totals {worst:,.0f} persons apart depending on post-secondary's split "
                              f"(tolerance {tolerance:,.0f}); {_REPAIR}")
    return worst


# ---------------------------------------------------------------- shares
def _shares(values: np.ndarray, adult: np.ndarray, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Row shares of ``values`` (location-year-sex × ages × categories) at adult ages, with fallbacks.

    A cell with no people takes the shares of the nearest younger adult age
    group with people in the same location, year and sex; failing that, the
    shares of all its adult ages together.  Non-adult ages get NaN.

    Returns
    -------
    shares : ndarray, like ``values``
    fallback : ndarray of int (groups × ages): index into :data:`FALLBACKS`
    """
    totals = values.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = values / totals[..., None]
    has = (totals > 0) & adult[None, :]
    positions = np.where(has, np.arange(values.shape[1])[None, :], -1)
    nearest = np.maximum.accumulate(positions, axis=1)
    fallback = np.zeros(totals.shape, dtype="int8")
    empty = adult[None, :] & ~has
    younger = empty & (nearest >= 0)
    if younger.any():
        groups, ages = np.nonzero(younger)
        shares[groups, ages] = shares[groups, nearest[groups, ages]]
        fallback[younger] = 1
    still = empty & (nearest < 0)
    if still.any():
        pooled = values[:, adult].sum(axis=1)
        pooled_total = pooled.sum(axis=-1)
        groups, ages = np.nonzero(still)
        if (pooled_total[groups] <= 0).any():
            raise ValidationError(f"{name}: a location-year-sex has nobody aged {ADULT_AGE}+ in WIC, so its shares "
                                  f"cannot be set; {_REPAIR}")
        shares[groups, ages] = pooled[groups] / pooled_total[groups, None]
        fallback[still] = 2
    shares[:, ~adult] = np.nan
    return shares, fallback


def _long_shares(cells: pd.DataFrame, shares: np.ndarray, fallback: np.ndarray, column: str,
                 categories: Sequence[str], dtype, donors: Mapping[int, int]) -> pd.DataFrame:
    """Tidy shares from the cell array, with donor copies appended."""
    k = len(categories)
    flat = shares.reshape(-1, k)
    out = pd.DataFrame({
        "location_code": np.repeat(cells["location_code"].to_numpy(), k),
        "year": np.repeat(cells["year"].to_numpy(), k),
        "sex": pd.Categorical.from_codes(np.repeat(cells["sex"].cat.codes.to_numpy(), k), dtype=SEX_DTYPE),
        "age": pd.Categorical.from_codes(np.repeat(cells["age"].cat.codes.to_numpy(), k), dtype=AGE_DTYPE),
        "age_start": np.repeat(cells["age_start"].to_numpy(), k),
        column: pd.Categorical.from_codes(np.tile(np.arange(k), len(cells)), dtype=dtype),
        "share": flat.ravel(),
        "fallback": pd.Categorical.from_codes(np.repeat(fallback.ravel(), k), dtype=FALLBACK_DTYPE),
        "donor_code": np.repeat(cells["location_code"].to_numpy(), k).astype("int32"),
    })
    out = out[np.isfinite(out["share"].to_numpy())]
    copies = []
    for target, source in donors.items():
        if (out["location_code"] == target).any():
            raise ValidationError(f"{column} shares: {target} has WIC data of its own, so it cannot take {source}'s")
        block = out[out["location_code"] == source]
        if len(block):
            copies.append(block.assign(location_code=np.int32(target)))
    out = pd.concat([out, *copies], ignore_index=True)
    return out.sort_values(CELL_KEYS + [column], ignore_index=True)


def education_shares(levels: pd.DataFrame, donors: Mapping[int, int] | None = None) -> pd.DataFrame:
    """Share of each education level in every location, year, sex and age cell.

    * Ages 0–14: ``under-15`` = 1 (WIC assigns no attainment below 15).
    * Ages 15+: each attainment level over their sum (``under-15`` = 0).
    * A cell with no people in WIC but people in WPP (WIC rounds to 100
      persons; measured: only at ages 70+) takes the shares of the nearest
      younger age group of the same location, year and sex with people;
      failing that, those of all its ages 15+.  ``fallback`` says which.
    * ``donors`` maps a WPP code to the WIC code whose shares it takes
      (default :data:`DEFAULT_SHARE_DONORS`); ``donor_code`` records the
      source of every row.

    Parameters
    ----------
    levels : DataFrame
        The level table of :func:`clean_education` (checked with
        :func:`check_education`).
    donors : mapping, optional
        ``{wpp_code: wic_code}``; ``{}`` for none.

    Returns
    -------
    DataFrame
        ``location_code, year, sex, age, age_start, education, share,
        fallback, donor_code``; a cell's shares sum to 1.
    """
    donors = DEFAULT_SHARE_DONORS if donors is None else dict(donors)
    cells, values = _cells(levels, "education", EDUCATION_LEVELS, "persons", "education")
    adult = _ADULT
    attainment, fallback = _shares(values[..., 1:], adult, "education")
    shares = np.zeros(values.shape)
    shares[..., 1:] = np.nan_to_num(attainment, nan=0.0)
    shares[:, ~adult, 0] = 1.0
    return _long_shares(cells, shares, fallback, "education", EDUCATION_LEVELS, EDUCATION_DTYPE, donors)


def detail_shares(detail: pd.DataFrame, donors: Mapping[int, int] | None = None) -> pd.DataFrame:
    """Share of each post-secondary sub-level within post-secondary, in every split cell aged 15+.

    Cells without post-secondary people take the nearest younger age group's
    split, else their location-year-sex split over ages 15+ (as in
    :func:`education_shares`).  A cell's shares sum to 1, so harmonised
    sub-levels sum exactly to harmonised post-secondary.

    Returns
    -------
    DataFrame
        ``location_code, year, sex, age, age_start, detail, share, fallback,
        donor_code``: ages 15+ of the split cells.
    """
    donors = DEFAULT_SHARE_DONORS if donors is None else dict(donors)
    if detail.empty:
        return _long_shares(detail.iloc[:0][CELL_KEYS + ["age_start"]], np.zeros((0, len(AGE_GROUPS), 3)),
                            np.zeros((0, len(AGE_GROUPS)), dtype="int8"), "detail", POST_SECONDARY_DETAIL,
                            DETAIL_DTYPE, {})
    cells, values = _cells(detail, "detail", POST_SECONDARY_DETAIL, "persons", "education_detail")
    adult = _ADULT
    shares, fallback = _shares(values, adult, "education_detail")
    return _long_shares(cells, shares, fallback, "detail", POST_SECONDARY_DETAIL, DETAIL_DTYPE, donors)


def check_shares(shares: pd.DataFrame, column: str = "education", tolerance: float = 1e-9) -> float:
    """Raise unless shares are finite, within 0–1 and sum to 1 in every cell; returns the largest error of a sum."""
    name = f"{column} shares"
    check_unique(shares, CELL_KEYS + [column], name)
    values = shares["share"].to_numpy(dtype="float64")
    if not np.isfinite(values).all():
        raise ValidationError(f"{name}: {int((~np.isfinite(values)).sum())} missing or infinite shares")
    if (values < 0).any() or (values > 1 + tolerance).any():
        raise ValidationError(f"{name}: shares outside 0–1, e.g. {shares.loc[(values < 0) | (values > 1)].iloc[0].to_dict()}")
    sums = shares.groupby(CELL_KEYS, observed=True)["share"].sum()
    worst = float((sums - 1.0).abs().max()) if len(sums) else 0.0
    if worst > tolerance:
        raise ValidationError(f"{name}: the shares of a cell do not sum to 1 (worst {worst:.2e}), "
                              f"e.g. {dict(zip(CELL_KEYS, (sums - 1.0).abs().idxmax()))}")
    return worst


# ---------------------------------------------------------------- harmonisation
def _typed_keys(table: pd.DataFrame) -> pd.DataFrame:
    out = table.copy()
    out["location_code"] = out["location_code"].astype("int32")
    out["year"] = out["year"].astype("int16")
    out["sex"] = out["sex"].astype(str).astype(SEX_DTYPE)
    out["age"] = out["age"].astype(str).astype(AGE_DTYPE)
    return out


def harmonise(shares: pd.DataFrame, population: pd.DataFrame, value: str = "population") -> pd.DataFrame:
    """Apply WIC's education shares to a WPP-shaped population table.

    Parameters
    ----------
    shares : DataFrame
        :func:`education_shares`, or :func:`detail_shares` (then pass the
        harmonised post-secondary rows as ``population``: see
        :func:`harmonise_detail`).
    population : DataFrame
        ``location_code, year, sex, age`` and ``value`` (persons), plus any
        other key columns (``variant``, ``scenario``, ``trajectory`` …),
        which are carried through: the medium variant, the other variants,
        projection results and sampled trajectories alike.
    value : str
        The population column.

    Returns
    -------
    DataFrame
        ``location_code, year``, the extra keys, ``sex, age, age_start``,
        ``education`` (or ``detail``) and ``population`` (persons), for the
        cells the shares cover.  Locations and years without shares (WPP
        countries WIC lacks) are left out; :func:`coverage` lists them.
    """
    category = "education" if "education" in shares.columns else "detail"
    extra = [c for c in population.columns if c not in CELL_KEYS + [value, "age_start", category, "population"]]
    pop = _typed_keys(population[CELL_KEYS + extra + [value]])
    if not np.isfinite(pop[value].to_numpy(dtype="float64")).all() or (pop[value] < 0).any():
        raise ValidationError(f"harmonise: the population column {value!r} has missing, infinite or negative values")
    merged = pop.merge(shares[CELL_KEYS + ["age_start", category, "share"]], on=CELL_KEYS, how="inner")
    merged["population"] = merged[value].to_numpy(dtype="float64") * merged["share"].to_numpy()
    columns = ["location_code", "year", *extra, "sex", "age", "age_start", category, "population"]
    return merged[columns].sort_values(columns[:-1], ignore_index=True)


def harmonise_detail(detail_share: pd.DataFrame, harmonised: pd.DataFrame) -> pd.DataFrame:
    """Harmonised post-secondary split: harmonised ``post-secondary`` persons times the sub-level shares.

    Returns
    -------
    DataFrame
        As :func:`harmonise`, with ``detail`` in place of ``education``, for
        the locations and years where WIC splits post-secondary; the
        sub-levels of a cell sum to its harmonised post-secondary.
    """
    post = harmonised[harmonised["education"] == "post-secondary"].drop(columns=["education", "age_start"])
    return harmonise(detail_share, post)


def check_harmonised(harmonised: pd.DataFrame, population: pd.DataFrame, value: str = "population",
                     tolerance: float = HARMONISE_TOLERANCE, category: str = "education") -> float:
    """Raise unless every harmonised cell sums back to the WPP cell it came from, and no covered cell is missing.

    Parameters
    ----------
    harmonised : DataFrame
        :func:`harmonise` of ``population``.
    population : DataFrame
        The population table harmonised.

    Returns
    -------
    float
        The largest absolute difference in persons.
    """
    values = harmonised["population"].to_numpy(dtype="float64")
    if not np.isfinite(values).all() or (values < 0).any():
        raise ValidationError("harmonised education: missing, infinite or negative persons")
    keys = [c for c in harmonised.columns if c not in (category, "population", "age_start")]
    summed = harmonised.groupby(keys, observed=True, sort=False)["population"].sum().rename("harmonised")
    pop = _typed_keys(population)
    covered = pop.merge(harmonised[["location_code", "year"]].drop_duplicates(), on=["location_code", "year"])
    reference = covered.set_index(keys)[value]
    compared = pd.concat([summed, reference.rename("wpp")], axis=1)
    if compared["wpp"].isna().any():
        raise ValidationError(f"harmonised education: cells that are not in the population table, "
                              f"e.g. {compared[compared['wpp'].isna()].index[0]}")
    if compared["harmonised"].isna().any():
        raise ValidationError(f"harmonised education: population cells of covered locations without education "
                              f"rows, e.g. {compared[compared['harmonised'].isna()].index[0]}")
    worst = float((compared["harmonised"] - compared["wpp"]).abs().max()) if len(compared) else 0.0
    if worst > tolerance:
        raise ValidationError(f"harmonised education: cells differ from WPP by up to {worst:,.3f} persons "
                              f"(tolerance {tolerance})")
    return worst


def coverage(shares: pd.DataFrame, population: pd.DataFrame, countries: Iterable[int],
             value: str = "population") -> pd.DataFrame:
    """Which WPP countries have an education split in each year, and their population.

    Parameters
    ----------
    shares : DataFrame
        :func:`education_shares` (with donors).
    population : DataFrame
        One WPP series (e.g. the medium variant): ``location_code, year`` and
        ``value``; other columns are summed over.
    countries : iterable of int
        M49 codes of the WPP countries.

    Returns
    -------
    DataFrame
        ``location_code, year, covered, donor_code`` (the WIC unit whose
        shares the country takes; missing when not covered) and
        ``population`` (persons), one row per country and year of
        ``population``.
    """
    units = shares[["location_code", "year", "donor_code"]].drop_duplicates(["location_code", "year"])
    pop = _typed_keys(population[CELL_KEYS + [value]])
    pop = pop[pop["location_code"].isin([int(c) for c in countries])]
    totals = pop.groupby(["location_code", "year"], observed=True)[value].sum().rename("population").reset_index()
    out = totals.merge(units, on=["location_code", "year"], how="left")
    out["covered"] = out["donor_code"].notna()
    out["donor_code"] = out["donor_code"].astype("Int32")
    return out[["location_code", "year", "covered", "donor_code", "population"]].sort_values(
        ["location_code", "year"], ignore_index=True)


# ---------------------------------------------------------------- arrays (trajectories)
def shares_array(shares: pd.DataFrame, location_codes: Sequence[int], years: Sequence[int]
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Education shares laid out like the projection engine's arrays.

    Returns
    -------
    shares : ndarray, shape (L, Y, 2, 21, 7)
        Locations × years × sex (male, female) × age groups × levels (in
        :data:`EDUCATION_LEVELS` order); NaN where a location-year has no
        shares.
    covered : ndarray of bool, shape (L, Y)
    """
    location_index = {int(c): i for i, c in enumerate(location_codes)}
    year_index = {int(y): j for j, y in enumerate(years)}
    out = np.full((len(location_index), len(year_index), len(SEXES), len(AGE_GROUPS), len(EDUCATION_LEVELS)), np.nan)
    rows = shares[shares["location_code"].isin(list(location_index)) & shares["year"].isin(list(year_index))]
    out[rows["location_code"].map(location_index).to_numpy(),
        rows["year"].map(year_index).to_numpy(),
        rows["sex"].cat.codes.to_numpy(),
        rows["age"].cat.codes.to_numpy(),
        rows["education"].cat.codes.to_numpy()] = rows["share"].to_numpy()
    covered = np.isfinite(out).all(axis=(2, 3, 4))
    return out, covered


def harmonise_array(shares: np.ndarray, population: np.ndarray) -> np.ndarray:
    """Population by education from arrays: ``population[..., None] * shares``.

    Parameters
    ----------
    shares : ndarray, shape (L, Y, 2, 21, 7)
        :func:`shares_array`.
    population : ndarray, shape (..., L, Y, 2, 21)
        Persons, with any leading axes (e.g. trajectories).

    Returns
    -------
    ndarray, shape (..., L, Y, 2, 21, 7)
        Sums over its last axis to ``population`` where covered; NaN where not.
    """
    population = np.asarray(population, dtype="float64")
    if population.shape[-4:] != shares.shape[:4]:
        raise ValidationError(f"harmonise_array: population of shape {population.shape} does not end with the shares' "
                              f"(location, year, sex, age) shape {shares.shape[:4]}")
    return population[..., None] * shares


def harmonised_sum(shares: np.ndarray, population: np.ndarray, locations: np.ndarray, ages: np.ndarray) -> np.ndarray:
    """Population by education summed over chosen locations and age groups, without building the full array.

    For many trajectories the full ``(..., L, Y, 2, 21, 7)`` array of
    :func:`harmonise_array` is large (1,000 trajectories of 58 countries over
    16 years: 2.2 GB); this contracts the locations and ages away as it
    multiplies.

    Parameters
    ----------
    shares : ndarray, shape (L, Y, 2, 21, 7)
        :func:`shares_array`.
    population : ndarray, shape (..., L, Y, 2, 21)
    locations : ndarray of bool, shape (L,)
        The locations summed (e.g. a group's members); each must be covered
        in every year.
    ages : ndarray of bool, shape (21,)
        The age groups summed (e.g. :meth:`AgeBand.groups`).

    Returns
    -------
    ndarray, shape (..., Y, 2, 7)
        Persons by year, sex and level.

    Raises
    ------
    ValidationError
        If a chosen location has no shares in some year: its people would be
        silently dropped.
    """
    population = np.asarray(population, dtype="float64")
    if population.shape[-4:] != shares.shape[:4]:
        raise ValidationError(f"harmonised_sum: population of shape {population.shape} does not end with the shares' "
                              f"(location, year, sex, age) shape {shares.shape[:4]}")
    chosen = shares[np.asarray(locations, dtype=bool)][:, :, :, np.asarray(ages, dtype=bool)]
    if not np.isfinite(chosen).all():
        raise ValidationError("harmonised_sum: some chosen locations have no education shares in some years; "
                              "leave them out (see coverage) rather than drop their people")
    people = population[..., np.asarray(locations, dtype=bool), :, :, :][..., np.asarray(ages, dtype=bool)]
    return np.einsum("...lysa,lysae->...yse", people, chosen, optimize=True)


# ---------------------------------------------------------------- WIC against WPP
def compare_totals(levels: pd.DataFrame, population: pd.DataFrame, value: str = "population") -> pd.DataFrame:
    """WIC's total population against WPP's, per country and year both have.

    Parameters
    ----------
    levels : DataFrame
        :func:`clean_education`'s level table.
    population : DataFrame
        One WPP series (e.g. the medium variant); other columns are summed over.

    Returns
    -------
    DataFrame
        ``location_code, year, wic, wpp, difference`` (WIC − WPP, persons)
        and ``relative_difference`` (difference / WPP).
    """
    wic = levels.groupby(["location_code", "year"], observed=True)["persons"].sum().rename("wic")
    pop = _typed_keys(population[CELL_KEYS + [value]])
    wpp_totals = pop.groupby(["location_code", "year"], observed=True)[value].sum().rename("wpp")
    out = pd.concat([wic, wpp_totals], axis=1, join="inner").reset_index()
    out["difference"] = out["wic"] - out["wpp"]
    out["relative_difference"] = out["difference"] / out["wpp"].where(out["wpp"] > 0)
    return out.sort_values(["location_code", "year"], ignore_index=True)


def summarise_totals(totals: pd.DataFrame, years: Iterable[int] = COMPARISON_YEARS,
                     min_population: float = 1e6) -> pd.DataFrame:
    """Median, 90th percentile and largest absolute gap between WIC's and WPP's totals, per year.

    Parameters
    ----------
    totals : DataFrame
        :func:`compare_totals` (or a selection of its countries).
    min_population : float
        Leave out countries with fewer people in WPP that year (0 keeps all).

    Returns
    -------
    DataFrame
        ``year, countries, median, p90, worst`` (absolute relative gaps, 0–1),
        ``worst_code`` and ``worst_signed`` (WIC − WPP over WPP of the worst).
    """
    rows = []
    for year in years:
        block = totals[(totals["year"] == int(year)) & (totals["wpp"] >= min_population)]
        if block.empty:
            raise ValidationError(f"WIC against WPP: no country with {min_population:,.0f} people or more in {year}")
        gap = block["relative_difference"].abs()
        worst = gap.idxmax()
        rows.append({"year": int(year), "countries": len(block), "median": float(gap.median()),
                     "p90": float(gap.quantile(0.9)), "worst": float(gap.max()),
                     "worst_code": int(block.loc[worst, "location_code"]),
                     "worst_signed": float(block.loc[worst, "relative_difference"])})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- readers
def load_levels(processed_dir: Path | None = None) -> pd.DataFrame:
    """WIC's own counts by level (the processed ``education`` table; not harmonised)."""
    return read_table("education", processed_dir)


def load_shares(processed_dir: Path | None = None) -> pd.DataFrame:
    """Education shares by country, year, sex and age (``education_shares``)."""
    return read_table("education_shares", processed_dir)


def load_detail_shares(processed_dir: Path | None = None) -> pd.DataFrame:
    """Post-secondary sub-level shares where WIC splits post-secondary (``education_detail_shares``)."""
    return read_table("education_detail_shares", processed_dir)


def load_coverage(processed_dir: Path | None = None) -> pd.DataFrame:
    """Which WPP countries have an education split, by year (``education_coverage``)."""
    return read_table("education_coverage", processed_dir)


def load_totals(processed_dir: Path | None = None) -> pd.DataFrame:
    """WIC's totals against WPP 2024 medium, per country and year (``education_totals``)."""
    return read_table("education_totals", processed_dir)


def load_harmonised(
    variants: Iterable[str] = ("medium",),
    years: Iterable[int] | None = None,
    location_codes: Iterable[int] | None = None,
    processed_dir: Path | None = None,
) -> pd.DataFrame:
    """WPP 2024 population by education level (WIC shares applied), for the requested variants.

    The medium variant is read from the processed ``education_harmonised``
    table; other variants are harmonised from the shares on demand (each
    variant is one series from 1950, its years up to 2020 being the
    estimates).

    Returns
    -------
    DataFrame
        ``location_code, year, variant, sex, age, age_start, education, population``.
    """
    variants = list(variants)
    years = None if years is None else [int(y) for y in years]
    codes = None if location_codes is None else [int(c) for c in location_codes]
    frames = []
    if "medium" in variants:
        where = {name: values for name, values in (("year", years), ("location_code", codes)) if values is not None}
        frames.append(read_table("education_harmonised", processed_dir, where=where or None))
    others = [v for v in variants if v != "medium"]
    if others:
        shares = load_shares(processed_dir)
        if codes is not None:
            shares = shares[shares["location_code"].isin(codes)]
        population = wpp.load_population(others, years, codes, processed_dir)
        frames.append(harmonise(shares, population))
    out = pd.concat(frames, ignore_index=True)
    out["variant"] = out["variant"].astype(VARIANT_DTYPE)
    return out.sort_values(["location_code", "year", "variant", "sex", "age", "education"], ignore_index=True)
