"""Grids and conventions shared by every layer: age groups, sexes, variants, years and age bands.

Population by age is given for 5-year groups ``0-4, 5-9, …, 95-99, 100+`` on
1 July of 1950, 1955, …, 2100; years up to 2020 are estimates, later years
projections under the WPP variants.  An :class:`AgeBand` is a run of those
groups (``15-64``, ``65+``).  The checks here are written once and used by the
command line, the notebooks and the analysis functions alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

import numpy as np
import pandas as pd

from analysis.errors import InputError, note

#: 5-year age groups of the population tables, youngest first.
AGE_GROUPS: tuple[str, ...] = tuple(f"{a}-{a + 4}" for a in range(0, 100, 5)) + ("100+",)
#: Age groups of the mortality table (abridged: 0 and 1-4 split).
MORTALITY_AGE_GROUPS: tuple[str, ...] = ("0", "1-4") + AGE_GROUPS[1:]
#: Mothers' age groups of the fertility age pattern.
FERTILITY_AGE_GROUPS: tuple[str, ...] = AGE_GROUPS[3:10]
SEXES: tuple[str, ...] = ("male", "female")
VARIANTS: tuple[str, ...] = ("estimates", "medium", "low", "high")
PROJECTION_VARIANTS: tuple[str, ...] = ("medium", "low", "high")
FIRST_YEAR, LAST_YEAR, LAST_ESTIMATE_YEAR = 1950, 2100, 2020
STEP = 5
POPULATION_YEARS: tuple[int, ...] = tuple(range(FIRST_YEAR, LAST_YEAR + 1, STEP))

SEX_DTYPE = pd.CategoricalDtype(list(SEXES), ordered=False)
AGE_DTYPE = pd.CategoricalDtype(list(AGE_GROUPS), ordered=True)
MORTALITY_AGE_DTYPE = pd.CategoricalDtype(list(MORTALITY_AGE_GROUPS), ordered=True)
FERTILITY_AGE_DTYPE = pd.CategoricalDtype(list(FERTILITY_AGE_GROUPS), ordered=True)
VARIANT_DTYPE = pd.CategoricalDtype(list(VARIANTS), ordered=False)

DEFAULT_WORKING_AGES = "15-64"


class IndicatorInputError(InputError):
    """Bad input to an indicator (age band, year, variant, location)."""


def age_start(age: pd.Series) -> pd.Series:
    """Lower bound of an age label (``"15-19"`` → 15, ``"100+"`` → 100)."""
    # each distinct label parsed once: tables have millions of rows but a few dozen labels (1 s a call before)
    codes, labels = pd.factorize(age, use_na_sentinel=False)
    starts = pd.Series(np.asarray(labels, dtype=object)).astype(str).str.extract(r"^(\d+)")[0].astype("int16")
    return pd.Series(starts.to_numpy()[codes], index=age.index, name=0)


@dataclass(frozen=True)
class AgeBand:
    """A band of 5-year age groups: ``start`` to ``end`` inclusive, or open (``end=None``)."""

    start: int
    end: int | None

    @property
    def label(self) -> str:
        return f"{self.start}+" if self.end is None else f"{self.start}-{self.end}"

    def contains(self, age_start: pd.Series | np.ndarray) -> np.ndarray:
        """Whether each 5-year group (given by its lower bound) lies in the band."""
        ages = np.asarray(age_start)
        upper = np.inf if self.end is None else self.end
        return (ages >= self.start) & (ages <= upper)

    def groups(self) -> np.ndarray:
        """Boolean mask over the 21 population age groups ``0-4 … 100+``."""
        return self.contains(np.arange(0, 101, STEP))

    def __str__(self) -> str:
        return self.label


def parse_age_band(text: str | AgeBand) -> AgeBand:
    """Parse ``"15-64"``, ``"65+"`` or ``"100+"`` into an :class:`AgeBand`.

    Bands must follow the 5-year age groups of the data: the start is a
    multiple of 5 and the end is 4 more than a multiple of 5 (…, 59, 64, 69, …).

    Raises
    ------
    IndicatorInputError
        For malformed, reversed or misaligned bands.
    """
    if isinstance(text, AgeBand):
        return text
    raw = str(text).strip()
    valid = "give ages as START-END or START+ on 5-year groups, e.g. 15-64, 20-39, 65+"
    match = re.fullmatch(r"([0-9]{1,3})\s*(?:-\s*([0-9]{1,3})|(\+))", raw)
    if not match:
        raise IndicatorInputError(f"malformed age band {raw!r}: {valid}")
    start = int(match.group(1))
    end = int(match.group(2)) if match.group(2) is not None else None
    if end is not None and end < start:
        raise IndicatorInputError(f"age band {raw!r} ends before it starts: {valid}")
    if start % 5 or start > 100:
        raise IndicatorInputError(
            f"age band {raw!r} starts at {start}, which is not the start of a 5-year group (0, 5, …, 100): {valid}"
        )
    if end is not None and (end % 5 != 4 or end > 99):
        raise IndicatorInputError(
            f"age band {raw!r} ends at {end}, which is not the end of a 5-year group (4, 9, …, 99; use START+ for open bands): {valid}"
        )
    return AgeBand(start, end)


def whole_number(value, what: str = "value") -> int:
    """``value`` as an int: ints, integral finite floats and digit strings; raises :class:`IndicatorInputError`.

    ``True``/``False``, fractions (2025.5), NaN and infinities are refused rather than truncated.
    """
    if isinstance(value, (bool, np.bool_)):
        raise IndicatorInputError(f"{what} {value!r} is not a whole number")
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)) and np.isfinite(value) and float(value).is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*[-+]?[0-9]+\s*", value):
        return int(value)
    raise IndicatorInputError(f"{what} {value!r} is not a whole number")


def distinct(items: Iterable, key=lambda item: item, what: str = "value", label=lambda item: item) -> list:
    """``items`` without repeats (by ``key``), in first-seen order; each repeat is reported with :func:`note`.

    The one rule for repeated input: a location, variant, year, scenario or
    destination given twice (by any alias) counts once.  ``label`` gives what
    the user typed, for the note (``'NGA'`` and ``'Nigeria'``).
    """
    seen: dict = {}
    out = []
    for item in items:
        k = key(item)
        if k in seen:
            first, again = label(seen[k]), label(item)
            alias = "" if str(first) == str(again) else f" (as {first!r} and {again!r})"
            note(f"{what} {k} was given more than once{alias}; it is counted once")
            continue
        seen[k] = item
        out.append(item)
    return out


def check_years(years: Iterable[int]) -> list[int]:
    """Validate years against the 5-yearly population data (1950, 1955, …, 2100).

    A year given twice counts once (with a note).

    Raises
    ------
    IndicatorInputError
        For no years, a year that is not a whole number, outside 1950–2100 or not on the 5-year grid.
    """
    if isinstance(years, (str, int, float, np.integer, np.floating)):
        years = [years]
    checked = []
    for year in years:
        try:
            value = whole_number(year, "year")
        except IndicatorInputError:
            raise IndicatorInputError(f"year {year!r} is not a whole number; valid years: 1950, 1955, …, 2100") from None
        if not FIRST_YEAR <= value <= LAST_YEAR:
            raise IndicatorInputError(
                f"year {value} is outside WPP 2024 (1950–2100); valid years: 1950, 1955, …, 2100"
            )
        if value % STEP:
            raise IndicatorInputError(
                f"year {value} is not in the data: population by age is given every 5 years "
                f"(1 July of 1950, 1955, …, 2100), e.g. {value - value % 5} or {value - value % 5 + 5}"
            )
        checked.append(value)
    if not checked:
        raise IndicatorInputError("no years given; valid years: 1950, 1955, …, 2100")
    return distinct(checked, what="year")


def check_variants(variants: Iterable[str]) -> list[str]:
    """Validate variant names (``medium``, ``low``, ``high``, ``estimates``); a repeat counts once (with a note)."""
    if isinstance(variants, str):
        variants = [variants]
    names = []
    for variant in variants:
        if not isinstance(variant, str):
            raise IndicatorInputError(f"variant {variant!r} is not a name; valid: {', '.join(VARIANTS)}")
        names.append(variant.strip().lower())
    unknown = [v for v in names if v not in VARIANTS]
    if unknown:
        raise IndicatorInputError(f"unknown variant {unknown[0]!r}; valid: {', '.join(VARIANTS)}")
    if not names:
        raise IndicatorInputError(f"no variant given; valid: {', '.join(VARIANTS)}")
    return distinct(names, what="variant")


def check_estimate_years(years: Iterable[int] | None, variants: Iterable[str]) -> None:
    """Refuse years after 2020 for the ``estimates`` variant alone (it would give no rows)."""
    later = sorted(y for y in (years or []) if y > LAST_ESTIMATE_YEAR)
    if "estimates" in variants and later:
        raise IndicatorInputError(
            f"the estimates variant covers 1950–{LAST_ESTIMATE_YEAR}, not {later[0]}; for later years choose "
            "medium, low or high (estimates are included in each of them up to 2020)"
        )
