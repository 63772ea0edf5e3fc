"""Choropleth maps: classes, colours, the shapes each place is drawn with, island circles, legend and source line."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib import colors as mcolors  # noqa: E402

from analysis.data import country_shapes  # noqa: E402
from analysis.data import stocks  # noqa: E402
from analysis.report import maps, palette, plotting  # noqa: E402
from analysis.study import indicators, migration  # noqa: E402

ISLANDS = {"Cabo Verde", "Comoros", "Mauritius", "Seychelles", "Sao Tome and Principe", "Saint Helena"}


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def shapes(raw_dir):
    return country_shapes.load_country_shapes(raw_dir)


@pytest.fixture(scope="module")
def africa(processed_dir):
    return indicators.country_contributions("Africa", 2025, 2055, "15-64", processed_dir)


def test_class_breaks_are_rounded_quantiles_with_zero_between_falls_and_rises():
    values = [-0.27, 0.4, 1.3, 2.2, 6.4, 7.7, 13.2, 14.0, 23.5, 117.0, -0.01, 0.9, 3.3, 5.0, 9.9, 30.0, 45.0, 80.0]
    breaks = maps.class_breaks(values, classes=6)
    assert breaks == sorted(breaks) and len(set(breaks)) == len(breaks)
    assert breaks[0] <= min(values) and breaks[-1] >= max(values)
    assert 0.0 in breaks
    assert all(float(f"{b:.2g}") == b for b in breaks)  # two significant digits
    assert maps.class_breaks([5.0, 5.0]) == [2.5, 7.5] and maps.class_breaks([0.0]) == [-1.0, 1.0]
    assert len(maps.class_breaks([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])) - 1 == 2  # about three places a class at least


def test_falls_are_red_and_rises_blue_in_every_map():
    colours = maps.class_colours([-1.0, 0.0, 1.0, 2.0])
    red, blue = [mcolors.to_rgb(c) for c in (colours[0], colours[-1])]
    assert red[0] > red[2] and blue[2] > blue[0]
    assert len(maps.class_colours([0.0, 1.0, 2.0, 3.0])) == 3


def test_africas_working_age_growth_map(africa, shapes):
    fig = maps.change_maps(africa, "Population aged 15-64", plotting.SOURCE_NOTE, 2025, 2055, shapes=shapes)
    change, percent = [ax for ax in fig.axes if ax.get_title()]
    assert change.get_title() == "Population aged 15-64: change 2025–2055"
    assert percent.get_title() == "Population aged 15-64: change 2025–2055 in %"
    circled = {text.get_text() for text in change.texts}
    assert ISLANDS <= circled  # small island states get a circle and their name
    legends = [ax.get_xlabel() for ax in fig.axes if not ax.get_title()]
    assert legends == ["change 2025–2055, millions (0 = unchanged)", "change in % of the 2025 level (0 = unchanged)"]
    note = " ".join(text.get_text() for text in fig.texts).replace("\n", " ")
    assert "World Population Prospects 2024" in note and "Natural Earth 1:50 million" in note
    assert "Somaliland is drawn as part of Somalia, as WPP counts it" in note
    assert "Mayotte, Réunion: no shape of their own" in note  # part of France's shape in Natural Earth


def test_change_legends_are_signed_so_that_zero_reads_as_unchanged(africa, shapes):
    """Nigeria's +87 % sits in a class whose bounds read "+…", never in a class that reads as a level."""
    fig = maps.change_maps(africa, "Population aged 15-64", plotting.SOURCE_NOTE, 2025, 2055, shapes=shapes)
    bars = [ax for ax in fig.axes if not ax.get_title()]
    for bar in bars:
        labels = [tick.get_text() for tick in bar.get_xticklabels()]
        values = [float(label.replace("−", "-").replace(",", "")) for label in labels]
        assert all(label[0] in "+−" for label, value in zip(labels, values) if value != 0), labels
        assert "0" in labels  # Tunisia's 15-64 population falls: 0 separates falls from rises
        assert bar.get_xlabel().startswith("change") and bar.get_xlabel().endswith("(0 = unchanged)")
    nigeria = indicators.lookup(africa, location="Nigeria")["percent_change"]
    labels = [tick.get_text() for tick in bars[1].get_xticklabels()]
    bounds = [float(label.replace("−", "-")) for label in labels]
    lower = max(b for b in bounds if b <= nigeria)
    assert nigeria == pytest.approx(87, abs=1) and lower > 0 and labels[bounds.index(lower)].startswith("+")


def test_island_names_sit_on_the_sea_side(africa, shapes):
    ax = maps.choropleth(africa, "change", "t", "millions", "s", scale="millions", shapes=shapes)
    west, east = ax.get_xlim()
    middle = (west + east) / 2
    for text in ax.texts:
        x = text.xy[0]
        assert text.get_horizontalalignment() == ("right" if x < middle else "left"), text.get_text()


def test_a_wide_location_gets_its_maps_stacked_at_full_width(processed_dir, shapes):
    ecowas = indicators.country_contributions("ECOWAS", 2025, 2055, "15-64", processed_dir)
    fig = maps.change_maps(ecowas, "Population aged 15-64", plotting.SOURCE_NOTE, 2025, 2055, shapes=shapes)
    change, percent = [ax for ax in fig.axes if ax.get_title()]
    assert change.get_position().y0 > percent.get_position().y1  # one above the other
    assert change.get_position().width > 0.6


def test_every_country_with_a_shape_takes_its_class_colour(africa, shapes):
    ax = maps.choropleth(africa, "change", "t", "millions", "s", scale="millions", shapes=shapes)
    breaks = maps.class_breaks(africa["change"] / 1e6)
    fills = maps.class_colours(breaks)
    nigeria = indicators.lookup(africa, location="Nigeria")["change"] / 1e6
    tunisia = indicators.lookup(africa, location="Tunisia")["change"] / 1e6
    assert tunisia < 0 < nigeria  # Tunisia's working-age population falls, WPP 2024 medium
    drawn = {mcolors.to_hex(c) for collection in ax.collections for c in collection.get_facecolors()}
    expected = {fills[int(np.searchsorted(breaks, value, side="right")) - 1] for value in (nigeria, tunisia)}
    assert expected <= drawn
    assert palette.NEUTRAL["no_data"] in drawn  # the neighbours' land


def test_emigration_map_of_africa(processed_dir, shapes):
    geography = stocks.load_geography(processed_dir)
    name, codes = migration.resolve_group("Africa", geography)
    rates = migration.emigration_rates(stocks.load_migrant_stocks(processed_dir),
                                       stocks.load_country_population(2024, processed_dir), geography, 2024, codes)
    ax = maps.choropleth(rates, "share_of_population", "Emigrants per 100 residents, 2024",
                         "emigrants per 100 residents", plotting.EMIGRATION_RATE_SOURCE_NOTE, scale=0.01, shapes=shapes)
    bar = [axis for axis in ax.figure.axes if axis is not ax][0]
    assert bar.get_xlabel() == "emigrants per 100 residents"
    ticks = [float(t.get_text().replace("−", "-").replace(",", "")) for t in bar.get_xticklabels()]
    drawn = 100 * rates.loc[rates["location_code"].isin(shapes["m49"].dropna()), "share_of_population"]
    assert ticks[0] <= drawn.min() and ticks[-1] >= drawn.max()  # the legend covers every coloured country
    assert drawn.max() > 40  # Comoros: 42 emigrants per 100 residents in 2024 (UN DESA over WPP 2024)


def test_kosovo_is_drawn_with_wpps_own_figures(shapes):
    table = pd.DataFrame({"location_code": [412, 688], "location": ["Kosovo (under UNSC res. 1244)", "Serbia"],
                          "value": [1.0, 2.0]})
    note = maps.shapes_note(table["location_code"], dict(zip(table["location_code"], table["location"])), shapes)
    assert note == ("Kosovo, without an ISO code in Natural Earth, is drawn with WPP's figures for Kosovo (under UNSC "
                    "res. 1244).")


def test_a_map_of_one_country(africa, shapes):
    nigeria = africa[africa["location"] == "Nigeria"]
    ax = maps.choropleth(nigeria, "percent_change", "Nigeria", "% of 2025", "s", shapes=shapes)
    assert ax.get_title() == "Nigeria"
    west, east = ax.get_xlim()
    assert east - west < 3_000_000  # zoomed on Nigeria (metres, equal-area projection)
