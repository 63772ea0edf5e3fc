"""What every report prints: formatted tables and the sources it cites."""

from __future__ import annotations

from typing import Iterable

import pandas as pd

from analysis import sources


def to_millions(table: pd.DataFrame, columns: Iterable[str], decimals: int = 1) -> pd.DataFrame:
    """Copy of ``table`` with ``columns`` (persons) in millions, rounded."""
    out = table.copy()
    for column in columns:
        out[column] = (out[column] / 1e6).round(decimals)
    return out


def text_table(table: pd.DataFrame, **kwargs) -> str:
    """A table as fixed-width text (what notebooks print, so nbval can compare it)."""
    return table.to_string(index=False, **kwargs)


def sources_markdown(keys: Iterable[str] = ("wpp2024",)) -> str:
    """Markdown list of the citations, licences and access dates of the datasets used."""
    lines = ["**Sources**", ""]
    for line in sources.citations(keys):
        lines.append(f"- {line}")
    return "\n".join(lines)
