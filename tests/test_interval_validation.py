"""The acceptance test: simulated total-population intervals against WPP 2024's published 80 % and 95 % intervals.

WPP's bounds are read here from the raw file (``popproj1dt``: end-of-year
totals; 1 July of *t* is the mean of *t − 1* and *t*), independently of the
processed tables and of ``analysis.model.validation``.  The targets and their
limits are written here again: 2050, the countries' 80 % bounds within 1.5 %
(median error) and 5 % (90th percentile), seven aggregates' median and 80 %
bounds within 1.5 %; 2100, 3 % and 12 %, no 10 % bound off by more than 20 %,
the aggregates within 3 %.  The 2050 targets are met.  The 2100 ones are not,
for reasons the methods page shows with figures; the tests below check those
reasons on the data and bound the errors where they stand, so that a
regression fails.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.data import sources
from analysis.model import validation

AGGREGATES = {"World": 900, "Africa": 903, "Sub-Saharan Africa": 1834, "Europe": 908, "Asia": 935,
              "Latin America and the Caribbean": 904, "Northern America": 905}
GULF = {"Kuwait", "Qatar", "United Arab Emirates", "Oman", "Bahrain"}


@pytest.fixture(scope="module")
def wpp_july(raw_dir) -> pd.DataFrame:
    raw = sources.read_rda(raw_dir / "wpp2024" / "popproj1dt.rda").sort_values(["country_code", "year"])
    raw["pop"] = raw["popM"] + raw["popF"]
    columns = ["pop_80l", "pop_80u", "pop_95l", "pop_95u", "pop"]
    previous = raw.groupby("country_code")[columns].shift(1)
    july = (raw[columns] + previous) / 2 * 1000
    july[["country_code", "year"]] = raw[["country_code", "year"]]
    return july.dropna().set_index(["country_code", "year"])


def _errors(check, wpp_july, year) -> pd.DataFrame:
    """Each large country's simulated 80 % bounds against the raw file's: sim / WPP − 1."""
    part = check.countries[check.countries["year"] == year]
    wpp = wpp_july.xs(year, level="year").reindex(part["location_code"])
    with np.errstate(divide="ignore"):
        lower = np.where(wpp["pop_80l"] > 0, part["sim_l80"].to_numpy() / wpp["pop_80l"].to_numpy() - 1, np.nan)
    return pd.DataFrame({"location": part["location"].to_numpy(), "lower": lower,
                         "upper": part["sim_u80"].to_numpy() / wpp["pop_80u"].to_numpy() - 1})


def _pooled(errors: pd.DataFrame) -> np.ndarray:
    pooled = np.abs(np.concatenate([errors["lower"], errors["upper"]]))
    return pooled[~np.isnan(pooled)]


def _measured(check, target: str) -> float:
    return float(check.targets.set_index("target").loc[target, "measured"])


def test_the_comparison_uses_wpps_1_july_bounds(interval_validation, wpp_july):
    countries = interval_validation.countries
    assert interval_validation.trajectories >= 1000
    assert countries.groupby("year").size().tolist() == [161, 161]  # every country with at least 1 million people
    row = countries[(countries["location"] == "Kenya") & (countries["year"] == 2050)].iloc[0]
    assert row["wpp_l80"] == pytest.approx(wpp_july.loc[(404, 2050), "pop_80l"], abs=1.0)
    assert row["wpp_u95"] == pytest.approx(wpp_july.loc[(404, 2050), "pop_95u"], abs=1.0)
    assert row["err_l80"] == pytest.approx(row["sim_l80"] / wpp_july.loc[(404, 2050), "pop_80l"] - 1, abs=1e-7)


def test_the_targets_table_holds_the_issues_targets_recomputed_from_the_raw_file(interval_validation, wpp_july):
    check = interval_validation
    assert check.targets["limit"].tolist() == [0.015, 0.05, 0.03, 0.12, 0.20] + [0.015] * 7 + [0.03] * 7
    for year, (median, p90) in ((2050, (0, 1)), (2100, (2, 3))):
        pooled = _pooled(_errors(check, wpp_july, year))
        assert check.targets["measured"].iloc[median] == pytest.approx(np.median(pooled), abs=0.0006)
        assert check.targets["measured"].iloc[p90] == pytest.approx(np.quantile(pooled, 0.9), abs=0.0006)
    lower = _errors(check, wpp_july, 2100)["lower"].abs()
    assert check.targets["measured"].iloc[4] == pytest.approx(lower.max(), abs=0.0006)
    for row in check.aggregates.itertuples():
        wpp = wpp_july.loc[(AGGREGATES[row.location], row.year)]
        largest = max(abs(row.sim_l80 / wpp["pop_80l"] - 1), abs(row.sim_median / wpp["pop"] - 1),
                      abs(row.sim_u80 / wpp["pop_80u"] - 1))
        target = f"{row.location}: median and 80 % bounds in {row.year}, largest error"
        assert _measured(check, target) == pytest.approx(largest, abs=0.0006)
    # rounded to 0.1 %, and a target is met when the rounded value is within its limit
    assert (check.targets["measured"] == check.targets["measured"].round(3)).all()
    assert (check.targets["passed"] == (check.targets["measured"] <= check.targets["limit"])).all()


def test_the_2050_targets_are_met(interval_validation, wpp_july):
    pooled = _pooled(_errors(interval_validation, wpp_july, 2050))
    assert np.median(pooled) <= 0.015
    assert np.quantile(pooled, 0.9) <= 0.05
    for name, code in AGGREGATES.items():
        row = interval_validation.aggregates.set_index(["location", "year"]).loc[(name, 2050)]
        wpp = wpp_july.loc[(code, 2050)]
        for simulated, published in ((row["sim_l80"], wpp["pop_80l"]), (row["sim_median"], wpp["pop"]),
                                     (row["sim_u80"], wpp["pop_80u"])):
            assert abs(simulated / published - 1) <= 0.015, name
    assert interval_validation.targets[interval_validation.targets["year"] == 2050]["passed"].all()


def test_the_2100_country_targets_are_not_met_and_the_gulf_states_are_the_largest_errors(interval_validation, wpp_july):
    """Median 3 % and 90th percentile 12 % are missed (about 4 % and 21 %); where the worst 10 % bounds are."""
    errors = _errors(interval_validation, wpp_july, 2100)
    pooled = _pooled(errors)
    assert 0.03 < np.median(pooled) <= 0.05
    assert 0.12 < np.quantile(pooled, 0.9) <= 0.25
    lower = errors.set_index("location")["lower"].dropna()
    worst = lower.abs().nlargest(4).index
    assert set(worst) <= GULF  # their labour migration is capped by WPP's model in ways the marginals do not show
    assert lower.drop(list(GULF)).abs().max() < 0.60
    # the high-fertility countries the upper-tail process is for: every 10 % bound within 20 % of WPP's
    for name in ("Democratic Republic of the Congo", "Nigeria", "Ethiopia", "Kenya", "Niger", "Somalia"):
        assert abs(lower[name]) <= 0.20, name
    assert not interval_validation.targets[interval_validation.targets["year"] == 2100]["passed"].iloc[:5].any()


def test_the_2100_aggregates_lie_between_wpps_medium_and_what_its_country_intervals_imply(interval_validation):
    """WPP's country intervals imply means far above its aggregates' (a sum has the sum of the means)."""
    consistency = validation.wpp_aggregate_consistency(years=[2100]).set_index("location")
    for name in ("World", "Africa", "Sub-Saharan Africa"):
        gap = consistency.loc[name, "countries_mean"] - consistency.loc[name, "aggregate_mean"]
        assert gap > 0.05, name  # more than the 3 % target: no set of country trajectories can meet both
    # the project's medians of 2100 lie in that gap, within 6 % of WPP's medium
    simulated = interval_validation.aggregates.set_index(["location", "year"])
    for name in AGGREGATES:
        error = simulated.loc[(name, 2100), "err_median"]
        assert abs(error) <= 0.06, name
        if name in ("World", "Africa", "Sub-Saharan Africa"):
            assert 0 < error < consistency.loc[name, "countries_mean"], name


def test_the_error_distribution_is_reported_with_the_worst_cases(interval_validation):
    distribution = interval_validation.distribution
    assert set(distribution["interval"]) == {"80 %", "95 %", "median vs WPP medium"}
    worst_2050 = distribution[(distribution["year"] == 2050) & (distribution["interval"] == "80 %")]["worst"].item()
    # the Gulf states' right-skewed migration bounds (see the methods): Kuwait the worst
    assert worst_2050.startswith("Kuwait") and "Qatar" in worst_2050
    row = distribution[(distribution["year"] == 2050) & (distribution["interval"] == "80 %")].iloc[0]
    assert row["p10"] <= row["p50"] <= row["p90"] <= row["max"]
    assert 0.9 < row["median_width_ratio"] < 1.1


def test_without_migration_uncertainty_high_migration_countries_are_far_too_narrow(interval_validation):
    share = interval_validation.migration_share
    in_2050 = share[share["year"] == 2050].set_index("location")["share_due_to_migration"]
    for country in ("Qatar", "United Arab Emirates", "Kuwait", "Singapore"):
        assert in_2050[country] > 0.5  # without migration their intervals are less than half as wide
    assert 0.2 < in_2050.median() < 0.6
