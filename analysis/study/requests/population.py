"""Population in an age band: WPP's published variants, or the engine's projection under scenarios."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

import pandas as pd

from analysis.data.conventions import AgeBand, check_variants, check_years, parse_age_band
from analysis.data.locations import Location, resolve_all
from analysis.model import scenarios
from analysis.study import indicators
from analysis.study.requests import RequestError, listed, years as parse_years

#: The default location of population questions.
DEFAULT_LOCATION = "Africa"


def _locations(given: Sequence[str] | None) -> list[Location]:
    return resolve_all(list(given) if given else [DEFAULT_LOCATION])


@dataclass(frozen=True)
class WorkingAgeRequest:
    """WPP 2024's population in an age band, by location, year and variant (``working-age``).

    Make it with :meth:`parse`, which checks every field; :meth:`run` gives
    ``location, year, variant, ages, population`` in whole persons.
    """

    locations: tuple[Location, ...]
    band: AgeBand
    years: tuple[int, ...]
    variants: tuple[str, ...]

    @classmethod
    def parse(cls, locations: Sequence[str] | None = None, ages: str = "15-64", years: str | Iterable = "2025,2055",
              variants: str | Iterable[str] = "medium") -> "WorkingAgeRequest":
        """Check the fields (a repeat counts once, with a note) before anything is read."""
        band = parse_age_band(ages)
        checked_years = check_years(parse_years(years))
        checked_variants = check_variants(listed(variants, "variant", "medium,low,high"))
        return cls(tuple(_locations(locations)), band, tuple(checked_years), tuple(checked_variants))

    def run(self) -> pd.DataFrame:
        table = indicators.working_age_table(list(self.locations), self.band.label, list(self.years),
                                             list(self.variants))
        return table.assign(population=table["population"].round().astype("int64"))


@dataclass(frozen=True)
class ProjectionRequest:
    """The engine's projection of every country under scenarios, summed to locations and an age band (``project``)."""

    locations: tuple[Location, ...]
    specs: tuple[dict, ...]
    band: AgeBand
    base_year: int
    end_year: int

    @classmethod
    def parse(cls, locations: Sequence[str] | None = None, scenario_names: Sequence[str] | None = None,
              ages: str | None = None, base_year: int | None = None, end_year: int | None = None
              ) -> "ProjectionRequest":
        band = parse_age_band("15-64" if ages is None else ages)
        start, end = check_span(2025 if base_year is None else base_year, 2100 if end_year is None else end_year)
        places = _locations(locations)
        specs = [scenarios.load(reference) for reference in scenario_names or ["medium"]]
        return cls(tuple(places), tuple(specs), band, start, end)

    def run(self) -> pd.DataFrame:
        population = scenarios.projected_population(list(self.locations), list(self.specs), self.base_year,
                                                    self.end_year)
        table = indicators.age_band_total(population, self.band)[["location", "scenario", "year", "ages", "population"]]
        return table.assign(population=table["population"].round().astype("int64"))

    def files(self) -> list[dict]:
        """The scenario and config files read, with their SHA-256 (for provenance)."""
        return scenarios.files_used(list(self.specs))

    def moved_lines(self) -> list[str]:
        """``#`` lines on the people each flows, returns or pathways block moved, by period and sex (for provenance)."""
        return scenarios.moved_people_lines(list(self.specs), self.base_year, self.end_year)


def check_span(start: int, end: int, first: str = "--from", last: str = "--to") -> tuple[int, int]:
    """A projection's first and last year: multiples of 5 within 1950–2100, in order."""
    for label, year in ((first, start), (last, end)):
        if year % 5 or not 1950 <= year <= 2100:
            raise RequestError(f"{label} {year} must be one of 1950, 1955, …, 2100")
    if end <= start:
        raise RequestError(f"{last} {end} must come after {first} {start}")
    return start, end
