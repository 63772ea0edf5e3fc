"""WPP's published quantiles as processed tables: persons, 1 July, projection periods, filled gaps, checks on build.

The expected values are read here straight from the raw files with pyreadr.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import ndtri

from analysis.data import sources, tables, wpp_intervals
from analysis.data.tables import ValidationError


@pytest.fixture(scope="module")
def raw(raw_dir):
    return {name: sources.read_rda(raw_dir / "wpp2024" / f"{name}.rda")
            for name in ("tfrproj5dt", "e0proj5dt", "migproj1dt", "popproj1dt")}


def _at(table: pd.DataFrame, **keys) -> np.ndarray:
    mask = np.ones(len(table), dtype=bool)
    for key, value in keys.items():
        mask &= (table[key] == value).to_numpy()
    return table.loc[mask].sort_values("quantile").iloc[:, -2].to_numpy()


def test_population_quantiles_are_1_july_means_of_end_of_year_values(processed_dir, raw):
    table = tables.read_table("population_quantiles")
    end = raw["popproj1dt"].set_index(["country_code", "year"])
    kenya = _at(table, location_code=404, year=2050)
    for index, column in enumerate(["pop_95l", "pop_80l", None, "pop_80u", "pop_95u"]):
        if column is None:
            expected = (end.loc[(404, 2049), ["popM", "popF"]].sum() + end.loc[(404, 2050), ["popM", "popF"]].sum()) / 2
        else:
            expected = (end.loc[(404, 2049), column] + end.loc[(404, 2050), column]) / 2
        assert kenya[index] == pytest.approx(expected * 1000, abs=1.0)
    # Kenya on 1 July 2050: medium 83.6 M, 80 % interval about 74.4-92.7 M
    assert kenya[2] == pytest.approx(83.59e6, rel=1e-3)
    assert kenya[1] == pytest.approx(74.38e6, rel=1e-3) and kenya[3] == pytest.approx(92.74e6, rel=1e-3)
    assert table["year"].min() == 2025 and table["year"].max() == 2100
    assert table["location_code"].nunique() == 297  # every country and aggregate


def test_population_medium_matches_the_5_year_table(processed_dir):
    quantiles = tables.read_table("population_quantiles")
    population = tables.read_table("population")
    medium = population[population["variant"] == "medium"].groupby(["location_code", "year"])["population"].sum()
    july = quantiles[(quantiles["quantile"] == 0.5) & (quantiles["year"] % 5 == 0)].set_index(["location_code", "year"])
    gap = (july["population"] - medium.reindex(july.index)).abs()
    assert gap.max() <= wpp_intervals.POPULATION_MIDYEAR_TOLERANCE
    assert gap.notna().all()


def test_annual_migration_in_persons_and_its_weighted_medians_give_the_period_totals(processed_dir, raw):
    table = tables.read_table("migration_quantiles")
    germany = _at(table, location_code=276, year=2025)
    source = raw["migproj1dt"].set_index(["country_code", "year"]).loc[(276, 2025)]
    assert np.allclose(germany, 1000 * source[["mig_95l", "mig_80l", "mig", "mig_80u", "mig_95u"]].to_numpy(dtype=float),
                       atol=0.5)
    # weights 1/2, 1, 1, 1, 1, 1/2 over 2025 ... 2030 against the 5-year table: Nigeria, 2025-2030
    annual = table[(table["location_code"] == 566) & (table["quantile"] == 0.5)].set_index("year")["net_migrants"]
    weighted = float((annual.loc[2025:2030].to_numpy() * np.array(wpp_intervals.PERIOD_YEAR_WEIGHTS)).sum())
    net = tables.read_table("net_migration")
    period = net[(net["location_code"] == 566) & (net["period_start"] == 2025)]["net_migrants"].sum()
    assert abs(weighted - period) <= wpp_intervals.MIGRATION_PERIOD_TOLERANCE
    assert abs(annual.loc[2025:2029].sum() - period) > 10 * wpp_intervals.MIGRATION_PERIOD_TOLERANCE


def test_tfr_and_e0_medians_are_the_medium_variant_and_periods_start_in_2025(processed_dir, raw):
    tfr = tables.read_table("tfr_quantiles")
    assert tfr["period_start"].min() == 2025 and tfr["period_end"].max() == 2100
    nigeria = _at(tfr, location_code=566, period_start=2045)
    source = raw["tfrproj5dt"]
    row = source[(source["country_code"] == 566) & (source["period"] == "2045-2050")].iloc[0]
    assert np.allclose(nigeria, row[["tfr_95l", "tfr_80l", "tfr", "tfr_80u", "tfr_95u"]].to_numpy(dtype=float))
    e0 = tables.read_table("life_expectancy_quantiles")
    japan = _at(e0, location_code=392, period_start=2095, sex="female")
    row = raw["e0proj5dt"].query("country_code == 392 and period == '2095-2100'").iloc[0]
    assert np.allclose(japan, row[["e0F_95l", "e0F_80l", "e0F", "e0F_80u", "e0F_95u"]].to_numpy(dtype=float))


def test_missing_95_percent_bounds_are_filled_by_a_normal_tail_and_flagged(processed_dir, raw):
    tfr = tables.read_table("tfr_quantiles")
    filled = tfr[tfr["filled"]]
    assert len(filled) == 7 and set(filled["quantile"]) == {0.025}
    assert set(filled["location_code"]) == {344, 414, 20}  # Hong Kong, Kuwait, Andorra
    hong_kong = _at(tfr, location_code=344, period_start=2095)
    ratio = ndtri(0.025) / ndtri(0.1)
    assert hong_kong[0] == pytest.approx(hong_kong[2] + (hong_kong[1] - hong_kong[2]) * ratio)
    e0 = tables.read_table("life_expectancy_quantiles")
    assert int(e0["filled"].sum()) == 25
    assert not tables.read_table("population_quantiles")["filled"].any()
    assert not tables.read_table("migration_quantiles")["filled"].any()


def test_every_cell_has_five_ordered_quantiles(processed_dir):
    for name, value in (("tfr_quantiles", "tfr"), ("life_expectancy_quantiles", "e0"),
                        ("migration_quantiles", "net_migrants"), ("population_quantiles", "population")):
        table = tables.read_table(name)
        values = table[value].to_numpy().reshape(-1, 5)
        assert (np.diff(values, axis=1) >= 0).all(), name
        assert np.allclose(table["quantile"].to_numpy().reshape(-1, 5), wpp_intervals.QUANTILES)


def test_the_build_checks_refuse_disordered_or_inconsistent_quantiles(processed_dir):
    table = tables.read_table("tfr_quantiles")
    broken = table.copy()
    broken.loc[broken.index[1], "tfr"] = broken.loc[broken.index[3], "tfr"] + 1.0  # the 10 % point above the 90 %
    with pytest.raises(ValidationError, match="decrease"):
        wpp_intervals.check_quantile_table(broken, "tfr", "tfr_quantiles", positive=True)
    with pytest.raises(ValidationError, match="five quantiles"):
        wpp_intervals.check_quantile_table(table.iloc[1:], "tfr", "tfr_quantiles")
    with pytest.raises(ValidationError, match="missing on both"):
        wpp_intervals.fill_outer_bounds(np.array([[np.nan, np.nan, 1.0, 2.0, 3.0]]))
