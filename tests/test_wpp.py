"""Cleaning WPP files into processed tables: on small fixtures and on the real data."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from analysis.data import conventions
from analysis.data import tables
from analysis.data import wpp

from .conftest import FIXTURES


def _fixture(name: str, **kwargs) -> pd.DataFrame:
    return pd.read_csv(FIXTURES / name, **kwargs)


# ---------------------------------------------------------------- fixtures
@pytest.fixture
def small_population() -> pd.DataFrame:
    estimates = _fixture("popAge5_small.csv")
    projections = _fixture("popprojAge5_small.csv", dtype={"year": str})  # text years, as in the raw file
    return wpp.clean_population(estimates, projections)


def test_population_is_tidy_typed_and_in_persons(small_population):
    df = small_population
    assert list(df.columns) == ["location_code", "year", "variant", "sex", "age", "age_start", "population"]
    assert df["year"].dtype == "int16" and df["location_code"].dtype == "int32"
    assert isinstance(df["age"].dtype, pd.CategoricalDtype) and df["age"].cat.ordered
    # 2 locations x (2 estimate years + 2 projection years x 3 variants) x 2 sexes x 21 ages
    assert len(df) == 2 * (2 + 2 * 3) * 2 * 21
    row = df[(df.location_code == 1) & (df.year == 2025) & (df.variant == "low") & (df.sex == "male") & (df.age == "0-4")]
    assert row["population"].item() == 109001.0  # 109.001 thousand = 109,001 persons exactly
    tables.check_unique(df, tables.TABLE_KEYS["population"], "population")


def test_projection_years_stored_as_text_become_integers(small_population):
    assert set(small_population["year"]) == {2015, 2020, 2025, 2030}
    assert set(small_population.loc[small_population.year <= 2020, "variant"]) == {"estimates"}


def test_age_start_follows_the_label(small_population):
    assert small_population.groupby("age", observed=True)["age_start"].first().tolist() == list(range(0, 101, 5))


def test_incomplete_age_groups_are_caught(small_population):
    broken = small_population[small_population["age"] != "50-54"]
    with pytest.raises(tables.ValidationError, match="lack age groups"):
        tables.check_complete_ages(broken, ["location_code", "year", "variant", "sex"], conventions.AGE_GROUPS, "population")


def test_duplicates_and_negatives_are_caught(small_population):
    with pytest.raises(tables.ValidationError, match="duplicate rows"):
        tables.check_unique(pd.concat([small_population, small_population.head(1)]), tables.TABLE_KEYS["population"], "population")
    negative = small_population.copy()
    negative.loc[3, "population"] = -1.0
    with pytest.raises(tables.ValidationError, match="negative values"):
        tables.check_non_negative(negative, "population", "population")


def test_aggregate_check_uses_the_stated_tolerance():
    totals = pd.DataFrame(
        {"location_code": [1, 2, 9], "year": 2020, "variant": "estimates", "population": [100.0, 200.0, 300.0 + 99]}
    )
    membership = pd.DataFrame({"group_id": "9", "group_code": [9, 9], "location_code": [1, 2]})
    worst = wpp.check_aggregates(totals, membership)  # 99 persons apart: within 100
    assert worst["max_difference"].item() == 99
    totals.loc[2, "population"] = 300.0 + 101
    with pytest.raises(tables.ValidationError, match="do not sum"):
        wpp.check_aggregates(totals, membership)


def test_net_migration_is_persons_over_the_period():
    df = wpp.clean_net_migration(_fixture("migprojAge5_small.csv"))
    assert set(df["period_start"]) == {2025} and set(df["period_end"]) == {2030}
    assert df.loc[df.sex == "male", "net_migrants"].unique().tolist() == [1500.0]
    assert df.loc[df.sex == "female", "net_migrants"].unique().tolist() == [-250.0]


def test_mortality_ages_are_abridged_labels():
    df = wpp.clean_mortality(_fixture("mx5_small.csv"))
    assert df.loc[df.sex == "male", "age"].astype(str).tolist() == list(conventions.MORTALITY_AGE_GROUPS)
    assert df.loc[(df.sex == "male") & (df.age == "1-4"), "age_start"].item() == 1


# ---------------------------------------------------------------- real data
def test_manifest_describes_every_table(processed_dir):
    manifest = json.loads((processed_dir / "manifest.json").read_text())
    assert set(manifest) == set(tables.TABLE_KEYS)
    for name, entry in manifest.items():
        table = pd.read_parquet(processed_dir / f"{name}.parquet")
        assert len(table) == entry["rows"] and list(table.columns) == entry["columns"]
        tables.check_unique(table, tables.TABLE_KEYS[name], name)


def test_population_covers_1950_to_2100_for_297_locations(processed_dir):
    population = tables.read_table("population")
    assert population["location_code"].nunique() == 297
    assert sorted(population["year"].unique()) == list(range(1950, 2101, 5))
    # estimates: 15 years; projections: 16 years x 3 variants; x 2 sexes x 21 ages
    assert len(population) == 297 * (15 + 16 * 3) * 2 * 21
    assert (population["population"] >= 0).all()


def test_population_matches_the_raw_file_exactly(processed_dir, raw_population):
    """Nigeria, 2050, low variant, women 20-24, and Japan 1990 men 65-69: persons = raw thousands x 1000."""
    estimates, projections = raw_population
    population = tables.read_table("population")
    raw = projections[(projections.country_code == 566) & (projections.year == "2050") & (projections.age == "20-24")]
    ours = population.query("location_code == 566 and year == 2050 and variant == 'low' and sex == 'female' and age == '20-24'")
    assert ours["population"].item() == pytest.approx(raw["popF_low"].item() * 1000, abs=0.5)
    raw = estimates[(estimates.country_code == 392) & (estimates.year == 1990) & (estimates.age == "65-69")]
    ours = population.query("location_code == 392 and year == 1990 and variant == 'estimates' and sex == 'male' and age == '65-69'")
    assert ours["population"].item() == pytest.approx(raw["popM"].item() * 1000, abs=0.5)


def test_sexes_sum_to_the_raw_both_sexes_total(processed_dir, raw_population):
    _, projections = raw_population
    population = tables.read_table("population")
    ours = population[population.variant == "medium"].groupby("location_code")["population"].sum()
    raw = projections.groupby("country_code")["pop"].sum() * 1000
    # raw `pop` is rounded separately from popM and popF: at most 1 person per row apart
    assert np.allclose(ours.sort_index().to_numpy(), raw.sort_index().to_numpy(), atol=16 * 21 * 1.0)


def test_population_totals_with_intervals(processed_dir):
    totals = tables.read_table("population_totals")
    assert totals["year"].min() == 2024 and totals["year"].max() == 2100
    world = totals[(totals.location_code == 900) & (totals.year == 2050)].set_index(["variant", "sex"])["population"]
    assert world["lower95", "both"] < world["lower80", "both"] < world["medium", "both"] < world["upper80", "both"] < world["upper95", "both"]
    assert world["medium", "both"] == world["medium", "male"] + world["medium", "female"]


def test_vital_rates_cover_their_periods(processed_dir):
    tfr = tables.read_table("tfr")
    assert tfr["period_start"].min() == 1950 and tfr["period_end"].max() == 2100
    assert (tfr["period_end"] - tfr["period_start"] == 5).all()
    mortality = tables.read_table("mortality")
    assert mortality["period_start"].nunique() == 30
    pattern = tables.read_table("fertility_age_pattern")
    sums = pattern.groupby(["location_code", "period_start"])["share"].sum()
    assert np.allclose(sums, 1.0, atol=1e-4)
    migration = tables.read_table("net_migration")
    assert migration["period_start"].min() == 2020 and migration["period_end"].max() == 2100
    # The world has no net international migration: what remains is rounding noise in
    # the raw file (measured: at most 15,980 persons in a period, against ~8 billion people)
    world = migration[migration.location_code == 900].groupby("period_start")["net_migrants"].sum()
    assert (world.abs() < 20_000).all()


def test_missing_processed_table_error_says_what_to_do(tmp_path):
    with pytest.raises(tables.DataNotBuiltError, match="make data"):
        tables.read_table("population", tmp_path)
