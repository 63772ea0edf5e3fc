"""The cohort-component engine: life table, hand calculations and properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from analysis.model import projection
from analysis.model import scenarios
from analysis.study import indicators
from analysis.model.projection import ProjectionError, ProjectionInputs

PATTERN = np.array([0.05, 0.2, 0.3, 0.25, 0.12, 0.06, 0.02])


def make_inputs(L=1, P=3, population=None, mx=0.01, tfr=2.0, srb=1.05, migrants=0.0) -> ProjectionInputs:
    """Small synthetic inputs: constant rates unless arrays are given."""
    return ProjectionInputs(
        location_codes=np.arange(1, L + 1),
        base_year=2025,
        population=np.full((L, 2, 21), 1000.0) if population is None else np.asarray(population, dtype=float),
        mx=np.broadcast_to(np.asarray(mx, dtype=float), (L, P, 2, 22)).copy(),
        tfr=np.broadcast_to(np.asarray(tfr, dtype=float), (L, P)).copy(),
        fertility_pattern=np.broadcast_to(PATTERN, (L, P, 7)).copy(),
        srb=np.broadcast_to(np.asarray(srb, dtype=float), (L, P)).copy(),
        net_migrants=np.broadcast_to(np.asarray(migrants, dtype=float), (L, P, 2, 21)).copy(),
    )


# ---------------------------------------------------------------- life table
def test_coale_demeny_separation_factors():
    a0, a1 = projection.coale_demeny_a0(np.array([0.05, 0.2]), np.array([False, False]))
    assert a0 == pytest.approx([0.045 + 2.684 * 0.05, 0.330])
    assert a1 == pytest.approx([1.651 - 2.816 * 0.05, 1.352])
    a0, a1 = projection.coale_demeny_a0(np.array([0.05]), np.array([True]))
    assert a0 == pytest.approx([0.053 + 2.800 * 0.05]) and a1 == pytest.approx([1.522 - 1.518 * 0.05])


def test_life_table_by_hand_for_a_constant_rate():
    m = 0.02
    table = projection.life_table(np.full((2, 22), m))
    q5 = 5 * m / (1 + 2.5 * m)
    # l(5) from the two infant groups, then geometric with ratio 1 - q5
    a0, a1 = 0.045 + 2.684 * m, 1.651 - 2.816 * m
    l1 = 1 - m / (1 + (1 - a0) * m)
    l5 = l1 * (1 - 4 * m / (1 + (4 - a1) * m))
    assert table["lx"][0, 2] == pytest.approx(l5)
    assert table["lx"][0, 3] == pytest.approx(l5 * (1 - q5))
    assert table["Lx"][0, 2] == pytest.approx(2.5 * (l5 + l5 * (1 - q5)))
    assert table["T100"][0] == pytest.approx(table["lx"][0, -1] / m)  # open group: L = l / m
    assert table["e0"][0] == pytest.approx(table["Lx"][0].sum())
    assert 45 < table["e0"][0] < 51  # about 1/m


def test_survival_ratios_for_a_constant_rate():
    m = 0.02
    survival, birth_survival = projection.survival_ratios(np.full((2, 22), m))
    q5 = 5 * m / (1 + 2.5 * m)
    assert survival[0, 1:19] == pytest.approx(np.full(18, 1 - q5))  # 5-9 → 10-14 … 90-94 → 95-99
    L = projection.life_table(np.full((2, 22), m))["L5"][0]
    assert survival[0, 19] == pytest.approx(L[20] / (L[19] + L[20]))  # T(100) / T(95)
    assert birth_survival[0] == pytest.approx(L[0] / 5)


# ---------------------------------------------------------------- hand calculations
def test_one_step_by_hand():
    m, tfr, srb = 0.01, 2.5, 1.05
    population = np.zeros((1, 2, 21))
    population[0, :, 5] = 1000.0  # 1,000 men and 1,000 women aged 25-29
    result = projection.project(make_inputs(P=1, population=population, mx=m, tfr=tfr, srb=srb))
    survival, birth_survival = projection.survival_ratios(np.full((2, 22), m))
    survivors = 1000.0 * survival[0, 5]
    assert result.population[0, 1, 0, 6] == pytest.approx(survivors)
    assert result.population[0, 1, 1, 6] == pytest.approx(survivors)
    # births: 5 × f(25-29) × (W(t) + 0) / 2 + 5 × f(30-34) × (0 + W(t+5)) / 2
    f = tfr * PATTERN / 5
    births = 5 * (f[2] * 1000 / 2 + f[3] * survivors / 2)
    assert result.births[0, 0].sum() == pytest.approx(births)
    assert result.births[0, 0, 0] / result.births[0, 0, 1] == pytest.approx(srb)
    born_alive = result.births[0, 0] * birth_survival  # by sex: a(0) and a(1-4) differ for boys and girls
    assert result.population[0, 1, :, 0] == pytest.approx(born_alive)
    assert result.deaths[0, 0].sum() == pytest.approx(2 * (1000 - survivors) + births - born_alive.sum())


def test_migrants_timing_by_hand():
    migrants = np.zeros((1, 1, 2, 21))
    migrants[0, 0, 1, 6] = 500.0  # 500 women aged 30-34 arrive over the period
    inputs = make_inputs(P=1, population=np.zeros((1, 2, 21)), mx=0.0, tfr=0.0, migrants=migrants)
    result = projection.project(inputs)
    shift = projection.MIGRANT_AGE_SHIFT
    assert result.population[0, 1, 1, 7] == pytest.approx(500 * shift)  # early arrivals aged with their cohort
    assert result.population[0, 1, 1, 6] == pytest.approx(500 * (1 - shift))
    assert result.population[0, 1].sum() == pytest.approx(500)


def test_open_age_group_keeps_its_survivors():
    population = np.zeros((1, 2, 21))
    population[0, :, 19:] = 100.0
    result = projection.project(make_inputs(P=1, population=population, mx=0.0, tfr=0.0))
    assert result.population[0, 1, :, 20] == pytest.approx([200.0, 200.0])


# ---------------------------------------------------------------- properties
population_arrays = arrays(np.float64, (3, 2, 21), elements=st.floats(0, 1e6, allow_nan=False))


@settings(max_examples=60, deadline=None)
@given(population=population_arrays)
def test_without_deaths_births_or_migration_the_population_only_ages(population):
    result = projection.project(make_inputs(L=3, P=2, population=population, mx=0.0, tfr=0.0))
    step = result.population[:, 1]
    assert np.allclose(step[..., 1:20], population[..., :19])
    assert np.allclose(step[..., 20], population[..., 19] + population[..., 20])
    assert np.allclose(step[..., 0], 0.0)
    assert np.allclose(result.population.sum(axis=(2, 3)), population.sum(axis=(1, 2))[:, None])


@settings(max_examples=60, deadline=None)
@given(
    population=population_arrays,
    mx=st.floats(0, 0.5),
    tfr=st.floats(0, 8),
    migrants=arrays(np.float64, (3, 3, 2, 21), elements=st.floats(-2e6, 2e6, allow_nan=False)),
)
def test_never_negative_and_the_balance_holds(population, mx, tfr, migrants):
    result = projection.project(make_inputs(L=3, P=3, population=population, mx=mx, tfr=tfr, migrants=migrants))
    assert (result.population >= 0).all()
    assert (result.unrealised_emigration >= 0).all()
    start, end = result.population[:, :-1].sum(axis=(2, 3)), result.population[:, 1:].sum(axis=(2, 3))
    flows = result.births.sum(axis=2) - result.deaths.sum(axis=(2, 3)) + result.net_migrants.sum(axis=(2, 3))
    magnitude = start + result.births.sum(axis=2) + result.deaths.sum(axis=(2, 3)) + np.abs(result.net_migrants).sum(axis=(2, 3))
    # exact up to floating-point rounding of the terms summed
    assert (np.abs(end - (start + flows)) <= 1e-9 * np.maximum(magnitude, 1.0)).all()


def test_balance_holds_on_wpp_inputs(processed_dir):
    result = scenarios.run("medium")
    table = result.components_table()
    scale = table["population_end"].abs().clip(lower=1)
    assert (table["balance_error"].abs() / scale).max() < 1e-12
    recomputed = table["population_start"] + table["births"] - table["deaths"] + table["net_migration"]
    assert np.allclose(recomputed, table["population_end"], rtol=1e-12)
    assert (result.population >= 0).all()


# ---------------------------------------------------------------- input checks
@pytest.mark.parametrize(
    "change, message",
    [
        ({"tfr": -1.0}, "TFR must not be negative"),
        ({"mx": -0.1}, "death rates"),
        ({"srb": 0.0}, "sex ratio"),
        ({"population": np.full((1, 2, 21), -1.0)}, "negative"),
    ],
)
def test_bad_engine_inputs(change, message):
    with pytest.raises(ProjectionError, match=message):
        projection.project(make_inputs(**change))


def test_missing_values_are_named():
    inputs = make_inputs()
    inputs.net_migrants[0, 1, 0, 3] = np.nan
    with pytest.raises(ProjectionError, match="net_migrants has missing values"):
        projection.project(inputs)


def test_results_are_tidy_like_the_processed_tables(processed_dir):
    result = scenarios.run("medium", 2025, 2035)
    table = result.population_table()
    assert list(table.columns) == ["location_code", "year", "scenario", "sex", "age", "age_start", "population"]
    assert len(table) == len(result.inputs.location_codes) * 3 * 2 * 21
    working = indicators.working_age_population(table)
    assert set(working.columns) == {"location_code", "year", "scenario", "ages", "population"}
    ratios = indicators.dependency_ratios(table)
    assert (ratios["potential_support_ratio"] > 0).all()


# ---------------------------------------------------------------- hooks and reductions
def test_a_migration_hook_returning_the_inputs_changes_nothing(processed_dir):
    inputs = scenarios.apply(scenarios.load("medium"), scenarios.wpp_inputs("medium"))
    plain = projection.project(inputs)
    hooked = projection.project(inputs, migrants=lambda p, start: inputs.net_migrants[:, p])
    assert np.array_equal(plain.population, hooked.population)
    assert np.array_equal(plain.net_migrants, hooked.net_migrants)


def test_a_migration_hook_sees_each_period_start_and_its_migrants_are_projected():
    inputs = make_inputs(L=2, P=3)
    seen = []

    def migrants(p, start):  # one in a hundred of each cell arrives, as a rate would
        seen.append(start.copy())
        return 0.01 * start

    result = projection.project(inputs, migrants=migrants)
    assert len(seen) == 3
    for p in range(3):
        assert np.array_equal(seen[p], result.population[:, p])
        assert np.allclose(result.net_migrants[:, p], 0.01 * result.population[:, p])


def test_a_reduced_projection_keeps_exactly_the_full_projections_sums(processed_dir):
    inputs = scenarios.apply(scenarios.load("medium"), scenarios.wpp_inputs("medium"))
    full = projection.project(inputs)
    reduced = projection.project_reduced(inputs, lambda population: {
        "total": population.sum(axis=(1, 2)), "working_age": population[..., 3:13].sum(axis=(1, 2))})
    assert np.array_equal(reduced.kept["total"], full.population.sum(axis=(2, 3)))
    assert np.array_equal(reduced.kept["working_age"], full.population[..., 3:13].sum(axis=(2, 3)))
    assert np.array_equal(reduced.net_migration, full.net_migrants.sum(axis=(2, 3)))
    assert np.array_equal(reduced.unrealised_emigration, full.unrealised_emigration.sum(axis=(2, 3)))
    assert np.array_equal(reduced.births, full.births.sum(axis=2))
    assert reduced.kept["total"].shape == (len(inputs.location_codes), 16)
