"""Probabilistic answers: quantiles of groups, bands, changes and ratios computed per trajectory; real figures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.data import locations
from analysis.model import trajectories as tr
from analysis.study import demand, uncertainty
from analysis.study.uncertainty import UncertaintyInputError


@pytest.fixture(scope="module")
def africa(processed_dir):
    """1,000 trajectories of Africa's and Europe's countries, 15-64 and 65+ kept."""
    return uncertainty.simulate(["Africa", "EU27"], ("15-64", "65+", "all"), n_trajectories=1000, seed=1)


def test_a_groups_quantiles_are_quantiles_of_its_members_summed_per_trajectory(africa):
    ecowas = locations.resolve("ECOWAS")
    table = uncertainty.population_quantiles(africa, "ECOWAS", "15-64", [2050])
    members = np.isin(africa.codes, ecowas.members)
    summed = africa.band("15-64")[:, members, africa.year_index(2050)].sum(axis=1)
    assert np.allclose(table["population"], np.quantile(summed, uncertainty.DEFAULT_QUANTILES))
    # not the sum of the members' quantiles, which is wider
    separately = np.quantile(africa.band("15-64")[:, members, africa.year_index(2050)], [0.1, 0.9], axis=0).sum(axis=1)
    assert separately[1] - separately[0] > table["population"].iloc[3] - table["population"].iloc[1]
    assert list(table.columns) == ["location", "year", "ages", "quantile", "population"]


def test_changes_are_per_trajectory_not_differences_of_quantiles(africa):
    change = uncertainty.change_quantiles(africa, "Africa", "15-64", 2030, 2055)
    values = uncertainty.changes(africa, locations.resolve("Africa"), "15-64", 2030, 2055)
    assert np.allclose(change["change"], np.quantile(values, uncertainty.DEFAULT_QUANTILES))
    levels = uncertainty.population_quantiles(africa, "Africa", "15-64", [2030, 2055]).pivot(
        index="quantile", columns="year", values="population")
    assert not np.allclose(change.set_index("quantile")["change"], levels[2055] - levels[2030])


def test_africas_working_age_increase_2025_2055_against_wpp(africa, processed_dir):
    """The median increase lies within 2.5 % of WPP medium's +802 M; the 80 % interval is about ±6 %.

    High-fertility countries' medians lie below WPP's medium (their TFR persists in the upper tail only; see
    the methods), which takes Africa's median increase about 2 % below the medium's.
    """
    population = pd.read_parquet(processed_dir / "population.parquet")
    medium = population[(population["variant"] == "medium") & (population["location_code"] == 903)
                        & population["age_start"].between(15, 60)].groupby("year")["population"].sum()
    wpp_change = medium[2055] - medium[2025]
    values = uncertainty.changes(africa, locations.resolve("Africa"), "15-64", 2025, 2055)
    low, median, high = np.quantile(values, [0.1, 0.5, 0.9])
    assert median == pytest.approx(wpp_change, rel=0.025)
    assert low < wpp_change < high
    assert 0.04 < (high - low) / 2 / median < 0.10
    text = uncertainty.interval_text(values)
    assert text.startswith(f"+{median / 1e6:,.0f} M (80 %: +{low / 1e6:,.0f} to +{high / 1e6:,.0f} M)")


def test_support_ratios_are_ratios_per_trajectory(africa):
    eu = locations.resolve("EU27")
    table = uncertainty.support_ratio_quantiles(africa, "EU27", [2050], probs=[0.5])
    members = np.isin(africa.codes, eu.members)
    t = africa.year_index(2050)
    ratio = africa.band("15-64")[:, members, t].sum(axis=1) / africa.band("65+")[:, members, t].sum(axis=1)
    assert table["support_ratio"].item() == pytest.approx(np.median(ratio))
    assert 1.5 < table["support_ratio"].item() < 2.3  # EU27 in 2050: about two people aged 15-64 per person 65+


def test_the_probability_of_exceeding_a_threshold_is_the_share_of_trajectories_above_it(africa):
    values = uncertainty.changes(africa, locations.resolve("Africa"), "15-64", 2025, 2055)
    median = float(np.median(values))
    row = uncertainty.exceedance(africa, "Africa", median, 2055, "change", start=2025).iloc[0]
    assert row["probability"] == pytest.approx(0.5, abs=0.001)
    assert uncertainty.exceedance(africa, "Africa", 700e6, 2055, "change", start=2025)["probability"].item() == \
        pytest.approx((values > 700e6).mean())
    ratio = uncertainty.exceedance(africa, "EU27", 2.0, 2050, "support_ratio")["probability"].item()
    assert 0.0 <= ratio <= 1.0


def test_fans_hold_the_three_intervals(africa):
    fan = uncertainty.fan(africa, "Africa", "15-64")
    assert list(fan.columns) == ["year", "q0.025", "q0.1", "q0.25", "q0.5", "q0.75", "q0.9", "q0.975"]
    assert (np.diff(fan.drop(columns="year").to_numpy(), axis=1) >= 0).all()
    assert fan["year"].tolist() == list(range(2025, 2101, 5))


def test_replacement_migration_as_a_distribution(processed_dir):
    result = uncertainty.simulate(["EU27"], ("all",), n_trajectories=200, seed=2, end_year=2050,
                                  replacement=tr.ReplacementRequest(("EU27",)))
    table = uncertainty.replacement_quantiles(result, horizons=[2050])
    assert set(table["period_end"]) == {2030, 2035, 2040, 2045, 2050}
    whole = table[(table["period_start"] == 2025) & (table["period_end"] == 2050)].set_index("quantile")
    per_trajectory = result.values["replacement"][:, 0].sum(axis=1) / 25.0
    assert np.allclose(whole["migrants_per_year"], np.quantile(per_trajectory, uncertainty.DEFAULT_QUANTILES))
    deterministic = demand.replacement_summary(demand.replacement_migration(["EU27"], end_year=2050), (2050,))
    # EU27, 2025-2050: about 2.3 million a year to hold its 15-64 population; WPP medium within the 80 % interval
    assert whole.loc[0.1, "migrants_per_year"] < deterministic["migrants_per_year"].item() < whole.loc[0.9, "migrants_per_year"]
    assert 2.0e6 < whole.loc[0.5, "migrants_per_year"] < 2.6e6
    fan = uncertainty.replacement_fan(result)
    assert fan["period_end"].tolist() == [2030, 2035, 2040, 2045, 2050]


def test_replacement_without_emigration_is_never_negative_and_matches_its_deterministic_solve(processed_dir):
    """Northern America to 2100: some trajectories would have to send away more people than live in the migrants' ages."""
    asked = tr.ReplacementRequest(("Northern America",))
    with pytest.raises(tr.TrajectoryError, match="asks more people to leave"):
        uncertainty.simulate(["Northern America"], ("all",), n_trajectories=300, seed=1, replacement=asked)
    request = tr.ReplacementRequest(("Northern America",), allow_emigration=False)
    result = uncertainty.simulate(["Northern America"], ("all",), n_trajectories=300, seed=1, replacement=request)
    assert (result.values["replacement"] >= 0).all()
    fan = uncertainty.replacement_fan(result)
    solved = demand.replacement_migration(["Northern America"], allow_emigration=False)
    assert np.allclose(fan["wpp_medium"], solved["migrants_per_year"])
    assert (fan["q0.1"] <= fan["q0.9"]).all()
    reference = uncertainty.replacement_reference(result, 2050)
    assert reference == pytest.approx(solved[solved["period_end"] <= 2050]["migrants"].sum() / 25)


def test_monte_carlo_error_covers_the_true_quantile():
    """Distribution-free intervals from order statistics cover a normal's known 10 % point about 95 % of the time."""
    rng = np.random.default_rng(3)
    covered = 0
    for _ in range(400):
        interval = uncertainty.monte_carlo_error(rng.standard_normal(500), [0.1]).iloc[0]
        covered += interval["lower"] <= -1.2815515655446004 <= interval["upper"]
    assert 0.92 <= covered / 400 <= 0.99


@pytest.mark.parametrize("call, words", [
    (lambda r: uncertainty.population_quantiles(r, "Africa", "20-39"), "were not kept"),
    (lambda r: uncertainty.population_quantiles(r, "Africa", "15-64", [2020]), "comes before 2025"),
    (lambda r: uncertainty.population_quantiles(r, "Africa", "15-64", probs=[0.0, 0.5]), "above 0 and below 1"),
    (lambda r: uncertainty.change_quantiles(r, "Africa", "15-64", 2050, 2050), "must come after"),
    (lambda r: uncertainty.exceedance(r, "Africa", float("nan"), 2050), "finite"),
    (lambda r: uncertainty.exceedance(r, "Africa", 1.0, 2050, "births"), "not one of"),
    (lambda r: uncertainty.replacement_quantiles(r), "no replacement"),
    (lambda r: uncertainty.population_quantiles(r, "Japan", "15-64"), "none of the location's countries"),
])
def test_bad_questions_are_refused_in_one_line(africa, call, words):
    with pytest.raises((UncertaintyInputError, tr.TrajectoryError), match=words):
        call(africa)
