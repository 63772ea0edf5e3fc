"""A skills-partnership pathway simulated year by year: people, costs and benefits."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

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
        """The request, checked: the parameters by :meth:`pathways.PathwayParameters.validate` (the study layer's one
        check: ranges, two different countries, a run that ends by 2100), and ``--to`` within the run's years."""
        parameters = (pathways.PathwayParameters.from_yaml(config) if config is not None
                      else pathways.PathwayParameters().validate())
        if last_year is not None and not parameters.start_year <= last_year <= pathways.LAST_PATHWAY_YEAR:
            raise RequestError(f"--to {last_year} must be from the pathway's start_year {parameters.start_year} to "
                               f"{pathways.LAST_PATHWAY_YEAR}")
        return cls(parameters, last_year, by_sex)

    def run(self) -> pd.DataFrame:
        """Yearly flows, stocks, costs and benefits (by sex when asked: people and remittances), amounts to 2 decimals.

        ``attrs["warnings"]`` holds one-line warnings about the inputs (a short-course cost applied to a
        longer programme).
        """
        table = pathways.simulate(self.parameters, last_year=self.last_year)
        warnings = table.attrs["parameters"].notes["warnings"]
        if self.by_sex:
            table = pathways.flows_by_sex(table)
        out = table.round(2)
        out.attrs = {"warnings": list(warnings)}
        return out

    def files(self) -> list[dict]:
        return pathways.config_files(self.parameters)
