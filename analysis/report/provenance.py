"""What every report cites and records: sources, references, headline numbers and provenance."""

from __future__ import annotations

import json
import platform
from typing import Iterable, Mapping

import numpy
import pandas
from IPython.display import DisplayObject, display

from analysis import __version__, paths
from analysis.data import locations, sources
from analysis.report.file_provenance import files_markdown, git_state
from analysis.report.matrix import HEADLINE_MIME, HEADLINE_ROLES, notebook_parameters
from analysis.study.partnerships.records import load_partnership_sources
from analysis.study.returns.events import load_return_sources


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
    "eu2005": "Directive 2005/36/EC of the European Parliament and of the Council of 7 September 2005 on the recognition "
              "of professional qualifications, Art. 31(3), as amended by Directive 2013/55/EU (training of nurses "
              "responsible for general care: at least three years and 4,600 hours; the basis for taking nurses to need "
              "post-secondary education).",
    "oecd2019": "OECD (2019). *Health at a Glance 2019: OECD Indicators*, 'Long-term care workers'. Paris: OECD Publishing. "
                "doi:10.1787/4dd50c09-en (personal care workers are most of the long-term care workforce, and few "
                "countries set them a minimum level of education: upper secondary is this project's assumption).",
    "raftery2012": "Raftery, A. E., Li, N., Ševčíková, H., Gerland, P. and Heilig, G. K. (2012). Bayesian probabilistic "
                   "population projections for all countries. *Proceedings of the National Academy of Sciences* "
                   "109(35), 13915–13921. doi:10.1073/pnas.1211452109 (the method behind WPP's intervals).",
    "rogers1981": "Rogers, A. and Castro, L. J. (1981). *Model Migration Schedules*. IIASA Research Report RR-81-030. "
                  "Laxenburg: International Institute for Applied Systems Analysis (the default age profile of flows "
                  "counted in people: the fundamental parameters as the R package migest distributes them, data set "
                  "rc9.fund, https://www.rdocumentation.org/packages/migest/versions/1.7.2/topics/rc9.fund).",
    "azose2016": "Azose, J. J., Ševčíková, H. and Raftery, A. E. (2016). Probabilistic population projections with "
                 "migration uncertainty. *Proceedings of the National Academy of Sciences* 113(23), 6460–6465. "
                 "doi:10.1073/pnas.1606119113 (WPP's intervals of net migration).",
}


def references_markdown(keys: Iterable[str]) -> str:
    """Markdown list of literature references (see ``REFERENCES``)."""
    return "\n".join(["**References**", ""] + [f"- {REFERENCES[key]}" for key in keys])


def partnership_sources_markdown(source_ids: Iterable[str]) -> str:
    """Markdown list of the partnership dataset's sources with the given ids, with their access dates."""
    table = load_partnership_sources().set_index("id")
    lines = ["**Partnership dataset sources** (quotes in analysis/study/partnerships/data/partnership_sources.csv)", ""]
    for source_id in sorted(set(source_ids), key=lambda s: int(s[1:])):
        row = table.loc[source_id]
        year = f" ({row['year']})" if row["year"] else ""
        lines.append(f"- {source_id}: {row['publisher']}{year}, *{row['title']}*, {row['url']} (accessed {row['accessed']})")
    return "\n".join(lines)


def return_sources_markdown(source_ids: Iterable[str]) -> str:
    """Markdown list of the return-events dataset's sources with the given ids, with their access dates."""
    table = load_return_sources().set_index("id")
    lines = ["**Return-events dataset sources** (quotes in analysis/study/returns/data/return_sources.csv)", ""]
    for source_id in sorted(set(source_ids), key=lambda s: int(s[1:])):
        row = table.loc[source_id]
        year = f" ({row['year']})" if row["year"] else ""
        lines.append(f"- {source_id}: {row['publisher']}{year}, *{row['title']}*, {row['url']} (accessed {row['accessed']})")
    return "\n".join(lines)


def moved_markdown(lines: Iterable[str]) -> str:
    """The ``#`` lines of :func:`analysis.model.scenarios.moved_people_lines` as a Markdown list (empty when none)."""
    return "\n".join(f"- {line.removeprefix('# ').removeprefix('people moved, ')}" for line in lines)


def conversion_sources_markdown(rates) -> str:
    """Markdown list of the sources of the exchange and inflation rates used to compare costs (one line per source)."""
    lines = ["**Exchange and inflation rates** (quotes in analysis/study/partnerships/data/conversion_rates.csv)", ""]
    for source in rates.drop_duplicates("url").itertuples(index=False):
        year = f" ({source.year_published})" if str(source.year_published).strip() else ""
        lines.append(f"- {source.publisher}{year}, *{source.title}*, {source.url} (accessed {source.accessed})")
    return "\n".join(lines)


def headline(label: str, value: str, role: str = "result"):
    """A headline number of the report, shown in it and picked up by ``reports/index.html``.

    Returns an IPython display object carrying Markdown and a JSON bundle
    (``application/vnd.labour-mobility.headline+json``) that the index reads
    back from the executed notebook, so every number on the index traces to a
    report's own output.

    Parameters
    ----------
    role : {"result", "check"}
        A ``check`` (how well a method reproduces a reference, say) is listed on
        the index after the report's results, which a card leads with.
    """
    if role not in HEADLINE_ROLES:
        raise ValueError(f"unknown headline role {role!r}; valid: {', '.join(HEADLINE_ROLES)}")
    bundle = {"label": label, "value": value, **({"role": role} if role != "result" else {})}

    class _Headline(DisplayObject):
        def _repr_mimebundle_(self, include=None, exclude=None):
            return {
                "text/markdown": f"**{value}** {label}",
                "text/plain": f"{value} {label}",
                HEADLINE_MIME: bundle,
            }

    return _Headline(data="")


def show_headlines(pairs: Iterable[tuple[str, str]]) -> None:
    """Display several headlines, ``(label, value)`` pairs such as :mod:`analysis.report.headlines` writes."""
    for label, value in pairs:
        display(headline(label, value))


class _Membership(DisplayObject):
    """A group's membership block, as Markdown and as the same text for nbval to compare."""

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/markdown": self.data, "text/plain": self.data}


def show_membership(location: locations.Location | str) -> None:
    """Show a group's members, as-of date, source, notes and how membership is applied across years.

    Shows nothing for a country or a WPP aggregate (their membership is WPP's
    own); see :func:`analysis.data.locations.group_description`.
    """
    description = locations.group_description(location)
    if description is not None:
        display(_Membership(data=description.markdown()))


def provenance_markdown(notebook: str, namespace: dict, files: Iterable[Mapping] = (), moved: Iterable[str] = ()) -> str:
    """The report's parameters, code version and state, files read, package versions and raw-data checksums, as Markdown.

    Parameters
    ----------
    notebook : str
        The notebook's name (its parameters cell lists the parameters shown).
    namespace : dict
        The notebook's ``globals()``, holding the parameters' current values.
    files : iterable of dict, optional
        Scenario and config files the report read (``role, path, sha256``,
        e.g. :func:`analysis.model.scenarios.files_used`), listed with their SHA-256.
    moved : iterable of str, optional
        The people each block of the report's scenarios moved
        (:func:`analysis.model.scenarios.moved_people_lines`, the ``#`` lines
        the command line prints), listed under the files.
    """
    names = list(notebook_parameters(notebook))
    parameters = ", ".join(f"`{name}` = {namespace[name]!r}" for name in names if name in namespace)
    state = git_state()
    manifest = paths.RAW / sources.MANIFEST_NAME
    raw = json.loads(manifest.read_text())["files"] if manifest.exists() else {}
    checksums = "; ".join(f"{name} `{sha[:12]}`" for name, sha in sorted(raw.items()) if name.endswith((".rda", ".txt")))
    read = files_markdown(files)
    return "\n".join([
        "**Provenance**",
        "",
        f"- Notebook: `notebooks/{notebook}.ipynb`; parameters: {parameters or 'none'}",
        f"- Git commit: {state['commit']}; working tree: {state['changes']}",
        *([read] if read else []),
        *(["- People moved by the scenarios' blocks (as the command line prints them):"] if moved else []),
        *(f"  - {line.removeprefix('# ').removeprefix('people moved, ')}" for line in moved),
        f"- Package `analysis` {__version__}; Python {platform.python_version()}, pandas {pandas.__version__}, "
        f"numpy {numpy.__version__}",
        f"- Raw data (SHA-256, first 12 hex digits): {checksums}",
    ])
