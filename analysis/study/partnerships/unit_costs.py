"""Costs of real partnerships in one currency and one year's prices, per person trained, graduated or placed.

The dataset stores each cost as printed, in its own currency, with the year
of the statement or grant (``cost_year``).  To compare them:

1. **Currency.** An amount in another currency is converted to euros at the
   annual average exchange rate of its ``cost_year`` (euros per unit), as
   published by the Australian Taxation Office for the Australian dollar
   (calendar-year averages; from 2020 the Reserve Bank of Australia's rates,
   before that the Commonwealth Bank's).
2. **Prices.** Euros of ``cost_year`` are expressed in prices of
   ``price_year`` by chaining the euro area's annual average inflation rates
   (HICP, Eurostat) of the years after ``cost_year`` up to ``price_year``:
   ``factor = prod(1 + rate / 100)``.
3. **Nominal sums.** Money reported as spent (``cost_basis`` expenditure)
   from ``start_year`` to ``cost_year`` is a sum of nominal amounts of those
   years.  It is spread evenly over them and each year's share brought to
   ``cost_year`` prices with the consumer-price inflation of the currency's
   country (WDI; the euro area's HICP for euros) before step 1:
   ``factor = mean over years y of prod(1 + inflation_t / 100, t = y+1 … cost_year)``.

Each exchange and euro inflation rate is kept with its source and a verbatim
quote in ``partnerships/data/conversion_rates.csv``; a cost whose year,
exchange rate or inflation rates are not all available is left unconverted
and says which is missing.  ``cost_year`` is the year of the statement (or
the start of the grant), not always the year the money was spent, so for
multi-year budgets the conversion is an approximation.

Cost per person divides a partnership's cost by its achieved count of the
same row (trainees, graduates, migrants placed or participants), so that
cost and count have the same scope; counts that are per year are not used.
A bound on the cost carries over to the ratio, a bound on the count turns
round (a lower-bound count gives an upper-bound cost per person), and two
bounds pointing the same way leave the ratio without a bound; the table
says which applies (:func:`ratio_bound`).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.data import stocks
from analysis.errors import DataError
from analysis.study import quotes
from analysis.study.partnerships.records import DATA_DIR, VOCABULARIES

RATES_NAME = "conversion_rates.csv"
RATE_COLUMNS = ["kind", "currency", "year", "value", "title", "publisher", "year_published", "url", "accessed", "quote"]
KINDS = ("exchange_rate", "inflation")
#: Achieved counts a cost can be divided by, and the label of the result.
PER_PERSON = {
    "trainees_achieved": "per_trainee",
    "graduates_achieved": "per_graduate",
    "migrants_placed_achieved": "per_migrant_placed",
    "participants_achieved": "per_participant",
}


class ConversionRateError(DataError):
    """The table of cited exchange and inflation rates breaks its rules."""


def load_conversion_rates(path: Path | None = None) -> pd.DataFrame:
    """Cited exchange rates (euros per unit of a currency, annual average) and euro-area inflation rates (percent).

    Returns
    -------
    DataFrame
        ``kind, currency, year, value`` and the source columns (``title,
        publisher, year_published, url, accessed, quote``); ``year`` is an
        integer and ``value`` a float.

    Raises
    ------
    ConversionRateError
        In one line: a missing or unreadable file, wrong columns, an unknown
        kind or currency, a repeated rate, a value that is not a positive
        finite number or is not printed in its quote, a source without a web
        address or access date.
    """
    path = Path(path or DATA_DIR / RATES_NAME)
    fix = f"correct {path.name} (each rate with its source and a verbatim quote that prints it)"
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except FileNotFoundError:
        raise ConversionRateError(f"conversion rates {path} are missing: restore the file from git") from None
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError):
        raise ConversionRateError(f"conversion rates {path} cannot be read as UTF-8 CSV: restore the file from git") from None
    if list(table.columns) != RATE_COLUMNS:
        raise ConversionRateError(f"{path.name} must have the columns {', '.join(RATE_COLUMNS)}; {fix}")
    repeated = table[table.duplicated(["kind", "currency", "year"])]
    if not repeated.empty:
        first = repeated.iloc[0]
        raise ConversionRateError(f"{path.name}: {first['kind']} {first['currency']} {first['year']} is given twice; {fix}")
    for row in table.itertuples(index=False):
        where = f"{path.name}: {row.kind} {row.currency} {row.year}"
        if row.kind not in KINDS:
            raise ConversionRateError(f"{where}: kind must be one of {', '.join(KINDS)}; {fix}")
        if row.currency not in VOCABULARIES["cost_currency"] or (row.kind == "inflation") != (row.currency == "EUR"):
            raise ConversionRateError(f"{where}: the currency must be one of the dataset's other than EUR for an "
                                      f"exchange rate, EUR for inflation; {fix}")
        if not re.fullmatch(r"(19|20)\d\d", row.year):
            raise ConversionRateError(f"{where}: {row.year!r} is not a year; {fix}")
        if not re.fullmatch(r"\d+(\.\d+)?", row.value) or not float(row.value) > 0:
            raise ConversionRateError(f"{where}: {row.value!r} is not a positive number; {fix}")
        if not quotes.prints_number(float(row.value), [row.quote]):
            raise ConversionRateError(f"{where}: {row.value} is not printed in its quote; {fix}")
        if not row.url.startswith(("http://", "https://")) or not re.fullmatch(r"\d{4}-\d\d-\d\d", row.accessed):
            raise ConversionRateError(f"{where}: the source needs a web address and an access date YYYY-MM-DD; {fix}")
    return table.astype({"year": int, "value": float})


def price_factor(rates: pd.DataFrame, from_year: int, to_year: int) -> float:
    """Factor taking euros of ``from_year`` to prices of ``to_year`` (NaN if an inflation rate in between is missing)."""
    inflation = rates[rates["kind"] == "inflation"].set_index("year")["value"]
    years = range(from_year + 1, to_year + 1)
    if from_year > to_year or any(year not in inflation.index for year in years):
        return math.nan
    return float(np.prod([1.0 + inflation[year] / 100.0 for year in years]))


def _missing_reason(currency: str, year, rates: pd.DataFrame, price_year: int) -> str:
    if pd.isna(year):
        return "no cost year"
    exchange = rates[rates["kind"] == "exchange_rate"].set_index(["currency", "year"])["value"]
    if currency != "EUR" and (currency, int(year)) not in exchange.index:
        return f"no cited {currency}-EUR rate for {int(year)}"
    if int(year) > price_year:
        return f"cost year after {price_year}"
    known = set(rates.loc[rates["kind"] == "inflation", "year"])
    missing = [y for y in range(int(year) + 1, price_year + 1) if y not in known]
    if missing:
        return f"no cited euro-area inflation for {missing[0]}-{missing[-1]}" if len(missing) > 1 else \
            f"no cited euro-area inflation for {missing[0]}"
    return ""


#: The country whose consumer prices deflate a nominal sum in each currency (WDI ``inf``); euros use the cited HICP.
CURRENCY_COUNTRIES = {"AUD": "AUS", "USD": "USA", "GBP": "GBR", "CHF": "CHE", "NZD": "NZL"}


def domestic_inflation(wdi: pd.DataFrame, rates: pd.DataFrame) -> pd.DataFrame:
    """Yearly inflation (percent) by currency: WDI consumer prices of each currency's country, euro-area HICP for EUR.

    Returns
    -------
    DataFrame
        ``currency, year, value``.
    """
    by_country = {iso3: currency for currency, iso3 in CURRENCY_COUNTRIES.items()}
    inflation = wdi[(wdi["indicator"] == "inf") & wdi["iso3"].isin(list(by_country))].dropna(subset=["value"])
    frames = [pd.DataFrame({"currency": inflation["iso3"].map(by_country), "year": inflation["year"].astype(int),
                            "value": inflation["value"].astype(float)}),
              rates.loc[rates["kind"] == "inflation", ["currency", "year", "value"]]]
    return pd.concat(frames, ignore_index=True)


def nominal_sum_factor(inflation: pd.DataFrame, currency: str, first_year: int, last_year: int) -> float:
    """Factor taking a nominal sum spent evenly over ``first_year``-``last_year`` to ``last_year`` prices (NaN if a rate is missing).

    ``mean over y of prod(1 + inflation_t / 100, t = y+1 … last_year)``.
    """
    rates = inflation[inflation["currency"] == currency].set_index("year")["value"]
    if first_year > last_year or any(year not in rates.index for year in range(first_year + 1, last_year + 1)):
        return math.nan
    factors = [float(np.prod([1.0 + rates[t] / 100.0 for t in range(year + 1, last_year + 1)]))
               for year in range(first_year, last_year + 1)]
    return float(np.mean(factors))


def normalise(amounts: pd.Series, currencies: pd.Series, years: pd.Series, rates: pd.DataFrame,
              price_year: int | None = None, spent_from: pd.Series | None = None,
              inflation: pd.DataFrame | None = None) -> pd.DataFrame:
    """Amounts in euros at ``price_year`` prices.

    Parameters
    ----------
    amounts, currencies, years : Series
        Aligned amounts, their currency codes and ``cost_year`` (may be missing).
    rates : DataFrame
        :func:`load_conversion_rates`.
    price_year : int, optional
        Year of the prices (default: the last year with a cited inflation rate).
    spent_from : Series, optional
        For an amount that is a nominal sum spent from this year to its
        ``cost_year``, the first year (missing otherwise): it is deflated to
        ``cost_year`` prices first (:func:`nominal_sum_factor`).
    inflation : DataFrame, optional
        :func:`domestic_inflation` (needed when ``spent_from`` has values).

    Returns
    -------
    DataFrame
        ``eur_nominal`` (euros of the cost year), ``eur`` (euros at
        ``price_year`` prices), ``deflated`` (the factor that took a nominal
        sum to cost-year prices, 1 otherwise) and ``not_converted`` (why not,
        or ``""``), indexed like ``amounts``.
    """
    price_year = int(price_year or rates.loc[rates["kind"] == "inflation", "year"].max())
    exchange = rates[rates["kind"] == "exchange_rate"].set_index(["currency", "year"])["value"]
    spent_from = spent_from if spent_from is not None else pd.Series(math.nan, index=amounts.index)
    rows = []
    for amount, currency, year, first in zip(amounts, currencies, years, spent_from):
        reason = "" if pd.isna(amount) else _missing_reason(currency, year, rates, price_year)
        if pd.isna(amount) or reason:
            rows.append((math.nan, math.nan, math.nan, reason))
            continue
        deflated = 1.0
        if pd.notna(first) and int(first) < int(year):
            deflated = nominal_sum_factor(inflation, currency, int(first), int(year))
            if math.isnan(deflated):
                rows.append((math.nan, math.nan, math.nan,
                             f"no inflation of {currency} for every year {int(first) + 1}-{int(year)}"))
                continue
        to_eur = 1.0 if currency == "EUR" else float(exchange[(currency, int(year))])
        nominal = float(amount) * deflated * to_eur
        rows.append((nominal, nominal * price_factor(rates, int(year), price_year), deflated, ""))
    out = pd.DataFrame(rows, columns=["eur_nominal", "eur", "deflated", "not_converted"], index=amounts.index)
    out.attrs["price_year"] = price_year
    return out


def ratio_bound(cost_bound: str, count_bound: str) -> str:
    """The bound of cost / count given the bounds of each (``">="``, ``"<="`` or ``""``): ``">="``, ``"<="``, ``""`` or ``"none"``.

    A bound on the cost carries over; a bound on the count turns round (more
    people than counted means less per person); two that point the same way
    leave no bound (``"none"``).
    """
    turned = {">=": "<=", "<=": ">=", "": ""}[count_bound]
    if not cost_bound or not turned:
        return cost_bound or turned
    return cost_bound if cost_bound == turned else "none"


BOUND_WORDS = {">=": "a lower bound", "<=": "an upper bound", "none": "without a bound"}


def spent_from(table: pd.DataFrame) -> pd.Series:
    """The first year of each cost that is a nominal sum of spending over several years (missing for the others).

    Reported spending (``cost_basis`` expenditure) with a ``start_year``
    before its ``cost_year`` is read as money spent from the start year to the
    cost year.
    """
    start, year = table["start_year"].astype(float), table["cost_year"].astype(float)
    return start.where((table["cost_basis"] == "expenditure") & (start < year))


def cost_per_person(table: pd.DataFrame, rates: pd.DataFrame, price_year: int | None = None,
                    inflation: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each costed partnership's cost, in its currency and in euros at one year's prices, per person at each stage.

    Parameters
    ----------
    table : DataFrame
        :func:`analysis.study.partnerships.records.load_partnerships`.
    rates : DataFrame
        :func:`load_conversion_rates`.
    price_year : int, optional
        Year of the prices (default: the last year with a cited inflation rate).
    inflation : DataFrame, optional
        :func:`domestic_inflation` for nominal sums (default: from the
        processed WDI table and ``rates``).

    Returns
    -------
    DataFrame
        One row per partnership with a total cost or a stated cost per
        participant: ``id, model, cost_total, cost_per_participant,
        cost_currency, cost_year, cost_basis``; ``cost_eur`` (the total in
        euros at ``price_year`` prices), ``stated_per_participant_eur``;
        ``per_trainee, per_graduate, per_migrant_placed, per_participant``
        (euros at ``price_year`` prices: the total divided by the row's
        achieved count; missing where the count is unknown, zero or per
        year); ``deflated`` (the factor that took a nominal sum of several
        years' spending to cost-year prices, 1 otherwise); ``not_converted``
        (why a cost could not be converted) and ``caveat`` (bounds, nobody
        placed).  ``attrs["price_year"]`` holds the year.
    """
    costed = table[table["cost_total"].notna() | table["cost_per_participant"].notna()].copy()
    first = spent_from(costed)
    if inflation is None and first.notna().any():
        inflation = domestic_inflation(stocks.load_wdi(), rates)
    total = normalise(costed["cost_total"], costed["cost_currency"], costed["cost_year"], rates, price_year,
                      first, inflation)
    stated = normalise(costed["cost_per_participant"], costed["cost_currency"], costed["cost_year"], rates, price_year)
    out = costed[["id", "model", "cost_total", "cost_per_participant", "cost_currency", "cost_year", "cost_basis"]].copy()
    out["cost_eur"] = total["eur"]
    out["deflated"] = total["deflated"]
    out["stated_per_participant_eur"] = stated["eur"]
    lower_bounds = costed["lower_bound_fields"].fillna("").str.split(";")
    upper_bounds = costed["upper_bound_fields"].fillna("").str.split(";")
    per_year = costed["per_year_fields"].fillna("").str.split(";")

    def bound(field: str) -> pd.Series:
        return pd.Series(np.where(lower_bounds.apply(lambda fields: field in fields), ">=",
                                  np.where(upper_bounds.apply(lambda fields: field in fields), "<=", "")),
                         index=costed.index)

    notes = pd.DataFrame(index=costed.index)
    cost_per_year = per_year.apply(lambda fields: "cost_total" in fields)
    notes["cost_per_year"] = np.where(cost_per_year, "cost is per year: no cost per person", "")
    cost_bound = bound("cost_total")
    for count, label in PER_PERSON.items():
        usable = (costed[count] > 0).fillna(False) & ~per_year.apply(lambda fields, c=count: c in fields) \
            & ~cost_per_year
        out[label] = total["eur"] / costed[count].astype(float).where(usable)
        count_bound = bound(count)
        caveats = []
        for has_value, of_cost, of_count in zip(out[label].notna(), cost_bound, count_bound):
            ratio = ratio_bound(of_cost, of_count)
            if not has_value or not ratio:
                caveats.append("")
                continue
            why = " and ".join(filter(None, [f"the cost is {BOUND_WORDS[of_cost]}" if of_cost else "",
                                             f"the count is {BOUND_WORDS[of_count]}" if of_count else ""]))
            caveats.append(f"{label}: {BOUND_WORDS[ratio]} ({why})")
        notes[f"{label}_bound"] = caveats
        notes[f"{label}_none"] = np.where((costed[count] == 0).fillna(False), f"{label}: none achieved", "")
    notes["deflated"] = [f"nominal sum of {int(start)}-{int(year)} spending deflated to {int(year)} prices (x{factor:.3f})"
                         if pd.notna(start) and pd.notna(factor) else ""
                         for start, year, factor in zip(first, costed["cost_year"], total["deflated"])]
    out["not_converted"] = total["not_converted"].where(costed["cost_total"].notna(), stated["not_converted"])
    out["caveat"] = notes.apply(lambda row: "; ".join(filter(None, row)), axis=1)
    out.attrs["price_year"] = total.attrs["price_year"]
    return out.reset_index(drop=True)


def per_person(costs: pd.DataFrame) -> pd.DataFrame:
    """The per-person costs of :func:`cost_per_person` as one row per partnership and measure, lowest first.

    Returns
    -------
    DataFrame
        ``id, measure`` (``per_trainee`` …), ``label`` (``"PALIM, per trainee"``),
        ``eur`` and ``caveat``.
    """
    long = costs.melt(id_vars=["id", "caveat"], value_vars=list(PER_PERSON.values()), var_name="measure",
                      value_name="eur").dropna(subset=["eur"])
    long["label"] = long["id"] + ", " + long["measure"].str.replace("_", " ")
    return long[["id", "measure", "label", "eur", "caveat"]].sort_values("eur", ignore_index=True)


def summary(costs: pd.DataFrame) -> pd.DataFrame:
    """For each per-person measure: how many partnerships have it, and the lowest, median and highest cost."""
    long = per_person(costs)
    out = long.groupby("measure")["eur"].agg(partnerships="count", lowest="min", median="median", highest="max")
    return out.reindex(list(PER_PERSON.values())).dropna(how="all").reset_index()
