"""Figures of the partnership report draw what they are given."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import geopandas  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from shapely.geometry import box  # noqa: E402

from analysis.report import maps, plotting  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_planned_and_achieved_draws_one_line_per_row():
    table = pd.DataFrame({"id": ["A", "B"], "stage": ["trainees", "migrants_placed"], "planned": [100, 50],
                          "achieved": [25, 60]})
    ax = plotting.planned_and_achieved(table, title="plans")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["A (trainees)", "B (migrants placed)"]
    assert ax.get_xscale() == "log" and ax.get_title() == "plans"
    planned, achieved = ax.collections[1], ax.collections[2]
    assert planned.get_offsets()[:, 0].tolist() == [100, 50] and achieved.get_offsets()[:, 0].tolist() == [25, 60]


def test_stacked_counts_stack_in_order():
    table = pd.DataFrame({"sector": ["health", "ict"], "low": [1, 0], "high": [2, 3], "not stated": [1, 0]})
    ax = plotting.stacked_counts(table, "sector", ["low", "high", "not stated"])
    widths = [patch.get_width() for patch in ax.patches]
    assert widths == [1, 0, 2, 3, 1, 0]
    assert [patch.get_x() for patch in ax.patches][2:4] == [1, 0]  # "high" starts where "low" ends


def test_partnership_map_shades_only_countries_with_partnerships():
    shapes = geopandas.GeoDataFrame({"m49": [1, 2, 3], "name": ["a", "b", "c"], "as_origin": [0, 2, 5],
                                     "as_destination": [1, 0, 0]},
                                    geometry=[box(0, 0, 10, 10), box(20, 0, 30, 10), box(40, 0, 50, 10)],
                                    crs="EPSG:4326")
    fig = maps.partnership_map(shapes)
    axes = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title() for ax in axes] == ["Partnerships by countries of origin",
                                               "Partnerships by countries of destination"]
    assert len(axes[0].collections) == 2  # all land, then the countries with partnerships
