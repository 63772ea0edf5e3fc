"""CITATION.cff: the keys CFF 1.2.0 requires, in step with the package and its data registry.

Parsed with PyYAML (cffconvert, the reference validator, is not a dependency;
`cffconvert --validate -i CITATION.cff` passes).
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib

import pytest
import yaml

import analysis
from analysis import paths
from analysis.data import sources


@pytest.fixture(scope="module")
def citation() -> dict:
    return yaml.safe_load((paths.ROOT / "CITATION.cff").read_text(encoding="utf-8"))


def _authors_are_valid(authors) -> bool:
    return bool(authors) and all(isinstance(a, dict) and (a.get("name") or a.get("family-names")) for a in authors)


def test_required_keys(citation):
    assert citation["cff-version"] == "1.2.0"
    for key in ("message", "title", "abstract"):
        assert isinstance(citation[key], str) and len(citation[key]) > 20, key
    assert _authors_are_valid(citation["authors"])
    assert "repository-code" not in citation  # not known yet; add it once the repository has a public home


def test_version_date_and_licence_match_the_package(citation):
    project = tomllib.loads((paths.ROOT / "pyproject.toml").read_text())["project"]
    assert citation["version"] == project["version"] == analysis.__version__
    assert dt.date.fromisoformat(str(citation["date-released"])) == dt.date(2026, 11, 28)
    assert citation["license"] == "MIT" == project["license"]["text"]
    assert (paths.ROOT / "LICENSE").read_text().startswith("MIT License")


def test_references_cite_every_dataset(citation):
    references = citation["references"]
    for reference in references:
        assert reference["type"] in {"data", "database", "software"}
        assert reference["title"] and _authors_are_valid(reference["authors"])
    titles = {reference["title"] for reference in references}
    assert {"World Population Prospects 2024", "International Migrant Stock 2024", "World Development Indicators",
            "Wittgenstein Centre Data Explorer Version 2.0", "Natural Earth"} <= titles
    # the commits of the R packages the data come through are the registry's
    notes = " ".join(reference.get("notes", "") for reference in references)
    for key in ("wpp2024", "gdidata", "wcde"):
        commit = re.search(r"commit ([0-9a-f]{40})", sources.dataset(key)["distribution"]).group(1)
        assert commit in notes, key
