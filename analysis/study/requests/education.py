"""Population by educational attainment (WIC 2018 shares on WPP 2024)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

import pandas as pd

from analysis.data.conventions import AgeBand, check_years, distinct, parse_age_band
from analysis.study import skills
from analysis.study.requests import RequestError, listed, years as parse_years


@dataclass(frozen=True)
class EducationRequest:
    """WPP 2024 population by education level, with WIC's shares applied country by country (``education``)."""

    locations: tuple[str, ...]
    band: AgeBand
    years: tuple[int, ...]
    sex: str
    levels: tuple[str, ...] | None
    variant: str

    @classmethod
    def parse(cls, locations: Sequence[str] | None = None, ages: str = "15-64", years: str | Iterable = "2025",
              sex: str = "both", levels: str | None = None, variant: str = "medium") -> "EducationRequest":
        band = parse_age_band(ages)
        checked_years = check_years(parse_years(years))
        wanted = listed(levels, "education levels", "post-secondary,upper-secondary")
        if wanted is not None:  # a level named twice counts once, with a note
            wanted = distinct([level for item in wanted for level in skills.parse_levels(item)],
                              what="education level")
        if variant not in ("medium", "low", "high"):
            raise RequestError(f"unknown variant {variant!r}; valid: medium, low, high")
        return cls(tuple(locations or ["Africa"]), band, tuple(checked_years), skills.check_sex(sex),
                   None if wanted is None else tuple(wanted), variant)

    def run(self) -> tuple[pd.DataFrame, list[str]]:
        """The table (whole persons) and one note per location and year that leaves out members WIC does not cover."""
        table, coverage = skills.education_table(list(self.locations), self.band.label, list(self.years), self.sex,
                                                 None if self.levels is None else list(self.levels), self.variant)
        return table.assign(population=table["population"].round().astype("int64")), skills.coverage_note(coverage)
