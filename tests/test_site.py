"""The report site: matrix checks, incremental parameter files, failed builds, the index page."""

from __future__ import annotations

import ast
import json
import re
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
    runs = [ReportRun("broken", "africa_working_age", "Africa supply", "Broken", {"ages": "70-20"}),
            ReportRun("first", "africa_working_age", "Africa supply", "First", {"ages": "70-20"})]
    with runner.ReportBuilder() as builder:
        with pytest.raises(runner.ReportFailed) as failure:
            builder.build(runs[0])
        with pytest.raises(runner.ReportFailed) as never_built:
            builder.build(runs[1])
    message = str(failure.value)
    assert "notebooks/africa_working_age.ipynb" in message and '"ages": "70-20"' in message
    assert "code cell 3" in message and "ends before it starts" in message
    assert "The previous report is kept" in message
    assert previous.read_text() == "the previous good report"
    assert (scratch_reports / ".failed" / "broken.ipynb").exists()
    assert not [p for p in scratch_reports.iterdir() if p.name.startswith(".broken")], "temporary files left behind"
    # a report that never built has nothing to keep, and says so
    assert "No report was written (there was none before)" in str(never_built.value)
    assert "previous report is kept" not in str(never_built.value) and not (scratch_reports / "first.html").exists()


def _executed(folder: Path, name: str, markdown: str, headlines: list[dict]) -> None:
    """A built report: its page, and an executed notebook with a sources list and headlines."""
    outputs = [{"output_type": "display_data", "metadata": {}, "data": {"text/markdown": markdown, "text/plain": ""}}]
    outputs += [{"output_type": "display_data", "metadata": {}, "data": {matrix.HEADLINE_MIME: item, "text/plain": ""}}
                for item in headlines]
    notebook = {"cells": [{"cell_type": "code", "metadata": {}, "source": "", "outputs": outputs}], "metadata": {},
                "nbformat": 4, "nbformat_minor": 5}
    (folder / f"{name}.ipynb").write_text(json.dumps(notebook))
    (folder / f"{name}.html").write_text("<html></html>")


def test_index_states_its_build_date_and_the_sources_its_reports_cite(scratch_reports, processed_dir):
    import html
    import re

    from analysis.report import provenance

    _executed(scratch_reports, "profile", provenance.sources_markdown(["wpp2024", "wcde"]),
              [{"label": "aged 15-64 in 2050", "value": "232 million"}])
    _executed(scratch_reports, "scenarios", provenance.sources_markdown(["wpp2024", "world-atlas"]),
              [{"label": "median error of the simulated 80 % bounds", "value": "1.1%", "role": "check"},
               {"label": "aged 15-64 in 2100, engine under scenario medium", "value": "2,177 million"}])
    runs = [ReportRun("profile", "country_profile", "Country profiles", "Profile", {}),
            ReportRun("scenarios", "scenario_comparison", "Africa supply", "Scenarios", {}),
            ReportRun("unbuilt", "migration_context", "Migration context", "Not built", {})]
    page = html.unescape(site_index.build_index(runs).read_text())
    built = re.search(r"<p>Built (.*?) from git commit", page).group(1)
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", built), built  # the date, not whether a page exists
    cited = page.split("<h3>Sources</h3>")[1].split("<h3>")[0]
    assert "World Population Prospects 2024" in cited
    assert "Wittgenstein Centre" in cited and "Natural Earth" in cited  # what the built reports cite
    assert "gdidata" not in cited  # cited by no built report (the unbuilt one would)
    card = page.split(">Scenarios<")[1].split("</article>")[0]
    assert card.index("2,177 million") < card.index("check:") < card.index("1.1%")  # the result first, then the check


def test_horizon_is_the_last_year_in_every_report_and_the_old_years_still_read(processed_dir):
    from analysis.errors import InputNote
    from analysis.report import parameters

    defaults = matrix.notebook_parameters("africa_working_age")
    assert parameters.check("africa_working_age", **defaults)["horizon"] == 2055
    with pytest.warns(InputNote, match=r"horizon 30 is read as a number of years, its old meaning in "
                                       r"africa_working_age \(2025 \+ 30 = 2055\); .* give horizon 2055"):
        assert matrix.check_parameters("report x", "africa_working_age", {"horizon": 30}) == {"horizon": 2055}
    for notebook in ("africa_working_age", "destination_demand", "scenario_comparison", "partnerships"):
        given = {**matrix.notebook_parameters(notebook), "horizon": 2020}
        with pytest.raises(parameters.ParameterError, match=r"horizon 2020 is not valid: horizon is the last year, "
                                                            r"a calendar year, 2030-2100 \(after base_year 2025\)"):
            parameters.check(notebook, **given)
    with pytest.raises(parameters.ParameterError, match=r"'horizon' \(the last year, a calendar year\) must be at "
                                                        r"least 1950 and at most 2100, got 30"):
        parameters.check("destination_demand", **{**matrix.notebook_parameters("destination_demand"), "horizon": 30})


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
                      {"location": "Ghana", "top_n": 3, "trajectories": 100})]
    page = runner.run_report("ghana", runs)
    text = page.read_text()
    assert NETWORK.search(text) is None, NETWORK.search(text).group(0)
    assert "Ghana" in text and "index.html" in text
    assert (scratch_reports / "ghana.ipynb").exists()
    import html

    index = html.unescape(site_index.build_index(runs).read_text())
    assert "href='ghana.html'" in index and "Ghana's working-age population" in index
    import re

    words = re.sub(r"<[^>]+>", "", index)  # number ranges sit in spans that keep them on one line
    assert "more people aged 15-64 in Ghana" in words  # a headline number read back from the executed report
    assert '<span style="white-space:nowrap">15-64</span>' in index
    assert 'id="filter"' in index and "git commit" in index
    for name, sha in json.loads((paths.RAW / "MANIFEST.json").read_text())["files"].items():
        assert sha in index


def test_number_ranges_never_break_across_lines():
    """ "25-34" at the end of a line must not wrap as "25-" / "34": ranges of the text sit in no-wrap spans."""
    page = ('<p data-x="20-39">aged 25-34 in 2025–2055, ages 65+ and 15-64 on 2026-12-07</p><style>.a{margin:0-1px}</style>'
            '<script>const a = "1-2";</script><a href="data:text/csv;base64,MS0y">x-1</a>')
    shown = runner.unbroken_ranges(page)
    assert shown.count('<span style="white-space:nowrap">') == 3
    assert '<span style="white-space:nowrap">25-34</span>' in shown and "2025–2055</span>" in shown
    assert 'data-x="20-39"' in shown and ".a{margin:0-1px}" in shown and 'const a = "1-2";' in shown
    assert re.sub(r"<[^>]+>", "", shown) == re.sub(r"<[^>]+>", "", page)  # the text reads the same
    assert runner.unbroken_ranges("<p>+33.1 % (80 %: +1 to +2 %)</p>") == "<p>+33.1&nbsp;% (80&nbsp;%: +1 to +2&nbsp;%)</p>"
