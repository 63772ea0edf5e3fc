"""The whole chain on a tiny synthetic world, without the built data: raw frames -> build -> indicators ->
projection -> demand -> a report's numbers and text.

``paths.PROCESSED`` points at an empty folder during these tests, so any function that ignored the
``processed_dir`` it was given would fail instead of silently reading the real tables.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from analysis import paths
from analysis.data import locations
from analysis.model import scenarios, trajectories, validation
from analysis.report import profiles
from analysis.study import demand, indicators, uncertainty
from tests import tiny_world


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    out = tmp_path_factory.mktemp("tiny_processed")
    return out, tiny_world.build_into(out)


@pytest.fixture(autouse=True)
def no_default_tables(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "PROCESSED", tmp_path / "no-tables-here")


def _raw_persons(frame, code, year, ages, column="pop"):
    rows = frame[(frame["country_code"] == code) & (frame["year"].astype(str) == str(year)) & frame["age"].isin(ages)]
    assert len(rows) == len(ages)
    return float((rows[column] * 1000).round().sum())


def test_build_writes_every_table_and_its_checksum(tiny):
    processed, _ = tiny
    manifest = json.loads((processed / "manifest.json").read_text())
    assert {"population", "mortality", "net_migration", "migrant_stocks", "locations"} <= set(manifest)
    assert all(len(entry["sha256"]) == 64 for entry in manifest.values())


def test_indicators_read_the_given_tables(tiny):
    processed, frames = tiny
    working = [f"{a}-{a + 4}" for a in range(15, 65, 5)]
    table = indicators.working_age_table(["Alphaland", "AAA", "World"][::2], "15-64", [2025, 2050], ["medium", "high"],
                                         processed_dir=processed)
    alpha = table[(table["location"] == "Alphaland") & (table["variant"] == "high") & (table["year"] == 2050)]
    expected = (_raw_persons(frames["wpp2024/popprojAge5dt.rda"], 1001, 2050, working, "popM_high")
                + _raw_persons(frames["wpp2024/popprojAge5dt.rda"], 1001, 2050, working, "popF_high"))
    assert alpha["population"].item() == pytest.approx(expected, abs=0.5)
    pact = indicators.working_age_table(["DUO"], "15-64", [2025], processed_dir=processed)
    world = table[(table["location"] == "World") & (table["variant"] == "medium") & (table["year"] == 2025)]
    assert pact["population"].item() == pytest.approx(world["population"].item(), abs=1.0)  # DUO = both countries


def test_projection_from_the_given_tables_keeps_its_balance(tiny):
    processed, frames = tiny
    result = scenarios.run("medium", 2025, 2050, processed_dir=processed)
    assert list(result.inputs.location_codes) == [1001, 1002]
    base = result.population[:, 0].sum(axis=(1, 2))
    expected = [_raw_persons(frames["wpp2024/popprojAge5dt.rda"], code, 2025, tiny_world.AGES, "popM")
                + _raw_persons(frames["wpp2024/popprojAge5dt.rda"], code, 2025, tiny_world.AGES, "popF")
                for code in (1001, 1002)]
    assert base == pytest.approx(expected, abs=1.0)
    components = result.components_table()
    assert components["balance_error"].abs().max() < 1e-6
    # Alphaland loses 4 age groups x 2 sexes x 500 people each period; Betaland gains as many
    migration = components.groupby("location_code")["net_migration"].sum()
    assert migration.loc[1001] == pytest.approx(-5 * 8 * 500, rel=1e-9)
    zero = scenarios.run("medium+zero-migration", 2025, 2050, processed_dir=processed)
    assert np.all(zero.components_table()["net_migration"] == 0)


def test_demand_and_a_country_profile_from_the_given_tables(tiny):
    processed, _ = tiny
    gaps = demand.shortfall(["Betaland"], 2025, [2025, 2050], ["medium"], processed_dir=processed)
    assert gaps["change_from_base"].iloc[0] == 0.0
    place = locations.resolve("AAA", processed)
    profile = profiles.country_profile(place, 2025, 2050, 2024, processed_dir=processed)
    numbers = profile["numbers"]
    assert numbers["emigrants_migrants"] == pytest.approx(2 * (1000 + 10 * 34))  # both sexes to Betaland in 2024
    assert profile["destinations"]["destination"].tolist() == ["Betaland"]
    text = profiles.summary_text(profile)
    assert text.startswith("**Alphaland** has") and "main destination was Betaland (100%)" in text


def test_probabilistic_projections_run_on_the_given_tables(tiny):
    """Trajectories of the tiny world: median scores give its deterministic run; a group's quantiles; its intervals."""
    processed, _ = tiny
    model = trajectories.make_model(seed=3, bands=("all", "15-64"), processed_dir=processed)
    assert model.codes.tolist() == [tiny_world.ALPHA, tiny_world.BETA]
    zero = {"tfr": np.zeros((1, 2, 15)), "e0": np.zeros((1, 2, 15)), "migration": np.zeros((1, 2, 77))}
    median = trajectories.run_chunk(model, 0, 1, scores=zero)["bands"][0, :, 0]
    deterministic = scenarios.run("medium", processed_dir=processed).population.sum(axis=(2, 3))
    assert np.allclose(median, deterministic, rtol=1e-12)
    result = uncertainty.simulate(["DUO"], ("15-64",), n_trajectories=60, seed=3, processed_dir=processed)
    table = uncertainty.population_quantiles(result, "DUO", "15-64", [2050], processed_dir=processed)
    assert table["population"].is_monotonic_increasing and table["population"].iloc[0] < table["population"].iloc[-1]
    check = validation.compare_intervals(trajectories.combine([trajectories.run_chunk(model, 0, 60)], model).band("all"),
                                         model.codes, model.years, processed_dir=processed, aggregates=("World",))
    assert set(check.countries["location"]) == {"Alphaland", "Betaland"}  # both have more than a million people
    # five country targets, and the World's median and 80 % bounds in 2050 and 2100
    assert check.aggregates["location"].tolist() == ["World", "World"] and len(check.targets) == 7
