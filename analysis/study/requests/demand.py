"""Demand by skill level or occupation: observed employment and the demographic proxy (``demand``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import pandas as pd

from analysis.data.conventions import PROJECTION_VARIANTS
from analysis.study import skill_demand
from analysis.study.requests import RequestError, years as parse_years


@dataclass(frozen=True)
class DemandRequest:
    """A destination's workers by skill level or ISCO-08 major group: the observed reference year, then the proxy.

    Every field is checked by :meth:`parse` (one line, before any work): the
    breakdown, the sexes, the years (2025, 2030, …, 2100, each once), the WPP
    variant, and that the destination has ILOSTAT data (a group needs one
    member with data; the others are named by :meth:`run`'s notes).
    """

    destination: str
    by: str
    years: tuple[int, ...]
    sex: str
    variant: str

    @classmethod
    def parse(cls, destination: str | None, by: str = "skill", years: str | Iterable = "2025,2050",
              sex: str = "both", variant: str = "medium") -> "DemandRequest":
        if destination is None or not str(destination).strip():
            raise RequestError("no destination given; give e.g. --destination Germany (a country or a group: EU27, GCC)")
        skill_demand.check_by(by)
        if sex not in ("both", "each"):
            raise RequestError(f"--sex must be both or each, got {sex!r}")
        checked = skill_demand.check_projection_years(parse_years(years, "2025, 2030, …, 2100"))
        if variant not in PROJECTION_VARIANTS:
            raise RequestError(f"unknown variant {variant!r}; valid: {', '.join(PROJECTION_VARIANTS)}")
        skill_demand.members_with_data([destination])  # refuses a destination without data, in one line
        return cls(str(destination), by, tuple(checked), sex, variant)

    def run(self) -> tuple[pd.DataFrame, list[str]]:
        """The table (whole persons) and the notes: members and reference years, members left out, the proxy.

        Returns
        -------
        (DataFrame, list of str)
            ``location, kind, year, year_text, group, sex, workers, source,
            measure``: ``kind`` ``observed`` (ILOSTAT, the reference year)
            or ``projected`` (the demographic proxy).
        """
        table = skill_demand.projected_workforce([self.destination], self.years, self.by, self.sex, self.variant)
        notes = skill_demand.members_notes([self.destination]) + [
            f"projected rows are a {skill_demand.PROXY}; rates {skill_demand.BASIS}"]
        return table.assign(workers=table["workers"].round().astype("int64")), notes
