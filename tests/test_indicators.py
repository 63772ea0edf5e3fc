"""Indicators, checked against values computed independently from the raw files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis.study import indicators
from analysis.data.conventions import IndicatorInputError


def _raw_band(raw: pd.DataFrame, code: int, year, ages: list[str], column: str) -> float:
    """Persons in an age band straight from a raw WPP frame (thousands x 1000)."""
    rows = raw[(raw.country_code == code) & (raw.year == year) & (raw.age.isin(ages))]
    assert len(rows) == len(ages)
    return float(rows[column].sum() * 1000)


AGES_15_64 = [f"{a}-{a + 4}" for a in range(15, 65, 5)]


@pytest.mark.parametrize(
    "location, code, year, variant, ages, column",
    [
        ("Africa", 903, 2055, "medium", AGES_15_64, "pop"),
        ("Nigeria", 566, 2050, "high", AGES_15_64, "pop_high"),
        ("Japan", 392, 2100, "low", [f"{a}-{a + 4}" for a in range(65, 100, 5)] + ["100+"], "pop_low"),
        ("Sub-Saharan Africa", 1834, 2030, "medium", ["20-24", "25-29", "30-34", "35-39"], "pop"),
    ],
)
def test_age_band_matches_raw_projection(processed_dir, raw_population, location, code, year, variant, ages, column):
    _, projections = raw_population
    expected = _raw_band(projections, code, str(year), ages, column)
    band = ages[0].split("-")[0] + ("-" + ages[-1].split("-")[1] if ages[-1] != "100+" else "+")
    table = indicators.working_age_table([location], band, [year], [variant])
    # raw `pop` is rounded on its own: at most 1 person per age group away from popM + popF
    assert table["population"].item() == pytest.approx(expected, abs=len(ages))


def test_estimate_years_are_shared_by_all_variants(processed_dir, raw_population):
    estimates, _ = raw_population
    expected = _raw_band(estimates, 903, 2020, AGES_15_64, "pop")
    table = indicators.working_age_table(["Africa"], "15-64", [2020], ["medium", "low", "high"])
    assert table["population"].tolist() == pytest.approx([expected] * 3, abs=10)


def test_group_sums_its_members(processed_dir, raw_population):
    _, projections = raw_population
    gcc = [48, 414, 512, 634, 682, 784]
    expected = sum(_raw_band(projections, code, "2050", AGES_15_64, "pop") for code in gcc)
    table = indicators.working_age_table(["GCC"], "15-64", [2050])
    assert table["population"].item() == pytest.approx(expected, abs=6 * 10)


def test_change_and_growth(processed_dir, raw_population):
    _, projections = raw_population
    base = _raw_band(projections, 903, "2025", AGES_15_64, "pop")
    target = _raw_band(projections, 903, "2055", AGES_15_64, "pop")
    table = indicators.working_age_table(["Africa"], "15-64", [2025, 2055])
    result = indicators.change(table, 2025, 2055).iloc[0]
    assert result["change"] == pytest.approx(target - base, abs=20)
    assert result["percent_change"] == pytest.approx(100 * (target / base - 1), rel=1e-6)
    assert result["annual_growth_rate"] == pytest.approx(100 * np.log(target / base) / 30, rel=1e-6)
    assert 780e6 < result["change"] < 820e6  # the "800 million in 30 years"


def test_share_of_a_larger_total(processed_dir):
    table = indicators.working_age_table(["Africa", "World"], "15-64", [2050])
    africa, world = table[table.location == "Africa"], table[table.location == "World"]
    out = indicators.share(africa, world, on=["year", "variant", "ages"])
    assert out["share"].item() == pytest.approx(africa["population"].item() / world["population"].item())
    assert 0.25 < out["share"].item() < 0.35


def test_dependency_and_support_ratios(processed_dir, raw_population):
    _, projections = raw_population
    young = _raw_band(projections, 392, "2050", ["0-4", "5-9", "10-14"], "pop")
    working = _raw_band(projections, 392, "2050", AGES_15_64, "pop")
    old = _raw_band(projections, 392, "2050", [f"{a}-{a + 4}" for a in range(65, 100, 5)] + ["100+"], "pop")
    ratios = indicators.dependency_ratios(indicators.population_of(["Japan"], ["medium"], [2050])).iloc[0]
    assert ratios["child_dependency_ratio"] == pytest.approx(100 * young / working, rel=1e-5)
    assert ratios["old_age_dependency_ratio"] == pytest.approx(100 * old / working, rel=1e-5)
    assert ratios["total_dependency_ratio"] == pytest.approx(100 * (young + old) / working, rel=1e-5)
    assert ratios["potential_support_ratio"] == pytest.approx(working / old, rel=1e-5)


def test_contributions_share_sums_to_one(processed_dir):
    population = indicators.population_of(["Nigeria", "Ghana", "Benin"], ["medium"], [2025, 2055])
    table = indicators.contributions(population, 2025, 2055)
    assert table["share_of_change"].sum() == pytest.approx(1.0)
    assert table["location"].iloc[0] == "Nigeria"


@pytest.mark.parametrize(
    "text, message",
    [("70-20", "ends before it starts"), ("15-62", "not the end of a 5-year group"), ("13-64", "not the start"),
     ("abc", "malformed"), ("", "malformed"), ("15-", "malformed"), ("105+", "not the start")],
)
def test_bad_age_bands(text, message):
    with pytest.raises(IndicatorInputError, match=message):
        indicators.parse_age_band(text)


@given(start=st.integers(0, 19), width=st.integers(1, 20))
def test_age_bands_on_the_5_year_grid_parse_and_round_trip(start, width):
    end = min(start + width, 20) * 5 - 1
    band = indicators.parse_age_band(f"{start * 5}-{end}")
    assert band.label == f"{start * 5}-{end}"
    groups = np.arange(0, 101, 5)
    assert band.contains(groups).sum() == (end + 1 - start * 5) // 5


@pytest.mark.parametrize("year, message", [(1945, "outside"), (2105, "outside"), (2027, "every 5 years"), ("x", "whole number")])
def test_bad_years(year, message):
    with pytest.raises(IndicatorInputError, match=message):
        indicators.check_years([year])


def test_bad_variant():
    with pytest.raises(IndicatorInputError, match="valid: estimates, medium, low, high"):
        indicators.check_variants(["median"])
