"""The emigration model, refitted independently on a panel built here from the raw files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from statsmodels.stats.diagnostic import het_breuschpagan

from analysis.data import sources
from analysis.data import stocks
from analysis.study import emigration
from analysis.study import migration
from analysis.study.emigration import ModelInputError

YOUTH = ["15-19", "20-24", "25-29"]


@pytest.fixture(scope="module")
def raw_panel(raw_dir) -> pd.DataFrame:
    """The model's panel from the raw files only: pyreadr, UNlocations.txt and countrynames."""
    stock = sources.read_rda(raw_dir / "gdidata" / "undesa_stocks.rda")
    wdi = sources.read_rda(raw_dir / "gdidata" / "wdi.rda")
    names = sources.read_rda(raw_dir / "gdidata" / "countrynames.rda").dropna(subset=["m49"])
    unlocations = pd.read_csv(raw_dir / "wpp2024" / "UNlocations.txt", sep="\t")
    estimates = sources.read_rda(raw_dir / "wpp2024" / "popAge5dt.rda")
    countries = unlocations.loc[unlocations.location_type == 4, ["country_code"]]
    countries["iso3"] = countries["country_code"].map(dict(zip(names["m49"].astype(int), names["iso3"])))
    emigrants = stock[stock.t <= 2020].groupby(["from", "t"])["n"].sum().astype(float).rename("emigrants").reset_index()
    emigrants.columns = ["iso3", "year", "emigrants"]
    population = (estimates.groupby(["country_code", "year"])["pop"].sum() * 1000).rename("population").reset_index()
    youth = (estimates[estimates.age.isin(YOUTH)].groupby(["country_code", "year"])["pop"].sum()).rename("youth")
    youth = youth.reset_index()
    before = youth.assign(year=youth.year + 5).rename(columns={"youth": "youth_before"})
    youth = youth.merge(before, on=["country_code", "year"])
    youth["youth_growth"] = 20 * np.log(youth["youth"] / youth["youth_before"])
    income = wdi[wdi["var"] == "income"][["geo", "t", "v"]]
    income.columns = ["iso3", "year", "income"]
    panel = (
        countries.merge(emigrants, on="iso3")
        .merge(population, on=["country_code", "year"])
        .merge(youth[["country_code", "year", "youth_growth"]], on=["country_code", "year"])
        .merge(income, on=["iso3", "year"])
    )
    big = population[(population.year == 2020) & (population.population >= 1e6)]["country_code"]
    panel = panel[panel.country_code.isin(big) & (panel.emigrants > 0)].copy()
    panel["log_rate"] = np.log(panel.emigrants / panel.population)
    panel["log_income"] = np.log(panel.income / 10_000)
    panel["log_population"] = np.log(panel.population / 1e7)
    return panel.sort_values(["iso3", "year"]).reset_index(drop=True)


@pytest.fixture(scope="module")
def raw_fit(raw_panel):
    groups = pd.factorize(raw_panel["iso3"])[0]
    formula = "log_rate ~ log_income + I(log_income ** 2) + youth_growth + log_population + C(year)"
    return smf.ols(formula, raw_panel).fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)


@pytest.fixture(scope="module")
def panel(processed_dir):
    return emigration.load_panel()


@pytest.fixture(scope="module")
def results(panel):
    return emigration.fit(panel)


def test_sample_matches_the_independent_panel(panel, raw_panel):
    sample = panel[panel.in_sample]
    assert len(sample) == len(raw_panel)
    assert set(zip(sample.iso3, sample.year)) == set(zip(raw_panel.iso3, raw_panel.year))
    merged = sample.merge(raw_panel, on=["iso3", "year"], suffixes=("", "_raw"))
    # persons: processed popM + popF (each rounded) against raw `pop`; at most a few persons per age group apart
    assert np.allclose(merged["population"], merged["population_raw"], rtol=1e-6)
    assert np.allclose(merged["youth_growth"], merged["youth_growth_raw"], atol=1e-4)
    assert (merged["emigrants"] == merged["emigrants_raw"]).all()


def test_coefficients_and_errors_match_the_independent_refit(results, raw_fit):
    assert results.nobs == raw_fit.nobs
    assert results.params.to_dict() == pytest.approx(raw_fit.params.to_dict(), abs=1e-5)
    assert results.bse.to_dict() == pytest.approx(raw_fit.bse.to_dict(), abs=1e-5)
    assert results.rsquared == pytest.approx(raw_fit.rsquared, abs=1e-6)
    table = emigration.coefficient_table(results).set_index("term")
    ci = raw_fit.conf_int()
    assert table.loc["log_income", "ci_lower"] == pytest.approx(ci.loc["log_income", 0], abs=1e-5)
    assert table.loc["youth_growth", "ci_upper"] == pytest.approx(ci.loc["youth_growth", 1], abs=1e-5)
    assert not table.index.str.startswith("C(year)").any()


def test_the_income_curve_is_an_inverted_u_with_a_peak_inside_the_data(results, raw_fit, panel):
    b1, b2 = raw_fit.params["log_income"], raw_fit.params["I(log_income ** 2)"]
    assert b2 < 0
    peak = emigration.turning_point(results).iloc[0]
    assert peak["peak"] and peak["income"] == pytest.approx(10_000 * np.exp(-b1 / (2 * b2)), rel=1e-4)
    # delta method by hand on the independent fit
    cov = raw_fit.cov_params().loc[["log_income", "I(log_income ** 2)"], ["log_income", "I(log_income ** 2)"]].to_numpy()
    gradient = np.array([-1 / (2 * b2), b1 / (2 * b2**2)])
    assert peak["std_err"] == pytest.approx(np.sqrt(gradient @ cov @ gradient), rel=1e-4)
    assert peak["ci_lower"] < peak["income"] < peak["ci_upper"]
    sample = panel[panel.in_sample]
    assert sample["income"].min() < peak["income"] < sample["income"].max()


def test_fit_statistics_and_diagnostics(results, raw_fit):
    stats = emigration.fit_statistics(results).set_index("statistic")["value"]
    assert stats["countries (clusters)"] == raw_fit.model.data.frame["iso3"].nunique()
    assert stats["degrees of freedom for t (clusters - 1)"] == stats["countries (clusters)"] - 1
    diagnostics = emigration.diagnostics(results).set_index("diagnostic")
    lm, p, _, _ = het_breuschpagan(raw_fit.resid, raw_fit.model.exog)
    assert diagnostics.loc["Breusch-Pagan (heteroskedasticity)", "statistic"] == pytest.approx(lm, rel=1e-5)
    assert diagnostics.loc["Breusch-Pagan (heteroskedasticity)", "p_value"] == pytest.approx(p, rel=1e-3, abs=1e-12)
    assert 0 < diagnostics.loc["residual correlation, same country 5 years apart", "statistic"] < 1
    assert (emigration.vif_table(results)["vif"] >= 1).all()


def test_prediction_intervals_add_the_residual_variance(results, panel, processed_dir):
    geo = stocks.load_geography()
    _, codes = migration.resolve_group("Africa", geo)
    future = emigration.future_covariates(emigration.load_population(), stocks.load_wdi(), panel, codes, 0.02)
    predicted = emigration.predict(results, future)
    assert (predicted["rate_pi_lower"] < predicted["rate_ci_lower"]).all()
    assert (predicted["rate_ci_upper"] < predicted["rate_pi_upper"]).all()
    direct = results.get_prediction(future).summary_frame(alpha=0.05)
    assert np.allclose(np.log(predicted["rate_pi_upper"]), direct["obs_ci_upper"])
    half_obs = np.log(predicted["rate_pi_upper"] / predicted["rate"])
    half_mean = np.log(predicted["rate_ci_upper"] / predicted["rate"])
    q = half_mean / direct["mean_se"].to_numpy()
    # rates leave the study layer rounded to eight significant digits of their column (analysis.data.precision)
    assert np.allclose((half_obs / q) ** 2 - (half_mean / q) ** 2, results.scale, rtol=1e-4)
    assert np.allclose(predicted["emigrants"], predicted["rate"] * predicted["population"])


def test_future_covariates_follow_the_scenario_and_wpp(panel, raw_dir, processed_dir):
    future = emigration.future_covariates(emigration.load_population(), stocks.load_wdi(), panel, ["NGA", "KEN"], 0.03)
    nigeria = future[(future.iso3 == "NGA") & (future.projection_year == 2050)].iloc[0]
    raw = sources.read_rda(raw_dir / "gdidata" / "wdi.rda")
    base = raw[(raw["var"] == "income") & (raw.geo == "NGA") & (raw.t <= 2023)].sort_values("t").iloc[-1]
    assert nigeria["income"] == pytest.approx(base["v"] * 1.03 ** (2050 - base["t"]), rel=1e-12)
    projections = sources.read_rda(raw_dir / "wpp2024" / "popprojAge5dt.rda")
    young = projections[(projections.country_code == 566) & projections.age.isin(YOUTH)]
    growth = 20 * np.log(young[young.year == "2050"]["pop"].sum() / young[young.year == "2045"]["pop"].sum())
    assert nigeria["youth_growth"] == pytest.approx(growth, abs=1e-4)
    assert nigeria["year"] == emigration.REFERENCE_YEAR  # the year effect is held at 2020
    assert set(future.iso3) == {"NGA", "KEN"}


def test_anchored_prediction_starts_from_the_observed_rate(results, panel):
    start = panel[(panel.year == 2020) & panel.in_sample & panel.iso3.isin(["NGA", "MAR"])].copy()
    same = start.assign(projection_year=2020)
    anchored = emigration.anchored_prediction(results, same, panel)
    assert np.allclose(anchored["rate"], anchored["rate_2020"])
    assert np.allclose(anchored["rate_ci_lower"], anchored["rate_ci_upper"])  # no change, no uncertainty
    richer = same.assign(log_income=same["log_income"] + np.log(2), income=same["income"] * 2)
    moved = emigration.anchored_prediction(results, richer, panel)
    x = same["log_income"].to_numpy()
    b1, b2 = results.params["log_income"], results.params["I(log_income ** 2)"]
    change = b1 * np.log(2) + b2 * ((x + np.log(2)) ** 2 - x**2)
    assert np.allclose(np.log(moved["rate"] / moved["rate_2020"]), change, atol=1e-5)  # rates: rounded


def test_anchored_total_is_reproducible_and_brackets_its_centre(results, panel, processed_dir):
    geo = stocks.load_geography()
    _, codes = migration.resolve_group("Western Africa", geo)
    future = emigration.future_covariates(emigration.load_population(), stocks.load_wdi(), panel, codes, 0.02)
    first = emigration.anchored_total(results, future, panel, draws=500)
    again = emigration.anchored_total(results, future, panel, draws=500)
    pd.testing.assert_frame_equal(first, again)
    assert ((first["ci_lower"] <= first["emigrants"]) & (first["emigrants"] <= first["ci_upper"])).all()
    anchored = emigration.anchored_prediction(results, future, panel)
    assert first["emigrants"].tolist() == pytest.approx(anchored.groupby("projection_year")["emigrants"].sum().tolist())


def test_robustness_main_row_is_the_main_model(results, panel):
    table = emigration.robustness(panel).set_index("specification")
    assert table.loc["main", "income_squared"] == pytest.approx(results.params["I(log_income ** 2)"])
    assert table.loc["main", "turning_point"] == pytest.approx(emigration.turning_point(results)["income"].item())
    assert (table["observations"] == results.nobs).all()


@pytest.mark.parametrize(
    "scenario, message",
    [("fast", "valid: low \\(1%\\), medium \\(2%\\), high \\(3%\\)"), (0.5, "outside -0.05 to 0.10"), ("2%", "unknown")],
)
def test_bad_income_scenarios(scenario, message):
    with pytest.raises(ModelInputError, match=message):
        emigration.income_growth(scenario)


def test_income_scenarios():
    assert emigration.income_growth("medium") == 0.02 and emigration.income_growth(" LOW ") == 0.01
    assert emigration.income_growth(0.025) == 0.025


def test_prediction_years_must_follow_2020(panel, processed_dir):
    with pytest.raises(ModelInputError, match="prediction years"):
        emigration.future_covariates(emigration.load_population(), stocks.load_wdi(), panel, ["NGA"], 0.02, years=[2020, 2025])


def test_origins_outside_the_sample_get_a_clear_error(panel, processed_dir):
    with pytest.raises(ModelInputError, match="none of the selected origins is in the model's sample"):
        emigration.future_covariates(emigration.load_population(), stocks.load_wdi(), panel, ["SYC", "CPV"], 0.02)


# ---------------------------------------------------------------- report summaries (migration_context)
def test_robustness_summary_on_a_small_table():
    table = pd.DataFrame({"turning_point": [4000.0, np.nan, 6000.0], "pressure": [-0.2, -0.1, 0.05],
                          "pressure_ci_lower": [-0.3, -0.2, -0.01], "pressure_ci_upper": [-0.1, 0.01, 0.1]})
    row = emigration.robustness_summary(table).iloc[0]
    assert row.to_dict() == {"specifications": 3, "peak_lowest": 4000.0, "peak_highest": 6000.0,
                             "pressure_negative": 2, "pressure_excludes_zero": 1}


def test_robustness_summary_on_the_real_panel(panel):
    row = emigration.robustness_summary(emigration.robustness(panel)).iloc[0]
    assert row["specifications"] == 5
    assert row["peak_lowest"] == pytest.approx(678, abs=1)  # with region effects
    assert row["peak_highest"] == pytest.approx(5608, abs=1)  # without population size
    assert row["pressure_negative"] == 5 and row["pressure_excludes_zero"] == 5


@pytest.fixture(scope="module")
def africa_predictions(results, panel, processed_dir):
    _, codes = migration.resolve_group("Africa", stocks.load_geography())
    future = emigration.future_covariates(emigration.load_population(), stocks.load_wdi(), panel, codes, 0.02)
    return emigration.predict(results, future), emigration.anchored_prediction(results, future, panel)


def test_prediction_table_ranks_origins_by_anchored_emigrants(africa_predictions):
    predicted, anchored = africa_predictions
    table = emigration.prediction_table(predicted, anchored, n=10)
    assert len(table) == 10 and set(table["projection_year"]) == {2050}
    assert table["emigrants_anchored"].is_monotonic_decreasing
    assert table["name"].tolist()[:3] == ["Sudan", "Egypt", "Somalia"]
    sudan = table.iloc[0]
    assert sudan["emigrants_anchored"] == pytest.approx(5.88e6, abs=0.005e6)
    assert sudan["rate_anchored"] == pytest.approx(0.0690, abs=5e-5) and sudan["rate_2020"] == pytest.approx(0.0508, abs=5e-5)
    assert sudan["rate_model"] == pytest.approx(0.0262, abs=5e-5)
    assert sudan["rate_pi_lower"] < sudan["rate_model"] < sudan["rate_pi_upper"]
    nigeria = table.set_index("iso3").loc["NGA"]
    assert nigeria["rate_model"] == pytest.approx(0.0175, abs=5e-5) and nigeria["income"] == pytest.approx(9547, abs=0.5)
    every = emigration.prediction_table(predicted, anchored, 2030, n=None)
    assert len(every) == predicted["iso3"].nunique() == 48
    with pytest.raises(ModelInputError, match="no predictions for 2060"):
        emigration.prediction_table(predicted, anchored, 2060)


def test_not_modelled_names_the_left_out_origins(panel):
    _, codes = migration.resolve_group("Africa", stocks.load_geography())
    left_out = emigration.not_modelled(panel, codes)
    assert list(left_out.columns) == ["iso3", "name", "excluded"] and len(left_out) == 10
    reasons = left_out.set_index("iso3")["excluded"]
    assert reasons["ERI"] == "no WDI income" and reasons["SSD"] == "no WDI income"
    assert reasons["CPV"] == "under 1 million people in 2020"
    assert "NGA" not in reasons.index
    assert emigration.not_modelled(panel, ["NGA", "KEN"]).empty


def test_fitted_values_are_rounded_to_the_stated_precision(results):
    """Whatever BLAS kernel ran the fit, the tables print the same digits (see analysis.data.precision)."""
    from analysis.data.precision import SIGNIFICANT_DIGITS

    for table in (emigration.coefficient_table(results), emigration.fitted_and_residuals(results)):
        for column in table.select_dtypes("float"):
            values = table[column].to_numpy()
            decimals = SIGNIFICANT_DIGITS - 1 - int(np.floor(np.log10(np.abs(values).max())))
            assert np.array_equal(values, np.round(values, decimals)), column  # one absolute precision per column
    peak = emigration.turning_point(results)["income"].item()
    assert f"{peak:,.0f}" == "4,673"  # rounding twice must not move the shown digit (4,673.498 is not 4,674)
    statistics = emigration.fit_statistics(results).set_index("statistic")["value"]
    assert statistics["observations (country-years)"] == results.nobs and isinstance(
        statistics["observations (country-years)"], int)
    text = str(emigration.summary(results))
    assert "Date:" not in text and "Time:" not in text and "R-squared:" in text and "No. Observations:" in text
