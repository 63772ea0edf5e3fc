"""The demographic-accounting flow estimator on small worlds whose flows are known."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.errors import DataError, InputError
from analysis.model import flow_estimator as estimator


def consistent_world(start: np.ndarray, death_rates: np.ndarray, births: np.ndarray,
                     moves: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The end stocks and deaths of a world whose flows ``moves[i, j, k]`` (born in k, from i to j) are known.

    Deaths take the same share of everybody living in a country (the estimator's option 3), births are all
    native-born (option 2), and ``moves`` must move exactly the survivors: ``moves[i, :, k].sum() ==
    start[k, i] * (1 - death_rates[i])``.
    """
    deaths = start.sum(axis=0) * death_rates
    end = moves.sum(axis=0).T + np.diag(births)
    return end, deaths, moves


def three_country_world():
    """A, B, C.  People born in A leave A for B and C; people born in B go home from C; C's own stay put."""
    start = np.array([[9_000.0, 600.0, 300.0],   # born in A: living in A, B, C
                      [100.0, 4_000.0, 400.0],   # born in B
                      [50.0, 20.0, 2_000.0]])    # born in C
    death_rates = np.array([0.05, 0.04, 0.10])
    births = np.array([700.0, 250.0, 150.0])
    survivors = start * (1 - death_rates)[None, :]
    moves = np.zeros((3, 3, 3))
    for k in range(3):
        np.fill_diagonal(moves[:, :, k], survivors[k])
    # born in A: 300 leave A, 200 to B and 100 to C (the minimum table shares leavers over arrivals in proportion)
    moves[0, 0, 0] -= 300.0
    moves[0, 1, 0] += 200.0
    moves[0, 2, 0] += 100.0
    # born in B: 150 come home from C
    moves[2, 2, 1] -= 150.0
    moves[2, 1, 1] += 150.0
    end, deaths, moves = consistent_world(start, death_rates, births, moves)
    return start, end, births, deaths, moves


def off_diagonal(moves: np.ndarray) -> np.ndarray:
    flows = moves.sum(axis=2)
    np.fill_diagonal(flows, 0.0)
    return flows


def test_the_minimum_method_recovers_the_known_flows_and_their_types():
    start, end, births, deaths, moves = three_country_world()
    result = estimator.estimate_period(start, end, births, deaths, ["A", "B", "C"], method="da_min_closed")
    np.testing.assert_allclose(result.flows, off_diagonal(moves), atol=1e-6)
    assert result.flows[0, 1] == pytest.approx(200.0) and result.flows[2, 1] == pytest.approx(150.0)
    assert result.outward[0, 1] == pytest.approx(200.0) and result.returns[2, 1] == pytest.approx(150.0)
    assert result.transit.sum() == pytest.approx(0.0, abs=1e-6)
    assert result.diagnostics["closure_gap"] == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize("weight", [1.0, 0.888, 0.5, 0.0])
def test_every_blend_conserves_people_and_net_migration(weight):
    start, end, births, deaths, moves = three_country_world()
    result = estimator.estimate_period(start, end, births, deaths, ["A", "B", "C"], weight=weight)
    inflow, outflow = result.flows.sum(axis=0), result.flows.sum(axis=1)
    change = end.sum(axis=0) - start.sum(axis=0)
    np.testing.assert_allclose(change, births - deaths + inflow - outflow, atol=1e-6)
    true = off_diagonal(moves)
    np.testing.assert_allclose(inflow - outflow, true.sum(axis=0) - true.sum(axis=1), atol=1e-6)
    np.testing.assert_allclose(result.outward + result.returns + result.transit, result.flows, atol=1e-6)
    # the independence half moves more people than the minimum: less weight, more flows
    assert result.flows.sum() >= off_diagonal(moves).sum() - 1e-6


def test_the_weight_is_calibrated_to_the_published_totals():
    start, end, births, deaths, _ = three_country_world()
    margins = estimator.balance(start, end, births, deaths, ["A", "B", "C"])
    low, high = estimator.blend(margins, 1.0).flows.sum(), estimator.blend(margins, 0.0).flows.sum()
    target = 0.25 * low + 0.75 * high
    assert estimator.calibrate_weight([margins], [target]) == 0.25
    assert estimator.calibrate_weight([margins], [low / 2]) == 1.0  # fewer than the minimum: kept within [0, 1]


def test_bad_arguments_are_refused_in_one_line():
    start, end, births, deaths, _ = three_country_world()
    with pytest.raises(InputError, match="unknown method"):
        estimator.estimate_period(start, end, births, deaths, ["A", "B", "C"], method="ols")
    with pytest.raises(InputError, match="negative, missing or infinite"):
        estimator.estimate_period(start, end, -births, deaths, ["A", "B", "C"], weight=0.5)
    with pytest.raises(InputError, match="needs a weight"):
        estimator.estimate_period(start, end, births, deaths, ["A", "B", "C"])
    with pytest.raises(InputError, match="between 0 and 1"):
        estimator.estimate_period(start, end, births, deaths, ["A", "B", "C"], weight=1.5)


def test_a_fit_that_cannot_balance_says_so():
    with pytest.raises(DataError, match="zeros must sum to a positive total"):
        estimator.fit_margins(np.array([[1.0, 0.0], [0.0, 0.0]]), np.array([1.0, 1.0]), np.array([1.0, 1.0]))
    # a diagonal table cannot move its row totals away from its column totals: stuck, said at once
    with pytest.raises(DataError, match="cannot balance"):
        estimator.fit_margins(np.diag([10.0, 10.0]), np.array([12.0, 8.0]), np.array([10.0, 10.0]))


def test_bishop_fienberg_holland_weights_barely_smooth_counts_of_persons():
    start, end, births, deaths, _ = three_country_world()
    margins = estimator.balance(start, end, births, deaths, ["A", "B", "C"])
    weights = estimator.bfh_weights(margins.start, margins.end)
    assert ((weights > 0.9) & (weights <= 1.0)).all()


@st.composite
def worlds(draw):
    """Random consistent worlds: stocks, death rates, births and a transition table per birthplace."""
    n = draw(st.integers(min_value=2, max_value=5))
    values = st.floats(min_value=0.0, max_value=5_000.0, allow_nan=False)
    start = np.array(draw(st.lists(st.lists(values, min_size=n, max_size=n), min_size=n, max_size=n)))
    start[np.diag_indices(n)] += 10_000.0  # every country has native-born people
    death_rates = np.array(draw(st.lists(st.floats(0.0, 0.2), min_size=n, max_size=n)))
    births = np.array(draw(st.lists(st.floats(0.0, 3_000.0), min_size=n, max_size=n)))
    stay = np.array(draw(st.lists(st.floats(0.3, 1.0), min_size=n * n, max_size=n * n))).reshape(n, n)
    spread = np.array(draw(st.lists(st.floats(0.01, 1.0), min_size=n ** 3, max_size=n ** 3))).reshape(n, n, n)
    survivors = start * (1 - death_rates)[None, :]
    moves = np.zeros((n, n, n))
    for k in range(n):
        for i in range(n):
            shares = spread[k, i].copy()
            shares[i] = 0.0
            shares = shares / shares.sum() * (1 - stay[k, i])
            shares[i] = stay[k, i]
            moves[i, :, k] = survivors[k, i] * shares
    end, deaths, moves = consistent_world(start, death_rates, births, moves)
    return start, end, births, deaths, moves


@settings(max_examples=40, deadline=None)
@given(worlds(), st.floats(min_value=0.0, max_value=1.0))
def test_people_are_conserved_and_flows_never_negative(world, weight):
    start, end, births, deaths, moves = world
    codes = [f"C{i}" for i in range(len(births))]
    result = estimator.estimate_period(start, end, births, deaths, codes, weight=weight)
    for array in (result.flows, result.outward, result.returns, result.transit):
        assert (array >= 0).all()
    inflow, outflow = result.flows.sum(axis=0), result.flows.sum(axis=1)
    change = end.sum(axis=0) - start.sum(axis=0)
    scale = max(1.0, end.sum())
    np.testing.assert_allclose(change, births - deaths + inflow - outflow, atol=1e-6 * scale)
    minimum = estimator.estimate_period(start, end, births, deaths, codes, method="da_min_closed")
    # the minimum table keeps as many stayers as the stocks allow: never more movers than the true flows
    assert minimum.flows.sum() <= off_diagonal(moves).sum() + 1e-6 * scale
    assert result.flows.sum() >= minimum.flows.sum() - 1e-6 * scale


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 5), st.data())
def test_inconsistent_stocks_still_balance_their_adjusted_accounts(n, data):
    # every country has some foreign-born people, so that its birthplace total can change (see period_inputs)
    values = st.floats(min_value=1.0, max_value=5_000.0, allow_nan=False)
    start = np.array(data.draw(st.lists(st.lists(values, min_size=n, max_size=n), min_size=n, max_size=n)))
    end = np.array(data.draw(st.lists(st.lists(values, min_size=n, max_size=n), min_size=n, max_size=n)))
    start[np.diag_indices(n)] += 20_000.0
    end[np.diag_indices(n)] += 20_000.0
    births = np.array(data.draw(st.lists(st.floats(0.0, 2_000.0), min_size=n, max_size=n)))
    deaths = np.array(data.draw(st.lists(st.floats(0.0, 2_000.0), min_size=n, max_size=n)))
    result = estimator.estimate_period(start, end, births, deaths, [str(i) for i in range(n)], weight=0.9)
    assert (result.flows >= 0).all()
    inflow, outflow = result.flows.sum(axis=0), result.flows.sum(axis=1)
    # against the balanced tables (closed world, births and deaths out, birthplace totals matched)
    change = result.end_margin.sum(axis=0) - result.start_margin.sum(axis=0)
    np.testing.assert_allclose(change, inflow - outflow, atol=n * estimator.IPF_TOLERANCE + 1e-6 * end.sum())
    np.testing.assert_allclose(result.start_margin.sum(axis=1), result.end_margin.sum(axis=1),
                               atol=2 * estimator.IPF_TOLERANCE)
