"""Types and ranges of every notebook parameter, checked before a report computes anything.

Each notebook's ``parameters`` cell holds literals only; papermill replaces
them with the values of ``reports.yml`` or of ``-p`` options, which may come
as text (``"1e4"``) or be out of range (``horizon: -30``).  :func:`check` is
called by each notebook's first cell and by ``python -m analysis matrix`` for
every run of ``reports.yml``, so a bad value is refused with one line before a
report is built.  Numeric strings become numbers; NaN, infinities, fractions
where a whole number is expected, and values outside their range are refused.

``horizon`` means the same in every notebook: the last year, a calendar year
after ``base_year`` (at most 2100).  ``africa_working_age`` once took a number
of years; such a value (5 to 150) is still accepted, turned into the year it
meant, with a one-line ``note:``.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from analysis.data import locations
from analysis.data.config import Field, check as check_schema
from analysis.data.conventions import FIRST_YEAR, LAST_YEAR, parse_age_band
from analysis.data.stocks import check_year as check_stock_year
from analysis.errors import InputError, note
from analysis.model import pathway_flows, people_flows, scenarios
from analysis.model.inputs import PROBABILISTIC_BASE_YEAR
from analysis.study import income_scenarios, pathways, skills
from analysis.study.migration import check_south_definition


class ParameterError(InputError):
    """A notebook parameter has the wrong type or is out of range."""


def _income_growth(scenario: Any) -> float:
    """:func:`analysis.study.income_scenarios.income_growth`, which raises a one-line error for a bad scenario."""
    return income_scenarios.income_growth(scenario)


def _scenario(reference: Any) -> None:
    """A scenario the comparison can load: a built-in name, a YAML file (from the repository root) or ``a+b``.

    Loaded here, before a kernel starts, so that a missing, unreadable or
    invalid file (``/dev/zero``, ``../../etc/passwd``) is refused in one line.
    """
    try:
        scenarios.load(reference)
    except InputError as error:
        raise ParameterError(f"scenario_names: {' '.join(str(error).split())}") from None


def _observed_partnership(partnership_id: Any) -> None:
    """A partnership of the cited dataset whose achieved numbers give pathway parameters (``observed``)."""
    # imported here: the dataset's loader and the pathway model are needed by the partnerships report only
    from analysis.study.partnerships import as_pathways, records

    try:
        as_of = records.access_year(records.load_partnership_sources())  # as the report reads undated counts
        as_pathways.observed_parameters(records.load_partnerships(), partnership_id, as_of=as_of)
    except InputError as error:
        raise ParameterError(f"observed: {' '.join(str(error).split())}") from None


def _return_event(event_id: Any) -> None:
    """An event of the cited return-events dataset (``R01`` …), whose count sets the scenario's size."""
    # imported here: the dataset's loader is needed by the returns report only
    from analysis.study.returns import events

    try:
        events.event(events.load_return_events(), event_id)
    except InputError as error:
        raise ParameterError(f"return_event: {' '.join(str(error).split())}") from None


def _return_years(years: Any) -> None:
    """The years of a returns block (``2030-2035``: from 1 July 2030 to 1 July 2035)."""
    try:
        people_flows.parse_years(years, "return_years")
    except people_flows.FlowFieldError as error:
        raise ParameterError(str(error)) from None


def _pathway_check(name: str) -> Callable[[Any], Any]:
    """The pathway model's own check of one of its fields (type, finiteness, range)."""
    def check_value(value: Any) -> Any:
        try:
            return pathway_flows.check_field(name, value, where="notebook skills_partnership parameters")
        except pathway_flows.PathwayFieldError as error:
            raise ParameterError(str(error)) from None

    return check_value


def _education_level(level: Any) -> None:
    """An education level of the skills-supply report (``upper-secondary``, ``post-secondary``, …)."""
    skills.parse_levels([level])


def _location(value: Any) -> None:
    """A location the report can resolve (a name, code, group, ``A+B`` or a list of members): unknown ones fail here,
    in one line with close matches, before a kernel starts."""
    locations.resolve(value)


def _country(value: Any) -> None:
    place = locations.resolve(value)
    if not place.is_country:
        raise ParameterError(f"{place.name} is not a country; a country profile needs one country "
                             "(a name, ISO-3 or M49 code)")


NAME = Field(str, pattern=r"\S.{0,199}", what="a name of 1 to 200 characters")
#: A location of a report: resolved when checked; ``LOCATION_OR_GROUP`` also takes a list of members (one group).
LOCATION = Field(str, pattern=r"\S.{0,199}", what="a name of 1 to 200 characters", check=_location)
LOCATION_OR_GROUP = Field((str, list), pattern=r"\S.{0,1999}", what="a name, or a list of names", check=_location)
COUNTRY = Field(str, pattern=r"\S.{0,199}", what="a name of 1 to 200 characters", check=_country)
YEAR = Field(int, low=FIRST_YEAR, high=LAST_YEAR)
SHARE = Field((int, float), low=0.0, high=1.0)
COST = Field((int, float), low=0.0, high=10_000_000.0)
AGES = Field(str, check=parse_age_band)
STOCK_YEAR = Field(int, check=check_stock_year)
TOP = Field(int, low=1, high=100)
#: Trajectories of a report's probabilistic projection (reports keep them modest: see the methods) and its seed.
TRAJECTORIES = Field(int, low=100, high=100_000)
VALIDATION_TRAJECTORIES = Field(int, low=1000, high=100_000)
SEED = Field(int, low=0, high=2**63 - 1)
#: The last year of a report's comparison, in every notebook (checked against ``base_year`` by :func:`_horizon`).
HORIZON_MEANING = "the last year, a calendar year"
HORIZON = Field(int, low=FIRST_YEAR, high=LAST_YEAR, what=HORIZON_MEANING)
#: africa_working_age also accepts its old meaning, a number of years after ``base_year`` (ranges: :func:`_horizon`).
HORIZON_OR_YEARS = Field(int, what=HORIZON_MEANING)

#: Each notebook's parameters (the names of its ``parameters`` cell) and their types and ranges.
SCHEMAS: dict[str, dict[str, Any]] = {
    "africa_working_age": {
        "location": LOCATION_OR_GROUP, "ages": AGES, "base_year": YEAR, "horizon": HORIZON_OR_YEARS,
        "variants": [Field(str, choices=("medium", "low", "high"))], "first_year": YEAR, "top_n": TOP,
        "trajectories": TRAJECTORIES, "seed": SEED,
    },
    "country_profile": {
        "country": COUNTRY, "base_year": YEAR, "compare_year": YEAR, "stock_year": STOCK_YEAR,
    },
    "destination_demand": {
        "destination": LOCATION, "base_year": Field(int, low=2025, high=LAST_YEAR - 5), "horizon": HORIZON,
        "support_ratio_floor": Field((int, float), low=0.0, low_open=True, high=50.0), "migrant_ages": AGES,
        "migrant_female_share": SHARE,
        "care_workers_per_100_aged_65": Field((int, float), low=0.0, low_open=True, high=100.0),
        "origin_region": LOCATION, "employment_rate": Field((int, float), low=0.0, low_open=True, high=1.0),
        "trajectories": TRAJECTORIES, "seed": SEED,
    },
    "migration_context": {
        "year": STOCK_YEAR, "origin_region": LOCATION, "south_definition": Field(str, check=check_south_definition),
        "income_scenario": Field((str, int, float), check=_income_growth), "country": LOCATION, "top_n": TOP,
    },
    "scenario_comparison": {
        "location": LOCATION_OR_GROUP,
        "scenario_names": [Field(str, pattern=r"\S.{0,199}", what="a name of 1 to 200 characters", check=_scenario)],
        "ages": AGES, "base_year": YEAR, "horizon": HORIZON,
        "trajectories": VALIDATION_TRAJECTORIES, "seed": SEED,
    },
    "skills_partnership": {
        **{name: Field(object, check=_pathway_check(name)) for name in (
            "origin", "destination", "sector", "start_year", "years", "annual_intake", "ages", "female_share",
            "programme", "programme_years", "completion_rate", "away_share", "placement_rate", "annual_attrition",
            "return_share", "return_after", "currency", "cost_per_trainee_origin", "cost_per_worker_destination",
            "placement_cost", "destination_share_of_training", "employer_share_of_placement", "earnings_destination",
            "remittances_per_migrant", "women_remittance_ratio")},
        "coverage": Field((int, float), low=0.0, low_open=True, high=1.0),
        "target_year": YEAR, "care_workers_per_100_aged_65": Field((int, float), low=0.0, low_open=True, high=100.0),
    },
    "skills_supply": {
        "location": LOCATION_OR_GROUP, "ages": AGES, "years": [YEAR], "levels": [Field(str, check=_education_level)],
        "young_ages": AGES, "completion_ages": AGES, "first_year": YEAR, "top_n": TOP, "destinations": [LOCATION],
    },
    "returns_and_flows": {
        "location": NAME, "top_n": TOP, "return_event": Field(str, pattern=r"R\d{2,3}", what="a return event id",
                                                             check=_return_event),
        "return_from": NAME, "return_to": [NAME], "return_years": Field(str, check=_return_years), "return_ages": AGES,
        "horizon": Field(int, low=2035, high=LAST_YEAR, what=HORIZON_MEANING,
                         check=lambda year: _five_years(year, "horizon")),
        "trajectories": TRAJECTORIES, "seed": SEED,
    },
    "skills_demand": {
        "destination": NAME, "comparison": [NAME], "base_year": Field(int, low=2025, high=LAST_YEAR - 5),
        "horizons": [Field(int, low=2030, high=LAST_YEAR, what=HORIZON_MEANING)], "origin": NAME, "trajectories": TRAJECTORIES, "seed": SEED,
    },
    "partnerships": {
        "base_year": Field(int, low=2025, high=LAST_YEAR - 5), "horizon": HORIZON,
        "care_workers_per_100_aged_65": Field((int, float), low=0.0, low_open=True, high=100.0),
        "destination": LOCATION, "top_n": TOP,
        "observed": [Field(str, pattern=r"\S.{0,199}", what="a partnership id", check=_observed_partnership)],
    },
}


def location_parameters(notebook: str) -> list[str]:
    """The names of a notebook's parameters that are locations (resolved when checked)."""
    places = (LOCATION, LOCATION_OR_GROUP, COUNTRY)
    return [name for name, spec in SCHEMAS.get(notebook, {}).items()
            if spec in places or (isinstance(spec, list) and spec[0] in places)]


def _five_years(year: int, name: str) -> None:
    if year % 5:
        raise ParameterError(f"{name} {year} must be one of 2035, 2040, …, {LAST_YEAR} (the projection's years)")


def _returns_and_flows(values: Mapping) -> None:
    start, end = people_flows.parse_years(values["return_years"], "return_years")
    if start < 2025:
        raise ParameterError(f"return_years {values['return_years']} start before 2025, the projection's base year")
    if values["horizon"] < end:
        raise ParameterError(f"horizon ({values['horizon']}) must not come before the return ends ({end})")
    places = {str(place).strip().lower() for place in values["return_to"]}
    if str(values["return_from"]).strip().lower() in places:
        raise ParameterError(f"return_from {values['return_from']!r} is also in return_to; a return needs two places")


def _in_order(values: Mapping, earlier: str, later: str) -> None:
    if values[earlier] >= values[later]:
        raise ParameterError(f"{later} ({values[later]}) must come after {earlier} ({values[earlier]})")


def _horizon(notebook: str, years_too: bool = False) -> Callable[[dict], None]:
    """The check of ``horizon``: the last year, after ``base_year``; with ``years_too``, also its old meaning.

    ``africa_working_age`` took a number of years until ``horizon`` got one
    meaning in every notebook; a value of 5 to 150 there is read as years after
    ``base_year``, replaced by the year it meant, with a ``note:``.
    """
    def check_horizon(values: dict) -> None:
        horizon, base = values["horizon"], values["base_year"]
        if years_too and 5 <= horizon <= LAST_YEAR - FIRST_YEAR:
            year = base + horizon
            if year > LAST_YEAR:
                raise ParameterError(f"notebook {notebook} parameters: horizon {horizon}, read as a number of years "
                                     f"(its old meaning), ends in {year}, after {LAST_YEAR}: horizon is "
                                     f"{HORIZON_MEANING}, {base + 5}-{LAST_YEAR}")
            note(f"horizon {horizon} is read as a number of years, its old meaning in {notebook} ({base} + {horizon} "
                 f"= {year}); horizon is now the last year in every report: give horizon {year}")
            values["horizon"] = horizon = year
        if not base < horizon <= LAST_YEAR:
            raise ParameterError(f"notebook {notebook} parameters: horizon {horizon} is not valid: horizon is "
                                 f"{HORIZON_MEANING}, {base + 5}-{LAST_YEAR} (after base_year {base})")

    return check_horizon


def _africa_working_age(values: Mapping) -> None:
    if values["base_year"] < PROBABILISTIC_BASE_YEAR:
        raise ParameterError(f"base_year {values['base_year']} comes before {PROBABILISTIC_BASE_YEAR}: the report's "
                             f"probabilistic projection starts from WPP's 1 July {PROBABILISTIC_BASE_YEAR} population")
    if values["first_year"] > values["base_year"]:
        raise ParameterError(f"first_year ({values['first_year']}) must not come after base_year ({values['base_year']})")
    missing = [variant for variant in ("medium", "low", "high") if variant not in values["variants"]]
    if missing:
        raise ParameterError(f"variants must include medium, low and high (the increase is quoted with its low-high "
                             f"range); {', '.join(missing)} missing")


def _pathway_values(values: dict) -> None:
    """The pathway parameters as the pathway model reads them (``"1e4"`` a number), for the checks after."""
    for name in values:
        if name in pathway_flows.PATHWAY_FIELDS:
            values[name] = pathway_flows.check_field(name, values[name], where="notebook skills_partnership parameters")


def _skills_partnership(values: Mapping) -> None:
    # the study layer's one check of a pathway (two different countries, a run that ends by 2100, …)
    try:
        pathways.PathwayParameters(**{name: values[name] for name in pathway_flows.PATHWAY_FIELDS}).validate()
    except InputError as error:
        raise ParameterError(f"notebook skills_partnership parameters: {error}") from None
    last = values["start_year"] + values["years"] - 1
    if not values["start_year"] <= values["target_year"] <= last:
        raise ParameterError(f"target_year ({values['target_year']}) must fall within the pathway run "
                             f"({values['start_year']}–{last}); change target_year or years")


def _skills_demand(values: Mapping) -> None:
    early = [year for year in values["horizons"] if year <= values["base_year"]]
    if early:
        raise ParameterError(f"horizon {early[0]} must come after base_year ({values['base_year']})")
    wrong = [year for year in [values["base_year"], *values["horizons"]] if year % 5]
    if wrong:
        raise ParameterError(f"year {wrong[0]} is not on the projections' 5-year grid (2025, 2030, …)")


def _not_empty(name: str) -> Callable[[Mapping], None]:
    def check_list(values: Mapping) -> None:
        if not values[name]:
            raise ParameterError(f"{name} must not be empty")

    return check_list


#: Checks that involve several parameters of one notebook.
CROSS_CHECKS: dict[str, list[Callable[[Mapping], None]]] = {
    "africa_working_age": [_horizon("africa_working_age", years_too=True), _africa_working_age],
    "country_profile": [lambda values: _in_order(values, "base_year", "compare_year")],
    "destination_demand": [_horizon("destination_demand")],
    "scenario_comparison": [_horizon("scenario_comparison"), _not_empty("scenario_names")],
    "skills_supply": [_not_empty("years"), _not_empty("levels"), _not_empty("destinations")],
    "skills_demand": [_not_empty("comparison"), _not_empty("horizons"), _skills_demand],
    "partnerships": [_horizon("partnerships"), _not_empty("observed")],
    "skills_partnership": [_pathway_values, _skills_partnership],
    "returns_and_flows": [_not_empty("return_to"), _returns_and_flows],
}


def check(notebook: str, **values: Any) -> dict:
    """Check a notebook's parameters; return them with numeric strings turned into numbers.

    Parameters
    ----------
    notebook : str
        The notebook's name (``"africa_working_age"``).
    **values
        Its parameters, all of them (a notebook passes its ``parameters`` cell's names).

    Raises
    ------
    ParameterError
        One line naming the parameter, what it must be and what it got.
    """
    if notebook not in SCHEMAS:
        raise ParameterError(f"no parameter schema for notebook {notebook!r}; known: {', '.join(SCHEMAS)}")
    schema = SCHEMAS[notebook]
    checked = check_schema(values, schema, f"notebook {notebook} parameters", ParameterError, required=schema)
    for name, spec in schema.items():
        items = checked.get(name)
        if isinstance(spec, list) and isinstance(items, list):
            repeated = next((item for index, item in enumerate(items) if item in items[:index]), None)
            if repeated is not None:  # a variant or year listed twice would be shown, or summed, twice
                raise ParameterError(f"notebook {notebook} parameters: {name!r} lists {repeated!r} twice; "
                                     "give each value once")
    for cross_check in CROSS_CHECKS.get(notebook, []):
        cross_check(checked)
    return checked
