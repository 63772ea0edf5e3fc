"""The acceptance test: simulated total-population intervals against WPP 2024's published 80 % and 95 % intervals.

WPP's bounds are read here from the raw file (``popproj1dt``: end-of-year
totals; 1 July of *t* is the mean of *t − 1* and *t*), independently of the
processed tables and of ``analysis.model.validation``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.data import sources


@pytest.fixture(scope="module")
def wpp_july(raw_dir) -> pd.DataFrame:
    raw = sources.read_rda(raw_dir / "wpp2024" / "popproj1dt.rda").sort_values(["country_code", "year"])
    raw["pop"] = raw["popM"] + raw["popF"]
    columns = ["pop_80l", "pop_80u", "pop_95l", "pop_95u", "pop"]
    previous = raw.groupby("country_code")[columns].shift(1)
    july = (raw[columns] + previous) / 2 * 1000
    july[["country_code", "year"]] = raw[["country_code", "year"]]
    return july.dropna().set_index(["country_code", "year"])


def _pooled_80(check, year):
    part = check.countries[check.countries["year"] == year]
    errors = np.abs(np.concatenate([part["err_l80"], part["err_u80"]]))
    return errors[~np.isnan(errors)]


def test_the_comparison_uses_wpps_1_july_bounds(interval_validation, wpp_july):
    countries = interval_validation.countries
    assert interval_validation.trajectories >= 1000
    assert countries.groupby("year").size().tolist() == [161, 161]  # every country with at least 1 million people
    row = countries[(countries["location"] == "Kenya") & (countries["year"] == 2050)].iloc[0]
    assert row["wpp_l80"] == pytest.approx(wpp_july.loc[(404, 2050), "pop_80l"], abs=1.0)
    assert row["wpp_u95"] == pytest.approx(wpp_july.loc[(404, 2050), "pop_95u"], abs=1.0)
    assert row["err_l80"] == pytest.approx(row["sim_l80"] / wpp_july.loc[(404, 2050), "pop_80l"] - 1, abs=1e-7)


def test_countries_80_percent_bounds_in_2050_median_error_at_most_2_percent(interval_validation):
    assert np.median(_pooled_80(interval_validation, 2050)) <= 0.02


def test_countries_80_percent_bounds_in_2050_90th_percentile_at_most_8_percent(interval_validation):
    assert np.quantile(_pooled_80(interval_validation, 2050), 0.9) <= 0.08


def test_countries_80_percent_bounds_in_2100_median_error_at_most_6_percent(interval_validation):
    errors = _pooled_80(interval_validation, 2100)
    assert np.median(errors) <= 0.06
    assert len(errors) == 321  # Hong Kong's lower bound of 2100 is 0 in WPP: no relative error


@pytest.mark.parametrize("name, code", [("Africa", 903), ("Sub-Saharan Africa", 1834), ("Europe", 908),
                                        ("Northern America", 905), ("World", 900)])
def test_aggregates_summed_from_countries_within_2_percent_in_2050(interval_validation, wpp_july, name, code):
    row = interval_validation.aggregates.set_index(["location", "year"]).loc[(name, 2050)]
    for bound, column in (("l80", "pop_80l"), ("u80", "pop_80u")):
        assert abs(row[f"sim_{bound}"] / wpp_july.loc[(code, 2050), column] - 1) <= 0.02


def test_the_targets_table_agrees_and_passes(interval_validation):
    targets = interval_validation.targets
    assert interval_validation.passed and len(targets) == 8
    assert targets["measured"].iloc[0] == pytest.approx(np.median(_pooled_80(interval_validation, 2050)))


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
