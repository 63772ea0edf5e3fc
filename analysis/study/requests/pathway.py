"""A skills-partnership pathway simulated year by year: people, costs and benefits."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.data.locations import resolve
from analysis.study import pathways
from analysis.study.requests import RequestError


@dataclass(frozen=True)
class PathwayRequest:
    """One pathway parameter set (a YAML config or the documented defaults), its last year, and sex detail."""

    parameters: pathways.PathwayParameters
    last_year: int | None = None
    by_sex: bool = False

    @classmethod
    def parse(cls, config: str | Path | None = None, last_year: int | None = None,
              by_sex: bool = False) -> "PathwayRequest":
        parameters = pathways.PathwayParameters.from_yaml(config) if config is not None else pathways.PathwayParameters()
        for place in (parameters.origin, parameters.destination):
            resolve(place)  # unknown origin or destination: one line with close matches
        if last_year is not None and not parameters.start_year <= last_year <= 2100:
            raise RequestError(f"--to {last_year} must be from the pathway's start_year {parameters.start_year} to 2100")
        return cls(parameters, last_year, by_sex)

    def run(self) -> pd.DataFrame:
        """Yearly flows, stocks, costs and benefits (by sex when asked), amounts to 2 decimals."""
        table = pathways.simulate(self.parameters, last_year=self.last_year)
        if self.by_sex:
            table = pathways.flows_by_sex(table)
        return table.round(2)

    def files(self) -> list[dict]:
        return pathways.config_files(self.parameters)
