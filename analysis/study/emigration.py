"""A statsmodels model of emigration: the "mobility transition" and demographic pressure.

The model relates the emigration rate of an origin country (its emigrant
stock, UN DESA International Migrant Stock 2024, over its resident
population, WPP 2024) to its income (GDP per capita, PPP, constant 2021
international $, World Bank WDI) with a quadratic term — emigration first
rises with income, then falls (the *mobility transition*) — and to
demographic pressure, the growth of the population aged 15–29 over the
previous five years::

    ln(emigrants / population) = b0 + b1 x + b2 x² + b3 youth_growth + b4 ln(population / 10 million)
                                 + year effect + error,        x = ln(income / $10,000)

fitted by OLS on the 1990–2020 panel (every 5 years) of countries with at
least 1 million people in 2020, with standard errors clustered by origin
country (t with G − 1 degrees of freedom, G countries).  Income is centred at
$10,000 and population at 10 million, so b1 is the income slope at $10,000
and the intercept refers to a country of 10 million people at $10,000 in 1990.

It is a description of associations across countries and years, not a causal
model: see :data:`CAVEATS`.

Predictions to 2050 combine an income-growth scenario (an assumption, see
:data:`INCOME_SCENARIOS`) with WPP 2024 medium-variant projections of the
15–29 and total population; the year effect is held at 2020, the last year
observed.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd
import patsy
import statsmodels.formula.api as smf
from scipy import stats
from statsmodels.stats.diagnostic import het_breuschpagan
from statsmodels.stats.outliers_influence import variance_inflation_factor
from statsmodels.stats.stattools import jarque_bera

from analysis.data import stocks as stocks_module
from analysis.data import wpp
from analysis.data.precision import SIGNIFICANT_DIGITS, rounded_frame, significant
from analysis.data.conventions import LAST_YEAR
from analysis.study import indicators
# the income scenarios live in a module of their own, light enough for the parameter checks
from analysis.study.income_scenarios import INCOME_SCENARIOS, ModelInputError, income_growth  # noqa: F401

PANEL_YEARS: tuple[int, ...] = (1990, 1995, 2000, 2005, 2010, 2015, 2020)
PREDICTION_YEARS: tuple[int, ...] = (2025, 2030, 2035, 2040, 2045, 2050)
#: Year whose fixed effect predictions use (the last year observed).
REFERENCE_YEAR = 2020
#: Income is centred here (constant 2021 international $ at PPP per person).
INCOME_SCALE = 10_000.0
#: Population is centred here (persons).
POPULATION_SCALE = 10_000_000.0
#: Countries smaller than this in REFERENCE_YEAR are left out of the fit.
MIN_POPULATION = 1_000_000.0
YOUTH_AGES = "15-29"
#: Last year of WDI income used as the base of the income scenarios.
LAST_INCOME_YEAR = 2023
INCOME_TERM, INCOME_SQUARED_TERM = "log_income", "I(log_income ** 2)"
FORMULA = f"log_rate ~ {INCOME_TERM} + {INCOME_SQUARED_TERM} + youth_growth + log_population + C(year)"
#: Readable names of the model's terms.
TERM_LABELS: dict[str, str] = {
    "Intercept": "intercept (10 million people, $10,000, 1990)",
    INCOME_TERM: "ln(income / $10,000)",
    INCOME_SQUARED_TERM: "ln(income / $10,000) squared",
    "youth_growth": "growth of the 15-29 population, % a year (previous 5 years)",
    "cohort_growth": "growth of the 0-14 population 15 years earlier, % a year",
    "log_population": "ln(population / 10 million)",
}
#: Alternative specifications for :func:`robustness`.
ALTERNATIVES: dict[str, str] = {
    "main": FORMULA,
    "without population size": f"log_rate ~ {INCOME_TERM} + {INCOME_SQUARED_TERM} + youth_growth + C(year)",
    "with region effects": FORMULA + " + C(region)",
    "cohort pressure (predetermined)": FORMULA.replace("youth_growth", "cohort_growth"),
    "without year effects": FORMULA.replace(" + C(year)", ""),
}
CAVEATS: tuple[str, ...] = (
    "Association, not causation: income, demography and emigration move together with history, geography, "
    "conflict, colonial and language ties, diasporas and destination policies that the model leaves out.",
    "Stocks, not flows: the emigrant stock accumulates past departures, minus deaths and returns; it does not say how "
    "many leave each year.",
    "Measurement differs by destination: most stocks count the foreign-born, some count foreign citizens, most add "
    "refugees, a few are imputed; migrants of unknown origin (reported above) are attributed to no country.",
    "Demographic pressure is not independent of emigration: when young people leave, the growth of the 15-29 "
    "population falls, which pushes its coefficient down (the cohort measure avoids this).",
    "Survivorship and sample: countries enter when WDI has income for them; small states (under 1 million people) are "
    "left out; states that split or merged are counted as they are today.",
    "Predictions extrapolate: the year effect is held at 2020, income follows an assumed constant growth rate, and the "
    "relationship across countries is assumed to hold within a country over time.",
)


def _fitted(persons: Sequence[str] = (), keep: Sequence[str] = ()):
    """Round the float columns of a function's result as :mod:`analysis.data.precision` states.

    Every table of fitted values leaves this module through it: counts of people
    (``persons``) to whole persons, the other floats to
    :data:`~analysis.data.precision.SIGNIFICANT_DIGITS` significant digits, so
    that reports print the same digits whatever BLAS kernel ran the fit;
    ``keep`` names observed values copied through unchanged.
    """
    def decorate(function):
        @functools.wraps(function)
        def rounded(*args, **kwargs):
            table = function(*args, **kwargs)
            return rounded_frame(table, persons, keep)

        return rounded

    return decorate


# ---------------------------------------------------------------- panel
def population_totals(population: pd.DataFrame) -> pd.DataFrame:
    """Total population (both sexes, all ages) per location and year: ``location_code, year, population``."""
    return population.groupby(["location_code", "year"], observed=True)["population"].sum().reset_index()


def band_growth(population: pd.DataFrame, ages: str = YOUTH_AGES, lag: int = 0, name: str = "youth_growth") -> pd.DataFrame:
    """Growth of an age band over the previous five years, in percent a year.

    ``100 / 5 * ln(P(t - lag) / P(t - lag - 5))``, where ``P`` is the
    population in the band on 1 July.

    Parameters
    ----------
    population : DataFrame
        A population table of one variant series (e.g. ``wpp.load_population(["medium"])``).
    ages : str
        Age band (``15-29``).
    lag : int
        Years back (a multiple of 5); ``lag=15`` with ages ``0-14`` gives the
        growth of the cohorts that are 15–29 in year *t*.
    name : str
        Name of the result column.

    Returns
    -------
    DataFrame
        ``location_code, year, <name>``.
    """
    band = indicators.age_band_total(population[["location_code", "year", "sex", "age", "age_start", "population"]], ages)
    band = band.sort_values(["location_code", "year"])
    previous = band.assign(year=band["year"] + 5)[["location_code", "year", "population"]]
    merged = band.merge(previous, on=["location_code", "year"], suffixes=("", "_before"))
    merged[name] = 100.0 / 5.0 * np.log(merged["population"] / merged["population_before"])
    merged["year"] = merged["year"] + lag
    return merged[["location_code", "year", name]].reset_index(drop=True)


def emigrants_by_origin(stocks: pd.DataFrame, years: Iterable[int] = PANEL_YEARS) -> pd.DataFrame:
    """Emigrant stock of each origin: both sexes, summed over all destinations.

    Returns
    -------
    DataFrame
        ``origin_iso3, year, emigrants`` (persons).
    """
    selected = stocks[stocks["year"].isin(list(years))]
    return selected.groupby(["origin_iso3", "year"])["migrants"].sum().rename("emigrants").reset_index()


def emigration_panel(
    stocks: pd.DataFrame,
    population: pd.DataFrame,
    wdi: pd.DataFrame,
    geography_table: pd.DataFrame,
    years: Sequence[int] = PANEL_YEARS,
    min_population: float = MIN_POPULATION,
) -> pd.DataFrame:
    """Origin-country panel of emigration rates and covariates, with the estimation sample marked.

    Parameters
    ----------
    stocks : DataFrame
        The ``migrant_stocks`` table.
    population : DataFrame
        A population table of one variant series covering 1970 to the last
        year of ``years`` (``wpp.load_population(["medium"])``).
    wdi : DataFrame
        The ``wdi`` table (``income``).
    geography_table : DataFrame
        From :func:`analysis.data.stocks.geography`.
    years : sequence of int
        Panel years (stock years on the 5-year grid).
    min_population : float
        Countries with fewer people in the last panel year are left out of the sample.

    Returns
    -------
    DataFrame
        One row per WPP country and year: ``iso3, location_code, name, region,
        year, emigrants, population, emigration_rate, income, youth_growth,
        cohort_growth, log_rate, log_income, log_population, in_sample,
        excluded`` (why a row is out of the sample, empty when in).
    """
    countries = geography_table[geography_table["matched"] == "wpp"][["iso3", "location_code", "name", "region"]]
    years = [int(y) for y in years]
    grid = countries.merge(pd.DataFrame({"year": years}), how="cross")
    grid["location_code"] = grid["location_code"].astype("int32")
    emigrants = emigrants_by_origin(stocks, years).rename(columns={"origin_iso3": "iso3"})
    totals = population_totals(population)
    income = wdi.loc[wdi["indicator"] == "income", ["iso3", "year", "value"]].rename(columns={"value": "income"})
    panel = (
        grid.merge(emigrants, on=["iso3", "year"], how="left")
        .merge(totals, on=["location_code", "year"], how="left")
        .merge(income.astype({"year": "int64"}), on=["iso3", "year"], how="left")
        .merge(band_growth(population, YOUTH_AGES), on=["location_code", "year"], how="left")
        .merge(band_growth(population, "0-14", lag=15, name="cohort_growth"), on=["location_code", "year"], how="left")
    )
    panel["emigration_rate"] = panel["emigrants"] / panel["population"]
    with np.errstate(divide="ignore", invalid="ignore"):
        panel["log_rate"] = np.log(panel["emigration_rate"])
        panel["log_income"] = np.log(panel["income"] / INCOME_SCALE)
        panel["log_population"] = np.log(panel["population"] / POPULATION_SCALE)
    last = panel.loc[panel["year"] == max(years)].set_index("iso3")["population"]
    small = panel["iso3"].map(last).fillna(0.0) < min_population
    reasons = [
        (panel["population"].isna(), "no WPP population"),
        (small, f"under {min_population / 1e6:g} million people in {max(years)}"),
        (panel["emigrants"].isna(), "no emigrant stock"),
        (panel["emigrants"] <= 0, "no emigrants"),
        (panel["income"].isna(), "no WDI income"),
        (panel["youth_growth"].isna(), "no 15-29 growth"),
    ]
    panel["excluded"] = np.select([condition for condition, _ in reasons], [text for _, text in reasons], default="")
    panel["in_sample"] = panel["excluded"] == ""
    columns = ["iso3", "location_code", "name", "region", "year", "emigrants", "population", "emigration_rate", "income",
               "youth_growth", "cohort_growth", "log_rate", "log_income", "log_population", "in_sample", "excluded"]
    return panel[columns].sort_values(["iso3", "year"], ignore_index=True)


def sample_summary(panel: pd.DataFrame) -> pd.DataFrame:
    """Rows and countries in and out of the estimation sample, by reason.

    Returns
    -------
    DataFrame
        ``status, country_years, countries``.
    """
    status = panel["excluded"].where(~panel["in_sample"], "in the sample")
    out = panel.assign(status=status).groupby("status").agg(country_years=("iso3", "size"), countries=("iso3", "nunique"))
    return out.sort_values("country_years", ascending=False).reset_index()


# ---------------------------------------------------------------- fitting
def fit(panel: pd.DataFrame, formula: str = FORMULA):
    """Fit the model by OLS with standard errors clustered by origin country.

    Parameters
    ----------
    panel : DataFrame
        From :func:`emigration_panel`; only rows ``in_sample`` are used.
    formula : str
        A patsy formula on the panel's columns (:data:`FORMULA` by default).

    Returns
    -------
    statsmodels.regression.linear_model.RegressionResultsWrapper
        Cluster-robust covariance (``cov_type="cluster"`` by ``iso3``), with
        t statistics on G − 1 degrees of freedom (``use_t=True``).
    """
    sample = panel[panel["in_sample"]].reset_index(drop=True)
    if sample.empty:
        raise ModelInputError("the estimation sample is empty")
    groups = pd.factorize(sample["iso3"])[0]
    model = smf.ols(formula, data=sample)
    if model.exog.shape[0] != len(sample):
        raise ModelInputError("the formula drops rows of the sample (missing values); clusters would not line up")
    return model.fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)


def _critical(results, alpha: float) -> float:
    df = getattr(results, "df_resid_inference", None) or results.df_resid
    return float(stats.t.ppf(1 - alpha / 2, df)) if results.use_t else float(stats.norm.ppf(1 - alpha / 2))


@_fitted()
def coefficient_table(results, alpha: float = 0.05, fixed_effects: bool = False) -> pd.DataFrame:
    """Coefficients with cluster-robust standard errors and confidence intervals.

    Parameters
    ----------
    alpha : float
        1 − confidence level.
    fixed_effects : bool
        Include the year (and region) effects.

    Returns
    -------
    DataFrame
        ``term, label, coef, std_err, t, p_value, ci_lower, ci_upper``.
    """
    ci = results.conf_int(alpha)
    out = pd.DataFrame(
        {
            "term": results.params.index,
            "coef": results.params.to_numpy(),
            "std_err": results.bse.to_numpy(),
            "t": results.tvalues.to_numpy(),
            "p_value": results.pvalues.to_numpy(),
            "ci_lower": ci[0].to_numpy(),
            "ci_upper": ci[1].to_numpy(),
        }
    )
    out.insert(1, "label", out["term"].map(TERM_LABELS).fillna(out["term"]))
    if not fixed_effects:
        out = out[~out["term"].str.startswith("C(")]
    return out.reset_index(drop=True)


@_fitted()
def percent_effect(results, term: str, alpha: float = 0.05) -> pd.DataFrame:
    """Percent change of the emigration rate for one unit more of ``term``, other things equal.

    ``100 * (exp(b) - 1)`` with the confidence interval mapped the same way.

    Returns
    -------
    DataFrame
        One row: ``term, effect, ci_lower, ci_upper`` (percent).
    """
    if term not in results.params.index:
        raise ModelInputError(f"term {term!r} is not in the model; terms: {', '.join(results.params.index)}")
    ci = results.conf_int(alpha).loc[term]
    effect = lambda b: 100.0 * (np.exp(b) - 1.0)  # noqa: E731
    return pd.DataFrame({"term": [term], "effect": [effect(results.params[term])], "ci_lower": [effect(ci[0])],
                         "ci_upper": [effect(ci[1])]})


def fit_statistics(results) -> pd.DataFrame:
    """Observations, clusters, R² and residual spread: ``statistic, value``.

    Counts (observations, clusters, years, degrees of freedom) are whole numbers
    (``int``); the statistics are floats rounded as :mod:`analysis.data.precision`
    states, so the ``value`` column holds both (dtype object).
    """
    groups = results.model.data.frame["iso3"].nunique()
    years = results.model.data.frame["year"].nunique()
    rows = [
        ("observations (country-years)", int(results.nobs)),
        ("countries (clusters)", int(groups)),
        ("years", int(years)),
        ("R-squared", significant(float(results.rsquared))),
        ("adjusted R-squared", significant(float(results.rsquared_adj))),
        ("residual standard deviation (log points)", significant(float(np.sqrt(results.scale)))),
        ("degrees of freedom for t (clusters - 1)", int(round(getattr(results, "df_resid_inference", results.df_resid)))),
    ]
    return pd.DataFrame({"statistic": [name for name, _ in rows],
                         "value": pd.Series([value for _, value in rows], dtype=object)})


def summary(results):
    """statsmodels' summary of a fit without the date and time it was printed (a report must not depend on when it ran).

    Returns
    -------
    statsmodels.iolib.summary.Summary
        ``results.summary()`` with the ``Date:`` and ``Time:`` rows of its first
        table removed and the right-hand column moved up beside the rest; its
        text, HTML and LaTeX forms all follow.
    """
    printed = results.summary()
    top = printed.tables[0]
    left = [(row[0].data, row[1].data) for row in top if str(row[0].data).strip() not in ("Date:", "Time:")]
    right = [(row[2].data, row[3].data) for row in top if str(row[2].data).strip()]
    for index, row in enumerate(top[:max(len(left), len(right))]):
        for offset, pair in ((0, left), (2, right)):
            label, value = pair[index] if index < len(pair) else ("", "")
            row[offset].data, row[offset + 1].data = label, value
    del top[max(len(left), len(right)):]
    return printed


@_fitted()
def vif_table(results) -> pd.DataFrame:
    """Variance inflation factors of the model's non-fixed-effect regressors: ``term, vif``."""
    exog = results.model.exog
    names = results.model.exog_names
    keep = [i for i, name in enumerate(names) if name != "Intercept" and not name.startswith("C(")]
    return pd.DataFrame({"term": [names[i] for i in keep],
                         "vif": [variance_inflation_factor(exog, i) for i in keep]})


@_fitted()
def diagnostics(results, alpha: float = 0.05) -> pd.DataFrame:
    """Residual diagnostics: heteroskedasticity, normality, persistence within countries, collinearity.

    Returns
    -------
    DataFrame
        ``diagnostic, statistic, p_value, reading``: Breusch–Pagan (LM, on the
        model's regressors), Jarque–Bera, the correlation of a country's
        residuals five years apart, the largest variance inflation factor of
        the main regressors, and the condition number of the design.
    """
    residuals = results.resid
    lm, lm_p, _, _ = het_breuschpagan(residuals, results.model.exog)
    jb, jb_p, _, _ = jarque_bera(residuals)
    frame = results.model.data.frame[["iso3", "year"]].assign(resid=residuals.to_numpy())
    lagged = frame.assign(year=frame["year"] + 5).rename(columns={"resid": "resid_before"})
    pairs = frame.merge(lagged, on=["iso3", "year"])
    persistence = float(np.corrcoef(pairs["resid"], pairs["resid_before"])[0, 1])
    vif = vif_table(results)["vif"].max()
    rows = [
        ("Breusch-Pagan (heteroskedasticity)", lm, lm_p,
         "variance of the errors differs with the regressors" if lm_p < alpha else "no evidence of heteroskedasticity"),
        ("Jarque-Bera (normal residuals)", jb, jb_p,
         "residuals are not normal" if jb_p < alpha else "no evidence against normal residuals"),
        ("residual correlation, same country 5 years apart", persistence, np.nan,
         "errors persist within countries: cluster-robust standard errors are needed"),
        ("largest VIF of the main regressors", vif, np.nan,
         "income and its square are collinear by construction" if vif > 10 else "no strong collinearity"),
        ("condition number of the design", float(results.condition_number), np.nan,
         "moderate (regressors are centred)" if results.condition_number < 1000 else "large"),
    ]
    return pd.DataFrame(rows, columns=["diagnostic", "statistic", "p_value", "reading"])


@_fitted()
def turning_point(results, alpha: float = 0.05) -> pd.DataFrame:
    """Income at which the fitted emigration rate peaks, with a delta-method confidence interval.

    With ``x = ln(income / $10,000)`` the peak is at ``x* = -b1 / (2 b2)``;
    its variance is ``g' V g`` with ``g = (-1 / (2 b2), b1 / (2 b2²))`` and
    ``V`` the cluster-robust covariance of ``(b1, b2)``.  The interval is
    computed on ``x*`` and mapped to dollars.

    Returns
    -------
    DataFrame
        One row: ``income, ci_lower, ci_upper, log_income, std_err, b2,
        peak`` (False when ``b2 >= 0``: no peak, the curve is U-shaped or flat).
    """
    b1, b2 = results.params[INCOME_TERM], results.params[INCOME_SQUARED_TERM]
    cov = results.cov_params().loc[[INCOME_TERM, INCOME_SQUARED_TERM], [INCOME_TERM, INCOME_SQUARED_TERM]].to_numpy()
    x = -b1 / (2.0 * b2)
    gradient = np.array([-1.0 / (2.0 * b2), b1 / (2.0 * b2**2)])
    se = float(np.sqrt(gradient @ cov @ gradient))
    q = _critical(results, alpha)
    return pd.DataFrame(
        {
            "income": [INCOME_SCALE * np.exp(x)],
            "ci_lower": [INCOME_SCALE * np.exp(x - q * se)],
            "ci_upper": [INCOME_SCALE * np.exp(x + q * se)],
            "log_income": [x],
            "std_err": [se],
            "b2": [b2],
            "peak": [bool(b2 < 0)],
        }
    )


@_fitted()
def robustness(panel: pd.DataFrame, specifications: dict[str, str] | None = None, alpha: float = 0.05) -> pd.DataFrame:
    """The income curve and demographic pressure under alternative specifications.

    Returns
    -------
    DataFrame
        Per specification: ``specification, observations, countries,
        r_squared, income, income_squared, pressure`` (the coefficient of
        ``youth_growth`` or ``cohort_growth``), ``pressure_ci_lower,
        pressure_ci_upper, turning_point, turning_point_ci_lower, turning_point_ci_upper``.
    """
    rows = []
    for name, formula in (specifications or ALTERNATIVES).items():
        results = fit(panel, formula)
        pressure = "cohort_growth" if "cohort_growth" in results.params.index else "youth_growth"
        ci = results.conf_int(alpha).loc[pressure]
        peak = turning_point(results, alpha).iloc[0]
        rows.append(
            {
                "specification": name,
                "observations": int(results.nobs),
                "countries": results.model.data.frame["iso3"].nunique(),
                "r_squared": results.rsquared,
                "income": results.params[INCOME_TERM],
                "income_squared": results.params[INCOME_SQUARED_TERM],
                "pressure": results.params[pressure],
                "pressure_ci_lower": ci[0],
                "pressure_ci_upper": ci[1],
                "turning_point": peak["income"] if peak["peak"] else np.nan,
                "turning_point_ci_lower": peak["ci_lower"] if peak["peak"] else np.nan,
                "turning_point_ci_upper": peak["ci_upper"] if peak["peak"] else np.nan,
            }
        )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- curve and points
def _at_means(results, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every regressor but income at its sample mean and the year at REFERENCE_YEAR."""
    sample = results.model.data.frame
    out = frame.copy()
    for column in ("youth_growth", "cohort_growth", "log_population"):
        if column in sample:
            out[column] = sample[column].mean()
    out["year"] = REFERENCE_YEAR
    if "region" in sample:
        out["region"] = sample["region"].mode().iloc[0]
    return out


@_fitted()
def transition_curve(results, points: int = 120, alpha: float = 0.05) -> pd.DataFrame:
    """The fitted mobility-transition curve over the sample's income range, with bands.

    Other regressors are held at their sample means and the year effect at
    :data:`REFERENCE_YEAR`.

    Returns
    -------
    DataFrame
        ``income, rate, mean_ci_lower, mean_ci_upper, obs_ci_lower,
        obs_ci_upper``: emigration rates (0–1; the exponential of the log
        prediction, i.e. a median), the confidence band of the curve and the
        prediction band of a country-year.
    """
    sample = results.model.data.frame
    income = np.exp(np.linspace(np.log(sample["income"].min()), np.log(sample["income"].max()), points))
    frame = _at_means(results, pd.DataFrame({"income": income, "log_income": np.log(income / INCOME_SCALE)}))
    summary = results.get_prediction(frame).summary_frame(alpha=alpha)
    out = pd.DataFrame({"income": income, "rate": np.exp(summary["mean"].to_numpy())})
    for column in ("mean_ci_lower", "mean_ci_upper", "obs_ci_lower", "obs_ci_upper"):
        out[column] = np.exp(summary[column].to_numpy())
    return out


@_fitted(keep=("income", "rate"))
def adjusted_points(results) -> pd.DataFrame:
    """Sample observations adjusted to the curve's conditions (component plus residual).

    Each point is the curve's value at its own income plus its residual, so
    that points and curve share the same other regressors and year.

    Returns
    -------
    DataFrame
        ``iso3, name, region, year, income, rate, adjusted_rate``.
    """
    sample = results.model.data.frame
    at_means = _at_means(results, sample)
    adjusted = np.asarray(results.predict(at_means)) + results.resid.to_numpy()
    return pd.DataFrame(
        {"iso3": sample["iso3"].to_numpy(), "name": sample["name"].to_numpy(), "region": sample["region"].to_numpy(),
         "year": sample["year"].to_numpy(), "income": sample["income"].to_numpy(),
         "rate": sample["emigration_rate"].to_numpy(), "adjusted_rate": np.exp(adjusted)}
    )


@_fitted()
def fitted_and_residuals(results) -> pd.DataFrame:
    """``iso3, year, region, fitted, residual`` (log points) for diagnostic plots."""
    sample = results.model.data.frame
    return pd.DataFrame({"iso3": sample["iso3"].to_numpy(), "year": sample["year"].to_numpy(),
                         "region": sample["region"].to_numpy(), "fitted": results.fittedvalues.to_numpy(),
                         "residual": results.resid.to_numpy()})


# ---------------------------------------------------------------- scenarios and predictions
def income_growth_history(wdi: pd.DataFrame, country_codes: Iterable[str], start: int = 2000,
                          end: int = LAST_INCOME_YEAR) -> pd.DataFrame:
    """Observed annual growth of GDP per capita (PPP) between two years, per country: a yardstick for scenarios.

    Returns
    -------
    DataFrame
        ``iso3, income_start, income_end, population_start, population_end,
        years, annual_growth`` (exponential rate, 0.01 = 1 % a year);
        countries with income in both years only.
    """
    codes = list(country_codes)
    rows = wdi[wdi["iso3"].isin(codes) & wdi["year"].isin([start, end]) & wdi["indicator"].isin(["income", "pop"])]
    wide = rows.pivot_table(index="iso3", columns=["indicator", "year"], values="value", observed=True)
    out = pd.DataFrame(
        {
            "income_start": wide.get(("income", start)),
            "income_end": wide.get(("income", end)),
            "population_start": wide.get(("pop", start)),
            "population_end": wide.get(("pop", end)),
        }
    ).dropna(subset=["income_start", "income_end"])
    out["years"] = end - start
    out["annual_growth"] = np.log(out["income_end"] / out["income_start"]) / out["years"]
    return out.reset_index().rename(columns={"index": "iso3"})


def income_growth_summary(history: pd.DataFrame) -> pd.DataFrame:
    """Median, quartiles and population-weighted growth of an :func:`income_growth_history` table.

    Returns
    -------
    DataFrame
        One row: ``countries, median, lower_quartile, upper_quartile,
        aggregate`` (growth of the group's population-weighted mean income).
    """
    weighted = history.dropna(subset=["population_start", "population_end"])
    start = (weighted["income_start"] * weighted["population_start"]).sum() / weighted["population_start"].sum()
    end = (weighted["income_end"] * weighted["population_end"]).sum() / weighted["population_end"].sum()
    return pd.DataFrame(
        {
            "countries": [len(history)],
            "median": [history["annual_growth"].median()],
            "lower_quartile": [history["annual_growth"].quantile(0.25)],
            "upper_quartile": [history["annual_growth"].quantile(0.75)],
            "aggregate": [np.log(end / start) / history["years"].iloc[0] if len(weighted) else np.nan],
        }
    )


def future_covariates(
    population: pd.DataFrame,
    wdi: pd.DataFrame,
    panel: pd.DataFrame,
    origin_codes: Iterable[str],
    growth: float,
    years: Sequence[int] = PREDICTION_YEARS,
) -> pd.DataFrame:
    """Regressors of the origins in future years under an income-growth scenario.

    Income grows at ``growth`` a year from each country's latest WDI value (up
    to :data:`LAST_INCOME_YEAR`); population and the growth of the 15–29
    population come from ``population`` (WPP medium); the year effect is held
    at :data:`REFERENCE_YEAR` (column ``year``; the projection year is
    ``projection_year``).  Only countries of the estimation sample in
    :data:`REFERENCE_YEAR` are kept.

    Returns
    -------
    DataFrame
        ``iso3, location_code, name, region, projection_year, year, income,
        income_base_year, population, youth_growth, cohort_growth, log_income,
        log_population``.
    """
    years = [int(y) for y in years]
    if min(years) <= REFERENCE_YEAR or any(y % 5 for y in years) or max(years) > LAST_YEAR:
        raise ModelInputError(
            f"prediction years must be among {REFERENCE_YEAR + 5}, {REFERENCE_YEAR + 10}, …, {LAST_YEAR}"
        )
    base = panel[(panel["year"] == REFERENCE_YEAR) & panel["in_sample"] & panel["iso3"].isin(list(origin_codes))]
    base = base[["iso3", "location_code", "name", "region"]]
    if base.empty:
        raise ModelInputError(
            "none of the selected origins is in the model's sample (countries with at least "
            f"{MIN_POPULATION / 1e6:g} million people in {REFERENCE_YEAR} and WDI income); choose a larger group"
        )
    income = wdi[(wdi["indicator"] == "income") & (wdi["year"] <= LAST_INCOME_YEAR)]
    latest = income.sort_values("year").groupby("iso3").tail(1)[["iso3", "year", "value"]]
    latest = latest.rename(columns={"year": "income_base_year", "value": "income_base"})
    grid = base.merge(latest, on="iso3").merge(pd.DataFrame({"projection_year": years}), how="cross")
    grid["income"] = grid["income_base"] * (1.0 + growth) ** (grid["projection_year"] - grid["income_base_year"])
    demography = (
        population_totals(population)
        .merge(band_growth(population, YOUTH_AGES), on=["location_code", "year"])
        .merge(band_growth(population, "0-14", lag=15, name="cohort_growth"), on=["location_code", "year"], how="left")
        .rename(columns={"year": "projection_year"})
    )
    out = grid.merge(demography, on=["location_code", "projection_year"], how="left")
    if out["population"].isna().any():
        raise ModelInputError("population projections are missing for some prediction years")
    out["log_income"] = np.log(out["income"] / INCOME_SCALE)
    out["log_population"] = np.log(out["population"] / POPULATION_SCALE)
    out["year"] = REFERENCE_YEAR
    return out[list(_COVARIATES)].sort_values(["iso3", "projection_year"], ignore_index=True)


#: The columns of :func:`future_covariates`: inputs of a prediction, copied through it unrounded.
_COVARIATES = ("iso3", "location_code", "name", "region", "projection_year", "year", "income", "income_base_year",
               "population", "youth_growth", "cohort_growth", "log_income", "log_population")


@_fitted(persons=("emigrants", "emigrants_pi_lower", "emigrants_pi_upper"), keep=_COVARIATES)
def predict(results, future: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """Model predictions with confidence and prediction intervals.

    The prediction interval (``get_prediction(...).summary_frame()``, columns
    ``obs_ci_*``) adds the residual variance of a single country-year
    (homoskedastic, from the fit) to the cluster-robust uncertainty of the
    coefficients; it covers where a country with these regressors would fall
    in the year-2020 world, not the uncertainty of the scenario itself.
    Rates are exponentials of log predictions, i.e. medians.

    Returns
    -------
    DataFrame
        ``future``'s identifiers and regressors with ``rate, rate_ci_lower,
        rate_ci_upper`` (confidence interval of the median),
        ``rate_pi_lower, rate_pi_upper`` (prediction interval) and
        ``emigrants, emigrants_pi_lower, emigrants_pi_upper`` (rate × population).
    """
    summary = results.get_prediction(future).summary_frame(alpha=alpha)
    out = future.copy()
    out["rate"] = np.exp(summary["mean"].to_numpy())
    out["rate_ci_lower"] = np.exp(summary["mean_ci_lower"].to_numpy())
    out["rate_ci_upper"] = np.exp(summary["mean_ci_upper"].to_numpy())
    out["rate_pi_lower"] = np.exp(summary["obs_ci_lower"].to_numpy())
    out["rate_pi_upper"] = np.exp(summary["obs_ci_upper"].to_numpy())
    for suffix in ("", "_pi_lower", "_pi_upper"):
        out[f"emigrants{suffix}"] = out[f"rate{suffix}"] * out["population"]
    return out


def _design(results, frame: pd.DataFrame) -> np.ndarray:
    data = results.model.data
    info = getattr(data, "model_spec", None) or getattr(data, "design_info")  # statsmodels >= 0.15 / older
    return np.asarray(patsy.build_design_matrices([info], frame, return_type="matrix")[0])


@_fitted(persons=("emigrants", "emigrants_ci_lower", "emigrants_ci_upper"), keep=("population", "rate_2020"))
def anchored_prediction(results, future: pd.DataFrame, panel: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """Each country's observed 2020 rate moved by the model's predicted change.

    ``ln rate(t) = ln rate_observed(2020) + (x(t) - x(2020)) b``: the country
    keeps its own level (its persistent residual) and the model supplies only
    the change due to income, demographic pressure and size.  The interval is
    the coefficients' cluster-robust uncertainty about that change; it assumes
    the country's residual persists and adds no new scatter.

    Returns
    -------
    DataFrame
        ``iso3, name, projection_year, population, rate_2020, rate,
        rate_ci_lower, rate_ci_upper, emigrants, emigrants_ci_lower,
        emigrants_ci_upper``.
    """
    base = panel[(panel["year"] == REFERENCE_YEAR) & panel["in_sample"]].set_index("iso3")
    rows = future[future["iso3"].isin(base.index)].reset_index(drop=True)
    start = base.loc[rows["iso3"]].reset_index()
    difference = _design(results, rows) - _design(results, start)
    cov = results.cov_params().to_numpy()
    change = difference @ results.params.to_numpy()
    se = np.sqrt(np.einsum("ij,jk,ik->i", difference, cov, difference))
    q = _critical(results, alpha)
    log_start = start["log_rate"].to_numpy()
    out = rows[["iso3", "name", "projection_year", "population"]].copy()
    out["rate_2020"] = start["emigration_rate"].to_numpy()
    out["rate"] = np.exp(log_start + change)
    out["rate_ci_lower"] = np.exp(log_start + change - q * se)
    out["rate_ci_upper"] = np.exp(log_start + change + q * se)
    for suffix in ("", "_ci_lower", "_ci_upper"):
        out[f"emigrants{suffix}"] = out[f"rate{suffix}"] * out["population"]
    return out


@_fitted(persons=("emigrants", "ci_lower", "ci_upper"), keep=("emigrants_2020",))
def anchored_total(results, future: pd.DataFrame, panel: pd.DataFrame, draws: int = 4000, seed: int = 20240701,
                   alpha: float = 0.05) -> pd.DataFrame:
    """Total emigrants of the origins by year from :func:`anchored_prediction`, with a simulated interval.

    Coefficients are drawn from a normal distribution with the cluster-robust
    covariance (``seed`` fixed, so results repeat); each draw moves every
    country's 2020 rate and the emigrants are summed.  The interval covers
    coefficient uncertainty only.

    Returns
    -------
    DataFrame
        ``projection_year, countries, emigrants_2020, emigrants, ci_lower, ci_upper``.
    """
    base = panel[(panel["year"] == REFERENCE_YEAR) & panel["in_sample"]].set_index("iso3")
    rows = future[future["iso3"].isin(base.index)].reset_index(drop=True)
    start = base.loc[rows["iso3"]].reset_index()
    difference = _design(results, rows) - _design(results, start)
    rng = np.random.default_rng(seed)
    coefficients = rng.multivariate_normal(results.params.to_numpy(), results.cov_params().to_numpy(), size=draws)
    emigrants = rows["population"].to_numpy()[:, None] * np.exp(start["log_rate"].to_numpy()[:, None]
                                                                + difference @ coefficients.T)
    central = rows["population"].to_numpy() * np.exp(start["log_rate"].to_numpy() + difference @ results.params.to_numpy())
    by_year = pd.DataFrame(emigrants).groupby(rows["projection_year"].to_numpy()).sum()
    totals = pd.Series(central).groupby(rows["projection_year"].to_numpy()).sum()
    counts = rows.groupby("projection_year")["iso3"].nunique()
    first = rows["projection_year"] == rows["projection_year"].min()
    return pd.DataFrame(
        {
            "projection_year": by_year.index.astype(int),
            "countries": counts.reindex(by_year.index).to_numpy(),
            "emigrants_2020": float(start.loc[first, "emigrants"].sum()),
            "emigrants": totals.reindex(by_year.index).to_numpy(),
            "ci_lower": by_year.quantile(alpha / 2, axis=1).to_numpy(),
            "ci_upper": by_year.quantile(1 - alpha / 2, axis=1).to_numpy(),
        }
    )


# ---------------------------------------------------------------- loading
def load_panel(processed_dir: Path | None = None, min_population: float = MIN_POPULATION) -> pd.DataFrame:
    """:func:`emigration_panel` over the processed tables."""
    return emigration_panel(
        stocks_module.load_migrant_stocks(processed_dir),
        load_population(processed_dir),
        stocks_module.load_wdi(processed_dir),
        stocks_module.load_geography(processed_dir),
        min_population=min_population,
    )


def load_population(processed_dir: Path | None = None) -> pd.DataFrame:
    """WPP population 1970–2050, estimates then the medium variant (what the panel and predictions use)."""
    return wpp.load_population(["medium"], years=range(1970, max(PREDICTION_YEARS) + 1, 5), processed_dir=processed_dir)


# ---------------------------------------------------------------- report summaries (migration_context)
def robustness_summary(table: pd.DataFrame) -> pd.DataFrame:
    """How far the peak and the pressure coefficient move across the :func:`robustness` specifications.

    Parameters
    ----------
    table : DataFrame
        From :func:`robustness`.

    Returns
    -------
    DataFrame
        One row: ``specifications``, ``peak_lowest`` and ``peak_highest``
        (turning-point income, constant 2021 international $; specifications
        without a peak are ignored), ``pressure_negative`` (specifications
        with a negative pressure coefficient) and ``pressure_excludes_zero``
        (specifications whose 95 % interval of it excludes zero).
    """
    excludes_zero = (table["pressure_ci_upper"] < 0) | (table["pressure_ci_lower"] > 0)
    return pd.DataFrame(
        {
            "specifications": [len(table)],
            "peak_lowest": [table["turning_point"].min()],
            "peak_highest": [table["turning_point"].max()],
            "pressure_negative": [int((table["pressure"] < 0).sum())],
            "pressure_excludes_zero": [int(excludes_zero.sum())],
        }
    )


def prediction_table(predicted: pd.DataFrame, anchored: pd.DataFrame, year: int | None = None,
                     n: int | None = 10) -> pd.DataFrame:
    """Model predictions beside anchored paths in one year, for the origins with the most emigrants.

    Parameters
    ----------
    predicted : DataFrame
        From :func:`predict`.
    anchored : DataFrame
        From :func:`anchored_prediction` (same countries and years).
    year : int, optional
        A prediction year (the last of :data:`PREDICTION_YEARS` by default).
    n : int, optional
        How many origins, largest anchored emigrant stock first (all when None).

    Returns
    -------
    DataFrame
        ``predicted``'s columns with ``rate``, ``rate_ci_lower``,
        ``rate_ci_upper`` and ``emigrants`` suffixed ``_model``, then
        ``rate_2020`` and the anchored ``rate_anchored, rate_ci_lower_anchored,
        rate_ci_upper_anchored, emigrants_anchored``.

    Raises
    ------
    ModelInputError
        For a year without predictions.
    """
    year = max(PREDICTION_YEARS) if year is None else int(year)
    if year not in set(predicted["projection_year"]):
        raise ModelInputError(f"no predictions for {year}; years: {sorted(set(predicted['projection_year']))}")
    columns = ["iso3", "rate_2020", "rate", "rate_ci_lower", "rate_ci_upper", "emigrants"]
    table = predicted[predicted["projection_year"] == year].merge(
        anchored[anchored["projection_year"] == year][columns], on="iso3", suffixes=("_model", "_anchored"),
    ).sort_values("emigrants_anchored", ascending=False)
    return table if n is None else table.head(n)


def not_modelled(panel: pd.DataFrame, origin_codes: Iterable[str]) -> pd.DataFrame:
    """Origins left out of the estimation sample in :data:`REFERENCE_YEAR`, and why.

    Parameters
    ----------
    panel : DataFrame
        From :func:`emigration_panel`.
    origin_codes : iterable of str
        ISO-3 codes of the selected origins.

    Returns
    -------
    DataFrame
        ``iso3, name, excluded`` in the panel's order (by ISO-3 code); empty
        when every origin is modelled.
    """
    rows = panel[(panel["year"] == REFERENCE_YEAR) & panel["iso3"].isin(list(origin_codes)) & ~panel["in_sample"]]
    return rows[["iso3", "name", "excluded"]].reset_index(drop=True)
