"""Skills-partnership pathways (Global Skills Partnerships): flows, costs, benefits and effect on populations.

A destination funds a training institution in an origin country.  Each year
it admits ``annual_intake`` trainees; after ``programme_years`` a share
``completion_rate`` graduates (the rest drop out).  Graduates follow a
*home* track (they stay and work in the origin) or an *away* track (a share
``away_share``).  Of the away-track graduates, ``placement_rate`` are placed
and migrate in their graduation year; the others never migrate.  In the
destination, ``annual_attrition`` of the migrants leave the pathway each year
(other jobs or sectors), and ``return_share`` of each arrival cohort goes home
``return_after`` years after arriving (not necessarily a whole number).

One parameter set, :class:`PathwayParameters` (its fields are
:data:`analysis.model.pathway_flows.PATHWAY_FIELDS`), is read by the cost model
here and by the projection (a scenario's ``pathways`` block, or
:func:`project`): both take the people from
:func:`analysis.model.pathway_flows.yearly_flows`, so the migrants by year
agree.  :meth:`PathwayParameters.validate` is the one place that checks a
pathway's parameters for the command line, scenarios and notebooks: types and
ranges, an origin and a destination that are two different countries, and a
run that ends by 2100.

Accounting identities, checked on every run:

* intake = graduates + dropouts + still in training;
* away-track graduates = in the destination + returned + attrition (not placed,
  plus those who left the pathway abroad).

Costs by programme.  The training cost is a cost per trainee-year of the
``programme`` (nursing degree, care assistant, ICT short course, language
and placement only) from a small cited table
(``partnerships/data/pathway_costs.csv``: a source and a quote per value,
each figure with its currency, price year and whether it is per year or for
a programme of so many months); the cost per trainee of the whole programme
is that times ``programme_years``, so a longer programme costs more.  A
country without a figure of its own for the programme gets the figure of the
cited country closest to it in GDP per capita (PPP, WDI), scaled by the ratio
of the two, and the table of inputs says so.  A figure for a programme
shorter than a year (a short course) applied to a longer programme comes with
a one-line warning.  The destination's comparator is the same programme's
cost there.  Placement costs and earnings come from the same table.

Remittances per migrant are the origin's personal remittances received (WDI)
shared over its emigrants by destination (UN DESA International Migrant Stock
2024; :func:`analysis.study.migration.corridor_remittances`), split by sex with
``women_remittance_ratio`` (remittances a woman sends per unit a man sends;
equal by default: no open table by sex of sender exists).  Every amount is
converted to ``currency`` at the cited 2023 yearly average rates; amounts keep
their own price year.
"""

from __future__ import annotations

import ast
import dataclasses
import difflib
import functools
import operator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from analysis.data import config
from analysis.data import locations as locations_module
from analysis.data import stocks as stocks_module
from analysis.data.conventions import LAST_YEAR
from analysis.data.tables import sha256_of
from analysis.errors import DataError, InputError
from analysis.model import pathway_flows, scenarios
from analysis.model.pathway_flows import PATHWAY_FIELDS, PathwayFieldError
from analysis.study import indicators, migration


class PathwayInputError(InputError):
    """An invalid pathway parameter; the message names it and what is valid."""


class CostTableError(DataError):
    """The cited cost table breaks its rules (a value its source does not quote, an unknown source)."""


DATA_DIR = Path(__file__).parent / "partnerships" / "data"
COSTS_FILE = DATA_DIR / "pathway_costs.csv"
SOURCES_FILE = DATA_DIR / "partnership_sources.csv"
#: Year of the currency conversion and of the WDI income and remittances used to scale and to estimate.
PRICE_YEAR = 2023
#: Last year a pathway may run to: the projections end there.
LAST_PATHWAY_YEAR = LAST_YEAR

#: Where each default comes from (source ids refer to partnership_sources.csv).
DEFAULT_SOURCES: dict[str, str] = {
    "annual_intake": "assumption: one institution of 200 trainees a year (PALIM trained 120, S19)",
    "ages": "assumption: graduates migrate aged 20-39",
    "female_share": "OECD (2023): 80 % or more of long-term care workers are women (S153)",
    "programme": "nursing_degree: the care sector's qualified workers (Germany's generalist nursing training, S158)",
    "programme_years": "three years: the German nursing training is a three-year training (S97) and the UK's nursing "
                       "degree a three-year BSc (S160)",
    "completion_rate": "assumption: 0.6, between Australian VET completion (41.4 %, S44) and German dual-training "
                       "contracts not dissolved early (75.3 %, S45)",
    "away_share": "GSP design proposals: 50 % away (PALIM plan of March 2019, S20; Kosovo YES plan, S48)",
    "placement_rate": "assumption: 0.8; Triple Win had 62 % of placed nurses arrived at end-2019, the rest still "
                      "in preparation (S14)",
    "annual_attrition": "assumption: 5 % a year leave the pathway abroad (they stay in the destination)",
    "return_share": "assumption informed by MENTOR II: 27 % had returned by October 2024 (S34)",
    "return_after": "assumption: return after 5 years",
    "currency": "EUR; conversions at the 2023 yearly average rates of the Reserve Bank of Australia, 0.9247 EUR, "
                "0.8045 GBP and 55.63 PHP per US$ (S162)",
    "cost_per_trainee_origin": "cited table by country and programme (nursing degree: Germany S158, UK S159, Kenya "
                               "S154, Philippines S157; care assistant: Germany S161; ICT short course: PALIM, "
                               "Morocco S18): cost per trainee-year times programme_years; other countries scaled "
                               "from the cited country closest in GDP per capita (PPP, WDI 2023)",
    "cost_per_worker_destination": "the same programme's cited cost per trainee-year in the destination (nursing "
                                   "degree: Germany S158, UK S159) times programme_years, or scaled as for the "
                                   "origin",
    "placement_cost": "cited table by destination: Triple Win, Germany, EUR 9,500 (lower end, S16); NHS, GBP 10,000 "
                      "(lower end, S148); other destinations scaled by GDP per capita (PPP, WDI 2023)",
    "destination_share_of_training": "GSP design: the destination pays for both tracks (S46)",
    "employer_share_of_placement": "Triple Win: employers pay placement costs (S16)",
    "earnings_destination": "cited table by destination: median care-worker pay, Germany 2022 (S149) and England 2022 "
                            "(S150); other destinations scaled by GDP per capita (PPP, WDI 2023)",
    "remittances_per_migrant": "WDI: the origin's personal remittances received in 2023 shared over its emigrants "
                               "(UN DESA 2024) in proportion to emigrants times the destination's GDP per person "
                               "(World Bank allocation rule 2, S166)",
    "women_remittance_ratio": "equal: women remit about the same amount as men (IFAD 2017, S164; UN Women 2020: the "
                              "same or more, S163; Orozco et al. 2006: less, S165); sensitivity 0.8-1.2 (an "
                              "assumption bracketing them); no open table by sex of sender exists (S163)",
}


@dataclass(frozen=True)
class PathwayParameters:
    """Parameters of a skills-partnership pathway (meaning, range and default of each: ``PATHWAY_FIELDS``).

    ``None`` for a cost, earnings or remittances field means: from the cited
    table for this origin, destination and programme (see :func:`resolve_inputs`).
    """

    origin: str = PATHWAY_FIELDS["origin"].default
    destination: str = PATHWAY_FIELDS["destination"].default
    sector: str = PATHWAY_FIELDS["sector"].default
    start_year: int = PATHWAY_FIELDS["start_year"].default
    years: int = PATHWAY_FIELDS["years"].default
    annual_intake: float = PATHWAY_FIELDS["annual_intake"].default
    ages: str = PATHWAY_FIELDS["ages"].default
    female_share: float = PATHWAY_FIELDS["female_share"].default
    programme: str = PATHWAY_FIELDS["programme"].default
    programme_years: int = PATHWAY_FIELDS["programme_years"].default
    completion_rate: float = PATHWAY_FIELDS["completion_rate"].default
    away_share: float = PATHWAY_FIELDS["away_share"].default
    placement_rate: float = PATHWAY_FIELDS["placement_rate"].default
    annual_attrition: float = PATHWAY_FIELDS["annual_attrition"].default
    return_share: float = PATHWAY_FIELDS["return_share"].default
    return_after: float = PATHWAY_FIELDS["return_after"].default
    currency: str = PATHWAY_FIELDS["currency"].default
    cost_per_trainee_origin: float | None = PATHWAY_FIELDS["cost_per_trainee_origin"].default
    cost_per_worker_destination: float | None = PATHWAY_FIELDS["cost_per_worker_destination"].default
    placement_cost: float | None = PATHWAY_FIELDS["placement_cost"].default
    destination_share_of_training: float = PATHWAY_FIELDS["destination_share_of_training"].default
    employer_share_of_placement: float = PATHWAY_FIELDS["employer_share_of_placement"].default
    earnings_destination: float | None = PATHWAY_FIELDS["earnings_destination"].default
    remittances_per_migrant: float | None = PATHWAY_FIELDS["remittances_per_migrant"].default
    women_remittance_ratio: float = PATHWAY_FIELDS["women_remittance_ratio"].default
    notes: dict = field(default_factory=dict, compare=False)

    def validate(self, processed_dir: Path | None = None) -> "PathwayParameters":
        """Check every parameter; the one place the command line, scenarios and notebooks share.

        Raises
        ------
        PathwayInputError
            For a value of the wrong type, not finite or outside its range, a
            run that ends after 2100, or an origin and destination that are not
            two different countries (one line each).
        analysis.data.locations.UnknownLocationError
            For a place WPP does not know (with close matches).
        """
        try:
            pathway_flows.check_values(self.values())
        except PathwayFieldError as error:
            raise PathwayInputError(str(error).removeprefix("pathway: ")) from None
        last = self.start_year + self.years - 1
        if last > LAST_PATHWAY_YEAR:
            raise PathwayInputError(f"the pathway's intakes run {self.start_year}-{last}, past {LAST_PATHWAY_YEAR} "
                                    f"(the last year of the projections); set years to at most "
                                    f"{LAST_PATHWAY_YEAR - self.start_year + 1} or start earlier")
        corridor(self.origin, self.destination, processed_dir)
        return self

    def values(self) -> dict[str, Any]:
        """The parameters as a dict (``PATHWAY_FIELDS`` order), e.g. for a scenario's ``pathways`` block."""
        return {name: getattr(self, name) for name in PATHWAY_FIELDS}

    @classmethod
    def from_mapping(cls, values: Mapping) -> "PathwayParameters":
        """Parameters from a dict (e.g. a YAML file); unknown keys are refused with the valid ones listed.

        Numeric strings (YAML 1.1 reads ``1e4`` as text) become numbers; NaN and infinities are refused.
        """
        known = [name for name in PATHWAY_FIELDS]
        unknown = sorted(str(key) for key in set(values) - set(known))
        if unknown:
            close = difflib.get_close_matches(unknown[0], sorted(known), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise PathwayInputError(f"unknown pathway parameter {unknown[0]!r}{hint}; valid: {', '.join(sorted(known))}")
        checked = {}
        for name, value in values.items():
            try:
                checked[name] = pathway_flows.check_field(name, value)
            except PathwayFieldError as error:
                raise PathwayInputError(str(error).removeprefix("pathway: ")) from None
        return cls(**checked).validate()

    @classmethod
    def from_yaml(cls, path: str | Path) -> "PathwayParameters":
        values = config.read_mapping(path, "pathway config", PathwayInputError,
                                     example="origin, destination, annual_intake, away_share, …")
        path = Path(path)
        parameters = cls.from_mapping(values)
        return dataclasses.replace(parameters, notes={**parameters.notes, "config": str(path),
                                                      "config_sha256": sha256_of(path)})


def corridor(origin: str | int, destination: str | int, processed_dir: Path | None = None
             ) -> tuple[locations_module.Location, locations_module.Location]:
    """The origin and destination of a pathway, checked to be two different countries.

    Raises
    ------
    PathwayInputError
        For a group of countries, or the same country twice (``Morocco`` and ``MAR``).
    analysis.data.locations.UnknownLocationError
        For a place WPP does not know (with close matches).
    """
    places = tuple(locations_module.resolve(place, processed_dir) for place in (origin, destination))
    for side, place in zip(("origin", "destination"), places):
        if not place.is_country:
            raise PathwayInputError(f"pathway {side} {place.name!r} must be a country, not a group of countries")
    if places[0].code == places[1].code:
        raise PathwayInputError(f"pathway origin and destination are both {places[0].name}; a pathway moves people "
                                "between two different countries")
    return places


# ---------------------------------------------------------------- the cited cost table
_OPERATORS = {ast.Mult: operator.mul, ast.Div: operator.truediv, ast.Add: operator.add, ast.Sub: operator.sub}


def _arithmetic(text: str) -> float:
    """The value of a plain arithmetic expression of numbers (``"3611 * 12"``)."""
    def value(node):
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return float(node.value)
        if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
            return _OPERATORS[type(node.op)](value(node.left), value(node.right))
        raise ValueError(text)

    return value(ast.parse(str(text), mode="eval").body)


def decimals(printed: str) -> int:
    """Decimal places of a number as printed (``"12470.40"`` → 2, ``"9500"`` → 0)."""
    text = str(printed).strip()
    return len(text.split(".", 1)[1]) if "." in text else 0


def equals_printed(printed: str, derived: float) -> bool:
    """True if ``derived`` rounds to the printed value at its printed precision (half a unit of its last place)."""
    value = float(printed)
    return abs(derived - value) <= 0.5 * 10.0 ** -decimals(printed) * (1 + 1e-9)


#: Items of the table: the parameter each fills and the side (origin or destination) whose country it is for.
COST_ITEMS = {
    "training_cost": "cost per trainee of a programme, per year of it or for the whole programme",
    "placement_cost": "cost per migrant placed in the destination",
    "earnings": "yearly gross earnings in the destination",
    "usd_rate": "units of a currency per US dollar",
}
COST_COLUMNS = ["item", "iso3", "programme", "value", "currency", "price_year", "per", "months", "derivation",
                "source_ids", "quoted", "note"]


def load_cost_table(path: Path | None = None, sources_path: Path | None = None) -> pd.DataFrame:
    """The cited table of pathway costs, earnings and exchange rates, checked (cached while the files are unchanged).

    Every value is finite and positive; it equals its ``derivation`` (the
    arithmetic from the quoted figures) exactly to the precision it is
    printed with (12470.40 must be the derivation rounded to two decimals);
    each figure in ``quoted`` occurs in the quote of a cited source; a
    training cost names a programme and whether it is per year or for a
    programme of so many months; every currency has an exchange rate.

    Raises
    ------
    CostTableError
        Naming the row and what is wrong.
    """
    path, sources_path = Path(path or COSTS_FILE), Path(sources_path or SOURCES_FILE)
    if not path.is_file():
        raise CostTableError(f"the cost table {path} is missing: restore it from git")
    stamps = tuple(p.stat().st_mtime_ns for p in (path, sources_path))
    return _checked_cost_table(str(path), str(sources_path), stamps).copy()


@functools.lru_cache(maxsize=8)
def _checked_cost_table(path: str, sources_path: str, stamps: tuple) -> pd.DataFrame:  # noqa: ARG001 (stamps invalidate)
    try:
        text = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError):
        raise CostTableError(f"{Path(path).name} cannot be read as UTF-8 CSV: restore it from git") from None
    if list(text.columns) != COST_COLUMNS:
        raise CostTableError(f"{Path(path).name} must have the columns {', '.join(COST_COLUMNS)}")
    sources = pd.read_csv(sources_path, dtype=str).set_index("id")
    currencies = set(text.loc[text["item"] == "usd_rate", "iso3"])
    programmes = [name for name in pathway_flows.PROGRAMMES if name != "language_placement"]
    for row in text.itertuples():
        where = f"{Path(path).name}, row {row.Index + 2} ({row.item}, {row.iso3}{', ' + row.programme if row.programme else ''})"
        if row.item not in COST_ITEMS:
            raise CostTableError(f"{where}: unknown item; valid: {', '.join(COST_ITEMS)}")
        if row.currency not in currencies:
            raise CostTableError(f"{where}: currency {row.currency!r} has no usd_rate row; add one or use one of "
                                 f"{', '.join(sorted(currencies))}")
        try:
            value = float(row.value)
        except ValueError:
            value = float("nan")
        if not np.isfinite(value) or value <= 0:
            raise CostTableError(f"{where}: value {row.value!r} must be a positive number")
        try:
            derived = _arithmetic(row.derivation)
        except (ValueError, SyntaxError):
            raise CostTableError(f"{where}: derivation {row.derivation!r} is not plain arithmetic on numbers") from None
        if not equals_printed(row.value, derived):
            raise CostTableError(f"{where}: value {row.value} does not equal its derivation {row.derivation} = "
                                 f"{derived:.{decimals(row.value) + 2}f} at the {decimals(row.value)} decimals it is "
                                 "printed with")
        if row.price_year and not (row.price_year.isdigit() and 1990 <= int(row.price_year) <= PRICE_YEAR + 5):
            raise CostTableError(f"{where}: price_year {row.price_year!r} is not a year (or empty: not stated)")
        if row.item == "training_cost":
            if row.programme not in programmes:
                raise CostTableError(f"{where}: programme {row.programme!r} is not one of {', '.join(programmes)}")
            if row.per not in ("year", "programme"):
                raise CostTableError(f"{where}: per must be 'year' or 'programme', got {row.per!r}")
            if row.per == "programme" and not (row.months.isdigit() and 1 <= int(row.months) <= 120):
                raise CostTableError(f"{where}: a cost per programme needs the programme's length in months (1-120)")
        elif row.programme or row.per or row.months:
            raise CostTableError(f"{where}: only a training_cost row has a programme, per and months")
        cited = [s for s in row.source_ids.split(";") if s]
        missing = sorted(set(cited) - set(sources.index))
        if missing:
            raise CostTableError(f"{where}: unknown source ids {missing}")
        if row.item != "usd_rate" or row.iso3 != "USD":
            if not cited:
                raise CostTableError(f"{where}: a value without a source")
            quotes = " ".join(sources.loc[cited, "quote"])
            for figure in row.quoted.split("|"):
                if figure not in quotes:
                    raise CostTableError(f"{where}: {figure!r} does not occur in the quotes of {', '.join(cited)}")
    duplicated = text.duplicated(["item", "iso3", "programme"])
    if duplicated.any():
        first = text[duplicated].iloc[0]
        what = f"{first['item']} ({first['programme']})" if first["programme"] else first["item"]
        raise CostTableError(f"{Path(path).name}: {what} for {first['iso3']} is given twice")
    table = text.copy()
    table["value"] = table["value"].astype(float)
    table["price_year"] = pd.to_numeric(table["price_year"].replace("", None)).astype("Int64")
    table["months"] = pd.to_numeric(table["months"].replace("", None)).astype("Int64")
    return table


def usd_rates(table: pd.DataFrame) -> dict[str, float]:
    """Units of each currency per US dollar (2023 yearly averages)."""
    rates = table[table["item"] == "usd_rate"]
    return dict(zip(rates["iso3"], rates["value"].astype(float)))


def convert(amount: float, from_currency: str, to_currency: str, table: pd.DataFrame | None = None) -> float:
    """An amount in another currency at the cited 2023 yearly average rates (through the US dollar)."""
    rates = usd_rates(load_cost_table() if table is None else table)
    return float(amount) / rates[from_currency] * rates[to_currency]


def _wdi_value(wdi: pd.DataFrame, iso3: str, indicator: str, name: str, parameter: str) -> tuple[float, int]:
    """A country's WDI value in PRICE_YEAR, or its latest earlier year, and the year used."""
    rows = wdi[(wdi["iso3"] == iso3) & (wdi["indicator"] == indicator) & (wdi["year"] <= PRICE_YEAR)].dropna(subset=["value"])
    if rows.empty:
        raise PathwayInputError(f"WDI has no {indicator!r} for {name} up to {PRICE_YEAR}; give {parameter} in the config")
    latest = rows.loc[rows["year"].idxmax()]
    return float(latest["value"]), int(latest["year"])


def _amount(row: pd.Series) -> str:
    year = f" of {int(row['price_year'])}" if pd.notna(row["price_year"]) else ", price year not stated"
    per = ""
    if row["item"] == "training_cost":
        per = " a year" if row["per"] == "year" else f" for a {int(row['months'])}-month programme"
    return f"{row['currency']} {row['value']:,.0f}{year}{per}"


def _years(count: float) -> str:
    return f"{count:g} year" + ("" if count == 1 else "s")


def cited_figure(table: pd.DataFrame, item: str, place: locations_module.Location, wdi: pd.DataFrame,
                 parameter: str, currency: str, programme: str = "", processed_dir: Path | None = None) -> dict:
    """A country's figure for a cost item (per trainee-year for a training cost), in ``currency``.

    The country's own cited figure, or else that of the cited country
    closest to it in GDP per capita (PPP, WDI), times the ratio of their GDP
    per capita.  A training cost for a programme of so many months is
    expressed per trainee-year (times 12 / months).

    Returns
    -------
    dict
        ``value`` (per trainee-year for a training cost), ``method`` (text),
        ``source_ids``, ``months`` (length of the programme the figure is
        for; ``None`` for a yearly figure) and ``country`` (whose figure).

    Raises
    ------
    PathwayInputError
        When the table has no figure for the item and programme at all, or
        WDI has no GDP per capita to scale by.
    """
    rates = usd_rates(table)
    candidates = table[(table["item"] == item) & (table["programme"] == programme)]
    if candidates.empty:
        raise PathwayInputError(f"the cost table has no {item.replace('_', ' ')} for the programme {programme!r}; "
                                f"give {parameter} in the config")
    own = candidates[candidates["iso3"] == place.iso3]
    if len(own):
        row, ratio, reference = own.iloc[0], 1.0, place
        method = f"cited ({place.name}, {_amount(row)})"
    else:
        income = migration.wdi_latest(wdi, "income", PRICE_YEAR)
        if place.iso3 not in income.index:
            raise PathwayInputError(f"WDI has no GDP per capita for {place.name} up to {PRICE_YEAR}; give {parameter} "
                                    "in the config")
        mine, year = income.loc[place.iso3, "value"], int(income.loc[place.iso3, "year"])
        theirs = income["value"].reindex(candidates["iso3"]).dropna()
        distance = np.abs(np.log(mine / theirs))
        nearest = min(distance.index, key=lambda iso3: (distance[iso3], iso3))
        row = candidates[candidates["iso3"] == nearest].iloc[0]
        reference = locations_module.resolve(nearest, processed_dir)
        ratio = float(mine / theirs[nearest])
        method = (f"scaled from {reference.name} ({_amount(row)}), the cited country closest in GDP per capita, by "
                  f"the ratio of GDP per capita (PPP, WDI {year}), {ratio:.2f}")
    per_year, months = float(row["value"]), None
    if item == "training_cost" and row["per"] == "programme":
        months = int(row["months"])
        per_year = per_year * 12.0 / months
    value = per_year * ratio / rates[row["currency"]] * rates[currency]
    return {"value": value, "method": method, "source_ids": str(row["source_ids"]), "months": months,
            "country": reference.name}


def _training_input(table, place, wdi, parameter, p, side, processed_dir) -> tuple[dict, list[str]]:
    """The whole programme's training cost per trainee in one country, and any warning."""
    if p.programme == "language_placement" or p.programme_years == 0:
        why = ("language and placement only: language, recognition and travel are in the placement cost"
               if p.programme == "language_placement" else "recruitment without training (programme_years 0)")
        return {"parameter": parameter, "value": 0.0, "per_trainee_year": 0.0, "currency": p.currency,
                "method": f"no training cost: {why}", "source_ids": ""}, []
    figure = cited_figure(table, "training_cost", place, wdi, parameter, p.currency, p.programme, processed_dir)
    warnings = []
    if figure["months"] is not None and figure["months"] < 12 and p.programme_years * 12 > figure["months"]:
        warnings.append(f"warning: the {side}'s training cost comes from a {figure['months']}-month "
                        f"{p.programme.replace('_', ' ')} ({figure['country']}) applied per trainee-year to a "
                        f"{p.programme_years}-year programme; give {parameter} if the programme costs otherwise")
    total = figure["value"] * p.programme_years
    return {"parameter": parameter, "value": total, "per_trainee_year": figure["value"], "currency": p.currency,
            "method": f"{figure['method']}; {p.currency} {figure['value']:,.0f} per trainee-year × "
                      f"{_years(p.programme_years)}", "source_ids": figure["source_ids"]}, warnings


def resolve_inputs(parameters: PathwayParameters, processed_dir: Path | None = None) -> pd.DataFrame:
    """Each cost, earnings and remittances input of a pathway: its value in ``currency`` and where it comes from.

    Returns
    -------
    DataFrame
        ``parameter, value, per_trainee_year, currency, method, source_ids``
        for ``cost_per_trainee_origin, cost_per_worker_destination`` (both
        for the whole programme: the cost per trainee-year, in
        ``per_trainee_year``, times ``programme_years``),
        ``placement_cost, earnings_destination, remittances_per_migrant,
        remittances_per_woman, remittances_per_man``.  ``method`` is
        ``given`` (set in the parameters), ``cited …`` (the country's own
        figure), ``scaled from <country> …`` or the WDI computation for
        remittances.  ``attrs["warnings"]`` lists one-line warnings (a
        short-course figure applied to a longer programme).
    """
    p = parameters
    table = load_cost_table()
    origin, destination = corridor(p.origin, p.destination, processed_dir)
    wdi = stocks_module.load_wdi(processed_dir)
    rows, warnings = [], []
    for parameter, place, side in (("cost_per_trainee_origin", origin, "origin"),
                                   ("cost_per_worker_destination", destination, "destination")):
        given = getattr(p, parameter)
        if given is not None:
            rows.append({"parameter": parameter, "value": float(given),
                         "per_trainee_year": float(given) / p.programme_years if p.programme_years else 0.0,
                         "currency": p.currency, "method": "given (the whole programme, per trainee)",
                         "source_ids": ""})
            continue
        row, warned = _training_input(table, place, wdi, parameter, p, side, processed_dir)
        rows.append(row)
        warnings += warned
    for parameter, item in (("placement_cost", "placement_cost"), ("earnings_destination", "earnings")):
        given = getattr(p, parameter)
        if given is not None:
            rows.append({"parameter": parameter, "value": float(given), "per_trainee_year": np.nan,
                         "currency": p.currency, "method": "given", "source_ids": ""})
            continue
        figure = cited_figure(table, item, destination, wdi, parameter, p.currency, processed_dir=processed_dir)
        rows.append({"parameter": parameter, "value": figure["value"], "per_trainee_year": np.nan,
                     "currency": p.currency, "method": figure["method"], "source_ids": figure["source_ids"]})
    rows += _remittance_inputs(p, origin, destination, wdi, usd_rates(table), processed_dir)
    out = pd.DataFrame(rows)
    out.attrs["warnings"] = warnings
    return out


def _remittance_inputs(p: PathwayParameters, origin, destination, wdi: pd.DataFrame, rates: dict,
                       processed_dir: Path | None) -> list[dict]:
    """Remittances per migrant of the pathway (its mix of women and men), per woman and per man, in ``currency``."""
    ratio, share = p.women_remittance_ratio, p.female_share
    ratio_note = (f"a woman sends {ratio:g} times what a man sends (women_remittance_ratio; no open table of "
                  "remittances by sex of sender exists)")
    if p.remittances_per_migrant is not None:
        average = float(p.remittances_per_migrant)
        per_man = average / (1.0 - share + ratio * share)
        method, sources = "given", ""
        split = f"split by sex: {ratio_note}"
    else:
        stocks = stocks_module.load_migrant_stocks(processed_dir)
        try:
            row = migration.corridor_remittances(wdi, stocks, origin.iso3, destination.iso3, PRICE_YEAR, ratio)
        except stocks_module.StocksInputError as error:
            raise PathwayInputError(f"{error} (remittances_per_migrant)") from None
        per_man = row["per_man"] * rates[p.currency]
        average = (share * ratio + 1.0 - share) * per_man
        method = (f"WDI: {origin.name}'s remittances received in {row['remittance_year']} (US$ "
                  f"{row['origin_remittances'] / 1e9:,.2f} billion) shared over its {row['emigrants']:,.0f} emigrants "
                  f"(UN DESA 2024) by emigrants times the destination's GDP per person: US$ "
                  f"{row['per_migrant']:,.0f} per migrant in {destination.name}")
        sources = "S166"
        split = f"split by sex over the women and men of the {row['sex_mix']}: {ratio_note}"
    return [
        {"parameter": "remittances_per_migrant", "value": average, "per_trainee_year": np.nan, "currency": p.currency,
         "method": f"{method}; the pathway's mix, {share:.0%} women", "source_ids": sources},
        {"parameter": "remittances_per_woman", "value": ratio * per_man, "per_trainee_year": np.nan,
         "currency": p.currency, "method": split, "source_ids": "S163;S164"},
        {"parameter": "remittances_per_man", "value": per_man, "per_trainee_year": np.nan, "currency": p.currency,
         "method": split, "source_ids": "S163;S164"},
    ]


def emigrant_stock(iso3: str, processed_dir: Path | None = None, year: int = 2024) -> float:
    """Emigrants from a country living abroad (UN DESA International Migrant Stock, both sexes)."""
    stocks = stocks_module.load_migrant_stocks(processed_dir)
    selected = stocks[(stocks["year"] == year) & (stocks["origin_iso3"] == iso3)]
    return float(selected["migrants"].sum())


def resolve(parameters: PathwayParameters, processed_dir: Path | None = None) -> PathwayParameters:
    """The parameters with every cost, earnings and remittances input filled (see :func:`resolve_inputs`)."""
    inputs = resolve_inputs(parameters.validate(processed_dir), processed_dir)
    values = dict(zip(inputs["parameter"], inputs["value"]))
    filled = {name: values[name] for name in ("cost_per_trainee_origin", "cost_per_worker_destination",
                                              "placement_cost", "earnings_destination", "remittances_per_migrant")}
    by_sex = {"women": values["remittances_per_woman"], "men": values["remittances_per_man"]}
    return dataclasses.replace(parameters, **filled, notes={**parameters.notes, "inputs": inputs,
                                                            "warnings": inputs.attrs["warnings"],
                                                            "remittances_by_sex": by_sex})


# ---------------------------------------------------------------- flows, costs and benefits
PEOPLE_COLUMNS = ("intake", "in_training", "graduates", "dropouts", "graduates_home", "graduates_away", "arrivals",
                  "not_placed", "in_destination", "returned", "attrition_abroad")


def simulate(parameters: PathwayParameters, processed_dir: Path | None = None, last_year: int | None = None) -> pd.DataFrame:
    """Yearly flows, stocks, costs and benefits of a pathway.

    Parameters
    ----------
    parameters : PathwayParameters
        Missing cost, earnings and remittances inputs come from the cited
        table (:func:`resolve_inputs`).
    last_year : int, optional
        Last year of the run; by default the last intake year.  Later years
        show the trainees still in the programme graduating and the returns.
        At most 2100, the last year of the projections.

    Returns
    -------
    DataFrame
        One row per year: ``intake, in_training, graduates, dropouts,
        graduates_home, graduates_away, arrivals, not_placed, in_destination,
        returned, attrition_abroad`` (persons), their cumulative sums
        (``cumulative_*``), ``skilled_in_origin`` (home-track graduates,
        away-track graduates not placed and returners: trained people in the
        origin), costs ``cost_training, cost_placement, cost_total,
        cost_destination_government, cost_origin, cost_employers,
        cumulative_cost``, ``cost_per_migrant`` (cumulative cost per
        cumulative arrival), ``cost_per_skilled_worker`` (per graduate, home
        and away together), and benefits ``earnings`` (of the migrants in the
        destination) and ``remittances`` (sent home), in ``currency``.
        ``attrs["parameters"]`` holds the resolved parameters (their
        ``notes["warnings"]`` any one-line warnings about the inputs).

    Raises
    ------
    PathwayInputError
        For invalid parameters, or a ``last_year`` before the start or after 2100.
    """
    if last_year is not None and not parameters.start_year <= last_year <= LAST_PATHWAY_YEAR:
        raise PathwayInputError(f"last year {last_year} must be from the pathway's start_year {parameters.start_year} "
                                f"to {LAST_PATHWAY_YEAR}, the last year of the projections")
    p = resolve(parameters, processed_dir)
    people = pathway_flows.yearly_flows(p.values(), last_year)
    table = people[["year", *PEOPLE_COLUMNS]].copy()
    table["cost_training"] = (table["in_training"] * p.cost_per_trainee_origin / p.programme_years
                              if p.programme_years else 0.0)
    table["cost_placement"] = table["arrivals"] * p.placement_cost
    table["cost_total"] = table["cost_training"] + table["cost_placement"]
    table["cost_destination_government"] = (p.destination_share_of_training * table["cost_training"]
                                            + (1.0 - p.employer_share_of_placement) * table["cost_placement"])
    table["cost_origin"] = (1.0 - p.destination_share_of_training) * table["cost_training"]
    table["cost_employers"] = p.employer_share_of_placement * table["cost_placement"]
    for column in ("intake", "graduates", "dropouts", "graduates_home", "graduates_away", "arrivals", "not_placed",
                   "returned", "attrition_abroad"):
        table[f"cumulative_{column}"] = table[column].cumsum()
    table["cumulative_cost"] = table["cost_total"].cumsum()
    table["skilled_in_origin"] = (table["cumulative_graduates_home"] + table["cumulative_not_placed"]
                                  + table["cumulative_returned"])
    with np.errstate(divide="ignore", invalid="ignore"):
        table["cost_per_migrant"] = np.where(table["cumulative_arrivals"] > 0,
                                             table["cumulative_cost"] / table["cumulative_arrivals"], np.nan)
        table["cost_per_skilled_worker"] = np.where(table["cumulative_graduates"] > 0,
                                                    table["cumulative_cost"] / table["cumulative_graduates"], np.nan)
    table["earnings"] = table["in_destination"] * p.earnings_destination
    table["remittances"] = table["in_destination"] * p.remittances_per_migrant
    table["cumulative_remittances"] = table["remittances"].cumsum()
    table.attrs["parameters"] = p
    check_conservation(table)
    return table


def check_conservation(table: pd.DataFrame, tolerance: float = 1e-6) -> None:
    """Raise if the pathway's people do not add up (see the module notes)."""
    trained = table["cumulative_intake"] - table["in_training"]
    finished = table["cumulative_graduates"] + table["cumulative_dropouts"]
    away = table["cumulative_graduates_away"]
    accounted = table["in_destination"] + table["cumulative_returned"] + table["cumulative_attrition_abroad"] + table["cumulative_not_placed"]
    scale = max(float(table["cumulative_intake"].iloc[-1]), 1.0) if len(table) else 1.0
    if (trained - finished).abs().max() > tolerance * scale:
        raise AssertionError("pathway flows do not conserve people: intake ≠ graduates + dropouts + in training")
    if (away - accounted).abs().max() > tolerance * scale:
        raise AssertionError("pathway flows do not conserve people: away track ≠ destination + returned + attrition")


def flows_by_sex(pathway: pd.DataFrame) -> pd.DataFrame:
    """Every people flow and stock of a run, and the remittances, split by sex (``female_share`` of each is women).

    Returns
    -------
    DataFrame
        ``year, sex`` (``women``, ``men``), the people columns of
        :func:`simulate` (persons) and ``remittances, cumulative_remittances``
        (in ``currency``: the women and men in the destination times the
        remittances per woman and per man, ``women_remittance_ratio``); the
        two rows of a year add up to its total.
    """
    parameters = pathway.attrs["parameters"]
    share = parameters.female_share
    columns = [c for c in pathway.columns if c in PEOPLE_COLUMNS or c.startswith("cumulative_") and c not in
               ("cumulative_cost", "cumulative_remittances")] + ["skilled_in_origin"]
    women = pathway[["year", *columns]].copy()
    men = women.copy()
    women[columns] = women[columns] * share
    men[columns] = men[columns] * (1.0 - share)
    per_sex = parameters.notes["remittances_by_sex"]
    for frame, sex in ((women, "women"), (men, "men")):
        frame["remittances"] = frame["in_destination"] * per_sex[sex]
        frame["cumulative_remittances"] = frame["remittances"].cumsum()
    women.insert(1, "sex", "women")
    men.insert(1, "sex", "men")
    return pd.concat([women, men], ignore_index=True).sort_values(["year", "sex"], ascending=[True, False],
                                                                  ignore_index=True)


def sex_table(pathway: pd.DataFrame, columns: Iterable[str], every: int = 5) -> pd.DataFrame:
    """Chosen people columns of a run for women and men side by side, every ``every``-th year of the run.

    Returns
    -------
    DataFrame
        ``year`` and ``<column>_women``, ``<column>_men`` for each column (persons).
    """
    rows = milestones(pathway, every)
    share = pathway.attrs["parameters"].female_share
    out = rows[["year"]].copy()
    for column in columns:
        out[f"{column}_women"] = rows[column] * share
        out[f"{column}_men"] = rows[column] * (1.0 - share)
    return out.reset_index(drop=True)


def remittances_by_sex(pathway: pd.DataFrame, every: int = 5) -> pd.DataFrame:
    """The remittances women and men of a run send home, every ``every``-th year, with the amounts per person.

    Returns
    -------
    DataFrame
        ``year, in_destination_women, in_destination_men, per_woman,
        per_man`` (a year, in ``currency``), ``remittances_women,
        remittances_men`` and ``cumulative_remittances_women,
        cumulative_remittances_men`` (in ``currency``).
    """
    by_sex = flows_by_sex(pathway)
    rows = milestones(pathway, every)[["year"]]
    per_sex = pathway.attrs["parameters"].notes["remittances_by_sex"]
    out = rows.copy()
    for sex in ("women", "men"):
        part = by_sex[by_sex["sex"] == sex].set_index("year").loc[rows["year"]]
        out[f"in_destination_{sex}"] = part["in_destination"].to_numpy()
    out["per_woman"], out["per_man"] = per_sex["women"], per_sex["men"]
    for sex in ("women", "men"):
        part = by_sex[by_sex["sex"] == sex].set_index("year").loc[rows["year"]]
        out[f"remittances_{sex}"] = part["remittances"].to_numpy()
        out[f"cumulative_remittances_{sex}"] = part["cumulative_remittances"].to_numpy()
    return out.reset_index(drop=True)


def remittance_sensitivity(parameters: PathwayParameters, ratios: Iterable[float] = (0.8, 1.0, 1.2),
                           processed_dir: Path | None = None) -> pd.DataFrame:
    """A run's remittances for several ratios of a woman's to a man's remittances (``women_remittance_ratio``).

    The default ratios are the sensitivity range of
    :data:`analysis.study.migration.WOMEN_TO_MEN_RANGE` around equal sending.

    Returns
    -------
    DataFrame
        ``women_remittance_ratio, per_woman, per_man`` (a year) and
        ``cumulative_remittances, cumulative_remittances_women,
        cumulative_remittances_men`` (over the run), in ``currency``.
    """
    rows = []
    for ratio in ratios:
        run = simulate(dataclasses.replace(parameters, women_remittance_ratio=float(ratio)), processed_dir)
        by_sex = flows_by_sex(run)
        last = by_sex[by_sex["year"] == run["year"].iloc[-1]].set_index("sex")["cumulative_remittances"]
        per_sex = run.attrs["parameters"].notes["remittances_by_sex"]
        rows.append({"women_remittance_ratio": float(ratio), "per_woman": per_sex["women"], "per_man": per_sex["men"],
                     "cumulative_remittances": float(run["cumulative_remittances"].iloc[-1]),
                     "cumulative_remittances_women": float(last["women"]),
                     "cumulative_remittances_men": float(last["men"])})
    return pd.DataFrame(rows)


def migrants_placed_a_year(pathway: pd.DataFrame, institutions: int = 1) -> float:
    """Migrants a run places a year at its full pace (its largest yearly arrivals), times ``institutions``."""
    return float(pathway["arrivals"].max()) * institutions


def away_share_curve(parameters: PathwayParameters, shares: Iterable[float] = np.linspace(0.1, 0.9, 9)) -> pd.DataFrame:
    """Cost per migrant, per additional skilled worker and migrants at the end, for several away-track shares."""
    resolved = resolve(parameters)
    rows = []
    for share in shares:
        table = simulate(dataclasses.replace(resolved, away_share=float(share)))
        last = table.iloc[-1]
        rows.append({
            "away_share": float(share),
            "cumulative_arrivals": last["cumulative_arrivals"],
            "in_destination": last["in_destination"],
            "graduates_home": last["cumulative_graduates_home"],
            "cumulative_cost": last["cumulative_cost"],
            "cost_per_migrant": last["cost_per_migrant"],
            "cost_per_skilled_worker": last["cost_per_skilled_worker"],
            "cost_per_migrant_destination_training": resolved.cost_per_worker_destination,
        })
    return pd.DataFrame(rows)


def partnerships_needed(
    pathway: pd.DataFrame, workers_needed: float, coverage: float, year: int
) -> dict:
    """Institutions of the pathway's size needed to cover a share of a destination's additional workers.

    Parameters
    ----------
    pathway : DataFrame
        Output of :func:`simulate` for one institution.
    workers_needed : float
        Additional workers the destination needs by ``year`` (e.g. from
        :func:`analysis.study.demand.care_workers`).
    coverage : float
        Share (0–1) of those workers the partnerships should supply.
    year : int
        Year at which the institutions' migrants in the destination are counted.

    Returns
    -------
    dict
        ``institutions`` (rounded up), migrants per institution in the
        destination, workers to cover, the yearly and cumulative cost of
        all institutions up to ``year``, their home-track graduates and the
        trainees they admit a year (``trainees_per_year``).
    """
    if not 0.0 < coverage <= 1.0:
        raise PathwayInputError(f"coverage must be a share in (0, 1], got {coverage}")
    row = pathway[pathway["year"] == year]
    if row.empty:
        raise PathwayInputError(
            f"year {year} is outside the pathway run ({pathway['year'].min()}–{pathway['year'].max()}); lengthen 'years'"
        )
    per_institution = float(row["in_destination"].item())
    to_cover = coverage * max(workers_needed, 0.0)
    if per_institution <= 0:
        raise PathwayInputError(f"an institution has no migrants in the destination by {year}; check the parameters")
    institutions = int(np.ceil(to_cover / per_institution))
    return {
        "year": year,
        "workers_to_cover": to_cover,
        "migrants_per_institution": per_institution,
        "institutions": institutions,
        "yearly_cost_at_full_scale": institutions * float(row["cost_total"].item()),
        "cumulative_cost": institutions * float(row["cumulative_cost"].item()),
        "graduates_home": institutions * float(row["cumulative_graduates_home"].item()),
        "trainees_per_year": institutions * float(row["intake"].item()),
    }


# ---------------------------------------------------------------- through the projection engine
def scenario_block(parameters: PathwayParameters, institutions: int = 1) -> dict:
    """The pathway as a scenario's ``pathways`` block, with ``institutions`` times the intake."""
    values = parameters.values()
    values["annual_intake"] = float(parameters.annual_intake) * institutions
    return values


def scale_name(institutions: int) -> str:
    """The scenario name of a pathway run with ``institutions`` institutions (``with 1 institution``)."""
    return f"with {institutions:,} institution{'' if institutions == 1 else 's'}"


def project(
    parameters: PathwayParameters,
    institutions: int | Iterable[int] = 1,
    base_year: int = 2025,
    end_year: int = 2100,
    processed_dir: Path | None = None,
) -> pd.DataFrame:
    """The origin's and the destination's populations under WPP medium, without and with the pathway.

    The pathway (``institutions`` times its intake) is added to the medium
    scenario as a ``pathways`` block, so its migrants and returners age, die
    and have children in the cohort-component engine.  Several counts of
    institutions (e.g. ``[1, 7]``: the institution as described and the scale
    a coverage target needs) run in one projection.

    Returns
    -------
    DataFrame
        ``location, year, scenario`` (``medium``, and ``with pathway`` for
        one count, else ``with 1 institution``, ``with 7 institutions`` …),
        ``working_age`` (15-64), ``aged_65_plus`` and
        ``potential_support_ratio`` (15-64 per person aged 65+).
    """
    counts = [institutions] if isinstance(institutions, (int, np.integer)) else list(dict.fromkeys(institutions))
    if not counts or any(int(count) < 1 for count in counts):
        raise PathwayInputError(f"institutions must be whole numbers of 1 or more, got {institutions!r}")
    single = isinstance(institutions, (int, np.integer))
    specs = [{"name": "with pathway" if single else scale_name(int(count)), "extends": ["medium"],
              "description": "WPP medium plus the pathway", "pathways": [scenario_block(parameters, int(count))]}
             for count in counts]
    places = corridor(parameters.origin, parameters.destination, processed_dir)
    population = scenarios.projected_population(list(places), ["medium", *specs], base_year, end_year, processed_dir)
    working = indicators.age_band_total(population, "15-64").rename(columns={"population": "working_age"})
    old = indicators.age_band_total(population, "65+").rename(columns={"population": "aged_65_plus"})
    keys = ["location", "scenario", "year"]
    out = working[keys + ["working_age"]].merge(old[keys + ["aged_65_plus"]], on=keys)
    out["potential_support_ratio"] = out["working_age"] / out["aged_65_plus"]
    out["scenario"] = out["scenario"].astype(str)
    return out.sort_values(keys, ignore_index=True)


def projection_effect(projected: pd.DataFrame, years: Iterable[int] | None = None,
                      scenario: str = "with pathway") -> pd.DataFrame:
    """The pathway's effect on each location: working-age population and support ratio, with minus without.

    Parameters
    ----------
    projected : DataFrame
        From :func:`project`.
    years : iterable of int, optional
        Years to keep (default all).
    scenario : str
        The run with the pathway to compare with ``medium`` (``with pathway``,
        or :func:`scale_name` of a count of institutions).

    Returns
    -------
    DataFrame
        ``location, year, working_age_medium, working_age_with_pathway,
        working_age_change, support_ratio_medium, support_ratio_with_pathway,
        support_ratio_change``.
    """
    if scenario not in set(projected["scenario"]):
        raise PathwayInputError(f"no run {scenario!r} in the projection; runs: "
                                f"{', '.join(sorted(set(projected['scenario']) - {'medium'}))}")
    wide = projected.pivot_table(index=["location", "year"], columns="scenario",
                                 values=["working_age", "potential_support_ratio"], observed=True)
    out = pd.DataFrame({
        "working_age_medium": wide[("working_age", "medium")],
        "working_age_with_pathway": wide[("working_age", scenario)],
        "support_ratio_medium": wide[("potential_support_ratio", "medium")],
        "support_ratio_with_pathway": wide[("potential_support_ratio", scenario)],
    }).reset_index()
    out["working_age_change"] = out["working_age_with_pathway"] - out["working_age_medium"]
    out["support_ratio_change"] = out["support_ratio_with_pathway"] - out["support_ratio_medium"]
    if years is not None:
        out = out[out["year"].isin(list(years))]
    order = ["location", "year", "working_age_medium", "working_age_with_pathway", "working_age_change",
             "support_ratio_medium", "support_ratio_with_pathway", "support_ratio_change"]
    return out[order].reset_index(drop=True)


def migrants_by_year(pathway: pd.DataFrame) -> pd.DataFrame:
    """Migrants leaving and returning each year of a run (what the projection adds, year by year)."""
    return pathway[["year", "arrivals", "returned"]].rename(columns={"arrivals": "departures", "returned": "returns"})


# ---------------------------------------------------------------- report tables (skills_partnership)
def parameter_table(parameters: PathwayParameters) -> pd.DataFrame:
    """Each documented parameter: its value, its default and where the default comes from (``DEFAULT_SOURCES``)."""
    defaults = PathwayParameters()
    return pd.DataFrame([{"parameter": name, "value": getattr(parameters, name), "default": getattr(defaults, name),
                          "source of the default": source} for name, source in DEFAULT_SOURCES.items()])


def milestones(pathway: pd.DataFrame, every: int = 5) -> pd.DataFrame:
    """The rows of every ``every``-th year of a run (its 5th, 10th … year), from :func:`simulate`."""
    if every < 1:
        raise PathwayInputError(f"every must be 1 or more, got {every}")
    return pathway[(pathway["year"] - pathway["year"].min()) % every == every - 1]


def totals(pathway: pd.DataFrame) -> pd.Series:
    """A run's state at its last year (the last row of :func:`simulate`).

    Adds ``cumulative_lost_abroad``: away-track graduates never placed plus
    those who left the pathway abroad, so that the away track equals
    ``in_destination + cumulative_returned + cumulative_lost_abroad``.
    """
    last = pathway.iloc[-1].copy()
    last["cumulative_lost_abroad"] = last["cumulative_attrition_abroad"] + last["cumulative_not_placed"]
    return last


def remittance_context(parameters: PathwayParameters, pathway: pd.DataFrame, processed_dir: Path | None = None) -> pd.DataFrame:
    """The run's remittances beside the origin's own (WDI): one row.

    Returns
    -------
    DataFrame
        ``origin, year, origin_remittances_usd, origin_gdp_usd,
        remittances_share_of_gdp, pathway_remittances_last_year`` (in
        ``currency``) and ``pathway_share_of_origin_remittances``.
    """
    place = locations_module.resolve(parameters.origin, processed_dir)
    wdi = stocks_module.load_wdi(processed_dir)
    received, year = _wdi_value(wdi, place.iso3, "remin", place.name, "remittances_per_migrant")
    gdp, _ = _wdi_value(wdi, place.iso3, "gdp", place.name, "remittances_per_migrant")
    last = float(pathway["remittances"].iloc[-1])
    currency = pathway.attrs["parameters"].currency
    in_usd = convert(last, currency, "USD")
    return pd.DataFrame({"origin": [place.name], "year": [year], "origin_remittances_usd": [received],
                         "origin_gdp_usd": [gdp], "remittances_share_of_gdp": [received / gdp],
                         "pathway_remittances_last_year": [last], "pathway_share_of_origin_remittances": [in_usd / received]})


def input_source_ids(parameters: PathwayParameters) -> list[str]:
    """The source ids behind a resolved run's cost, earnings and remittances inputs (``S18`` …), in order."""
    inputs = parameters.notes.get("inputs")
    if inputs is None:
        raise PathwayInputError("the parameters are not resolved: pass the result of pathways.resolve")
    ids = {source for cell in inputs["source_ids"] for source in str(cell).split(";") if source}
    return sorted(ids, key=lambda source: int(source[1:]))


def config_files(parameters: PathwayParameters) -> list[dict]:
    """Files a pathway run read: its config (when read from one) and the cited cost table, with SHA-256."""
    files = []
    if "config" in parameters.notes:
        files.append({"role": "pathway config", "path": parameters.notes["config"],
                      "sha256": parameters.notes["config_sha256"]})
    files.append({"role": "cost table", "path": str(COSTS_FILE), "sha256": sha256_of(COSTS_FILE)})
    return files
