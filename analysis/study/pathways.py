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
agree.

Accounting identities, checked on every run:

* intake = graduates + dropouts + still in training;
* away-track graduates = in the destination + returned + attrition (not placed,
  plus those who left the pathway abroad).

Costs and benefits are origin- and destination-specific: training cost per
trainee by origin, placement cost, earnings and the cost of training a worker
by destination come from a small cited table
(``partnerships/data/pathway_costs.csv``: a source and a quote per value);
where a country has no figure of its own, the reference country's figure is
scaled by the ratio of GDP per capita (PPP, WDI) and the table of inputs says
so.  Remittances per migrant default to the origin's personal remittances
received (WDI) per emigrant (UN DESA International Migrant Stock 2024).  Every
amount is converted to ``currency`` at the cited 2022 yearly average rates.
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
from analysis.data.tables import sha256_of
from analysis.errors import DataError, InputError
from analysis.model import pathway_flows, scenarios
from analysis.model.pathway_flows import PATHWAY_FIELDS, PathwayFieldError
from analysis.study import indicators


class PathwayInputError(InputError):
    """An invalid pathway parameter; the message names it and what is valid."""


class CostTableError(DataError):
    """The cited cost table breaks its rules (a value its source does not quote, an unknown source)."""


DATA_DIR = Path(__file__).parent / "partnerships" / "data"
COSTS_FILE = DATA_DIR / "pathway_costs.csv"
SOURCES_FILE = DATA_DIR / "partnership_sources.csv"
#: Year of the currency conversion and of the WDI income and remittances used to scale and to estimate.
PRICE_YEAR = 2022

#: Where each default comes from (source ids refer to partnership_sources.csv).
DEFAULT_SOURCES: dict[str, str] = {
    "annual_intake": "assumption: one institution of 200 trainees a year (PALIM trained 120, S19)",
    "ages": "assumption: graduates migrate aged 20-39",
    "female_share": "OECD (2023): 80 % or more of long-term care workers are women (S153)",
    "programme_years": "assumption: a two-year vocational programme",
    "completion_rate": "assumption: 0.6, between Australian VET completion (41.4 %, S44) and German dual-training "
                       "contracts not dissolved early (75.3 %, S45)",
    "away_share": "GSP design proposals: 50 % away (PALIM plan of March 2019, S20; Kosovo YES plan, S48)",
    "placement_rate": "assumption: 0.8; Triple Win had 62 % of placed nurses arrived at end-2019, the rest still "
                      "in preparation (S14)",
    "annual_attrition": "assumption: 5 % a year leave the pathway abroad (they stay in the destination)",
    "return_share": "assumption informed by MENTOR II: 27 % had returned by October 2024 (S34)",
    "return_after": "assumption: return after 5 years",
    "currency": "EUR; conversions at the 2022 yearly average rates, 0.951 EUR and 0.811 GBP per US$ (S151, S152)",
    "cost_per_trainee_origin": "cited table by origin: PALIM, Morocco, EUR 12,470 per trainee, an upper bound (S18); "
                               "other origins scaled by GDP per capita (PPP, WDI 2022)",
    "cost_per_worker_destination": "cited table by destination: at least GBP 26,000 per nurse training post in England "
                                   "(S148); other destinations scaled by GDP per capita (PPP, WDI 2022)",
    "placement_cost": "cited table by destination: Triple Win, Germany, EUR 9,500 (lower end, S16); NHS, GBP 10,000 "
                      "(lower end, S148); other destinations scaled by GDP per capita (PPP, WDI 2022)",
    "destination_share_of_training": "GSP design: the destination pays for both tracks (S46)",
    "employer_share_of_placement": "Triple Win: employers pay placement costs (S16)",
    "earnings_destination": "cited table by destination: median care-worker pay, Germany 2022 (S149) and England 2022 "
                            "(S150); other destinations scaled by GDP per capita (PPP, WDI 2022)",
    "remittances_per_migrant": "WDI: the origin's personal remittances received in 2022 divided by its emigrants "
                               "(UN DESA International Migrant Stock 2024)",
}


@dataclass(frozen=True)
class PathwayParameters:
    """Parameters of a skills-partnership pathway (meaning, range and default of each: ``PATHWAY_FIELDS``).

    ``None`` for a cost, earnings or remittances field means: from the cited
    table for this origin and destination (see :func:`resolve_inputs`).
    """

    origin: str = PATHWAY_FIELDS["origin"].default
    destination: str = PATHWAY_FIELDS["destination"].default
    sector: str = PATHWAY_FIELDS["sector"].default
    start_year: int = PATHWAY_FIELDS["start_year"].default
    years: int = PATHWAY_FIELDS["years"].default
    annual_intake: float = PATHWAY_FIELDS["annual_intake"].default
    ages: str = PATHWAY_FIELDS["ages"].default
    female_share: float = PATHWAY_FIELDS["female_share"].default
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
    notes: dict = field(default_factory=dict, compare=False)

    def validate(self) -> "PathwayParameters":
        """Raise :class:`PathwayInputError` for a value of the wrong type, not finite or outside its range."""
        try:
            pathway_flows.check_values(self.values())
        except PathwayFieldError as error:
            raise PathwayInputError(str(error).removeprefix("pathway: ")) from None
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


COST_ITEMS = {
    # item: (parameter, side)
    "training_cost_per_trainee": ("cost_per_trainee_origin", "origin"),
    "placement_cost": ("placement_cost", "destination"),
    "worker_training_cost_destination": ("cost_per_worker_destination", "destination"),
    "earnings": ("earnings_destination", "destination"),
}


def load_cost_table(path: Path = COSTS_FILE, sources_path: Path = SOURCES_FILE) -> pd.DataFrame:
    """The cited table of pathway costs, earnings and exchange rates, checked (cached while the files are unchanged).

    Every value is finite and positive, equals its ``derivation`` (the
    arithmetic from the quoted figures), and each figure in ``quoted`` occurs
    in the quote of a cited source.

    Raises
    ------
    CostTableError
        Naming the row and what is wrong.
    """
    stamps = tuple(Path(p).stat().st_mtime_ns for p in (path, sources_path))
    return _checked_cost_table(str(path), str(sources_path), stamps).copy()


@functools.lru_cache(maxsize=8)
def _checked_cost_table(path: str, sources_path: str, stamps: tuple) -> pd.DataFrame:  # noqa: ARG001 (stamps invalidate)
    table = pd.read_csv(path, dtype={"source_ids": str, "quoted": str, "iso3": str})
    sources = pd.read_csv(sources_path, dtype=str).set_index("id")
    known_items = set(COST_ITEMS) | {"usd_rate"}
    for row in table.itertuples():
        where = f"{Path(path).name}, row {row.Index + 2} ({row.item}, {row.iso3})"
        if row.item not in known_items:
            raise CostTableError(f"{where}: unknown item; valid: {', '.join(sorted(known_items))}")
        if row.currency not in pathway_flows.CURRENCIES:
            raise CostTableError(f"{where}: currency {row.currency!r} is not one of {', '.join(pathway_flows.CURRENCIES)}")
        if not np.isfinite(row.value) or row.value <= 0:
            raise CostTableError(f"{where}: value {row.value!r} must be a positive number")
        try:
            derived = _arithmetic(row.derivation)
        except (ValueError, SyntaxError):
            raise CostTableError(f"{where}: derivation {row.derivation!r} is not plain arithmetic on numbers") from None
        if abs(derived - row.value) > 0.005 * max(abs(row.value), 1e-9):
            raise CostTableError(f"{where}: value {row.value} does not equal its derivation {row.derivation} = {derived:g}")
        cited = [s for s in str(row.source_ids).split(";") if s and s != "nan"]
        missing = sorted(set(cited) - set(sources.index))
        if missing:
            raise CostTableError(f"{where}: unknown source ids {missing}")
        if row.item != "usd_rate" or row.iso3 != "USD":
            if not cited:
                raise CostTableError(f"{where}: a value without a source")
            quotes = " ".join(sources.loc[cited, "quote"])
            for figure in str(row.quoted).split("|"):
                if figure not in quotes:
                    raise CostTableError(f"{where}: {figure!r} does not occur in the quotes of {', '.join(cited)}")
    duplicated = table.duplicated(["item", "iso3"])
    if duplicated.any():
        first = table[duplicated].iloc[0]
        raise CostTableError(f"{Path(path).name}: {first['item']} for {first['iso3']} is given twice")
    return table


def usd_rates(table: pd.DataFrame) -> dict[str, float]:
    """Units of each currency per US dollar (2022 yearly averages)."""
    rates = table[table["item"] == "usd_rate"]
    return dict(zip(rates["iso3"], rates["value"].astype(float)))


def convert(amount: float, from_currency: str, to_currency: str, table: pd.DataFrame | None = None) -> float:
    """An amount in another currency at the cited 2022 yearly average rates (through the US dollar)."""
    rates = usd_rates(load_cost_table() if table is None else table)
    return float(amount) / rates[from_currency] * rates[to_currency]


def _wdi_value(wdi: pd.DataFrame, iso3: str, indicator: str, name: str, parameter: str) -> tuple[float, int]:
    """A country's WDI value in PRICE_YEAR, or its latest earlier year, and the year used."""
    rows = wdi[(wdi["iso3"] == iso3) & (wdi["indicator"] == indicator) & (wdi["year"] <= PRICE_YEAR)].dropna(subset=["value"])
    if rows.empty:
        raise PathwayInputError(f"WDI has no {indicator!r} for {name} up to {PRICE_YEAR}; give {parameter} in the config")
    latest = rows.loc[rows["year"].idxmax()]
    return float(latest["value"]), int(latest["year"])


def resolve_inputs(parameters: PathwayParameters, processed_dir: Path | None = None) -> pd.DataFrame:
    """Each cost, earnings and remittances input of a pathway: its value in ``currency`` and where it comes from.

    Returns
    -------
    DataFrame
        ``parameter, value, currency, method, source_ids`` for
        ``cost_per_trainee_origin, placement_cost,
        cost_per_worker_destination, earnings_destination,
        remittances_per_migrant``.  ``method`` is ``given`` (set in the
        parameters), ``cited`` (the country's own figure), ``scaled from
        <country> by GDP per capita (PPP, WDI <year>), ratio r`` or the WDI
        computation for remittances.
    """
    p = parameters
    table = load_cost_table()
    rates = usd_rates(table)
    places = {side: locations_module.resolve(getattr(p, side), processed_dir) for side in ("origin", "destination")}
    for side, place in places.items():
        if not place.is_country:
            raise PathwayInputError(f"pathway {side} {place.name!r} must be a country, not a group of countries")
    wdi = stocks_module.load_wdi(processed_dir)
    rows = []
    for item, (parameter, side) in COST_ITEMS.items():
        given = getattr(p, parameter)
        if given is not None:
            rows.append({"parameter": parameter, "value": float(given), "currency": p.currency, "method": "given",
                         "source_ids": ""})
            continue
        place = places[side]
        candidates = table[table["item"] == item]
        own = candidates[candidates["iso3"] == place.iso3]
        if len(own):
            row = own.iloc[0]
            value = float(row["value"]) / rates[row["currency"]] * rates[p.currency]
            method = f"cited ({place.name}, {row['currency']} {row['value']:,.0f} of {row['price_year']})"
        else:
            row = candidates.iloc[0]  # the reference country: the item's first row
            reference = locations_module.resolve(row["iso3"], processed_dir)
            mine, year = _wdi_value(wdi, place.iso3, "income", place.name, parameter)
            theirs, reference_year = _wdi_value(wdi, reference.iso3, "income", reference.name, parameter)
            ratio = mine / theirs
            value = float(row["value"]) * ratio / rates[row["currency"]] * rates[p.currency]
            method = (f"scaled from {reference.name} ({row['currency']} {row['value']:,.0f}) by GDP per capita "
                      f"(PPP, WDI {year}), ratio {ratio:.2f}")
        rows.append({"parameter": parameter, "value": value, "currency": p.currency, "method": method,
                     "source_ids": str(row["source_ids"])})
    if p.remittances_per_migrant is not None:
        rows.append({"parameter": "remittances_per_migrant", "value": float(p.remittances_per_migrant),
                     "currency": p.currency, "method": "given", "source_ids": ""})
    else:
        value, method = remittances_per_migrant(places["origin"], wdi, processed_dir)
        rows.append({"parameter": "remittances_per_migrant", "value": value * rates[p.currency], "currency": p.currency,
                     "method": method, "source_ids": ""})
    return pd.DataFrame(rows)


def remittances_per_migrant(origin: locations_module.Location, wdi: pd.DataFrame | None = None,
                            processed_dir: Path | None = None) -> tuple[float, str]:
    """US dollars a year an emigrant of ``origin`` sends home, as the pathway model takes it, and how it is computed.

    The origin's personal remittances received (WDI, :data:`PRICE_YEAR` or the
    latest earlier year) divided by its emigrants (UN DESA 2024, all
    destinations): an average over every emigrant, remitting or not.

    Raises
    ------
    PathwayInputError
        When WDI has no remittances for the origin, or UN DESA no emigrants.
    """
    wdi = stocks_module.load_wdi(processed_dir) if wdi is None else wdi
    received, year = _wdi_value(wdi, origin.iso3, "remin", origin.name, "remittances_per_migrant")
    emigrants = emigrant_stock(origin.iso3, processed_dir)
    if emigrants <= 0:
        raise PathwayInputError(f"UN DESA counts no emigrants from {origin.name}; give remittances_per_migrant")
    method = (f"WDI: {origin.name}'s remittances received in {year} (US$ {received / 1e9:,.2f} billion) / its "
              f"{emigrants:,.0f} emigrants (UN DESA 2024)")
    return received / emigrants, method


def emigrant_stock(iso3: str, processed_dir: Path | None = None, year: int = 2024) -> float:
    """Emigrants from a country living abroad (UN DESA International Migrant Stock, both sexes)."""
    stocks = stocks_module.load_migrant_stocks(processed_dir)
    selected = stocks[(stocks["year"] == year) & (stocks["origin_iso3"] == iso3)]
    return float(selected["migrants"].sum())


def resolve(parameters: PathwayParameters, processed_dir: Path | None = None) -> PathwayParameters:
    """The parameters with every cost, earnings and remittances input filled (see :func:`resolve_inputs`)."""
    inputs = resolve_inputs(parameters.validate(), processed_dir)
    filled = dict(zip(inputs["parameter"], inputs["value"]))
    return dataclasses.replace(parameters, **filled, notes={**parameters.notes, "inputs": inputs})


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
    """
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
    """Every people flow and stock of a run split by sex (``female_share`` of each is women).

    Returns
    -------
    DataFrame
        ``year, sex`` (``women``, ``men``) and the people columns of
        :func:`simulate` (persons); the two rows of a year add up to its total.
    """
    share = pathway.attrs["parameters"].female_share
    columns = [c for c in pathway.columns if c in PEOPLE_COLUMNS or c.startswith("cumulative_") and c not in
               ("cumulative_cost", "cumulative_remittances")] + ["skilled_in_origin"]
    women = pathway[["year", *columns]].copy()
    men = women.copy()
    women[columns] = women[columns] * share
    men[columns] = men[columns] * (1.0 - share)
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


def project(
    parameters: PathwayParameters,
    institutions: int = 1,
    base_year: int = 2025,
    end_year: int = 2100,
    processed_dir: Path | None = None,
) -> pd.DataFrame:
    """The origin's and the destination's populations under WPP medium, without and with the pathway.

    The pathway (``institutions`` times its intake) is added to the medium
    scenario as a ``pathways`` block, so its migrants and returners age, die
    and have children in the cohort-component engine.

    Returns
    -------
    DataFrame
        ``location, year, scenario`` (``medium``, ``with pathway``),
        ``working_age`` (15-64), ``aged_65_plus`` and
        ``potential_support_ratio`` (15-64 per person aged 65+).
    """
    spec = {"name": "with pathway", "extends": ["medium"], "description": "WPP medium plus the pathway",
            "pathways": [scenario_block(parameters, institutions)]}
    places = [locations_module.resolve(getattr(parameters, side), processed_dir) for side in ("origin", "destination")]
    population = scenarios.projected_population(places, ["medium", spec], base_year, end_year, processed_dir)
    working = indicators.age_band_total(population, "15-64").rename(columns={"population": "working_age"})
    old = indicators.age_band_total(population, "65+").rename(columns={"population": "aged_65_plus"})
    keys = ["location", "scenario", "year"]
    out = working[keys + ["working_age"]].merge(old[keys + ["aged_65_plus"]], on=keys)
    out["potential_support_ratio"] = out["working_age"] / out["aged_65_plus"]
    out["scenario"] = out["scenario"].astype(str)
    return out.sort_values(keys, ignore_index=True)


def projection_effect(projected: pd.DataFrame, years: Iterable[int] | None = None) -> pd.DataFrame:
    """The pathway's effect on each location: working-age population and support ratio, with minus without.

    Parameters
    ----------
    projected : DataFrame
        From :func:`project`.
    years : iterable of int, optional
        Years to keep (default all).

    Returns
    -------
    DataFrame
        ``location, year, working_age_medium, working_age_with_pathway,
        working_age_change, support_ratio_medium, support_ratio_with_pathway,
        support_ratio_change``.
    """
    wide = projected.pivot_table(index=["location", "year"], columns="scenario",
                                 values=["working_age", "potential_support_ratio"], observed=True)
    out = pd.DataFrame({
        "working_age_medium": wide[("working_age", "medium")],
        "working_age_with_pathway": wide[("working_age", "with pathway")],
        "support_ratio_medium": wide[("potential_support_ratio", "medium")],
        "support_ratio_with_pathway": wide[("potential_support_ratio", "with pathway")],
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


def config_files(parameters: PathwayParameters) -> list[dict]:
    """Files a pathway run read: its config (when read from one) and the cited cost table, with SHA-256."""
    files = []
    if "config" in parameters.notes:
        files.append({"role": "pathway config", "path": parameters.notes["config"],
                      "sha256": parameters.notes["config_sha256"]})
    files.append({"role": "cost table", "path": str(COSTS_FILE), "sha256": sha256_of(COSTS_FILE)})
    return files
