"""Replacement migration: the net immigration that holds a destination at a demographic target."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import pandas as pd

from analysis.study import demand
from analysis.study.requests import RequestError, require_finite
from analysis.study.requests.population import check_span


@dataclass(frozen=True)
class ReplacementRequest:
    """Destinations, targets, years, the migrants' profile and the solver's options (``replacement``)."""

    destinations: tuple[str, ...]
    targets: tuple[str, ...]
    base_year: int
    end_year: int
    profile: demand.MigrantProfile
    floor: float | None
    variant: str
    allow_emigration: bool

    @classmethod
    def parse(cls, destinations: Sequence[str] | None = None, target: str = "working-age", base_year: int = 2025,
              end_year: int = 2050, ages: str = "20-39", female_share: float = 0.5, floor: float | None = None,
              variant: str = "medium", allow_emigration: bool = True) -> "ReplacementRequest":
        check_span(base_year, end_year)
        if floor is not None and target not in ("support-ratio", "all"):
            raise RequestError(f"--floor sets the support-ratio target's floor and does nothing with --target {target}; "
                               "drop it, or use --target support-ratio (or all)")
        if not allow_emigration and target == "support-ratio":
            raise RequestError("--no-emigration does nothing with --target support-ratio, which never asks for "
                               "emigration; drop it, or use --target total, working-age or all")
        profile = demand.MigrantProfile(ages, female_share)
        profile.weights()  # validates the band and the share
        targets = tuple(demand.TARGETS) if target == "all" else (target,)
        return cls(tuple(destinations or demand.DEFAULT_DESTINATIONS), targets, base_year, end_year, profile, floor,
                   variant, allow_emigration)

    def run(self) -> pd.DataFrame:
        """The solved table, persons as whole numbers and support ratios to 4 decimals."""
        tables = [demand.replacement_migration(list(self.destinations), target, self.base_year, self.end_year,
                                               self.profile, self.floor if target == "support-ratio" else None,
                                               self.variant, self.allow_emigration)
                  for target in self.targets]
        table = require_finite(pd.concat(tables, ignore_index=True))  # before rounding: never cast a non-finite value
        for column in ("migrants", "migrants_per_year", "cumulative_migrants", "total", "working_age"):
            table[column] = table[column].round().astype("int64")
        table["potential_support_ratio"] = table["potential_support_ratio"].round(4)
        return table
