"""Indicators, checked against values computed independently from the raw files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis.data import locations
from analysis.model import scenarios
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


# ---------------------------------------------------------------- summaries behind the supply reports
def test_increase_summary_against_the_raw_projection(processed_dir, raw_population):
    _, projections = raw_population
    table = indicators.working_age_table(["Africa", "World"], "15-64", [2025, 2055], ["medium", "low", "high"])
    summary = indicators.increase_summary(table, "Africa", "World", 2025, 2055)
    africa = _raw_band(projections, 903, "2055", AGES_15_64, "pop") - _raw_band(projections, 903, "2025", AGES_15_64, "pop")
    world = _raw_band(projections, 900, "2055", AGES_15_64, "pop") - _raw_band(projections, 900, "2025", AGES_15_64, "pop")
    low = _raw_band(projections, 903, "2055", AGES_15_64, "pop_low") - _raw_band(projections, 903, "2025", AGES_15_64, "pop_low")
    assert summary.change == pytest.approx(africa, abs=20)  # 802 million, within rounding of 10 age groups x 2 years
    assert 801e6 < summary.change < 803e6
    assert summary.low == pytest.approx(low, abs=20)
    assert summary.world_change == pytest.approx(world, abs=20)
    assert summary.share_of_world == pytest.approx(africa / world, rel=1e-6)
    assert summary.share_of_world > 1  # the rest of the world's 15-64 population shrinks
    assert summary.rest_of_world == pytest.approx(world - africa, abs=40)
    assert list(summary.table.columns) == ["location", "medium", "low", "high"]


def test_country_contributions_add_up(processed_dir):
    by_country = indicators.country_contributions("Western Africa", 2025, 2055, "15-64")
    region = indicators.change(indicators.working_age_table(["Western Africa"], "15-64", [2025, 2055]), 2025, 2055)
    assert len(by_country) == 17  # 16 states and Saint Helena
    assert by_country["share_of_change"].sum() == pytest.approx(1.0, abs=1e-12)
    # countries sum to the WPP aggregate within rounding (at most a person per country and age group)
    assert by_country["change"].sum() == pytest.approx(region["change"].item(), abs=17 * 10 * 2)
    assert by_country["location"].iloc[0] == "Nigeria"
    top, share = indicators.top_contributors(by_country, 3)
    assert len(top) == 3 and share == pytest.approx(by_country["share_of_change"].head(3).sum())
    with pytest.raises(IndicatorInputError, match="1 or more"):
        indicators.top_contributors(by_country, 0)


def test_period_changes_sum_to_the_whole_change(processed_dir):
    table = indicators.working_age_table(["Eastern Africa"], "15-64", range(2020, 2101, 5), ["medium", "low", "high"])
    per_period = indicators.period_change(table, 2025)
    assert per_period["period"].iloc[0] == "2025-2030" and per_period["year"].iloc[-1] == 2100
    assert list(per_period.columns) == ["period", "year", "medium", "low", "high"]
    whole = indicators.change(table, 2025, 2100).set_index("variant")["change"]
    for variant in ("medium", "low", "high"):
        assert per_period[variant].sum() == pytest.approx(whole[variant], rel=1e-12)


def test_variant_range_selects_years():
    table = pd.DataFrame({"year": [2020, 2025, 2030] * 2, "variant": ["medium"] * 3 + ["low"] * 3,
                          "population": [1.0, 2.0, 3.0, 1.0, 1.5, 2.5]})
    decades = indicators.variant_range(table, "population", ["year"], every=10)
    assert decades["year"].tolist() == [2020, 2030] and list(decades.columns) == ["year", "medium", "low"]
    chosen = indicators.variant_range(table, "population", ["year"], years=[2025])
    assert chosen[["medium", "low"]].iloc[0].tolist() == [2.0, 1.5]
    assert indicators.at_years(table, [2030])["population"].tolist() == [3.0, 2.5]


# ---------------------------------------------------------------- scenarios side by side (scenario_comparison)
def _scenario_table() -> pd.DataFrame:
    scenario = pd.Categorical(["b", "a"] * 3, categories=["b", "a"])
    return pd.DataFrame({"year": [2025, 2025, 2030, 2030, 2035, 2035], "scenario": scenario,
                         "population": [1.0, 1.0, 2.0, 1.5, 3.0, 2.0]})


def test_every_years_keeps_the_rows_on_the_step():
    table = _scenario_table()
    assert indicators.every_years(table, 10)["year"].tolist() == [2030, 2030]
    assert indicators.every_years(table, 10, offset=5)["year"].tolist() == [2025, 2025, 2035, 2035]
    periods = pd.DataFrame({"period_start": [2025, 2030, 2035, 2040]})
    assert indicators.every_years(periods, 10, column="period_start", offset=5).index.tolist() == [0, 2]
    with pytest.raises(IndicatorInputError, match="offset"):
        indicators.every_years(table, 10, offset=10)


def test_by_scenario_keeps_the_scenario_order():
    wide = indicators.by_scenario(_scenario_table())
    assert list(wide.columns) == ["year", "b", "a"]
    assert wide["b"].tolist() == [1.0, 2.0, 3.0] and wide["a"].tolist() == [1.0, 1.5, 2.0]
    assert indicators.by_scenario(_scenario_table(), every=10)["year"].tolist() == [2030]


def test_by_scenario_and_dependency_ratios_on_a_projection(processed_dir):
    population = scenarios.projected_population(["Nigeria"], ["medium", "zero-migration"], 2025, 2100)
    wide = indicators.by_scenario(indicators.working_age_population(population), every=10)
    assert wide["year"].tolist() == list(range(2030, 2101, 10))
    last = wide.set_index("year").loc[2100]
    assert last["medium"] == pytest.approx(320.1e6, abs=0.05e6) and last["zero-migration"] == pytest.approx(296.5e6, abs=0.05e6)
    ratios = indicators.dependency_ratios(population, years=[2100])
    assert ratios["year"].tolist() == [2100, 2100] and ratios["scenario"].astype(str).tolist() == ["medium", "zero-migration"]
    medium = ratios.iloc[0]
    assert medium["child_dependency_ratio"] == pytest.approx(30.1, abs=0.05)
    assert medium["old_age_dependency_ratio"] == pytest.approx(18.3, abs=0.05)
    assert medium["potential_support_ratio"] == pytest.approx(5.5, abs=0.05)
    everything = indicators.dependency_ratios(population)
    pd.testing.assert_frame_equal(ratios, everything[everything["year"] == 2100].reset_index(drop=True))


# ---------------------------------------------------------------- one row of a table
def test_lookup_returns_the_one_matching_row():
    table = pd.DataFrame({"location": pd.Categorical(["EU27", "Japan", "EU27"]), "target": ["total", "total", "working-age"],
                          "value": [1.0, 2.0, 3.0]})
    assert indicators.lookup(table, location="EU27", target="working-age")["value"] == 3.0
    assert indicators.lookup(table, location="Japan")["value"] == 2.0
    with pytest.raises(indicators.IndicatorInputError, match="2 rows match"):
        indicators.lookup(table, location="EU27")
    with pytest.raises(indicators.IndicatorInputError, match="0 rows match"):
        indicators.lookup(table, location="Chad")


def test_lookup_matches_a_location_by_its_name(processed_dir):
    table = pd.DataFrame({"location": ["Japan", "Kenya"], "value": [1.0, 2.0]})
    assert indicators.lookup(table, location=locations.resolve("KEN", processed_dir))["value"] == 2.0
