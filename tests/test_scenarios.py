"""Scenarios: loading, validation, composition, and their effect on the inputs, checked by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.data import tables
from analysis.model import inputs as model_inputs
from analysis.model import projection
from analysis.model import scenarios
from analysis.model.scenarios import ScenarioError


@pytest.fixture(scope="module")
def medium_inputs(processed_dir):
    return model_inputs.wpp_inputs("medium")


def _index(inputs, code):
    return list(inputs.location_codes).index(code)


# ---------------------------------------------------------------- inputs from WPP
def test_wpp_inputs_match_the_processed_tables(medium_inputs):
    inputs = medium_inputs
    assert inputs.population.shape == (236, 2, 21) and inputs.tfr.shape == (236, 15)
    i = _index(inputs, 566)
    population = tables.read_table("population").query("location_code == 566 and year == 2025 and variant == 'medium'")
    assert inputs.population[i].sum() == pytest.approx(population["population"].sum())
    tfr = tables.read_table("tfr").query("location_code == 566 and period_start == 2050 and variant == 'medium'")
    assert inputs.tfr[i, 5] == pytest.approx(tfr["tfr"].item())
    mx = tables.read_table("mortality").query("location_code == 566 and period_start == 2025 and sex == 'female' and age == '1-4'")
    assert inputs.mx[i, 0, 1, 1] == pytest.approx(mx["mx"].item())
    migration = tables.read_table("net_migration").query("location_code == 276 and period_start == 2030 and sex == 'male' and age == '25-29'")
    assert inputs.net_migrants[_index(inputs, 276), 1, 0, 5] == pytest.approx(migration["net_migrants"].item())


def test_low_variant_uses_its_own_base_population_and_tfr(medium_inputs, processed_dir):
    low = model_inputs.wpp_inputs("low")
    i = _index(low, 566)
    assert low.population[i, :, 0].sum() < medium_inputs.population[i, :, 0].sum()  # 0-4 in 2025 already differs
    gap = medium_inputs.tfr[i] - low.tfr[i]
    assert ((gap[:2] > 0) & (gap[:2] <= 0.5)).all()  # WPP phases the half child in over the first periods
    assert np.allclose(gap[2:], 0.5, atol=0.02)  # measured 0.504–0.512 for Nigeria
    assert np.array_equal(low.mx, medium_inputs.mx)


# ---------------------------------------------------------------- scenarios, by hand
def test_zero_and_scaled_migration(medium_inputs):
    zero = scenarios.apply(scenarios.load("zero-migration"), medium_inputs)
    assert (zero.net_migrants == 0).all()
    half = scenarios.apply(scenarios.load("migration-half"), medium_inputs)
    assert np.allclose(half.net_migrants, 0.5 * medium_inputs.net_migrants)


def test_constant_fertility(medium_inputs):
    constant = scenarios.apply(scenarios.load("constant-fertility"), medium_inputs)
    assert np.allclose(constant.tfr, medium_inputs.tfr[:, :1])


def test_target_fertility_linear_path(medium_inputs):
    spec = {"name": "t", "fertility": {"mode": "target", "target_tfr": 1.8, "target_year": 2050, "path": "linear"}}
    target = scenarios.apply(scenarios.load(spec), medium_inputs)
    wpp = medium_inputs.tfr
    assert np.array_equal(target.tfr[:, 0], wpp[:, 0])  # the first period keeps WPP's level
    # period middles 2027.5 … 2047.5, 2052.5: the requested line runs from 2027.5 to 2050
    weight = (2037.5 - 2027.5) / (2050 - 2027.5)
    nigeria, korea = _index(medium_inputs, 566), _index(medium_inputs, 410)
    line = wpp[:, 0] + (1.8 - wpp[:, 0]) * weight
    # Nigeria falls: the line (4.06 - 2.26 x 4/9 = 3.05 in 2035-2040) is below WPP's 3.26, take the lower
    assert target.tfr[nigeria, 2] == pytest.approx(min(wpp[nigeria, 2], line[nigeria]))
    assert target.tfr[nigeria, 2] == pytest.approx(3.055, abs=2e-3) and wpp[nigeria, 2] == pytest.approx(3.26, abs=0.01)
    # Korea rises from 0.79: the line is above WPP's 0.90, take the higher
    assert target.tfr[korea, 2] == pytest.approx(max(wpp[korea, 2], line[korea]))
    assert target.tfr[korea, 2] == pytest.approx(0.79 + (1.8 - 0.79) * weight, abs=2e-3)
    assert np.allclose(target.tfr[:, 5:], 1.8)  # held at the target from 2050


def test_logistic_path_is_s_shaped_between_the_same_ends(medium_inputs):
    mid = scenarios.period_middles(2025, 15)
    requested = scenarios.requested_path(np.array([[4.0], [1.2]]) * np.ones((2, 15)), 1.8, mid, 2060, path="logistic")
    for path in requested:
        assert path[0] == pytest.approx(path[0]) and path[7:] == pytest.approx(1.8)
        steps = np.abs(np.diff(path[:8]))
        assert steps[0] < steps[3] and steps[-1] < steps[3]  # slow, fast, slow
    spec = {"name": "t", "fertility": {"mode": "target", "target_tfr": 1.8, "target_year": 2060, "path": "logistic"}}
    target = scenarios.apply(scenarios.load(spec), medium_inputs)
    i = _index(medium_inputs, 566)
    assert target.tfr[i, 0] == pytest.approx(medium_inputs.tfr[i, 0]) and target.tfr[i, -1] == pytest.approx(1.8)


def test_replacement_fertility_gives_nrr_of_one(medium_inputs):
    replaced = scenarios.apply(scenarios.load("replacement-fertility"), medium_inputs)
    L5 = projection.life_table(replaced.mx)["L5"][..., 1, 3:10]  # female person-years, mothers' ages
    asfr = replaced.tfr[..., None] * replaced.fertility_pattern / 5
    nrr = np.sum(asfr * L5, axis=-1) / (1 + replaced.srb)
    assert np.allclose(nrr, 1.0)
    assert 2.0 < np.median(replaced.tfr[:, 0]) < 2.3


def test_life_expectancy_shift_hits_the_target(medium_inputs):
    spec = {"name": "e0", "mortality": {"e0_change": 5, "by_year": 2060, "path": "linear"}}
    shifted = scenarios.apply(scenarios.load(spec), medium_inputs)
    before = projection.life_table(medium_inputs.mx)["e0"]
    after = projection.life_table(shifted.mx)["e0"]
    assert np.allclose(after[:, 0], before[:, 0], atol=1e-6)
    assert np.allclose(after[:, 7:] - before[:, 7:], 5.0, atol=1e-3)  # periods from 2060 on


def test_pathway_outflow_by_hand(medium_inputs):
    spec = scenarios.load("pathway-nigeria-germany")
    flowed = scenarios.apply(spec, medium_inputs)
    nigeria, germany = _index(medium_inputs, 566), _index(medium_inputs, 276)
    change = flowed.net_migrants - medium_inputs.net_migrants
    # 10,000 a year x 5 years, half women, over the 4 groups 20-39: 6,250 per sex and group per period
    assert change[nigeria, 0, :, 4:8] == pytest.approx(np.full((2, 4), -6250.0))
    assert change[germany, 0, :, 4:8] == pytest.approx(np.full((2, 4), 6250.0))
    # 30 % come back 10 years (two periods, two age groups) later: 15,000 a period, aged 30-49
    assert change[nigeria, 2].sum() == pytest.approx(-50_000 + 15_000)
    assert change[nigeria, 2, :, 8:10].sum() == pytest.approx(7_500)  # returners now 40-49, none leaving at those ages
    assert change[germany].sum() == pytest.approx(5 * 50_000 * 0.7)  # five periods of leavers, less returners
    assert change.sum() == pytest.approx(0.0, abs=1e-6)  # people are conserved between origin and destination
    # leaving stops in 2050 (periods 0-4), returns follow two periods later (2-6), nothing after
    assert change[nigeria, 5:7].sum() == pytest.approx(2 * 15_000)
    assert (change[nigeria, 7:] == 0).all()


def test_composition_merges_sections_and_adds_pathways():
    spec = scenarios.load("zero-migration+constant-fertility+pathway-nigeria-germany")
    assert spec["migration"] == [{"scale": 0}] and spec["fertility"] == [{"mode": "constant"}]
    assert len(spec["pathways"]) == 1
    twice = scenarios.compose([scenarios.load("pathway-nigeria-germany")] * 2)
    assert len(twice["pathways"]) == 2


def test_scenario_file_with_extends(tmp_path, processed_dir):
    path = tmp_path / "mine.yml"
    path.write_text("name: mine\nextends: [zero-migration]\nfertility:\n  mode: constant\n")
    spec = scenarios.load(path)
    assert spec["migration"] == [{"scale": 0}] and spec["fertility"] == [{"mode": "constant"}]
    result = scenarios.run(path, 2025, 2035)
    assert (result.components_table()["net_migration"] == 0).all()


def test_every_builtin_scenario_runs(processed_dir):
    table = scenarios.list_scenarios()
    assert {"medium", "low", "high", "constant-fertility", "replacement-fertility", "fertility-1.8-by-2050",
            "e0-plus-5", "zero-migration", "migration-half", "pathway-nigeria-germany"} <= set(table["scenario"])
    assert table["description"].str.len().min() > 20
    for name in table["scenario"]:
        result = scenarios.run(name, 2025, 2050)
        assert (result.population >= 0).all()


# ---------------------------------------------------------------- invalid scenarios
@pytest.mark.parametrize(
    "spec, message",
    [
        ({"name": "x", "fertility": {"target_tfr": 0, "target_year": 2050}}, "target_tfr must be positive"),
        ({"name": "x", "fertility": {"target_tfr": -1.5, "target_year": 2050}}, "target_tfr must be positive"),
        ({"name": "x", "fertilty": {"mode": "constant"}}, "unknown field 'fertilty' .*did you mean 'fertility'"),
        ({"name": "x", "fertility": {"mode": "constant", "speed": 2}}, "unknown field 'speed'"),
        ({"name": "x", "fertility": {"target_tfr": 1.5, "target_year": 2150}}, "2150 is outside 1950–2100"),
        ({"name": "x", "mortality": {"e0_change": 2, "by_year": 1900}}, "1900 is outside"),
        ({"name": "x", "fertility": {"mode": "sideways"}}, "mode 'sideways' is not one of"),
        ({"name": "x", "variant": "median"}, "variant 'median' is not one of"),
        ({"name": "x", "migration": {"scale": -1}}, "scale must be 0 or more"),
        ({"name": "x", "migration": {"scale": "half"}}, "'scale' must be int or float"),
        ({"name": "x", "pathways": [{"origin": "Nigeria", "destination": "Germany", "annual_intake": -10}]},
         "annual_intake must be 0 or more"),
        ({"name": "x", "pathways": [{"origin": "Nigeria", "annual": 10}]}, "unknown pathway parameter 'annual' .*did you mean 'annual_intake'"),
        ({"name": "x", "pathways": [{"origin": "Nigeria", "destination": "Germany", "female_share": 1.2}]},
         "female_share must be a share between 0 and 1"),
        ({"name": "x", "pathways": [{"origin": "Nigeria", "destination": "Germany", "return_after": 0.5}]},
         "return_after must be a number of years from 1 to 50"),
        ({"name": "x", "pathways": [{"origin": "Nigeria", "destination": "Germany", "ages": "39-20"}]}, "ends before it starts"),
        ({"name": "x", "pathways": [{"annual_intake": 10, "destination": "Germany"}]}, "'origin' is required"),
        ({"name": "x", "pathways": [{"origin": "Nigeria"}]}, "'destination' is required"),
    ],
)
def test_invalid_scenarios_are_refused(spec, message):
    with pytest.raises(ScenarioError, match=message):
        scenarios.load(spec)


def test_unknown_scenario_name_suggests(processed_dir):
    with pytest.raises(ScenarioError, match="did you mean: zero-migration"):
        scenarios.load("zero-migrations")


def test_target_year_before_the_base_year(medium_inputs):
    spec = scenarios.load({"name": "x", "fertility": {"target_tfr": 1.5, "target_year": 2020}})
    with pytest.raises(ScenarioError, match="not after the base year 2025"):
        scenarios.apply(spec, medium_inputs)


def test_scenario_that_drives_population_negative(processed_dir):
    spec = {"name": "drain", "pathways": [{"origin": "Cabo Verde", "destination": "Portugal", "annual_intake": 50_000,
                                           "programme_years": 0, "completion_rate": 1, "away_share": 1,
                                           "placement_rate": 1, "start_year": 2025, "ages": "20-39"}]}
    with pytest.raises(ScenarioError, match="drives the population of Cabo Verde negative.*lower the outflow"):
        scenarios.run(spec, 2025, 2050)


def test_group_origin_is_refused(processed_dir):
    with pytest.raises(ScenarioError, match="must be a country"):
        scenarios.run({"name": "x", "pathways": [{"origin": "ECOWAS", "destination": "France", "annual_intake": 100}]},
                      2025, 2035)


def test_earlier_base_year_needs_a_migration_assumption(processed_dir):
    with pytest.raises(ScenarioError, match="add zero-migration"):
        scenarios.run("medium", 2000, 2030)
    result = scenarios.run("medium+zero-migration", 2000, 2030)
    assert result.population.shape[1] == 7


# ---------------------------------------------------------------- checks on the outputs (scenario_comparison)
def test_balance_summary_reports_the_largest_imbalance(processed_dir):
    small = pd.DataFrame({"balance_error": [0.5, -2.0, 1.0]})
    assert scenarios.balance_summary(small).iloc[0].to_dict() == {"periods": 3, "largest_error": 2.0}
    components = scenarios.components(["Nigeria"], ["medium", "zero-migration"], 2025, 2100)
    summary = scenarios.balance_summary(components).iloc[0]
    assert summary["periods"] == 30  # 15 five-year periods, two scenarios
    assert summary["largest_error"] < 1e-3  # persons, on populations of hundreds of millions


def test_engine_inputs_are_built_once_and_read_only(processed_dir):
    first = model_inputs.wpp_inputs("medium")
    again = model_inputs.wpp_inputs("medium")
    assert again.mx is first.mx and again.population is first.population  # built once
    assert again is not first and again.notes is not first.notes  # each caller has its own record
    with pytest.raises(ValueError, match="read-only"):
        first.tfr[0, 0] = 9.0
    changed = scenarios.apply(scenarios.load("constant-fertility"), first)  # scenarios work on copies
    assert changed.tfr.flags.writeable and not np.array_equal(changed.tfr, first.tfr)
    assert np.array_equal(model_inputs.wpp_inputs("medium").tfr, first.tfr)
    assert model_inputs.wpp_inputs("medium", 2025, 2050).n_periods == 5  # a horizon of its own
