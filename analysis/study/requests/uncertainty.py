"""Probabilistic projections: quantiles of a population and its change, or of replacement migration."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import pandas as pd

from analysis.data.conventions import AgeBand, parse_age_band
from analysis.data import locations as locations_module
from analysis.data.locations import Location, resolve_all
from analysis.model import ensemble_store, scenarios, trajectories, trajectory_runs
from analysis.study import uncertainty
from analysis.study.requests import RequestError, listed, require_finite, years as parse_years
from analysis.study.requests.population import check_span

#: --replacement values and the targets of the replacement solver.
REPLACEMENT_TARGETS = {"total": "total", "15-64": "working-age", "working-age": "working-age",
                       "support-ratio": "support-ratio"}


def quantiles(text: str | Sequence) -> list[float]:
    """Probabilities from ``"0.1,0.5,0.9"``: each above 0 and below 1, once, in increasing order."""
    values = []
    for part in listed(text, "quantiles", "0.1,0.5,0.9"):
        try:
            values.append(float(part))
        except ValueError:
            raise RequestError(f"quantile {part!r} is not a number; give probabilities like 0.1,0.5,0.9") from None
    return uncertainty.check_quantiles(values)


#: Options of the replacement distribution only, as the command line names them.
REPLACEMENT_ONLY = ("--destination", "--to", "--floor", "--no-emigration", "--migrant-ages", "--female-share")
#: Options of population quantiles only.
POPULATION_ONLY = ("--location", "--ages", "--years", "--store", "--overwrite")


def parse(options: dict) -> "PopulationQuantilesRequest | ReplacementQuantilesRequest":
    """The one request of the ``uncertainty`` command, from its options (``None`` where not given).

    ``options`` maps each option as the command line names it (``"--quantiles"``,
    ``"--replacement"`` …) to its value.  An option that belongs to the other kind
    of question is refused in one line, then every field is checked.
    """
    replacement = options.get("--replacement")
    unused = POPULATION_ONLY if replacement is not None else REPLACEMENT_ONLY
    given = [option for option in unused if options.get(option) not in (None, False)]
    if given and replacement is not None:
        raise RequestError(f"{given[0]} asks for population quantiles and does nothing with --replacement; drop it "
                           "(the migrants' ages are --migrant-ages, the last year --to)")
    if given:
        raise RequestError(f"{given[0]} goes with --replacement (the distribution of replacement migration); drop it, "
                           "or add --replacement 15-64 (or total, support-ratio)")
    probs = quantiles(options["--quantiles"])
    simulation = Simulation.parse(options["--trajectories"], options["--seed"], options.get("--scenario"),
                                  not options.get("--no-migration-uncertainty"), options["--scheduler"])
    if replacement is None:
        return PopulationQuantilesRequest.parse(simulation, probs, options.get("--location"), options.get("--ages"),
                                                options.get("--years"), options.get("--store"),
                                                bool(options.get("--overwrite")))
    share = options.get("--female-share")
    return ReplacementQuantilesRequest.parse(
        simulation, probs, replacement, options.get("--destination"), options.get("--to"), options.get("--floor"),
        "20-39" if options.get("--migrant-ages") is None else options["--migrant-ages"],
        0.5 if share is None else share, not options.get("--no-emigration"))


@dataclass(frozen=True)
class Simulation:
    """What every probabilistic request shares: trajectories, seed, scenario, migration and scheduler."""

    trajectories: int
    seed: int
    scenario: dict | None
    migration_uncertainty: bool
    scheduler: str

    @classmethod
    def parse(cls, trajectories: int, seed: int, scenario: str | None, migration_uncertainty: bool,
              scheduler: str) -> "Simulation":
        return cls(trajectories, seed, scenarios.load(scenario) if scenario is not None else None,
                   migration_uncertainty, trajectory_runs.check_scheduler(scheduler))

    def options(self) -> dict:
        return {"n_trajectories": self.trajectories, "seed": self.seed, "scenario": self.scenario,
                "migration_uncertainty": self.migration_uncertainty, "scheduler": self.scheduler}

    def files(self) -> list[dict]:
        """The scenario files and the trajectories' parameter file read, with their SHA-256."""
        return ([] if self.scenario is None else scenarios.files_used([self.scenario])) + \
            [trajectories.parameters_file_record()]

    def moved_lines(self, end_year: int) -> list[str]:
        """``#`` lines on the people the scenario's people-moving blocks add to every trajectory, by period and sex."""
        return [] if self.scenario is None else scenarios.moved_people_lines([self.scenario], end_year=end_year)


@dataclass(frozen=True)
class PopulationQuantilesRequest:
    """Quantiles of an age band's population by location and year, and of its change from the first year to the last."""

    locations: tuple[Location, ...]
    band: AgeBand
    years: tuple[int, ...]
    probs: tuple[float, ...]
    simulation: Simulation
    store: Path | None = None
    overwrite: bool = False

    @classmethod
    def parse(cls, simulation: Simulation, probs: Sequence[float], locations: Sequence[str] | None = None,
              ages: str | None = None, years: str | None = None, store: str | None = None,
              overwrite: bool = False) -> "PopulationQuantilesRequest":
        band = parse_age_band("15-64" if ages is None else ages)
        checked = uncertainty.check_trajectory_years(parse_years("2025,2055" if years is None else years, "2025, 2030, …, 2100"))
        if overwrite and store is None:
            raise RequestError("--overwrite replaces an ensemble store and does nothing without --store; drop it")
        target = None if store is None else ensemble_store.check_target(store, overwrite)  # before any work
        return cls(tuple(resolve_all(list(locations or ["Africa"]))), band, tuple(checked), tuple(probs), simulation,
                   target, overwrite)

    def files(self) -> list[dict]:
        """The files read (scenario, calibration, the user's file of groups), with their SHA-256."""
        return self.simulation.files() + locations_module.files_read(self.locations)

    @property
    def projection_end(self) -> int:
        """The last year the trajectories are projected to."""
        return max(max(self.years), 2030)

    def moved_lines(self) -> list[str]:
        """``#`` lines on the people the scenario's people-moving blocks add to every trajectory."""
        return self.simulation.moved_lines(self.projection_end)

    def run(self, store_attrs: dict | None = None) -> pd.DataFrame:
        """``location, year, ages, quantile, population`` (whole persons); a span ``2025-2055`` as year is a change.

        With a store, every trajectory is also written there (``store_attrs``: more attributes, e.g. provenance).
        """
        places, label, years = list(self.locations), self.band.label, list(self.years)
        stored = {} if self.store is None else {
            "store": self.store, "overwrite": self.overwrite,
            "store_attrs": {"files_read": self.files(), **(store_attrs or {})}}
        result = uncertainty.simulate(places, (label,), end_year=self.projection_end, **self.simulation.options(),
                                      **stored)
        table = uncertainty.population_quantiles(result, places, label, years, list(self.probs))
        table = table.assign(population=table["population"].round().astype("int64"))[
            ["location", "year", "ages", "quantile", "population"]]
        if len(years) >= 2:
            first, last = min(years), max(years)
            change = uncertainty.change_quantiles(result, places, label, first, last, list(self.probs))
            change = pd.DataFrame({"location": change["location"], "year": f"{first}-{last}", "ages": change["ages"],
                                   "quantile": change["quantile"], "population": change["change"].round().astype("int64")})
            table = pd.concat([table, change], ignore_index=True)
        return table


@dataclass(frozen=True)
class ReplacementQuantilesRequest:
    """The distribution of the yearly replacement migration a destination needs, solved per trajectory."""

    destinations: tuple[Location, ...]
    solver: trajectories.ReplacementRequest
    end_year: int
    probs: tuple[float, ...]
    simulation: Simulation

    @classmethod
    def parse(cls, simulation: Simulation, probs: Sequence[float], replacement: str,
              destinations: Sequence[str] | None = None, end_year: int | None = None, floor: float | None = None,
              migrant_ages: str = "20-39", female_share: float = 0.5, allow_emigration: bool = True
              ) -> "ReplacementQuantilesRequest":
        if floor is not None and replacement != "support-ratio":
            raise RequestError(f"--floor sets the support-ratio target's floor and does nothing with --replacement "
                               f"{replacement}; drop it, or use --replacement support-ratio")
        end_year = 2050 if end_year is None else end_year
        check_span(2025, end_year)
        places = resolve_all(list(destinations or ["EU27"]))
        if not allow_emigration and replacement == "support-ratio":
            raise RequestError("--no-emigration does nothing with --replacement support-ratio, which never asks for "
                               "emigration; drop it")
        solver = trajectories.ReplacementRequest(tuple(place.name for place in places), REPLACEMENT_TARGETS[replacement],
                                                 migrant_ages, female_share, floor, allow_emigration)
        solver.weights()  # the migrants' ages and share of women, before any work
        return cls(tuple(places), solver, end_year, tuple(probs), simulation)

    def files(self) -> list[dict]:
        """The files read (scenario, calibration, the user's file of groups), with their SHA-256."""
        return self.simulation.files() + locations_module.files_read(self.destinations)

    @property
    def projection_end(self) -> int:
        """The last year the trajectories are projected to."""
        return self.end_year

    def moved_lines(self) -> list[str]:
        """``#`` lines on the people the scenario's people-moving blocks add to every trajectory."""
        return self.simulation.moved_lines(self.projection_end)

    def run(self) -> pd.DataFrame:
        result = uncertainty.simulate(list(self.destinations), ("all",), end_year=self.end_year, replacement=self.solver,
                                      **self.simulation.options())
        table = require_finite(uncertainty.replacement_quantiles(result, list(self.probs), horizons=[self.end_year]))
        return table.assign(migrants_per_year=table["migrants_per_year"].round().astype("int64"))
