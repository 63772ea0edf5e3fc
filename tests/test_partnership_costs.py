"""Costs of real partnerships in euros at one year's prices, recomputed by hand from the CSV files."""

from __future__ import annotations

import csv
import math
import statistics

import pandas as pd
import pytest

from analysis.data import stocks
from analysis.study.partnerships import records as partnerships, unit_costs as partnership_costs

RATES = partnerships.DATA_DIR / partnership_costs.RATES_NAME


def _csv(path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def costs(processed_dir) -> pd.DataFrame:
    table = partnerships.load_partnerships(processed_dir=processed_dir)
    return partnership_costs.cost_per_person(table, partnership_costs.load_conversion_rates()).set_index("id")


def _by_hand(partnership_id: str, count: str) -> float:
    row = next(r for r in _csv(partnerships.DATA_DIR / "partnerships.csv") if r["id"] == partnership_id)
    rates = _csv(RATES)
    inflation = {int(r["year"]): float(r["value"]) for r in rates if r["kind"] == "inflation"}
    to_eur = 1.0 if row["cost_currency"] == "EUR" else next(
        float(r["value"]) for r in rates if r["kind"] == "exchange_rate" and r["currency"] == row["cost_currency"]
        and int(r["year"]) == int(row["cost_year"]))
    factor = math.prod(1 + inflation[year] / 100 for year in range(int(row["cost_year"]) + 1, max(inflation) + 1))
    return float(row["cost_total"]) * to_eur * factor / float(row[count])  # budgets: no deflation of a nominal sum


def test_price_year_is_the_last_cited_inflation_year(costs):
    assert costs.attrs["price_year"] == max(int(r["year"]) for r in _csv(RATES) if r["kind"] == "inflation") == 2023


@pytest.mark.parametrize(
    "partnership_id, column, count",
    [
        ("THAMM", "per_participant", "participants_achieved"),  # EUR 2019 (cost year now cited)
        ("PALIM", "per_trainee", "trainees_achieved"),          # EUR 2019
        ("DIGEXP", "per_migrant_placed", "migrants_placed_achieved"),
        ("YGCA", "per_participant", "participants_achieved"),
        ("HOMERE", "per_participant", "participants_achieved"),
    ],
)
def test_cost_per_person_matches_a_hand_calculation(costs, partnership_id, column, count):
    assert costs.loc[partnership_id, column] == pytest.approx(_by_hand(partnership_id, count), rel=1e-12)


def test_figures_from_the_quoted_values(costs, processed_dir):
    # AUD 350 million spent 2007-2021, spread evenly and deflated to 2021 with Australia's consumer prices (WDI),
    # for at least 15,000 graduates, at 0.6351 EUR/AUD (2021) and euro-area HICP 2022-2023 (8.4, 5.4 %)
    wdi = stocks.load_wdi(processed_dir)
    australia = wdi[(wdi["iso3"] == "AUS") & (wdi["indicator"] == "inf")].set_index("year")["value"]
    deflator = statistics.fmean(math.prod(1 + australia[t] / 100 for t in range(y + 1, 2022)) for y in range(2007, 2022))
    assert costs.loc["APTC-ALL", "deflated"] == pytest.approx(deflator, rel=1e-12) and 1.1 < deflator < 1.25
    assert costs.loc["APTC-ALL", "per_graduate"] == pytest.approx(
        350e6 * deflator * 0.6351 * 1.084 * 1.054 / 15000, rel=1e-9)
    # EUR 1,347,778.69 (2019) for 30 migrants placed, inflated by euro-area HICP 2020-2023 (0.3, 2.6, 8.4, 5.4 %)
    assert costs.loc["DIGEXP", "per_migrant_placed"] == pytest.approx(
        1_347_778.69 * 1.003 * 1.026 * 1.084 * 1.054 / 30, rel=1e-9)
    assert costs.loc["DIGEXP", "deflated"] == 1.0  # a budget, not a sum of spending


def test_what_cannot_be_converted_says_why(costs):
    assert costs.loc["APTC-3", "not_converted"] == "no cited AUD-EUR rate for 2018"
    assert costs.loc["APTC-1", "not_converted"] == "no cited euro-area inflation for 2009-2017"
    assert costs.loc["APTC-2", "not_converted"] == "no cited AUD-EUR rate for 2011"   # its cost year is now cited
    assert costs.loc["MAR-DEU-APPR", "not_converted"] == "no cited USD-EUR rate for 2016"
    assert costs.loc["TAPIG", "not_converted"] == "no cost year"  # undated press items: left out, with a note
    assert costs.loc["THAMM", "cost_year"] == 2019 and costs.loc["THAMM", "not_converted"] == ""
    assert costs.loc[["APTC-3", "APTC-1", "MAR-DEU-APPR"], "cost_eur"].isna().all()
    converted = costs[costs["not_converted"] == ""]
    assert converted["cost_eur"].notna().all() and (converted["cost_eur"] > 0).all()


def test_caveats_follow_the_bounds_and_zeros(costs):
    # "over $350 million" for "over 15,000 graduates": both lower bounds, so the cost per graduate has no bound
    assert "per_graduate: without a bound (the cost is a lower bound and the count is a lower bound)" in costs.loc[
        "APTC-ALL", "caveat"]
    # "at least 400" participants: a lower-bound count makes the cost per participant an upper bound
    assert costs.loc["THAMM", "caveat"] == "per_participant: an upper bound (the count is a lower bound)"
    assert "per_migrant_placed: none achieved" in costs.loc["PALIM", "caveat"]
    assert math.isnan(costs.loc["PALIM", "per_migrant_placed"])  # nobody placed: no cost per migrant, not infinity
    assert costs.loc["APTC-3", "caveat"] == ""  # its cost is not converted, so no per-person figure to qualify


@pytest.mark.parametrize("cost, count, ratio", [
    ("", "", ""), (">=", "", ">="), ("<=", "", "<="), ("", ">=", "<="), ("", "<=", ">="),
    (">=", ">=", "none"), ("<=", "<=", "none"), (">=", "<=", ">="), ("<=", ">=", "<="),
])
def test_a_bound_on_the_count_turns_round(cost, count, ratio):
    assert partnership_costs.ratio_bound(cost, count) == ratio


def test_per_year_counts_are_not_divided_into_totals(processed_dir):
    table = partnerships.load_partnerships(processed_dir=processed_dir)
    fake = table[table["id"] == "ESP-MAR-GECCO"].assign(cost_total=1e6, cost_currency="EUR", cost_year=2020,
                                                         cost_basis="budget")
    out = partnership_costs.cost_per_person(fake, partnership_costs.load_conversion_rates())
    assert math.isnan(out["per_migrant_placed"].iloc[0])
    palim = table[table["id"] == "PALIM"].assign(per_year_fields="cost_total")
    out = partnership_costs.cost_per_person(palim, partnership_costs.load_conversion_rates())
    assert math.isnan(out["per_trainee"].iloc[0]) and "cost is per year" in out["caveat"].iloc[0]


# ---------------------------------------------------------------- the table of cited rates
def _broken(tmp_path, edit):
    table = pd.read_csv(RATES, dtype=str, keep_default_na=False)
    path = tmp_path / "conversion_rates.csv"
    edit(table).to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda t: t.assign(value=t["value"].where(t.index != 1, "0.6352")), "0.6352 is not printed in its quote"),
        (lambda t: t.assign(value=t["value"].where(t.index != 1, "nan")), "is not a positive number"),
        (lambda t: t.assign(value=t["value"].where(t.index != 1, "-0.6351")), "is not a positive number"),
        (lambda t: pd.concat([t, t.iloc[[1]]]), "is given twice"),
        (lambda t: t.assign(currency=t["currency"].where(t.index != 1, "JPY")), "the currency must be one of"),
        (lambda t: t.assign(kind=t["kind"].where(t.index != 1, "ppp")), "kind must be one of"),
        (lambda t: t.drop(columns="quote"), "must have the columns"),
    ],
)
def test_a_broken_rate_table_is_refused_in_one_line(tmp_path, edit, message):
    with pytest.raises(partnership_costs.ConversionRateError) as error:
        partnership_costs.load_conversion_rates(_broken(tmp_path, edit))
    assert message in str(error.value) and "\n" not in str(error.value)


def test_every_rate_is_printed_in_its_quote():
    for row in _csv(RATES):
        assert row["value"] in row["quote"], row
        assert row["url"].startswith("https://")
