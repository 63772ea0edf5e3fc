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


def to_percent(table: pd.DataFrame, columns: Iterable[str], decimals: int = 1) -> pd.DataFrame:
    """Copy of ``table`` with share ``columns`` (0–1) in percent, rounded."""
    out = table.copy()
    for column in columns:
        out[column] = (100.0 * out[column]).round(decimals)
    return out


def to_billions(table: pd.DataFrame, columns: Iterable[str], decimals: int = 1) -> pd.DataFrame:
    """Copy of ``table`` with ``columns`` (e.g. US$) in billions, rounded."""
    out = table.copy()
    for column in columns:
        out[column] = (out[column] / 1e9).round(decimals)
    return out


# ---------------------------------------------------------------- the report site's contract
def headline(label: str, value: str):
    """A headline number of the report, shown in it and picked up by ``reports/index.html``.

    Returns an IPython display object carrying Markdown and a JSON bundle
    (``application/vnd.labour-mobility.headline+json``) that the index reads
    back from the executed notebook, so every number on the index traces to a
    report's own output.
    """
    from IPython.display import DisplayObject

    class _Headline(DisplayObject):
        def _repr_mimebundle_(self, include=None, exclude=None):
            return {
                "text/markdown": f"**{value}** {label}",
                "text/plain": f"{value} {label}",
                "application/vnd.labour-mobility.headline+json": {"label": label, "value": value},
            }

    return _Headline(data="")


def figure_data(table: pd.DataFrame, name: str):
    """A download link to the data behind a figure, as CSV embedded in the report itself."""
    import base64

    from IPython.display import HTML

    text = table.to_csv(index=False, lineterminator="\n", float_format="%.6g")
    payload = base64.b64encode(text.encode("utf-8")).decode("ascii")
    return HTML(
        f'<p class="figure-data"><a download="{name}.csv" href="data:text/csv;base64,{payload}">'
        f"Download the data behind this figure ({name}.csv, {len(table):,} rows)</a></p>"
    )


def provenance_markdown(notebook: str, namespace: dict) -> str:
    """The report's parameters, code version, package versions and raw-data checksums, as Markdown.

    Parameters
    ----------
    notebook : str
        The notebook's name (its parameters cell lists the parameters shown).
    namespace : dict
        The notebook's ``globals()``, holding the parameters' current values.
    """
    import json
    import platform
    import subprocess

    import numpy
    import pandas

    from analysis import __version__, paths, site

    names = list(site.notebook_parameters(notebook))
    parameters = ", ".join(f"`{name}` = {namespace[name]!r}" for name in names if name in namespace)
    try:
        commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=paths.ROOT, capture_output=True,
                                text=True, timeout=10).stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        commit = "unknown"
    manifest = paths.RAW / sources.MANIFEST_NAME
    files = json.loads(manifest.read_text())["files"] if manifest.exists() else {}
    checksums = "; ".join(f"{name} `{sha[:12]}`" for name, sha in sorted(files.items()) if name.endswith((".rda", ".txt")))
    return "\n".join([
        "**Provenance**",
        "",
        f"- Notebook: `notebooks/{notebook}.ipynb`; parameters: {parameters or 'none'}",
        f"- Git commit: {commit}",
        f"- Package `analysis` {__version__}; Python {platform.python_version()}, pandas {pandas.__version__}, "
        f"numpy {numpy.__version__}",
        f"- Raw data (SHA-256, first 12 hex digits): {checksums}",
    ])
