"""The cited dataset of labour-mobility partnerships, filtered."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import pandas as pd

from analysis.data.conventions import distinct
from analysis.study.partnerships import records
from analysis.study.requests import listed


@dataclass(frozen=True)
class PartnershipsRequest:
    """The partnerships matching every filter given (within a filter, any of its values) (``partnerships``)."""

    origins: tuple[str, ...]
    destinations: tuple[str, ...]
    sectors: tuple[str, ...]
    models: tuple[str, ...]

    @classmethod
    def parse(cls, origins: Sequence[str] | None = None, destinations: Sequence[str] | None = None,
              sectors: Sequence[str] | None = None, models: Sequence[str] | None = None) -> "PartnershipsRequest":
        """Sectors and models may be repeated or comma-separated; a value named twice counts once, with a note."""
        chosen = {}
        for name, given, example in (("sectors", sectors, "health,care"), ("models", models, "home_away")):
            items = listed(given, name, example) or []
            records.check_vocabulary(name[:-1], items)
            chosen[name] = tuple(distinct(items, what=name[:-1]))
        return cls(tuple(origins or ()), tuple(destinations or ()), chosen["sectors"], chosen["models"])

    def run(self) -> pd.DataFrame:
        """The CSV's rows: the dataset's columns and ``sources``, the ids of the sources of the row's values."""
        table, values, _ = records.load_dataset()
        chosen = records.select(table, list(self.origins), list(self.destinations), list(self.sectors),
                                list(self.models))
        return records.with_sources(chosen, values)
