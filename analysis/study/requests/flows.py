"""Bilateral migration flows between two locations (published estimates or the project's own)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis.study import flows


@dataclass(frozen=True)
class FlowsRequest:
    """Flows from an origin to a destination, by period, of one sex and type, from one source (``flows``)."""

    origin: str | None
    destination: str | None
    period: int | None
    sex: str
    kind: str
    source: str

    @classmethod
    def parse(cls, origin: str | None = None, destination: str | None = None, period: str | int | None = None,
              sex: str = "both", kind: str = "all", source: str = "published") -> "FlowsRequest":
        source = flows.check_source(source)
        request = cls(origin, destination, flows.check_source_period(period, source), flows.check_sex(sex),
                      flows.check_type(kind), source)
        for side in (origin, destination):  # an unknown location stops here, before any table is read
            if side is not None:
                flows.location_units(side)
        return request

    def run(self) -> pd.DataFrame:
        return flows.flows_table(self.origin, self.destination, self.period, self.sex, self.kind, self.source)
