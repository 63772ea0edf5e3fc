"""The methods page: docs/methods.md filled with figures computed from the data, as self-contained HTML."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from bs4 import BeautifulSoup

from analysis.data import sources
from analysis.model import trajectories as tr, validation
from analysis.report import methods, site_index
from analysis.report.methods import MethodsTemplateError


@pytest.fixture(scope="module")
def page(processed_dir, tmp_path_factory):
    target = tmp_path_factory.mktemp("methods") / "methods.html"
    assert methods.build_methods(target, processed_dir) == target
    return BeautifulSoup(target.read_text(encoding="utf-8"), "html.parser")


def _table_after(page, text: str) -> list[list[str]]:
    """Rows (cells as text) of the first table after the paragraph containing ``text``."""
    paragraph = page.find(lambda tag: tag.name == "p" and text in " ".join(tag.get_text().split()))
    table = paragraph.find_next("table")
    return [[cell.get_text(strip=True) for cell in row.find_all(["th", "td"])] for row in table.find_all("tr")]


def test_every_placeholder_is_filled_and_nothing_loads_from_the_network(page):
    html = str(page)
    assert "{{" not in html and "}}" not in html
    assert not page.find_all("script")
    external = [tag for tag in page.find_all(src=True) + page.find_all(href=True)
                if re.match(r"(https?:)?//", tag.get("src") or tag.get("href"))]
    assert not external
    assert page.find("a", href="index.html")


def test_the_validation_table_is_the_engines_validation(page, processed_dir):
    check = validation.compare_with_wpp(processed_dir=processed_dir)
    rows = {row[0]: row[1:] for row in _table_after(page, "The checks cover")[1:]}
    worst = check.summary.set_index("check").loc["countries ≥ 1 million: 15-64 in 2050, largest error"]
    measured, threshold, result = rows["countries ≥ 1 million: 15-64 in 2050, largest error"]
    assert measured == f"{100 * worst['measured']:.2f} % ({worst['where']})"
    assert (threshold, result) == ("≤ 1.0 %", "passed")
    assert 0.002 < worst["measured"] < 0.010  # the engine reproduces WPP to within 1 % everywhere (0.42 % measured)
    assert f"cover the {check.summary.attrs['countries_checked']} countries" in " ".join(page.get_text().split())
    aggregates = _table_after(page, "sums of the engine's countries")
    assert [row[:2] for row in aggregates[1:]] == [[name, year] for name in ("Africa", "Sub-Saharan Africa", "World")
                                                   for year in ("2050", "2100")]
    assert f"θ = {validation.migration_age_shift(processed_dir=processed_dir):.2f}" in " ".join(page.get_text().split())


def test_models_sources_and_groups_are_on_the_page(page):
    text = " ".join(page.get_text().split())
    robustness = _table_after(page, "The same model under")
    assert robustness[0][0] == "specification" and len(robustness) == 1 + 5
    assert "income at the peak" in text and "clustered by country" in text
    datasets = [row[0] for row in _table_after(page, "Versions, licences and access dates")[1:]]
    assert datasets == [meta["title"] for meta in sources.registry()["datasets"].values()]
    groups = {row[0]: row[2] for row in _table_after(page, "Groups WPP does not publish")[1:]}
    assert (groups["AU"], groups["AfCFTA"], groups["AES"], groups["ECOWAS"]) == ("55", "48", "3", "12")
    for heading in ("The projection engine", "Scenarios", "Replacement migration", "Skills-partnership pathways",
                    "The emigration model", "Data sources"):
        assert page.find("h2", string=re.compile(heading))


def test_template_faults_stop_the_build():
    with pytest.raises(MethodsTemplateError, match=r"no value for placeholder\(s\) \['nowhere'\]"):
        methods.render_markdown("# M\n{{ nowhere }}", {})
    with pytest.raises(MethodsTemplateError, match=r"computed value\(s\) \['spare'\] are not used"):
        methods.render_markdown("# M\n{{ used }}", {"used": "1", "spare": "2"})
    assert methods.render_markdown("# M\n{{ used }} and {{used}}", {"used": "1"}) == "# M\n1 and 1"


def test_raw_html_in_the_source_is_shown_as_text():
    html = methods.to_html("# Methods\n\n<script>alert(1)</script>\n\n| a | b |\n|---|--:|\n| x | 1 |\n")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<table>" in html and "<title>Methods</title>" in html


def test_the_index_links_the_methods_page(tmp_path):
    target = site_index.build_index(target=tmp_path / "index.html")
    assert f'href="{site_index.METHODS_PAGE}"' in target.read_text(encoding="utf-8")
    assert site_index.methods_link() == "[Methods](methods.html)"


def test_methods_command_is_offered():
    result = subprocess.run([sys.executable, "-m", "analysis", "methods", "--help"], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0 and "reports/methods.html" in result.stdout


def test_the_probabilistic_section_shows_the_calibration_and_the_interval_validation(page, interval_validation):
    text = " ".join(page.get_text().split())
    assert "5. Probabilistic projections" in text
    parameters = _table_after(page, "The calibrated values")
    assert [row[0] for row in parameters[1:]] == ["TFR", "life expectancy at birth", "net migration"]
    own = len(tr.load_parameters().migration.country_phi)
    assert f"{own} countries have their own" in parameters[3][3]
    targets = _table_after(page, "Every country is projected")
    measured = [row[1] for row in targets[1:]]
    # the page reads the cached run; the session's validation computed it afresh: the same numbers
    assert measured == [f"{100 * value:.1f} %" for value in interval_validation.targets["measured"]]
    assert [row[3] for row in targets[1:]] == ["met" if met else "not met" for met in interval_validation.targets["passed"]]
    met = int(interval_validation.targets["passed"].sum())
    assert f"{met} of {len(interval_validation.targets)} targets are met" in text
    before_after = _table_after(page, "Before and after")
    assert [row[0] for row in before_after[1:]] == interval_validation.targets["target"].tolist()
    assert [row[2] for row in before_after[1:]] == measured
    consistency = _table_after(page, "What WPP's own intervals allow")
    assert [row[0] for row in consistency[1:]] == list(validation.INTERVAL_AGGREGATES)
