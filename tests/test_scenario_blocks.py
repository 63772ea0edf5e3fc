"""Scenario blocks scoped to places, their order, descriptions, and the files a scenario read."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from analysis import paths
from analysis.data import locations
from analysis.data.locations import UnknownLocationError
from analysis.errors import InputNote
from analysis.model import inputs as model_inputs
from analysis.model import scenarios
from analysis.model.scenarios import ScenarioError
from analysis.report import matrix


@pytest.fixture(scope="module")
def medium(processed_dir):
    return scenarios.run("medium")


@pytest.fixture(scope="module")
def medium_inputs(processed_dir):
    return model_inputs.wpp_inputs("medium")


def _mask(result, location):
    return np.isin(result.inputs.location_codes, locations.resolve(location).members)


def test_blocks_scoped_to_sub_saharan_africa_leave_every_other_country_bit_identical(medium):
    spec = {"name": "ssa", "fertility": {"locations": ["Sub-Saharan Africa"], "target_tfr": 1.8, "target_year": 2050},
            "mortality": {"locations": ["Sub-Saharan Africa"], "e0_change": 3, "by_year": 2060},
            "migration": {"locations": ["Sub-Saharan Africa"], "scale": 0.5}}
    scoped = scenarios.run(spec)
    inside = _mask(scoped, "Sub-Saharan Africa")
    assert inside.sum() == len(locations.resolve("Sub-Saharan Africa").members)  # every member is projected
    for name in ("population", "births", "deaths", "net_migrants"):
        assert np.array_equal(getattr(scoped, name)[~inside], getattr(medium, name)[~inside]), name
    assert not np.array_equal(scoped.population[inside], medium.population[inside])
    assert (np.abs(scoped.population[inside, 1:] - medium.population[inside, 1:]).sum(axis=(1, 2, 3)) > 0).all()


def test_the_faster_decline_scenario_changes_sub_saharan_africa_only(medium):
    faster = scenarios.run("faster-decline-sub-saharan-africa")
    inside = _mask(faster, "Sub-Saharan Africa")
    assert np.array_equal(faster.population[~inside], medium.population[~inside])
    assert np.array_equal(faster.inputs.tfr[~inside], medium.inputs.tfr[~inside])


def test_locations_by_name_iso3_m49_or_group(medium_inputs):
    by_code = {"name": "a", "fertility": {"locations": ["NGA", 404, "ECOWAS"], "mode": "constant"}}
    by_name = {"name": "b", "fertility": {"locations": ["Nigeria", "Kenya", "Economic Community of West African States"],
                                          "mode": "constant"}}
    first = scenarios.apply(scenarios.load(by_code), medium_inputs)
    second = scenarios.apply(scenarios.load(by_name), medium_inputs)
    assert np.array_equal(first.tfr, second.tfr)
    changed = ~np.all(first.tfr == medium_inputs.tfr, axis=1)
    expected = set(locations.resolve("ECOWAS").members) | {404, 566}
    assert set(medium_inputs.location_codes[changed]) <= expected
    with pytest.raises(UnknownLocationError, match="did you mean: Nigeria"):
        scenarios.apply(scenarios.load({"name": "x", "fertility": {"locations": ["Nigera"], "mode": "constant"}}),
                        medium_inputs)


def test_blocks_apply_in_order_and_the_later_one_wins(medium_inputs):
    spec = {"name": "x", "fertility": [{"mode": "constant"}, {"locations": ["Nigeria"], "mode": "wpp"}],
            "migration": [{"scale": 0}, {"locations": ["Nigeria", "Ghana"], "scale": 2}]}
    applied = scenarios.apply(scenarios.load(spec), medium_inputs)
    nigeria, kenya = [list(medium_inputs.location_codes).index(code) for code in (566, 404)]
    assert np.array_equal(applied.tfr[nigeria], medium_inputs.tfr[nigeria])  # back to WPP
    assert np.allclose(applied.tfr[kenya], medium_inputs.tfr[kenya, 0])  # constant
    assert np.array_equal(applied.net_migrants[nigeria], 2 * medium_inputs.net_migrants[nigeria])  # from WPP, not from 0
    assert (applied.net_migrants[kenya] == 0).all()


def test_composed_scenarios_add_their_blocks_after_the_parents(tmp_path, processed_dir):
    path = tmp_path / "child.yml"
    path.write_text("extends: [constant-fertility]\nfertility:\n  - {locations: [Kenya], mode: wpp}\n")
    spec = scenarios.load(path)
    assert spec["fertility"] == [{"mode": "constant"}, {"locations": ["Kenya"], "mode": "wpp"}]


def test_a_block_without_locations_applies_everywhere_and_the_table_says_so(processed_dir):
    table = scenarios.blocks_table([scenarios.load("zero-migration"), scenarios.load("faster-decline-sub-saharan-africa"),
                                    scenarios.load("medium")])
    assert table["applies_to"].tolist() == ["every country", "Sub-Saharan Africa", "every country"]
    assert "no net international migration in every country" in table["block"].iloc[0]
    assert table["block"].iloc[2] == "WPP 2024 medium variant inputs"


def test_a_scenario_without_a_description_gets_one_from_its_blocks_never_its_parents(tmp_path, processed_dir):
    path = tmp_path / "mine.yml"
    path.write_text("extends: [medium]\nfertility:\n  - {locations: [Sub-Saharan Africa], target_tfr: 2.1, "
                    "target_year: 2050, past_target: follow}\nmigration: {scale: 0.5}\n")
    spec = scenarios.load(path)
    parent = scenarios.load("medium")["description"]
    assert parent not in spec["description"] and "UN's own" not in spec["description"]
    assert spec["description"].startswith("WPP 2024 medium variant inputs with: TFR reaches 2.1 by 2050 in "
                                          "Sub-Saharan Africa")
    assert "then WPP's own path where it goes further" in spec["description"]
    assert "net international migration at 0.5 times WPP's in every country" in spec["description"]
    pathway = tmp_path / "p.yml"
    pathway.write_text("extends: [medium]\npathways:\n  - {origin: Senegal, destination: Spain, annual_intake: 50}\n")
    text = scenarios.load(pathway)["description"]
    assert "labour pathway from Senegal to Spain: 50 trainees a year" in text and "UN's own" not in text


def test_every_file_read_is_recorded_with_its_sha256(tmp_path, processed_dir):
    config = tmp_path / "p.yml"
    config.write_text("origin: Senegal\ndestination: Spain\nannual_intake: 50\n")
    path = tmp_path / "s.yml"
    path.write_text("extends: [zero-migration]\npathways:\n  - config: p.yml\n")
    spec = scenarios.load(path)
    records = {record["role"]: record for record in spec["files"]}
    assert set(records) == {"scenario", "built-in scenario", "pathway config"}
    for record in spec["files"]:
        with open(record["path"], "rb") as handle:
            assert record["sha256"] == hashlib.sha256(handle.read()).hexdigest()
    before = records["pathway config"]["sha256"]
    config.write_text("origin: Senegal\ndestination: Spain\nannual_intake: 60\n")
    after = {r["role"]: r for r in scenarios.load(path)["files"]}["pathway config"]["sha256"]
    assert after != before
    assert scenarios.external_files(path) == [path.resolve(), config.resolve()]


def test_an_external_scenario_file_is_a_make_prerequisite_of_its_report(tmp_path, processed_dir, monkeypatch):
    config = tmp_path / "p.yml"
    config.write_text("origin: Senegal\ndestination: Spain\n")
    path = tmp_path / "s.yml"
    path.write_text("extends: [medium]\npathways:\n  - config: p.yml\n")
    run = matrix.ReportRun("x", "scenario_comparison", "Africa supply", "t",
                           {"scenario_names": ["medium", f"{path}+zero-migration"]})
    assert matrix.file_prerequisites(run) == [path.resolve(), config.resolve()]
    monkeypatch.setattr(matrix, "PARAMS_DIR", tmp_path / "params")
    monkeypatch.setattr(matrix, "MAKE_INCLUDE", tmp_path / ".matrix.mk")
    matrix.write_make_inputs([run])
    include = (tmp_path / ".matrix.mk").read_text()
    assert f"reports/x.html: notebooks/scenario_comparison.ipynb reports/.params/x.json {path.resolve()} " \
           f"{config.resolve()}" in include


@pytest.mark.parametrize(
    "spec, message",
    [
        ({"fertility": {"locations": [], "mode": "constant"}}, "locations is empty"),
        ({"fertility": {"locations": ["Kenya", "Kenya"], "mode": "constant"}}, "names 'Kenya' twice"),
        ({"fertility": {"locations": [True], "mode": "constant"}}, "locations must be names"),
        ({"fertility": {"target_tfr": float("nan"), "target_year": 2050}}, "must be a finite number"),
        ({"fertility": {"target_tfr": True, "target_year": 2050}}, "'target_tfr' must be int or float"),
        ({"fertility": {"mode": "constant", "target_year": 2050}}, "applies to mode 'target' only"),
        ({"fertility": {"target_tfr": 2.1, "target_year": 2050, "past_target": "stay"}}, "past_target 'stay' is not one"),
        ({"fertility": {"target_tfr": 2.1, "target_year": 2050, "start_year": 2060}}, "start_year 2060 must come before"),
        ({"fertility": []}, "empty list"),
        ({"mortality": {"e0_change": 2, "target_e0": 80, "target_year": 2050}}, "give either e0_change"),
        ({"mortality": {"target_e0": 150, "target_year": 2050}}, "outside 20–110"),
        ({"migration": {"scale": float("inf")}}, "must be a finite number"),
        ({"migration": {"scale": 500}}, "above 10 times WPP's net migration"),
        ({"migration": {"scael": 1}}, "unknown field 'scael' .*did you mean 'scale'"),
        ({"pathways": [{"origin": "Kenya", "destination": "Germany", "annual_intake": float("nan")}]},
         "annual_intake must be a finite number"),
        ({"pathways": {"origin": "Kenya"}}, "must be a list"),
    ],
)
def test_invalid_blocks_are_refused_in_one_line(spec, message):
    with pytest.raises(ScenarioError, match=message) as error:
        scenarios.load({"name": "x", **spec})
    assert "\n" not in str(error.value)


def test_a_missing_pathway_config_is_refused(tmp_path):
    path = tmp_path / "s.yml"
    path.write_text("pathways:\n  - config: nowhere.yml\n")
    with pytest.raises(ScenarioError, match="pathway config nowhere.yml does not exist"):
        scenarios.load(path)
    path.write_text("pathways:\n  - config: p.yml\n")
    (tmp_path / "p.yml").write_text("origin: Kenya\nanual_intake: 5\n")
    with pytest.raises(ScenarioError, match="unknown pathway parameter 'anual_intake' .*did you mean 'annual_intake'"):
        scenarios.load(path)


def test_project_command_records_each_scenario_file_and_the_working_tree(tmp_path, processed_dir):
    config = tmp_path / "p.yml"
    config.write_text("origin: Senegal\ndestination: Spain\nannual_intake: 500\n")
    path = tmp_path / "s.yml"
    path.write_text("extends: [medium]\npathways:\n  - config: p.yml\n")
    command = [sys.executable, "-m", "analysis", "project", "--location", "Senegal", "--scenario", str(path),
               "--scenario", "zero-migration", "--to", "2035"]
    result = subprocess.run(command, capture_output=True, text=True, cwd=paths.ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.strip().splitlines()
    assert all(line.startswith("# ") for line in lines)
    assert lines[0].startswith("# provenance: analysis ") and "git commit " in lines[0]
    assert lines[0].endswith(("working tree clean", "working tree uncommitted changes", "working tree unknown"))
    digest = lambda p: hashlib.sha256(p.read_bytes()).hexdigest()  # noqa: E731
    assert f"# scenario: {path} sha256 {digest(path)}" in lines
    assert f"# pathway config: {config} sha256 {digest(config)}" in lines
    builtin = paths.PACKAGE_DIR / "model" / "scenarios" / "zero-migration.yml"
    assert f"# built-in scenario: analysis/model/scenarios/zero-migration.yml sha256 {digest(builtin)}" in lines
    assert "Senegal,s,2035,15-64," in result.stdout


def test_repeated_inputs_count_once_and_loops_and_repeated_fields_are_refused(tmp_path, processed_dir):
    with pytest.warns(InputNote, match="scenario medium was given more than once; it is counted once"):
        twice_run = scenarios.projected_population(["Kenya"], ["medium", "medium"], 2025, 2035)
    once = scenarios.projected_population(["Kenya"], ["medium"], 2025, 2035)
    pd.testing.assert_frame_equal(twice_run, once)  # one set of rows, not two added together
    loop = tmp_path / "a.yml"
    loop.write_text("extends: [b.yml]\n")
    (tmp_path / "b.yml").write_text("extends: [a.yml]\n")
    with pytest.raises(ScenarioError, match=r"extends loop .*a.yml -> .*b.yml -> .*a.yml"):
        scenarios.load(loop)
    twice = tmp_path / "twice.yml"
    twice.write_text("fertility: {mode: constant}\nfertility: {mode: wpp}\n")
    with pytest.raises(ScenarioError, match="key 'fertility' appears twice"):
        scenarios.load(twice)
