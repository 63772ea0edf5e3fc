"""International migrant stocks (UN DESA 2024) between regions or countries."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis.data.stocks import check_year
from analysis.study import migration


@dataclass(frozen=True)
class StocksRequest:
    """Migrant stocks of one year by region level or corridor, optionally from an origin or to a destination."""

    year: int
    by: str
    origin: str | None = None
    destination: str | None = None

    @classmethod
    def parse(cls, year: str | int = "2024", by: str = "region", origin: str | None = None,
              destination: str | None = None) -> "StocksRequest":
        return cls(check_year(year), migration.check_by(by), origin, destination)

    def run(self) -> pd.DataFrame:
        return migration.stocks_table(self.year, self.by, self.origin, self.destination)
