"""The report site: matrix checks, incremental parameter files, failed builds, the index page."""

from __future__ import annotations

import ast
import json
import time
from pathlib import Path

import pytest
import yaml

from analysis import paths
from analysis.report import matrix, runner, site_index
from analysis.report.matrix import MatrixError, ReportRun
from tests.scratch_site import use_reports_folder
from tests.test_site_browser import NETWORK


@pytest.fixture
def scratch_reports(tmp_path, monkeypatch):
    """Point the site's outputs at a temporary reports folder."""
    reports = tmp_path / "reports"
    reports.mkdir()
    return use_reports_folder(monkeypatch, reports)


def _parameter_names(notebook: Path) -> set[str]:
    """The parameters cell's names, parsed here independently of analysis.report.matrix."""
    cells = json.loads(notebook.read_text())["cells"]
    source = "".join(next(c for c in cells if "parameters" in c["metadata"].get("tags", []))["source"])
    return {node.targets[0].id for node in ast.parse(source).body}


def test_every_matrix_parameter_is_a_notebook_parameter(processed_dir):
    spec = yaml.safe_load(matrix.MATRIX_FILE.read_text())
    for entry in spec["reports"]:
        names = _parameter_names(paths.NOTEBOOKS / f"{entry['notebook']}.ipynb")
        for run in entry.get("runs", []):
            assert set(run.get("parameters", {})) <= names, (entry["notebook"], run)
        assert set(entry.get("template", {})) <= names
    runs = matrix.load_matrix()
    assert {run.group for run in runs} == {"Africa supply", "Destinations", "Pathways", "Migration context",
                                           "Country profiles"}
    assert len({run.name for run in runs}) == len(runs)


def test_country_profiles_for_all_54_african_countries(processed_dir):
    profiles = [run for run in matrix.load_matrix() if run.notebook == "country_profile"]
    assert len(profiles) == 54
    assert {"country_profile-nga", "country_profile-ken", "country_profile-egy"} <= {run.name for run in profiles}
    assert all(run.group == "Country profiles" for run in profiles)


def test_misspelled_parameter_is_refused(tmp_path, processed_dir):
    matrix_file = tmp_path / "reports.yml"
    matrix_file.write_text("reports:\n  - notebook: africa_working_age\n    group: Africa supply\n"
                      "    runs:\n      - {name: x, parameters: {locaton: Kenya}}\n")
    with pytest.raises(MatrixError, match=r"parameter 'locaton' \(did you mean 'location'\?\) is not in the parameters cell"):
        matrix.load_matrix(matrix_file)
    matrix_file.write_text("reports:\n  - notebook: africa_working_age\n    group: ' '\n    runs: [{name: x}]\n")
    with pytest.raises(MatrixError, match="'group' is .*, which is not a group name of 1 to 80 characters"):
        matrix.load_matrix(matrix_file)
    matrix_file.write_text("reports:\n  - notebook: nothing_here\n    group: Africa supply\n    runs: [{name: x}]\n")
    with pytest.raises(MatrixError, match="does not exist"):
        matrix.load_matrix(matrix_file)


def test_parameter_files_change_only_when_parameters_change(scratch_reports):
    runs = [ReportRun("a", "africa_working_age", "Africa supply", "A", {"location": "Kenya"}),
            ReportRun("b", "africa_working_age", "Africa supply", "B", {})]
    assert matrix.write_make_inputs(runs) == 2
    before = {run.name: run.params_path.stat().st_mtime_ns for run in runs}
    time.sleep(0.01)
    assert matrix.write_make_inputs(runs) == 0
    assert {run.name: run.params_path.stat().st_mtime_ns for run in runs} == before
    changed = [ReportRun("a", "africa_working_age", "Africa supply", "A", {"location": "Ghana"}), runs[1]]
    assert matrix.write_make_inputs(changed) == 1
    assert runs[1].params_path.stat().st_mtime_ns == before["b"]
    include = matrix.MAKE_INCLUDE.read_text()
    assert "REPORT_RUNS := a b" in include
    assert "reports/a.html: notebooks/africa_working_age.ipynb reports/.params/a.json" in include


def test_failed_report_names_notebook_parameters_and_cell_and_keeps_the_previous(scratch_reports, processed_dir):
    previous = scratch_reports / "broken.html"
    previous.write_text("the previous good report")
    runs = [ReportRun("broken", "africa_working_age", "Africa supply", "Broken", {"ages": "70-20"})]
    with pytest.raises(runner.ReportFailed) as failure:
        runner.run_report("broken", runs)
    message = str(failure.value)
    assert "notebooks/africa_working_age.ipynb" in message and '"ages": "70-20"' in message
    assert "code cell 3" in message and "ends before it starts" in message
    assert previous.read_text() == "the previous good report"
    assert (scratch_reports / ".failed" / "broken.ipynb").exists()
    assert not [p for p in scratch_reports.iterdir() if p.name.startswith(".broken")], "temporary files left behind"


def test_a_new_group_gets_its_own_section_in_order_of_appearance(scratch_reports, processed_dir):
    matrix_file = scratch_reports / "reports.yml"
    matrix_file.write_text("reports:\n  - notebook: africa_working_age\n    group: My regions\n"
                           "    runs: [{name: mine, parameters: {location: SADC}}]\n"
                           "  - notebook: country_profile\n    group: Country profiles\n    runs: [{name: nga}]\n")
    runs = matrix.load_matrix(matrix_file)
    assert [run.group for run in runs] == ["My regions", "Country profiles"]
    import html

    page = html.unescape(site_index.build_index(runs).read_text())
    assert page.index("<h2>My regions</h2>") < page.index("<h2>Country profiles</h2>")
    assert "data-group='My regions'" in page


def test_report_is_self_contained_and_indexed(scratch_reports, processed_dir):
    runs = [ReportRun("ghana", "africa_working_age", "Africa supply", "Ghana's working-age population",
                      {"location": "Ghana", "top_n": 3})]
    page = runner.run_report("ghana", runs)
    text = page.read_text()
    assert NETWORK.search(text) is None, NETWORK.search(text).group(0)
    assert "Ghana" in text and "index.html" in text
    assert (scratch_reports / "ghana.ipynb").exists()
    import html

    index = html.unescape(site_index.build_index(runs).read_text())
    assert "href='ghana.html'" in index and "Ghana's working-age population" in index
    assert "more people aged 15-64 in Ghana" in index  # a headline number read back from the executed report
    assert 'id="filter"' in index and "git commit" in index
    for name, sha in json.loads((paths.RAW / "MANIFEST.json").read_text())["files"].items():
        assert sha in index
