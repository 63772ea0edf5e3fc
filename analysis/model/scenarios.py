"""Scenarios as data: loading, validating and composing them into engine inputs.

A scenario is a dict (or a YAML file) with a ``name`` and any of the sections
below; built-in scenarios live in ``analysis/scenarios/*.yml`` and can be
combined with ``extends`` (or ``a+b`` on the command line)::

    name: fast-fertility-decline
    description: Fertility falls to 1.8 by 2050 on a logistic path.
    extends: [medium]            # scenarios applied first, in order
    variant: medium              # WPP inputs: medium, low or high
    fertility:
      mode: target               # wpp | constant | replacement | target
      target_tfr: 1.8
      target_year: 2050
      path: logistic             # linear | logistic
    mortality:
      e0_change: 2.0             # years added to life expectancy at birth ...
      by_year: 2050              # ... reached by this year (then held)
      path: linear
    migration:
      scale: 0.5                 # WPP net migration times this (0 = none)
    pathways:                    # labour-pathway outflows
      - origin: Nigeria
        destination: Germany     # optional: the migrants also arrive there
        annual: 10000            # people leaving each year
        ages: 20-39              # age band of those leaving (5-year groups)
        female_share: 0.5
        start_year: 2025
        end_year: 2100
        return_share: 0.3        # share coming back ...
        return_after: 10         # ... this many years later (multiple of 5)

Later scenarios override earlier ones section by section; pathway lists add up.
"""

from __future__ import annotations

import copy
import difflib
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from analysis.data import config
from analysis.data import locations as locations_module
from analysis.data.conventions import LAST_YEAR, PROJECTION_VARIANTS, IndicatorInputError, distinct, parse_age_band
from analysis.errors import InputError
from analysis.model import projection
from analysis.model.demography import replacement_tfr, scale_mortality_to_e0
from analysis.model.inputs import DEFAULT_BASE_YEAR, wpp_inputs
from analysis.model.projection import STEP, ProjectionError, ProjectionInputs

SCENARIO_DIR = Path(__file__).with_name("scenarios")

SCHEMA: dict[str, Any] = {
    "name": str,
    "description": str,
    "extends": (list, str),
    "variant": str,
    "fertility": {"mode": str, "target_tfr": (int, float), "target_year": int, "path": str},
    "mortality": {"e0_change": (int, float), "by_year": int, "path": str},
    "migration": {"scale": (int, float)},
    "pathways": [
        {
            "origin": (str, int),
            "destination": (str, int, type(None)),
            "annual": (int, float),
            "ages": str,
            "female_share": (int, float),
            "start_year": int,
            "end_year": int,
            "return_share": (int, float),
            "return_after": int,
        }
    ],
}
FERTILITY_MODES = ("wpp", "constant", "replacement", "target")
PATHS = ("linear", "logistic")
#: Upper bounds of scenario values (beyond them a projection would be meaningless, not just extreme).
MAX_MIGRATION_SCALE = 10.0
MAX_PATHWAY_ANNUAL = 10_000_000
PATHWAY_DEFAULTS = {"destination": None, "ages": "20-39", "female_share": 0.5, "return_share": 0.0, "return_after": 10}


class ScenarioError(InputError):
    """An invalid scenario; the message names the scenario, the field and what is valid."""


# ---------------------------------------------------------------- loading
def builtin_names() -> list[str]:
    """Names of the built-in scenarios."""
    return sorted(path.stem for path in SCENARIO_DIR.glob("*.yml"))


def list_scenarios() -> pd.DataFrame:
    """Built-in scenarios with their descriptions."""
    rows = []
    for name in builtin_names():
        spec = load(name)
        rows.append({"scenario": name, "description": " ".join(spec.get("description", "").split())})
    return pd.DataFrame(rows)


def load(reference: str | Path | Mapping) -> dict:
    """A validated scenario from a built-in name, a YAML path, ``a+b`` or a dict, with ``extends`` resolved.

    Files are read by :func:`analysis.data.config.read_mapping` (regular
    files only, size-capped, one line for any decoding or YAML error) and
    checked against :data:`SCHEMA` (numeric strings such as ``1e4`` become
    numbers; NaN and infinities are refused).

    Raises
    ------
    ScenarioError
        Unknown scenario, unreadable file, unknown field, invalid value or a loop of ``extends``.
    """
    return _load(reference, ())


def _is_file_reference(text: str) -> bool:
    """Whether a scenario reference names a file rather than a built-in scenario."""
    if Path(text).suffix in (".yml", ".yaml") or "/" in text or "\\" in text:
        return True
    try:
        return Path(text).exists()
    except OSError:  # e.g. a name too long for the file system: let the reader say so
        return True


def _load(reference: str | Path | Mapping, chain: tuple[str, ...]) -> dict:
    if isinstance(reference, Mapping):
        spec = dict(reference)
        origin = f"scenario {spec.get('name', '<dict>')!r}"
        key = f"scenario {spec.get('name', '<dict>')}"
    else:
        text = str(reference).strip()
        if not text:
            raise ScenarioError(f"empty scenario name; give a built-in name ({', '.join(builtin_names())}), "
                                "a path to a YAML file, or a+b to compose")
        if "+" in text and not _is_file_reference(text):
            parts = [part.strip() for part in text.split("+")]
            if not all(parts):
                raise ScenarioError(f"scenario {text!r} has an empty part around '+'; compose two or more scenarios "
                                    "as a+b, e.g. medium+zero-migration")
            return compose([_load(part, chain) for part in parts], name=text)
        if _is_file_reference(text):
            path, key = Path(text), f"file {text}"
        elif text in builtin_names():
            path, key = SCENARIO_DIR / f"{text}.yml", text
        else:
            close = difflib.get_close_matches(text, builtin_names(), n=3)
            hint = f"did you mean: {', '.join(close)}? " if close else ""
            raise ScenarioError(
                f"unknown scenario {config.shown(repr(text), 60)}; {hint}built-in: {', '.join(builtin_names())}; "
                "or give a path to a YAML file"
            )
        spec = config.read_mapping(path, "scenario file", ScenarioError,
                                   example="name, description, extends, variant, fertility, mortality, migration, pathways")
        spec.setdefault("name", path.stem)
        origin = f"scenario {spec['name']!r}"
    chain = config.check_extends(chain, key, origin, ScenarioError)
    spec = check_fields(spec, SCHEMA, origin)
    parents = spec.get("extends") or []
    parents = [parents] if isinstance(parents, str) else parents
    if not all(isinstance(parent, str) for parent in parents):
        raise ScenarioError(f"{origin}: 'extends' must list scenario names or files, got {parents!r}")
    if parents:
        own = {k: v for k, v in spec.items() if k != "extends"}
        return compose([_load(parent, chain) for parent in parents] + [own], name=spec["name"])
    validate_values(spec)
    return spec


def load_all(references: Iterable[str | Path | Mapping]) -> list[dict]:
    """Load several scenarios; one named twice counts once (with a note), two different ones with one name are refused.

    Raises
    ------
    ScenarioError
        For no scenario, any invalid scenario, or two different scenarios
        with the same name (their rows could not be told apart).
    """
    if isinstance(references, (str, Path, Mapping)):
        references = [references]
    specs = [load(reference) for reference in references]
    if not specs:
        raise ScenarioError(f"no scenario given; built-in: {', '.join(builtin_names())}")
    for index, spec in enumerate(specs):
        for other in specs[:index]:
            if other["name"] == spec["name"] and other != spec:
                raise ScenarioError(f"two different scenarios are named {spec['name']!r}; give one of them another "
                                    "name (the field 'name' of its file)")
    return distinct(specs, key=lambda spec: spec["name"], what="scenario", label=lambda spec: spec["name"])


def check_fields(spec: Mapping, schema: Mapping, where: str) -> dict:
    """Reject unknown fields, wrong types and non-finite numbers (with close matches); return the spec, numbers coerced."""
    return config.check(spec, schema, where, ScenarioError)


def validate_values(spec: Mapping) -> None:
    """Check values: variants, modes, TFR > 0, years within range, shares within 0–1."""
    name = f"scenario {spec.get('name', '<unnamed>')!r}"
    label = spec.get("name", "<unnamed>")
    if not isinstance(label, str) or not 0 < len(label) <= 200 or not label.isprintable():
        raise ScenarioError(f"{name}: the name must be 1 to 200 printable characters")
    if spec.get("variant", "medium") not in PROJECTION_VARIANTS:
        raise ScenarioError(f"{name}: variant {spec['variant']!r} is not one of {', '.join(PROJECTION_VARIANTS)}")
    fertility = spec.get("fertility") or {}
    mode = fertility.get("mode", "target" if "target_tfr" in fertility else "wpp")
    if mode not in FERTILITY_MODES:
        raise ScenarioError(f"{name}: fertility mode {mode!r} is not one of {', '.join(FERTILITY_MODES)}")
    if mode == "target":
        if "target_tfr" not in fertility or "target_year" not in fertility:
            raise ScenarioError(f"{name}: fertility mode 'target' needs target_tfr and target_year")
        if fertility["target_tfr"] <= 0:
            raise ScenarioError(f"{name}: target_tfr must be positive (children per woman), got {fertility['target_tfr']}")
        if fertility["target_tfr"] > 10:
            raise ScenarioError(f"{name}: target_tfr {fertility['target_tfr']} is implausible (above 10 children per woman)")
        _check_year(name, "fertility target_year", fertility["target_year"])
    if fertility.get("path", "linear") not in PATHS:
        raise ScenarioError(f"{name}: fertility path {fertility['path']!r} is not one of {', '.join(PATHS)}")
    mortality = spec.get("mortality") or {}
    if mortality:
        if "e0_change" not in mortality:
            raise ScenarioError(f"{name}: mortality needs e0_change (years added to life expectancy at birth)")
        if abs(mortality["e0_change"]) > 30:
            raise ScenarioError(f"{name}: e0_change {mortality['e0_change']} years is outside ±30")
        _check_year(name, "mortality by_year", mortality.get("by_year", LAST_YEAR))
        if mortality.get("path", "linear") not in PATHS:
            raise ScenarioError(f"{name}: mortality path {mortality['path']!r} is not one of {', '.join(PATHS)}")
    migration = spec.get("migration") or {}
    if not 0 <= migration.get("scale", 1.0) <= MAX_MIGRATION_SCALE:
        scale = migration["scale"]
        raise ScenarioError(f"{name}: migration scale must be 0 or more" if scale < 0 else
                            f"{name}: migration scale {scale:g} is above {MAX_MIGRATION_SCALE:g} times WPP's net migration")
    for index, pathway in enumerate(spec.get("pathways") or []):
        where = f"{name}, pathways[{index}]"
        for required in ("origin", "annual"):
            if required not in pathway:
                raise ScenarioError(f"{where}: {required!r} is required")
        if pathway["annual"] < 0:
            raise ScenarioError(f"{where}: annual must be 0 or more people per year, got {pathway['annual']}")
        if pathway["annual"] > MAX_PATHWAY_ANNUAL:
            raise ScenarioError(f"{where}: annual {pathway['annual']:g} is above {MAX_PATHWAY_ANNUAL:,.0f} people a year")
        for share in ("female_share", "return_share"):
            value = pathway.get(share, PATHWAY_DEFAULTS[share])
            if not 0 <= value <= 1:
                raise ScenarioError(f"{where}: {share} must be between 0 and 1, got {value}")
        after = pathway.get("return_after", PATHWAY_DEFAULTS["return_after"])
        if after < STEP or after % STEP or after > LAST_YEAR - 1950:
            raise ScenarioError(f"{where}: return_after must be a multiple of 5 years (5, 10, …, 150), got {after}")
        for key in ("start_year", "end_year"):
            if key in pathway:
                _check_year(where, key, pathway[key])
        if pathway.get("start_year", 0) > pathway.get("end_year", LAST_YEAR):
            raise ScenarioError(f"{where}: start_year is after end_year")
        try:
            parse_age_band(pathway.get("ages", PATHWAY_DEFAULTS["ages"]))
        except IndicatorInputError as error:
            raise ScenarioError(f"{where}: {error}") from None


def _check_year(where: str, key: str, year: int) -> None:
    if not 1950 <= year <= LAST_YEAR:
        raise ScenarioError(f"{where}: {key} {year} is outside 1950–2100")


def compose(specs: Sequence[Mapping], name: str | None = None) -> dict:
    """Combine scenarios: later ones override earlier ones section by section; pathways add up."""
    out: dict[str, Any] = {}
    for spec in specs:
        for key, value in spec.items():
            if key in ("name", "description", "extends"):
                continue
            if key == "pathways":
                out.setdefault("pathways", []).extend(copy.deepcopy(value))
            elif isinstance(value, Mapping):
                section = dict(out.get(key) or {})
                if key == "fertility" and "mode" in value:
                    section = {}  # a new fertility mode replaces the old one's settings
                section.update(value)
                out[key] = section
            else:
                out[key] = value
    out["name"] = name or "+".join(str(spec.get("name", "?")) for spec in specs)
    out["description"] = " Then: ".join(str(spec["description"]).strip() for spec in specs if spec.get("description"))
    validate_values(out)
    return out




# ---------------------------------------------------------------- applying scenarios
def _ramp(period_mid: np.ndarray, start: float, end: float, path: str) -> np.ndarray:
    """Weights from 0 (at ``start``) to 1 (at ``end`` and after) along a linear or logistic path.

    Scenario paths start from the first projection period (weight 0: WPP's own
    level) and reach the target in the period whose middle is at or after ``end``.
    """
    progress = np.clip((period_mid - start) / max(end - start, 1e-9), 0.0, 1.0)
    if path == "logistic":
        steep = 10.0
        raw = 1.0 / (1.0 + np.exp(-steep * (progress - 0.5)))
        low, high = 1.0 / (1.0 + np.exp(steep * 0.5)), 1.0 / (1.0 + np.exp(-steep * 0.5))
        return (raw - low) / (high - low)
    return progress






def pathway_flows(pathway: Mapping, inputs: ProjectionInputs, resolve) -> tuple[int, int | None, np.ndarray]:
    """Net migrants (L-independent) of one pathway: origin code, destination code, (P, 2, 21) outflow array.

    Emigrants leave evenly over the years of each period (``annual`` × years
    active), spread evenly over the age groups of ``ages`` by age at the end of
    the period, ``female_share`` of them women.  ``return_share`` of each
    period's emigrants come back ``return_after`` years later, that many years
    older (mortality abroad is ignored).
    """
    spec = {**PATHWAY_DEFAULTS, **pathway}
    origin = resolve(spec["origin"])
    if not origin.is_country:
        raise ScenarioError(f"pathway origin {origin.name!r} must be a country, not a group of countries")
    destination = resolve(spec["destination"]) if spec["destination"] is not None else None
    if destination is not None and not destination.is_country:
        raise ScenarioError(f"pathway destination {destination.name!r} must be a country")
    band = parse_age_band(spec["ages"])
    groups = band.contains(np.arange(0, 101, 5))
    start_year = spec.get("start_year", inputs.base_year)
    end_year = spec.get("end_year", LAST_YEAR)
    P = inputs.n_periods
    period_start = inputs.base_year + STEP * np.arange(P)
    # years of each period in which the pathway runs (start_year inclusive, end_year exclusive)
    active_years = np.clip(np.minimum(period_start + STEP, end_year) - np.maximum(period_start, start_year), 0, STEP)
    leaving = spec["annual"] * active_years  # (P,)
    sex_split = np.array([1.0 - spec["female_share"], spec["female_share"]])
    age_split = groups / groups.sum()
    outflow = -leaving[:, None, None] * sex_split[None, :, None] * age_split[None, None, :]
    lag = spec["return_after"] // STEP
    if spec["return_share"] > 0 and lag < P:
        back = -spec["return_share"] * outflow[: P - lag]  # by age group at departure
        older = np.zeros_like(back)
        older[..., lag:] = back[..., : projection.N_AGES - lag]
        older[..., -1] += back[..., projection.N_AGES - lag :].sum(axis=-1)  # the oldest stay in 100+
        outflow[lag:] += older
    return origin.code, (destination.code if destination else None), outflow


def apply(spec: Mapping, inputs: ProjectionInputs, resolve=None) -> ProjectionInputs:
    """Engine inputs under a scenario (a validated spec, see :func:`load`).

    ``inputs`` must come from the scenario's WPP ``variant``; ``resolve``
    turns a location query into a :class:`~analysis.data.locations.Location`
    (:func:`analysis.data.locations.resolve` by default).
    """
    resolve = resolve or locations_module.resolve
    out = inputs.copy()
    out.label = spec.get("name", out.label)
    period_mid = inputs.base_year + STEP * np.arange(inputs.n_periods) + STEP / 2

    fertility = spec.get("fertility") or {}
    mode = fertility.get("mode", "target" if "target_tfr" in fertility else "wpp")
    if mode == "constant":
        out.tfr = np.repeat(inputs.tfr[:, :1], inputs.n_periods, axis=1)
    elif mode == "replacement":
        out.tfr = replacement_tfr(out)
    elif mode == "target":
        if fertility["target_year"] <= inputs.base_year:
            raise ScenarioError(
                f"scenario {out.label!r}: fertility target_year {fertility['target_year']} is not after the base year {inputs.base_year}"
            )
        weight = _ramp(period_mid, period_mid[0], fertility["target_year"], fertility.get("path", "linear"))
        start_tfr = inputs.tfr[:, :1]
        out.tfr = start_tfr + (fertility["target_tfr"] - start_tfr) * weight[None, :]

    mortality = spec.get("mortality") or {}
    if mortality:
        by_year = mortality.get("by_year", LAST_YEAR)
        if by_year <= inputs.base_year:
            raise ScenarioError(f"scenario {out.label!r}: mortality by_year {by_year} is not after the base year {inputs.base_year}")
        weight = _ramp(period_mid, period_mid[0], by_year, mortality.get("path", "linear"))
        baseline_e0 = projection.life_table(inputs.mx)["e0"]  # (L, P, 2)
        target = baseline_e0 + mortality["e0_change"] * weight[None, :, None]
        out.mx = scale_mortality_to_e0(inputs.mx, target)
        out.notes["e0"] = projection.life_table(out.mx)["e0"]

    migration = spec.get("migration") or {}
    if "scale" in migration:
        scale = float(migration["scale"])
        out.net_migrants = np.nan_to_num(out.net_migrants) * scale if scale == 0 else out.net_migrants * scale

    codes = list(out.location_codes)
    for pathway in spec.get("pathways") or []:
        origin, destination, flows = pathway_flows(pathway, out, resolve)
        for code, sign in ((origin, 1.0), (destination, -1.0)):
            if code is None:
                continue
            if code not in codes:
                raise ScenarioError(f"scenario {out.label!r}: pathway location {code} is not among the projected countries")
            out.net_migrants[codes.index(code)] += sign * flows
    return out


def run(
    scenario: str | Mapping = "medium",
    base_year: int = DEFAULT_BASE_YEAR,
    end_year: int = LAST_YEAR,
    location_codes: Iterable[int] | None = None,
    processed_dir: Path | None = None,
) -> projection.ProjectionResult:
    """Load a scenario, build its inputs from WPP and project all countries.

    Raises
    ------
    ScenarioError
        For an invalid scenario, including one that drives population negative.
    """
    spec = load(scenario)
    inputs = wpp_inputs(spec.get("variant", "medium"), base_year, end_year, location_codes, processed_dir)
    scenario_inputs = apply(spec, inputs, lambda query: locations_module.resolve(query, processed_dir))
    if np.isnan(scenario_inputs.net_migrants).any():
        raise ScenarioError(
            f"scenario {spec['name']!r}: net migration by age and sex exists from the period 2020–2025 on; "
            f"for base year {base_year}, add zero-migration (e.g. {spec['name']}+zero-migration)"
        )
    try:
        result = projection.project(scenario_inputs)
    except ProjectionError as error:
        raise ScenarioError(f"scenario {spec['name']!r} is not feasible: {error}") from None
    _check_feasible(spec, result, inputs, processed_dir)
    return result


#: A scenario may leave at most this many more emigrants unrealised (nobody left
#: to leave) in a location and period than the WPP inputs themselves do.
UNREALISED_TOLERANCE = 1000.0


def _check_feasible(spec: Mapping, result: projection.ProjectionResult, inputs: ProjectionInputs,
                    processed_dir: Path | None = None) -> None:
    """Raise when the scenario asks more people to leave than there are (population would turn negative)."""
    unrealised = result.unrealised_emigration.sum(axis=(2, 3))  # (L, P)
    if unrealised.max() <= UNREALISED_TOLERANCE:
        return
    baseline = projection.project(inputs).unrealised_emigration.sum(axis=(2, 3))
    excess = unrealised - baseline
    if excess.max() <= UNREALISED_TOLERANCE:
        return
    period = int(np.argmax((excess > UNREALISED_TOLERANCE).any(axis=0)))  # the first period it happens
    where = (int(np.argmax(excess[:, period])), period)
    code = int(inputs.location_codes[where[0]])
    start = inputs.base_year + STEP * period
    name = locations_module.index(processed_dir).locations.loc[code, "name"]
    raise ScenarioError(
        f"scenario {spec['name']!r} drives the population of {name} negative: in {start}–{start + STEP} "
        f"{excess[where]:,.0f} more people would have to leave than live there in the ages concerned; "
        "lower the outflow (pathway 'annual' or migration 'scale')"
    )


def projected_population(
    locations: Sequence,
    scenario_refs: Sequence[str | Mapping] = ("medium",),
    base_year: int = DEFAULT_BASE_YEAR,
    end_year: int = LAST_YEAR,
    processed_dir: Path | None = None,
) -> pd.DataFrame:
    """Projected population by sex and age for locations under one or more scenarios.

    Every country is projected (the engine is vectorised, so this costs little)
    and groups are summed over their members.

    Returns
    -------
    DataFrame
        ``location, year, scenario, sex, age, age_start, population``.
    """
    resolved = locations_module.resolve_all(locations, processed_dir)
    frames = []
    for spec in load_all(scenario_refs):
        result = run(spec, base_year, end_year, processed_dir=processed_dir)
        frames.append(locations_module.aggregate_locations(result.population_table(), resolved, sum_members=True))
    out = pd.concat(frames, ignore_index=True)
    out["scenario"] = pd.Categorical(out["scenario"], categories=list(dict.fromkeys(out["scenario"])))
    return out.sort_values(["location", "scenario", "year", "sex", "age"], ignore_index=True)


def components(
    locations: Sequence,
    scenario_refs: Sequence[str | Mapping] = ("medium",),
    base_year: int = DEFAULT_BASE_YEAR,
    end_year: int = LAST_YEAR,
    processed_dir: Path | None = None,
) -> pd.DataFrame:
    """Components of change per period (births, deaths, net migration) for locations and scenarios."""
    resolved = locations_module.resolve_all(locations, processed_dir)
    frames = []
    for spec in load_all(scenario_refs):
        table = run(spec, base_year, end_year, processed_dir=processed_dir).components_table()
        for location in resolved:
            part = table[table["location_code"].isin(location.members)]
            summed = part.drop(columns=["location_code"]).groupby(
                ["scenario", "period_start", "period_end"], sort=True
            ).sum(numeric_only=True).reset_index()
            summed.insert(0, "location", location.name)
            frames.append(summed)
    return pd.concat(frames, ignore_index=True)


# ---------------------------------------------------------------- checks on the outputs (scenario_comparison)
def balance_summary(components_table: pd.DataFrame) -> pd.DataFrame:
    """How closely the components of change balance: P(t+5) = P(t) + births - deaths + net migration.

    Parameters
    ----------
    components_table : DataFrame
        From :func:`components` (column ``balance_error``, persons).

    Returns
    -------
    DataFrame
        One row: ``periods`` (rows checked) and ``largest_error`` (the largest
        absolute imbalance of any period, persons).
    """
    return pd.DataFrame({"periods": [len(components_table)],
                         "largest_error": [float(components_table["balance_error"].abs().max())]})
