"""The sampler of probabilistic trajectories: WPP's quantiles reproduced, scenarios applied per trajectory, seeds.

Expected values come from the processed quantile tables read here directly
(or from the raw file), from the deterministic engine, and from a per-country
Leslie-matrix projection written independently of the engine
(``benchmarks/bench_projection.py``).
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pandas as pd
import pytest
from scipy.special import ndtri

from analysis import paths
from analysis.data import tables
from analysis.model import projection, scenarios, trajectories as tr
from analysis.model.inputs import wpp_inputs
from analysis.model.trajectories import TrajectoryError
from analysis.study import demand

NIGERIA, GERMANY, LIBERIA, JAPAN = 566, 276, 430, 392


@pytest.fixture(scope="module")
def model(processed_dir):
    return tr.make_model(seed=5, bands=("all", "15-64", "65+"))


def zero_scores(model, n=2):
    L = len(model.rows)
    return {"tfr": np.zeros((n, L, tr.MAX_PERIODS)), "e0": np.zeros((n, L, tr.MAX_PERIODS)),
            "migration": np.zeros((n, len(model.data.codes), tr.MAX_MIGRATION_YEARS))}


def _row(model, code):
    return int(np.flatnonzero(model.codes == code)[0])


# ---------------------------------------------------------------- quantile functions
def test_the_quantile_function_passes_through_the_five_points_and_continues_the_outer_slopes():
    points = np.array([[1.0, 2.0, 2.5, 4.0, 7.0]])
    coefficients = tr.quantile_slopes(points)
    assert np.allclose(tr.evaluate_quantiles(coefficients, tr.Z_KNOTS[:, None]).ravel(), points.ravel())
    below = tr.evaluate_quantiles(coefficients, np.array([[-3.0]]))[0, 0]
    assert below == pytest.approx(1.0 - (-3.0 - tr.Z_KNOTS[0]) * -(2.0 - 1.0) / (tr.Z_KNOTS[1] - tr.Z_KNOTS[0]))
    # points out of order are made non-decreasing
    assert (np.diff(tr.evaluate_quantiles(tr.quantile_slopes(np.array([[3.0, 2.0, 2.5, 4.0, 5.0]])),
                                          np.linspace(-3, 3, 50)[:, None]), axis=0) >= 0).all()


def test_sampled_marginals_reproduce_wpp_quantiles(model):
    """4,000 trajectories' TFR, e0 and annual migration against WPP's points (processed tables read directly)."""
    scores = tr.normal_scores(model.seed, range(4000), model.data.codes, model.params, model.rows)
    probs = [0.1, 0.5, 0.9]
    tfr = tables.read_table("tfr_quantiles")
    tfr = tfr[(tfr["period_start"] == 2045) & tfr["quantile"].isin(probs)]
    wpp = tfr.pivot(index="location_code", columns="quantile", values="tfr").reindex(model.codes).to_numpy().T
    sampled = np.exp(tr.evaluate_quantiles(model.data.tfr[:, 4], scores["tfr"][:, :, 4]))
    errors = np.abs(np.quantile(sampled, probs, axis=0) / wpp - 1)
    assert np.median(errors) < 0.005 and np.quantile(errors, 0.95) < 0.02
    migration = tables.read_table("migration_quantiles")
    migration = migration[(migration["year"] == 2060) & migration["quantile"].isin([0.1, 0.9])]
    wpp = migration.pivot(index="location_code", columns="quantile", values="net_migrants").reindex(model.codes)
    year = 2060 - tr.FIRST_MIGRATION_YEAR
    drawn = tr.evaluate_quantiles(model.data.migration[:, year], scores["migration"][:, :, year])
    q = np.quantile(drawn, [0.1, 0.9], axis=0)
    width = (wpp[0.9] - wpp[0.1]).to_numpy()
    wide = width > 0
    assert np.median(np.abs(q[0] - wpp[0.1].to_numpy())[wide] / width[wide]) < 0.05
    assert np.median(np.abs(q[1] - wpp[0.9].to_numpy())[wide] / width[wide]) < 0.05


def test_sampled_life_expectancy_is_reached_by_scaling_death_rates(model):
    sampled = tr.sample_chunk(model, [0, 1, 2])
    e0 = projection.life_table(sampled["mx"])["e0"]
    assert np.abs(e0 - sampled["e0"]).max() < 0.01
    # the median of the targets is WPP's median on the engine's own life-table scale
    e0_table = tables.read_table("life_expectancy_quantiles")
    japan = e0_table[(e0_table["location_code"] == JAPAN) & (e0_table["period_start"] == 2095)
                     & (e0_table["sex"] == "female")].sort_values("quantile")["e0"].to_numpy()
    scores = {key: np.zeros_like(value) for key, value in zero_scores(model, 1).items()}
    scores["e0"][:] = ndtri(0.9)
    high = tr.sample_chunk(model, [0], scores)["e0"][0, _row(model, JAPAN), -1, 1]
    offset = model.data.e0_offset[_row(model, JAPAN), -1, 1]
    assert high - offset == pytest.approx(japan[3], abs=1e-9)


def test_period_migration_is_the_weighted_sum_of_simulated_annual_values(model):
    """Weights 1/2, 1, 1, 1, 1, 1/2 on the years t … t+5, applied to each trajectory's own annual draws."""
    scores = tr.normal_scores(model.seed, [7], model.data.codes, model.params, model.rows)
    deviation = tr.migration_deviations(model.data.migration, scores["migration"], model.data.period_weights)
    row = _row(model, NIGERIA)
    migration = tables.read_table("migration_quantiles")
    nigeria = migration[migration["location_code"] == NIGERIA].pivot(index="year", columns="quantile",
                                                                      values="net_migrants")
    annual = np.array([tr.evaluate_quantiles(tr.quantile_slopes(nigeria.loc[year].to_numpy()),
                                             scores["migration"][0, row, year - 2024]) - nigeria.loc[year, 0.5]
                       for year in range(2024, 2101)])
    by_hand = sum(weight * annual[2045 - 2024 + k] for k, weight in enumerate([0.5, 1, 1, 1, 1, 0.5]))
    assert deviation[0, row, 4] == pytest.approx(by_hand, rel=1e-12, abs=1e-6)


def test_the_worlds_net_migration_is_zero_in_every_trajectory(model):
    """The world's sum of period deviations is taken back in proportion to each country's covariance."""
    sampled = tr.sample_chunk(model, [0, 1, 2])["deviation"]  # every country is projected by this model
    scale = np.abs(sampled).sum(axis=1)
    assert (np.abs(sampled.sum(axis=1)) < 1e-9 * scale).all()
    scores = tr.normal_scores(model.seed, [0, 1, 2], model.data.codes, model.params, model.rows)
    drawn = tr.migration_deviations(model.data.migration, scores["migration"], model.data.period_weights)
    assert np.abs(drawn.sum(axis=1)).max() > 1e6  # independent draws do not balance: millions a period
    # a country with little uncertainty is barely touched, a large one takes a large share
    shift = np.abs(sampled - drawn).sum(axis=(0, 2))
    assert shift[_row(model, JAPAN)] < 0.05 * shift.max()
    assert np.allclose(model.migration_balance.sum(axis=0), np.eye(model.data.n_periods), atol=1e-9)
    # on average, independent draws from WPP's right-skewed marginals add migrants to the world
    assert 50e6 < tr.expected_world_migration(model.data) < 200e6


def test_period_totals_are_simulated_not_summed_annual_quantiles(model):
    """Liberia's years are nearly independent: the 5-year 80 % width is far below the sum of annual widths."""
    row = _row(model, LIBERIA)
    scores = tr.normal_scores(model.seed, range(3000), model.data.codes, model.params, model.rows)
    deviation = tr.migration_deviations(model.data.migration, scores["migration"], model.data.period_weights)
    simulated = np.diff(np.quantile(deviation[:, row, 4], [0.1, 0.9]))[0]
    migration = tables.read_table("migration_quantiles")
    liberia = migration[(migration["location_code"] == LIBERIA) & migration["year"].between(2045, 2050)]
    widths = liberia.pivot(index="year", columns="quantile", values="net_migrants")
    summed = float(((widths[0.9] - widths[0.1]) * np.array([0.5, 1, 1, 1, 1, 0.5])).sum())
    assert simulated < 0.6 * summed


# ---------------------------------------------------------------- the deterministic limit, seeds, subsets
def test_median_scores_reproduce_the_deterministic_engine(model):
    out = tr.run_chunk(model, 0, 2, scores=zero_scores(model))
    deterministic = scenarios.run("medium").population
    assert np.abs(out["bands"][0, :, 0] / deterministic.sum(axis=(2, 3)) - 1).max() < 1e-12
    working = deterministic[..., 3:13].sum(axis=(2, 3))
    assert np.abs(out["bands"][1, :, 1] / working - 1).max() < 1e-12


def test_the_same_seed_gives_the_same_numbers_and_another_seed_others(model):
    a = tr.combine([tr.run_chunk(model, 0, 3), tr.run_chunk(model, 3, 6)], model)
    b = tr.combine([tr.run_chunk(model, 0, 6)], model)
    assert all(np.array_equal(a.values[key], b.values[key]) for key in a.values)
    other = tr.make_model(seed=6, bands=("all", "15-64", "65+"))
    assert not np.array_equal(tr.run_chunk(other, 0, 3)["bands"], a.values["bands"][:3])


def test_a_countrys_numbers_do_not_depend_on_the_others_projected(model):
    subset = tr.make_model(seed=5, locations=["Germany", "ECOWAS"], bands=("all", "15-64", "65+"))
    small = tr.run_chunk(subset, 2, 5)
    full = tr.run_chunk(model, 2, 5)
    rows = np.isin(model.codes, subset.codes)
    assert np.array_equal(small["bands"], full["bands"][:, rows])


def test_the_sampler_inputs_are_built_once_and_read_only(model):
    with pytest.raises(ValueError, match="read-only"):
        model.data.tfr[0, 0, 0] = 1.0
    again = tr.sampler_inputs()
    assert again.e0_grid is model.data.e0_grid and again.base.mx is model.data.base.mx  # built once
    # each caller gets its own engine inputs (label and notes can change), so the warm report kernel may keep the cache
    assert again.base is not model.data.base and again.base.notes is not model.data.base.notes
    with pytest.raises(ValueError, match="read-only"):
        again.base.mx[0, 0, 0, 0] = 1.0
    with pytest.raises(TrajectoryError, match="2030, 2035"):
        tr.sampler_inputs(2027)


# ---------------------------------------------------------------- an independent projection of the same trajectory
def _leslie_module(monkeypatch):
    monkeypatch.syspath_prepend(str(paths.ROOT / "benchmarks"))  # the script imports its folder's timing module
    spec = importlib.util.spec_from_file_location("bench_projection", paths.ROOT / "benchmarks" / "bench_projection.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_trajectory_projected_by_a_plain_leslie_loop_gives_the_same_bands(model, monkeypatch):
    """Sampled inputs of one trajectory, migration recomputed here as a rate, projected country by country."""
    leslie = _leslie_module(monkeypatch)
    sampled = tr.sample_chunk(model, [3])
    kept = tr.run_chunk(model, 3, 4)["bands"][0]
    data = model.data
    for code in (NIGERIA, GERMANY, LIBERIA, JAPAN):
        row = _row(model, code)
        start = data.base.population[row]  # WPP's 2025 population: the base year is fixed

        def migrants(p, population):
            wanted = data.base.net_migrants[row, p] + sampled["deviation"][0, row, p] * data.pattern[row, p]
            wanted = wanted * population.sum() / data.median_total[row, p]
            # at most a change of the population by a factor of 0.708 to 1.409 in a period (bayesPop's bounds)
            total = wanted.sum()
            capped = min(max(total, (0.707796098 - 1) * population.sum()), (1.409065294 - 1) * population.sum())
            return wanted * (capped / total if capped != total else 1.0)

        population = leslie.leslie_projection(start, sampled["mx"][0, row], sampled["tfr"][0, row],
                                              data.base.fertility_pattern[row], data.base.srb[row], migrants)
        assert np.allclose(population.sum(axis=(1, 2)), kept[row, 0], rtol=1e-9)
        assert np.allclose(population[:, :, 3:13].sum(axis=(1, 2)), kept[row, 1], rtol=1e-9)
        assert np.allclose(population[:, :, 13:].sum(axis=(1, 2)), kept[row, 2], rtol=1e-9)


# ---------------------------------------------------------------- switches and scenarios
def test_without_migration_uncertainty_every_trajectory_gets_wpps_median_migration(processed_dir):
    off = tr.make_model(seed=5, locations=["Qatar", "Japan"], migration_uncertainty=False)
    on = tr.make_model(seed=5, locations=["Qatar", "Japan"])
    scores = tr.normal_scores(5, range(2), off.data.codes, off.params, off.rows)
    scores["migration"][:] = 3.0  # ignored with the switch off
    scores["tfr"][:] = scores["e0"][:] = 0.0
    result = tr.run_chunk(off, 0, 2, scores=scores)
    medium = scenarios.run("medium").population.sum(axis=(2, 3))[np.isin(wpp_inputs().location_codes, off.codes)]
    assert np.allclose(result["bands"][0, :, 0], medium, rtol=1e-12)
    qatar = _row(on, 634)
    widths = [np.diff(np.quantile(tr.combine([tr.run_chunk(m, 0, 200)], m).band("all")[:, qatar, 5], [0.1, 0.9]))[0]
              for m in (on, off)]
    assert widths[1] < 0.5 * widths[0]  # Qatar in 2050: migration is most of its uncertainty


def test_fertility_and_migration_blocks_act_on_each_trajectory(processed_dir):
    constant = tr.make_model(seed=5, scenario="constant-fertility", locations=["Nigeria"])
    tfr = tr.sample_chunk(constant, [0, 1])["tfr"]
    assert np.allclose(tfr, tfr[..., :1]) and not np.allclose(tfr[0], tfr[1])
    medium = tr.sample_chunk(tr.make_model(seed=5, locations=["Nigeria"]), [0, 1])["tfr"]
    assert np.array_equal(tfr[..., 0], medium[..., 0])  # held at each trajectory's own first period
    zero = tr.make_model(seed=5, scenario="zero-migration", locations=["Germany"])
    run = tr.run_chunk(zero, 0, 2)
    assert np.allclose(run["net_migration"], 0.0)


def test_a_scoped_block_leaves_other_countries_bit_for_bit(processed_dir):
    faster = tr.make_model(seed=5, scenario="faster-decline-sub-saharan-africa", locations=["Nigeria", "Germany"])
    medium = tr.make_model(seed=5, locations=["Nigeria", "Germany"])
    a, b = tr.run_chunk(faster, 0, 3)["bands"], tr.run_chunk(medium, 0, 3)["bands"]
    germany, nigeria = _row(medium, GERMANY), _row(medium, NIGERIA)
    assert np.array_equal(a[:, germany], b[:, germany])
    assert (a[:, nigeria, 0, -1] < b[:, nigeria, 0, -1]).all()


def test_a_block_scoped_to_countries_not_projected_changes_nothing(processed_dir):
    faster = tr.make_model(seed=5, scenario="faster-decline-sub-saharan-africa", locations=["Japan"])
    medium = tr.make_model(seed=5, locations=["Japan"])
    assert np.array_equal(tr.run_chunk(faster, 0, 2)["bands"], tr.run_chunk(medium, 0, 2)["bands"])


def test_pathway_flows_are_added_to_every_trajectory(processed_dir):
    pathway = tr.make_model(seed=5, scenario="pathway-nigeria-germany", locations=["Nigeria", "Germany"],
                            migration_uncertainty=False)
    plain = tr.make_model(seed=5, locations=["Nigeria", "Germany"], migration_uncertainty=False)
    scores = zero_scores(plain, 1)
    difference = tr.run_chunk(pathway, 0, 1, scores)["bands"] - tr.run_chunk(plain, 0, 1, scores)["bands"]
    deterministic = scenarios.run("pathway-nigeria-germany").population - scenarios.run("medium").population
    codes = list(wpp_inputs().location_codes)
    for code in (NIGERIA, GERMANY):
        expected = deterministic[codes.index(code)].sum(axis=(1, 2))
        assert np.allclose(difference[0, _row(plain, code), 0], expected, rtol=1e-9, atol=1e-3)
    assert difference[0, _row(plain, GERMANY), 0, -1] > 0


def test_scenarios_must_be_built_on_the_medium_variant(processed_dir):
    with pytest.raises(TrajectoryError, match="medium variant"):
        tr.make_model(scenario="low")


# ---------------------------------------------------------------- replacement migration per trajectory
def test_replacement_on_median_scores_equals_the_deterministic_solver(processed_dir):
    for target in ("working-age", "total", "support-ratio"):
        request = tr.ReplacementRequest(("Germany", "EU27"), target)
        model = tr.make_model(seed=5, locations=[], replacement=request, migration_uncertainty=False)
        out = tr.run_chunk(model, 0, 1, scores=zero_scores(model, 1))
        solved = demand.solve_replacement(["Germany", "EU27"], target).table
        for d, name in enumerate(("Germany", "EU27")):
            expected = solved[solved["location"] == name]["migrants"].to_numpy()  # whole persons, as the study prints
            assert np.allclose(out["replacement"][0, d], expected, rtol=0, atol=0.5), target


def test_replacement_varies_with_each_trajectory_and_refuses_unreachable_targets(processed_dir):
    model = tr.make_model(seed=5, locations=[], replacement=tr.ReplacementRequest(("Japan",)))
    needed = tr.run_chunk(model, 0, 20)["replacement"][:, 0]
    assert needed.shape == (20, 15) and np.isfinite(needed).all() and needed[:, 0].std() > 0
    old = tr.make_model(seed=5, locations=[], replacement=tr.ReplacementRequest(("Japan",), ages="70-74"))
    with pytest.raises(TrajectoryError, match="add nobody"):
        tr.run_chunk(old, 0, 2)


def test_bad_requests_are_refused_in_one_line(processed_dir):
    for call, words in (
        (lambda: tr.make_model(seed=-1), "seed"),
        (lambda: tr.make_model(migration="flows"), "rate, count"),
        (lambda: tr.make_model(replacement=tr.ReplacementRequest(("EU27",), "everything")), "target"),
        (lambda: tr.make_model(replacement=tr.ReplacementRequest(("EU27",), female_share=2.0)), "female_share"),
        (lambda: tr.Correlation(1.0, 0.0, "stationary"), "random walk"),
        (lambda: tr.Correlation(0.5, 1.0), "rho"),
    ):
        with pytest.raises(TrajectoryError, match=words):
            call()


def test_the_calibrated_parameters_are_read_from_the_package(processed_dir):
    params = tr.load_parameters()
    assert params.to_dict() == tr.Parameters.from_dict(params.to_dict()).to_dict()
    assert dict(params.migration.country_phi)[LIBERIA] < params.migration.phi  # nearly independent years
    record = tr.parameters_file_record()
    assert record["path"].endswith("trajectories.yml") and len(record["sha256"]) == 64
    assert isinstance(pd.DataFrame([record]), pd.DataFrame)


# ---------------------------------------------------------------- the base year
def test_every_trajectory_starts_from_wpps_2025_population_to_the_person(processed_dir):
    """Kenya's total and Africa's 15-64 population on 1 July 2025 are WPP's in each of 40 trajectories."""
    from analysis.data import locations
    from analysis.model import trajectory_runs
    from analysis.study import uncertainty

    model = tr.make_model(seed=11, locations=["Kenya", "Africa"], bands=("all", "15-64"))
    result = trajectory_runs.run(model, 40, scheduler="synchronous", progress=False)
    population = pd.read_parquet(processed_dir / "population.parquet")
    medium = population[(population["variant"] == "medium") & (population["year"] == 2025)]
    kenya = medium[medium["location_code"] == 404]["population"].sum()
    working = medium[medium["age_start"].between(15, 60)]
    members = locations.resolve("Africa").members
    africa = working[working["location_code"].isin(members)]["population"].sum()
    first = result.year_index(2025)
    assert np.abs(result.band("all")[:, _row(model, 404), first] - kenya).max() < 0.5
    assert np.abs(result.summed(members, "15-64")[:, first] - africa).max() < 0.5
    # WPP's own aggregate (code 903) differs from the sum of its countries by rounding only
    assert abs(working[working["location_code"] == 903]["population"].sum() - africa) <= 20
    # a change from 2025 is a change from that one population: its quantiles are the levels' minus the base
    change = uncertainty.change_quantiles(result, "Africa", "15-64", 2025, 2050).set_index("quantile")["change"]
    levels = uncertainty.population_quantiles(result, "Africa", "15-64", [2050]).set_index("quantile")["population"]
    assert np.allclose(change.to_numpy(), levels.to_numpy() - africa, rtol=0, atol=1.0)
