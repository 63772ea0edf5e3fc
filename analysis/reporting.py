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


#: Literature the reports rely on for methods and default parameters.
REFERENCES = {
    "un2000": "United Nations, Department of Economic and Social Affairs, Population Division (2000). "
              "*Replacement Migration: Is It a Solution to Declining and Ageing Populations?* ST/ESA/SER.A/206. New York: United Nations.",
    "oecd2020": "OECD (2020). *Who Cares? Attracting and Retaining Care Workers for the Elderly*. OECD Health Policy Studies. "
                "Paris: OECD Publishing. doi:10.1787/92c0ef68-en (about five long-term care workers per 100 people aged 65+).",
    "clemens2015": "Clemens, M. A. (2015). Global Skill Partnerships: a proposal for technical training in a mobile world. "
                   "*IZA Journal of Labor Policy* 4:2. doi:10.1186/s40173-014-0028-z.",
    "preston2001": "Preston, S. H., Heuveline, P. and Guillot, M. (2001). *Demography: Measuring and Modeling Population "
                   "Processes*. Oxford: Blackwell (life table and Coale–Demeny separation factors).",
}


def references_markdown(keys: Iterable[str]) -> str:
    """Markdown list of literature references (see ``REFERENCES``)."""
    return "\n".join(["**References**", ""] + [f"- {REFERENCES[key]}" for key in keys])


def partnership_sources_markdown(source_ids: Iterable[str]) -> str:
    """Markdown list of the partnership dataset's sources with the given ids."""
    from analysis.pathways import load_partnership_sources

    table = load_partnership_sources().set_index("id")
    lines = ["**Partnership dataset sources** (accessed 2026-11-27; quotes in analysis/data/partnership_sources.csv)", ""]
    for source_id in sorted(set(source_ids), key=lambda s: int(s[1:])):
        row = table.loc[source_id]
        year = f" ({row['year']})" if isinstance(row["year"], str) else ""
        lines.append(f"- {source_id}: {row['publisher']}{year}, *{row['title']}*, {row['url']}")
    return "\n".join(lines)
