"""Education on the tiny synthetic world: raw frames -> build -> harmonised tables -> indicators -> a profile.

``paths.PROCESSED`` points at an empty folder, so anything that ignored ``processed_dir`` would fail.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from analysis import paths
from analysis.data import education as ed
from analysis.data import locations
from analysis.data.tables import ValidationError
from analysis.report import profiles
from analysis.study import skills
from tests import tiny_world


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    out = tmp_path_factory.mktemp("tiny_education")
    return out, tiny_world.build_into(out)


@pytest.fixture(autouse=True)
def no_default_tables(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "PROCESSED", tmp_path / "no-tables-here")


def _raw(frame, code, year, sex, age):
    rows = frame[(frame["country_code"] == code) & (frame["year"] == year) & (frame["sex"] == sex)
                 & (frame["age"].astype(str) == age)]
    return rows.set_index("education")["epop"]


def test_the_build_writes_the_education_tables(tiny):
    processed, _ = tiny
    manifest = json.loads((processed / "manifest.json").read_text())
    assert {"education", "education_detail", "education_shares", "education_harmonised", "education_coverage",
            "education_totals"} <= set(manifest)
    coverage = ed.load_coverage(processed).set_index(["location_code", "year"])["covered"]
    assert coverage.loc[(1001, 1950)] and not coverage.loc[(1002, 2010)] and coverage.loc[(1002, 2015)]
    totals = ed.load_totals(processed).set_index(["location_code", "year"])["relative_difference"]
    assert totals.loc[(1001, 2025)] == pytest.approx(0.04, abs=1e-3)  # WIC 4 % above WPP in the tiny world
    assert totals.loc[(1002, 2050)] == pytest.approx(-0.03, abs=1e-3)


def test_harmonised_figures_are_wic_shares_times_wpp(tiny):
    processed, frames = tiny
    wic = _raw(frames["wcde/epop_ssp2.rda"], 1001, 2050, "Female", "25--29")
    share = wic["Post Secondary"] / wic[tiny_world.WIC_LEVELS].sum()
    wpp = frames["wpp2024/popprojAge5dt.rda"]
    persons = round(wpp[(wpp["country_code"] == 1001) & (wpp["year"] == "2050") & (wpp["age"] == "25-29")]["popF"].item() * 1000)
    table, coverage = skills.education_table(["Alphaland"], "25-29", [2050], "female", "post-secondary",
                                             processed_dir=processed)
    assert table["population"].item() == pytest.approx(share * persons, rel=1e-9)
    assert coverage["not_covered"].item() == ""
    both, coverage = skills.education_table(["DUO"], "15-64", [2010], processed_dir=processed)
    assert coverage["not_covered"].item() == "Betaland"  # WIC covers Betaland only from 2015: said, not guessed
    alpha, _ = skills.education_table(["Alphaland"], "15-64", [2010], processed_dir=processed)
    assert np.allclose(both["population"], alpha["population"])
    split, _ = skills.education_table(["BBB"], "25-34", [2030], levels="bachelor,post-secondary", processed_dir=processed)
    values = split.set_index("education")["population"]
    assert values["bachelor"] == pytest.approx(0.5 * values["post-secondary"], rel=2e-2)


def test_a_profile_carries_education(tiny):
    processed, _ = tiny
    profile = profiles.country_profile(locations.resolve("AAA", processed), 2025, 2050, 2024, processed_dir=processed)
    assert profile["numbers"]["education_covered"]
    assert profile["numbers"]["post_share_compare"] > profile["numbers"]["post_share_base"]  # later cohorts study longer
    assert "hold post-secondary education in 2025" in profiles.summary_text(profile)
    assert set(profile["education_pyramid"]["year"]) == {2025, 2050}


def test_a_corrupt_education_file_stops_the_build(tmp_path):
    frames = tiny_world.raw_frames()
    frames["wcde/epop_ssp2.rda"].loc[7, "epop"] = np.nan
    with pytest.raises(ValidationError, match="missing or infinite values in epop"):
        tiny_world.build_into(tmp_path, frames)
    assert not (tmp_path / "manifest.json").exists()  # no complete-looking build
