"""Report tables: units in the headings, separators, right-aligned numbers, scrolling, CSV, and a deterministic form."""

from __future__ import annotations

import base64
import re

import numpy as np
import pandas as pd
import pytest

from analysis.report.runner import NETWORK_REFERENCE
from analysis.report.tables import VISIBLE_ROWS, report_table, show
from analysis.study import indicators


def _cells(page: str) -> list[str]:
    return re.findall(r"<td[^>]*class=\"gt_row[^\"]*\"[^>]*>(.*?)</td>", page)


def _csv(page: str) -> str:
    payload = re.search(r'href="data:text/csv;base64,([A-Za-z0-9+/=]+)"', page).group(1)
    return base64.b64decode(payload).decode("utf-8")


def test_show_converts_names_units_and_separates_thousands(capsys):
    table = pd.DataFrame({"location": ["EU27", "GCC"], "cumulative_migrants": [58_123_456.0, -2_726_642.0],
                          "migrants_per_year": [2_325_938.0, -109_066.0], "key": [1, 2]})
    show(table, title="A title", columns=["location", "cumulative_migrants", "migrants_per_year"],
         millions=["cumulative_migrants"], thousands=["migrants_per_year"],
         rename={"cumulative_migrants": "cumulative", "migrants_per_year": "per_year"}, note="Negative: net emigration.")
    expected = pd.DataFrame({"location": ["EU27", "GCC"], "cumulative (millions)": ["58.1", "-2.7"],
                             "per year (thousands)": ["2,326", "-109"]}).to_string(index=False)
    assert capsys.readouterr().out == f"A title\n{expected}\nNegative: net emigration.\n"


def test_a_unit_already_in_the_heading_is_not_repeated():
    table = pd.DataFrame({"cumulative_migrants": [58_123_456.0]})
    shown = report_table(table, millions=["cumulative_migrants"], rename={"cumulative_migrants": "cumulative_millions"})
    assert list(shown.frame.columns) == ["cumulative millions"]


def test_missing_values_are_blank_or_a_dash_and_never_nan():
    table = pd.DataFrame({"id": ["A", "B"], "end_year": [2021.0, np.nan], "trainees": [np.nan, 1200.0],
                          "ids": [pd.NA, "X; Y"]})
    blank = report_table(table, missing="")
    assert blank.frame.to_dict("list") == {"id": ["A", "B"], "end year": ["2021", ""], "trainees": ["", "1,200"],
                                           "ids": ["", "X; Y"]}
    dashed = report_table(table)
    assert dashed.frame["trainees"].tolist() == ["–", "1,200"]
    for form in (blank.text, blank.html, dashed.text, dashed.html):
        assert "nan" not in form.lower().replace("nanoplot", "") and "<NA>" not in form


def test_years_and_codes_have_no_separators_but_counts_per_year_do():
    table = pd.DataFrame({"year": [2030, 2100], "period_end": [2035, 2105], "location_code": [566, 1834],
                          "fewer_from": [2035.0, np.nan], "migrants_per_year": [2030.0, 12345.0],
                          "return_after_years": [2.5, 8.0]})
    shown = report_table(table)
    assert shown.frame["year"].tolist() == ["2030", "2100"]
    assert shown.frame["location code"].tolist() == ["566", "1834"]
    assert shown.frame["fewer from"].tolist() == ["2035", "–"]
    assert shown.frame["migrants per year"].tolist() == ["2,030", "12,345"]
    assert shown.frame["return after years"].tolist() == ["2.5", "8.0"]  # not a year: never rounded to a whole number


def test_decimals_follow_the_rounding_asked_or_the_values():
    table = pd.DataFrame({"ratio": [2.82, 1.8], "share": [0.1234, 0.5], "count": [3, 4000]})
    shown = report_table(table, round={"ratio": 2}, percent={"share": 2})
    assert shown.frame.to_dict("list") == {"ratio": ["2.82", "1.80"], "share (%)": ["12.34", "50.00"],
                                           "count": ["3", "4,000"]}
    assert report_table(pd.DataFrame({"x": [0.125, 1.5]})).frame["x"].tolist() == ["0.125", "1.500"]


def test_html_is_a_real_table_with_right_aligned_numbers_units_and_the_csv():
    table = pd.DataFrame({"location": ["Nigeria", "Ethiopia"], "change": [116_991_600.0, 80_200_000.0],
                          "share_of_change": [0.1459, 0.1]})
    shown = report_table(table, millions=["change"], percent=["share_of_change"], title="Contributors")
    page = shown.html
    assert "<table" in page and "Contributors" in page
    assert _cells(page) == ["Nigeria", "117.0", "14.6", "Ethiopia", "80.2", "10.0"]
    numbers = re.findall(r'<td[^>]*class="gt_row gt_right[^"]*"[^>]*>', page)
    assert len(numbers) == 4  # every number right-aligned; names left
    assert '<span class="unit">millions</span>' in page and '<span class="unit">%</span>' in page
    assert _csv(page) == "location,change (millions),share of change (%)\nNigeria,117.0,14.6\nEthiopia,80.2,10.0\n"
    assert NETWORK_REFERENCE.search(page) is None


def test_html_is_deterministic_and_its_id_follows_the_content():
    table = pd.DataFrame({"a": [1.0, 2.0]})
    first, again = report_table(table, title="t").html, report_table(table.copy(), title="t").html
    assert first == again
    other = report_table(table.assign(a=[1.0, 3.0]), title="t").html
    ids = [re.search(r'<div id="(table-[0-9a-f]{12})"', page).group(1) for page in (first, other)]
    assert ids[0] != ids[1]


def test_long_tables_scroll_inside_their_box_and_long_text_is_never_cut():
    words = "a sentence long enough to be cut by a fixed-width printer " * 4
    table = pd.DataFrame({"row": range(VISIBLE_ROWS + 1), "text": [words] * (VISIBLE_ROWS + 1)})
    page = report_table(table, title="long").html
    assert re.search(r'<div id="table-[0-9a-f]+" style="[^"]*overflow-y:auto;[^"]*height:\d+em', page)
    assert words.strip() in page and "…" not in page and "..." not in page
    short = report_table(table.head(3), title="short").html
    assert "height:auto" in short


def test_a_column_shown_twice_or_two_under_one_heading_are_refused():
    with pytest.raises(ValueError, match="shown twice"):
        report_table(pd.DataFrame({"a": [1]}), columns=["a", "a"])
    with pytest.raises(ValueError, match=r"the same heading: \['b'\]"):
        report_table(pd.DataFrame({"a": [1], "b": [2]}), rename={"a": "b"})


def test_a_real_table_prints_the_figures_of_the_data(processed_dir):
    """Africa's top contributors, 2025-2055: the table shows the package's own figures, rounded as stated."""
    by_country = indicators.country_contributions("Africa", 2025, 2055, "15-64", processed_dir)
    top, _ = indicators.top_contributors(by_country, 3)
    shown = report_table(top, columns=["location", "change", "share_of_change"], millions=["change"],
                         percent=["share_of_change"])
    nigeria = indicators.lookup(by_country, location="Nigeria")
    assert shown.frame.iloc[0].tolist() == ["Nigeria", f"{nigeria['change'] / 1e6:,.1f}",
                                            f"{100 * nigeria['share_of_change']:.1f}"]
    assert 100e6 < nigeria["change"] < 130e6  # WPP 2024 medium: Nigeria adds about 117 million people aged 15-64


RAW_BOOLEAN = re.compile(r"\b(True|False)\b")


def test_no_table_prints_raw_booleans():
    """True and false read as yes and no in both forms, whatever the column holds them as."""
    table = pd.DataFrame({"check": ["a", "b", "c"], "passed": [True, False, True],
                          "per_year": pd.Series([True, None, np.False_], dtype=object),
                          "flag": pd.array([True, pd.NA, False], dtype="boolean")})
    shown = report_table(table, missing="")
    assert shown.frame["passed"].tolist() == ["yes", "no", "yes"]
    assert shown.frame["per year"].tolist() == ["yes", "", "no"]
    assert shown.frame["flag"].tolist() == ["yes", "", "no"]
    for form in (shown.text, shown.html, _csv(shown.html)):
        assert RAW_BOOLEAN.search(re.sub(r"<[^>]+>", " ", form)) is None, form


def test_no_committed_report_table_prints_raw_booleans():
    """Every table the committed notebooks show (the text form of each ``show``): no True or False."""
    import json

    from analysis import paths

    found = []
    for notebook in sorted(paths.NOTEBOOKS.glob("*.ipynb")):
        for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                if "gt_table" not in "".join(data.get("text/html", "")):
                    continue  # not a report table
                text = "".join(data.get("text/plain", ""))
                found += [(notebook.name, line) for line in text.splitlines() if RAW_BOOLEAN.search(line)]
    assert not found, found[:5]


def test_whole_numbers_print_as_whole_numbers_beside_measures():
    table = pd.DataFrame({"statistic": ["observations", "R-squared"], "value": pd.Series([1061, 0.300896], dtype=object)})
    shown = report_table(table, round=3)
    assert shown.frame["value"].tolist() == ["1,061", "0.301"]  # not "1,061.000"
    assert _cells(shown.html) == ["observations", "1,061", "R-squared", "0.301"]
