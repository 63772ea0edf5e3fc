"""Scenarios as data: loading, validating and composing them into engine inputs.

A scenario is a dict (or a YAML file) with a ``name`` and any of the sections
below; built-in scenarios live in ``analysis/model/scenarios/*.yml`` and can
be combined with ``extends`` (or ``a+b`` on the command line)::

    name: faster-decline-west-africa
    description: Fertility in Western Africa falls to 2.1 by 2050.   # optional: generated from the blocks
    extends: [medium]            # scenarios applied first, in order
    variant: medium              # WPP inputs: medium, low or high
    fertility:                   # one block, or a list of blocks applied in order
      - locations: [Western Africa, Chad]   # countries or groups, by name, ISO-3 or M49 code (default: everywhere)
        mode: target             # wpp | constant | replacement | target
        target_tfr: 2.1
        target_year: 2050
        path: linear             # linear | logistic
        past_target: follow      # hold (default) | follow: where WPP's own path goes past the target
        start_year: 2025         # optional: leave WPP's path from this year (default: after the first period)
    mortality:
      e0_change: 2.0             # years added to WPP's life expectancy at birth ...
      by_year: 2050              # ... reached by this year (then held); or target_e0 + target_year
    migration:
      - {scale: 0.5}             # WPP net migration times this (0 = none), everywhere
      - {scale: 0, locations: [Nigeria]}
    pathways:                    # labour pathways: the fields of analysis.model.pathway_flows.PATHWAY_FIELDS
      - origin: Nigeria          # or locations: [...] (the pathway runs from each of these countries)
        destination: Germany
        annual_intake: 10000     # trainees (or, with programme_years: 0, recruits) a year
        programme_years: 0
        completion_rate: 1
        away_share: 1
        placement_rate: 1
        start_year: 2025
        years: 25
        return_share: 0.3
        return_after: 8          # years; need not be a multiple of 5
      - {config: my-pathway.yml} # a pathway config file (as for `analysis pathway --config`), path relative to this file
    flows:                       # people counted in persons: see analysis.model.people_flows
      - {from: Nigeria, to: [Germany, Italy], persons_per_year: 20000, years: 2030-2040}
    returns:                     # the same, from the migrants' destination back to their origin
      - {from: GCC, to: [Ethiopia, Kenya, Uganda], persons: 1500000, years: 2030-2035}

**Blocks.**  ``fertility``, ``mortality`` and ``migration`` take one block or a
list of blocks; each may name ``locations`` (countries or groups).  Blocks
apply in order: where two blocks name the same country, the later one wins;
every block is computed from the WPP variant's own inputs, never from an
earlier block.  A block without ``locations`` applies to every country.  A
country no block names keeps the WPP inputs exactly (bit for bit).  Later
scenarios (``extends``, ``a+b``) add their blocks after the earlier ones';
pathway, flow and return lists add up.  Only a part that sets ``variant``
chooses the WPP inputs; parts that set different ones are refused
(:func:`compose`).

**People moved.**  :func:`moved_people_lines` gives the ``#`` lines every
data command prints: the people each ``flows``, ``returns`` or ``pathways``
block moved, by period and sex, with the shares of a group and the defaults
a block took.

**Targets** (a TFR or a life expectancy reached by ``target_year``) are
measured against WPP's own path: see :func:`target_path`.

**Descriptions.**  A scenario without its own ``description`` gets one
generated from its blocks (:func:`describe`), never its parent's.

**Provenance.**  ``spec["files"]`` lists every file a scenario read (itself,
the scenarios it extends, pathway configs) with its SHA-256.
"""

from __future__ import annotations

import copy
import difflib
import math
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from analysis import paths
from analysis.data import config, tables
from analysis.data import locations as locations_module
from analysis.data.conventions import LAST_YEAR, PROJECTION_VARIANTS, distinct
from analysis.data.tables import sha256_of
from analysis.errors import InputError, note
from analysis.model import pathway_flows, people_flows, projection
from analysis.model.demography import replacement_tfr, scale_mortality_to_e0
from analysis.model.inputs import DEFAULT_BASE_YEAR, wpp_inputs
from analysis.model.pathway_flows import PathwayFieldError
from analysis.model.projection import STEP, ProjectionError, ProjectionInputs

SCENARIO_DIR = Path(__file__).with_name("scenarios")

NUMBER = (int, float)
LOCATIONS = (list, str, int)
SCHEMA: dict[str, Any] = {
    "name": str,
    "description": str,
    "extends": (list, str),
    "variant": str,
    "fertility": {"locations": LOCATIONS, "mode": str, "target_tfr": NUMBER, "target_year": int, "path": str,
                  "start_year": int, "past_target": str},
    "mortality": {"locations": LOCATIONS, "e0_change": NUMBER, "by_year": int, "target_e0": NUMBER, "target_year": int,
                  "path": str, "start_year": int, "past_target": str},
    "migration": {"locations": LOCATIONS, "scale": NUMBER},
    "pathways": None,  # checked against analysis.model.pathway_flows.PATHWAY_FIELDS (+ locations, config)
    "flows": None,  # checked by analysis.model.people_flows.check_block
    "returns": None,
}
BLOCK_SECTIONS = ("fertility", "mortality", "migration")
#: Sections whose blocks move people (lists that add up when scenarios are composed).
PEOPLE_SECTIONS = ("pathways",) + people_flows.SECTIONS
FERTILITY_MODES = ("wpp", "constant", "replacement", "target")
PATHS = ("linear", "logistic")
PAST_TARGET = ("hold", "follow")
#: Largest migration scale: beyond it a projection would be meaningless, not just extreme.
MAX_MIGRATION_SCALE = 10.0
#: Steepness of the logistic path: its steepest step is about 1.66 times the linear path's.
LOGISTIC_STEEPNESS = 6.0


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


def _file_record(path: Path, role: str) -> dict:
    return {"role": role, "path": str(path), "sha256": sha256_of(path)}


def find_file(text: str | Path, base_dir: Path | None = None) -> Path | None:
    """A scenario or config file: as given, then relative to ``base_dir``, then to the repository root."""
    path = Path(text).expanduser()
    candidates = [path] if path.is_absolute() else [p for p in (
        (base_dir / path) if base_dir is not None else None, Path.cwd() / path, paths.ROOT / path) if p is not None]
    for candidate in candidates:
        try:
            if candidate.is_file():
                return candidate.resolve()
        except OSError:  # e.g. a name too long for the file system: the reader reports it
            return None
    return None


def load(reference: str | Path | Mapping, _loading: tuple[Path, ...] = ()) -> dict:
    """A validated scenario from a built-in name, a YAML path, ``a+b`` or a dict, with ``extends`` resolved.

    Returns
    -------
    dict
        The scenario with ``fertility``, ``mortality``, ``migration`` and
        ``pathways`` as lists of complete blocks, a ``description`` (its own,
        or generated from its blocks) and ``files`` (each file read, with
        its SHA-256).

    Files are read by :func:`analysis.data.config.read_mapping` (regular
    files only, size-capped, one line for any decoding or YAML error, a field
    given twice refused) and checked against :data:`SCHEMA` (numeric strings
    such as ``1e4`` become numbers; NaN and infinities are refused).

    Raises
    ------
    ScenarioError
        Unknown scenario, unreadable file, unknown field, invalid value or a loop of ``extends``.
    """
    base_dir = None
    files: list[dict] = []
    if isinstance(reference, Mapping) and "files" in reference:
        return copy.deepcopy(dict(reference))  # already loaded (a user's dict cannot hold "files")
    if isinstance(reference, Mapping):
        spec = dict(reference)
    else:
        text = str(reference).strip()
        if not text:
            raise ScenarioError(f"empty scenario name; give a built-in name ({', '.join(builtin_names())}), "
                                "a path to a YAML file, or a+b to compose")
        path = find_file(text)
        if "+" in text and path is None and not _is_file_reference(text):
            parts = [part.strip() for part in text.split("+")]
            if not all(parts):
                raise ScenarioError(f"scenario {config.shown(repr(text), 60)} has an empty part around '+'; compose "
                                    "two or more scenarios as a+b, e.g. medium+zero-migration")
            return compose([load(part, _loading) for part in parts], name=text)
        if path is None and "+" in text and _is_file_reference(text):
            raise ScenarioError(f"scenario {config.shown(repr(text), 60)} is not a file, and '+' composes built-in "
                                "scenario names only (e.g. medium+zero-migration); to combine files, write a scenario "
                                "file with extends: [a.yml, b.yml]")
        if path is None and _is_file_reference(text):
            path = Path(text)  # the reader says what is wrong with it: missing, a folder, not a regular file
        elif path is None:
            path = SCENARIO_DIR / f"{text}.yml"
            if text not in builtin_names():
                close = difflib.get_close_matches(text, builtin_names(), n=3)
                hint = f"did you mean: {', '.join(close)}? " if close else ""
                raise ScenarioError(
                    f"unknown scenario {config.shown(repr(text), 60)}; {hint}built-in: {', '.join(builtin_names())}; "
                    "or give a path to a YAML file"
                )
        spec = config.read_mapping(path, "scenario file", ScenarioError,
                                   example="name, description, extends, variant, fertility, mortality, migration, pathways")
        key = str(path.resolve())
        chain = config.check_extends(tuple(str(p) for p in _loading), key, f"scenario file {config.shown(path)}",
                                     ScenarioError)
        _loading = tuple(Path(p) for p in chain)
        spec.setdefault("name", path.stem)
        base_dir = path.parent
        files.append(_file_record(path, "built-in scenario" if path.parent == SCENARIO_DIR else "scenario"))
    origin = f"scenario {spec.get('name', '<dict>')!r}"
    spec = check_fields(spec, origin)
    own = _normalise(spec, origin, base_dir, files)
    parents = spec.get("extends") or []
    parents = [parents] if isinstance(parents, str) else parents
    if not all(isinstance(parent, str) for parent in parents):
        raise ScenarioError(f"{origin}: 'extends' must list scenario names or files, got {parents!r}")
    if parents:
        if not all(isinstance(parent, str) for parent in parents):
            raise ScenarioError(f"{origin}: extends must list scenario names or paths")
        loaded = [load(find_file(parent, base_dir) or parent, _loading) for parent in parents]
        out = compose(loaded + [own], name=own.get("name"))
    else:
        out = own
        validate_values(out)
    out["description"] = own["description"] if own.get("description") else describe(out)
    return out


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


def _is_file_reference(text: str) -> bool:
    """Whether a scenario reference names a file rather than a built-in scenario."""
    if Path(text).suffix in (".yml", ".yaml") or "/" in text or "\\" in text:
        return True
    try:
        return Path(text).exists()
    except OSError:  # e.g. a name too long for the file system: let the reader say so
        return True


def check_fields(spec: Mapping, where: str) -> dict:
    """Reject unknown fields and wrong types (not finite, booleans for numbers), with close matches.

    Returns the spec with numeric strings (``1e4``, which YAML 1.1 reads as text) turned into numbers.
    """
    spec = dict(spec)
    for key, value in list(spec.items()):
        if key not in SCHEMA:
            close = difflib.get_close_matches(str(key), list(SCHEMA), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ScenarioError(f"{where}: unknown field {key!r}{hint}; valid fields: {', '.join(SCHEMA)}")
        expected = SCHEMA[key]
        if key in BLOCK_SECTIONS + PEOPLE_SECTIONS:
            blocks = value if isinstance(value, list) else [value]
            if key in PEOPLE_SECTIONS and not isinstance(value, list):
                raise ScenarioError(f"{where}: {key!r} must be a list of blocks (one '- ' item each)")
            if not blocks:
                raise ScenarioError(f"{where}: {key!r} is an empty list; give at least one block or leave it out")
            for index, block in enumerate(blocks):
                label = f"{where}, {key}[{index}]" if isinstance(value, list) else f"{where}, {key}"
                if not isinstance(block, Mapping):
                    raise ScenarioError(f"{label} must be a mapping of fields")
                if key in BLOCK_SECTIONS:
                    blocks[index] = _check_types(block, expected, label)
            spec[key] = blocks if isinstance(value, list) else blocks[0]
        else:
            spec[key] = _check_types({key: value}, {key: expected}, where)[key]
    return spec


def _printable(text: str, limit: int) -> bool:
    """Text of 1 to ``limit`` characters, not blank, without control characters (names become file and row labels)."""
    return 0 < len(text) <= limit and bool(text.strip()) and all(ch.isprintable() or ch == " " for ch in text)


def _check_types(values: Mapping, schema: Mapping, where: str) -> dict:
    checked = dict(values)
    for key, value in values.items():
        if key not in schema:
            close = difflib.get_close_matches(str(key), list(schema), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ScenarioError(f"{where}: unknown field {key!r}{hint}; valid fields: {', '.join(schema)}")
        types = schema[key] if isinstance(schema[key], tuple) else (schema[key],)
        if int in types or float in types:
            value = checked[key] = config.numeric(value, integer=float not in types)
        if types == (int,) and isinstance(value, float) and math.isfinite(value):
            raise ScenarioError(f"{where}: {key!r} must be a whole number, got {value!r}")
        if isinstance(value, bool) or not isinstance(value, types):
            names = " or ".join(t.__name__ for t in types)
            raise ScenarioError(f"{where}: {key!r} must be {names}, got {value!r}")
        if key == "name" and isinstance(value, str) and not _printable(value, 200):
            raise ScenarioError(f"{where}: name must be 1 to 200 printable characters, got {config.shown(repr(value), 60)}")
        if isinstance(value, float) and not math.isfinite(value):
            raise ScenarioError(f"{where}: {key!r} must be a finite number, got {value!r}")
    return checked


def _locations(value: Any, where: str) -> list:
    items = value if isinstance(value, list) else [value]
    if not items:
        raise ScenarioError(f"{where}: locations is empty; name countries or groups, or leave it out for everywhere")
    for item in items:
        if isinstance(item, bool) or not isinstance(item, (str, int)) or (isinstance(item, str) and not item.strip()):
            raise ScenarioError(f"{where}: locations must be names, ISO-3 or M49 codes, got {item!r}")
    duplicates = sorted({str(item) for item in items if items.count(item) > 1})
    if duplicates:
        raise ScenarioError(f"{where}: locations names {duplicates[0]!r} twice")
    return list(items)


def _normalise(spec: Mapping, where: str, base_dir: Path | None, files: list[dict]) -> dict:
    """Sections as lists of blocks, pathway blocks complete (config files read), ``files`` recorded."""
    out = {key: value for key, value in spec.items() if key not in BLOCK_SECTIONS + PEOPLE_SECTIONS + ("extends",)}
    for section in BLOCK_SECTIONS:
        if section in spec:
            value = spec[section]
            blocks = [dict(block) for block in (value if isinstance(value, list) else [value])]
            for index, block in enumerate(blocks):
                if "locations" in block:
                    block["locations"] = _locations(block["locations"], f"{where}, {section}[{index}]")
            out[section] = blocks
    if "pathways" in spec:
        out["pathways"] = [_pathway_block(block, f"{where}, pathways[{index}]", base_dir, files)
                           for index, block in enumerate(spec["pathways"])]
    for section in people_flows.SECTIONS:
        if section in spec:
            try:
                out[section] = [people_flows.check_block(block, f"{where}, {section}[{index}]")
                                for index, block in enumerate(spec[section])]
            except people_flows.FlowFieldError as error:
                raise ScenarioError(str(error)) from None
    out["files"] = files
    return out


def _pathway_block(block: Mapping, where: str, base_dir: Path | None, files: list[dict]) -> dict:
    """A complete pathway block: PATHWAY_FIELDS defaults, then its config file, then its own fields."""
    block = dict(block)
    config_file = block.pop("config", None)
    places = block.pop("locations", None)
    try:
        pathway_flows.check_unknown(block, where, allowed=("config", "locations"))
    except PathwayFieldError as error:
        raise ScenarioError(str(error)) from None
    values: dict[str, Any] = {}
    if config_file is not None:
        if not isinstance(config_file, str):
            raise ScenarioError(f"{where}: config must be the path of a pathway config file, got {config_file!r}")
        path = find_file(config_file, base_dir)
        if path is None:
            raise ScenarioError(f"{where}: pathway config {config_file} does not exist"
                                + (f" (looked beside {base_dir})" if base_dir else ""))
        values.update(config.read_mapping(path, "pathway config", ScenarioError))
        try:
            pathway_flows.check_unknown(values, f"{where}, config {path.name}")
        except PathwayFieldError as error:
            raise ScenarioError(str(error)) from None
        files.append(_file_record(path, "pathway config"))
    else:
        if "origin" not in block and places is None:
            raise ScenarioError(f"{where}: 'origin' is required (or locations, or a config file)")
        if "destination" not in block:
            raise ScenarioError(f"{where}: 'destination' is required (a country)")
    if places is not None and "origin" in block:
        raise ScenarioError(f"{where}: give origin or locations, not both")
    values.update(block)
    try:
        checked = pathway_flows.check_values(values, where)
    except PathwayFieldError as error:
        raise ScenarioError(str(error)) from None
    # the people fields left at their defaults, said wherever the block's people are reported
    checked["defaulted"] = [name for name in pathway_flows.PEOPLE_FIELDS
                            if name not in values and name not in ("origin", "destination")]
    if places is not None:
        checked["locations"] = _locations(places, where)
    if config_file is not None:
        checked["config"] = str(path)
    return checked


def validate_values(spec: Mapping) -> None:
    """Check values: variants, modes, paths, TFR > 0, years within range, scales finite and 0 or more."""
    name = f"scenario {spec.get('name', '<unnamed>')!r}"
    label = spec.get("name", "<unnamed>")
    if not isinstance(label, str) or not 0 < len(label) <= 200 or not label.isprintable():
        raise ScenarioError(f"{name}: the name must be 1 to 200 printable characters")
    if spec.get("variant", "medium") not in PROJECTION_VARIANTS:
        raise ScenarioError(f"{name}: variant {spec['variant']!r} is not one of {', '.join(PROJECTION_VARIANTS)}")
    for index, block in enumerate(spec.get("fertility") or []):
        where = f"{name}, fertility[{index}]"
        mode = fertility_mode(block)
        if mode not in FERTILITY_MODES:
            raise ScenarioError(f"{where}: mode {mode!r} is not one of {', '.join(FERTILITY_MODES)}")
        if mode == "target":
            if "target_tfr" not in block or "target_year" not in block:
                raise ScenarioError(f"{where}: fertility mode 'target' needs target_tfr and target_year")
            if block["target_tfr"] <= 0:
                raise ScenarioError(f"{where}: target_tfr must be positive (children per woman), got {block['target_tfr']}")
            if block["target_tfr"] > 10:
                raise ScenarioError(f"{where}: target_tfr {block['target_tfr']} is implausible (above 10 children per woman)")
            _check_year(where, "fertility target_year", block["target_year"])
            _check_path_options(block, where, "target_year")
        else:
            extra = sorted(set(block) & {"target_tfr", "target_year", "path", "start_year", "past_target"})
            if extra:
                raise ScenarioError(f"{where}: {extra[0]!r} applies to mode 'target' only (this block's mode is {mode!r})")
    for index, block in enumerate(spec.get("mortality") or []):
        where = f"{name}, mortality[{index}]"
        if ("e0_change" in block) == ("target_e0" in block):
            raise ScenarioError(f"{where}: give either e0_change (years added to WPP's life expectancy, with by_year) "
                                "or target_e0 (life expectancy at birth reached by target_year)")
        if "e0_change" in block:
            if abs(block["e0_change"]) > 30:
                raise ScenarioError(f"{where}: e0_change {block['e0_change']} years is outside ±30")
            for wrong in ("target_year", "past_target"):
                if wrong in block:
                    raise ScenarioError(f"{where}: {wrong!r} goes with target_e0, not e0_change (use by_year)")
            _check_year(where, "mortality by_year", block.get("by_year", LAST_YEAR))
            _check_path_options(block, where, "by_year")
        else:
            if not 20 <= block["target_e0"] <= 110:
                raise ScenarioError(f"{where}: target_e0 {block['target_e0']} is outside 20–110 years")
            if "target_year" not in block:
                raise ScenarioError(f"{where}: target_e0 needs target_year")
            if "by_year" in block:
                raise ScenarioError(f"{where}: 'by_year' goes with e0_change; use target_year with target_e0")
            _check_year(where, "mortality target_year", block["target_year"])
            _check_path_options(block, where, "target_year")
    for index, block in enumerate(spec.get("migration") or []):
        where = f"{name}, migration[{index}]"
        if "scale" not in block:
            raise ScenarioError(f"{where}: migration needs scale (WPP net migration times this; 0 = none)")
        if block["scale"] < 0:
            raise ScenarioError(f"{where}: migration scale must be 0 or more, got {block['scale']}")
        if block["scale"] > MAX_MIGRATION_SCALE:
            raise ScenarioError(f"{where}: migration scale {block['scale']:g} is above {MAX_MIGRATION_SCALE:g} times "
                                "WPP's net migration")


def _check_path_options(block: Mapping, where: str, year_key: str) -> None:
    if block.get("path", "linear") not in PATHS:
        raise ScenarioError(f"{where}: path {block['path']!r} is not one of {', '.join(PATHS)}")
    if block.get("past_target", "hold") not in PAST_TARGET:
        raise ScenarioError(f"{where}: past_target {block['past_target']!r} is not one of {', '.join(PAST_TARGET)}")
    if "start_year" in block:
        _check_year(where, "start_year", block["start_year"])
        if block["start_year"] >= block.get(year_key, LAST_YEAR):
            raise ScenarioError(f"{where}: start_year {block['start_year']} must come before {year_key} "
                                f"{block.get(year_key, LAST_YEAR)}")


def fertility_mode(block: Mapping) -> str:
    """A fertility block's mode (``target`` when it gives ``target_tfr``, else ``wpp``, unless named)."""
    return block.get("mode", "target" if "target_tfr" in block else "wpp")


def _check_year(where: str, key: str, year: int) -> None:
    if not 1950 <= year <= LAST_YEAR:
        raise ScenarioError(f"{where}: {key} {year} is outside 1950–2100")


def compose(specs: Sequence[Mapping], name: str | None = None) -> dict:
    """Combine scenarios: blocks, pathways and flows add up in order (later blocks win where they overlap).

    **Variant.**  Only a part that sets ``variant`` itself (``medium``,
    ``high`` and ``low`` do; block-only scenarios such as ``zero-migration``
    do not) chooses the WPP inputs, so ``high+zero-migration`` and
    ``zero-migration+high`` are both WPP's high variant with no migration.
    Parts that set different variants are refused: a composition runs on one
    set of WPP inputs, and no part may silently replace another's.  The
    description states the composition's variant and which part set it.

    Raises
    ------
    ScenarioError
        When two parts set different variants.
    """
    out: dict[str, Any] = {}
    files: list[dict] = []
    label = name or "+".join(str(spec.get("name", "?")) for spec in specs)
    setters: dict[str, list[str]] = {}
    for spec in specs:
        if "variant" in spec:
            setters.setdefault(str(spec["variant"]), []).append(str(spec.get("name", "?")))
    if len(setters) > 1:
        shown = " and ".join(f"{variant} (set by {', '.join(parts)})" for variant, parts in setters.items())
        raise ScenarioError(f"scenario {label!r} composes two WPP variants, {shown}; a composition runs on one "
                            "variant: keep one of the parts that set it (blocks of the others apply to it)")
    for spec in specs:
        for key, value in spec.items():
            if key in ("name", "description", "extends", "variant"):
                continue
            if key == "files":
                files.extend(record for record in value if record not in files)
            elif key in BLOCK_SECTIONS + PEOPLE_SECTIONS:
                out.setdefault(key, []).extend(copy.deepcopy(value))
            else:
                out[key] = value
    if setters:
        out["variant"] = next(iter(setters))
    variant = out.get("variant", "medium")
    setter = f"set by {', '.join(next(iter(setters.values())))}" if setters else "no part sets one"
    out["name"] = label
    parts = " Then: ".join(str(spec.get("description") or describe(spec)).strip() for spec in specs)
    out["description"] = f"WPP 2024 {variant} variant inputs ({setter}). {parts}"
    out["files"] = files
    validate_values(out)
    return out


def files_used(specs: Iterable[Mapping]) -> list[dict]:
    """Every file the scenarios read (scenario files, extended scenarios, pathway configs), once, with SHA-256."""
    seen: list[dict] = []
    for spec in specs:
        for record in spec.get("files", []):
            if record not in seen:
                seen.append(record)
    return seen


def external_files(reference: str | Path | Mapping) -> list[Path]:
    """Files outside the package that a scenario reference reads (for Make's prerequisites)."""
    spec = load(reference)
    return [Path(record["path"]) for record in spec["files"] if not Path(record["path"]).is_relative_to(SCENARIO_DIR)]


# ---------------------------------------------------------------- descriptions
def _scope(block: Mapping) -> str:
    places = block.get("locations")
    return "in every country" if not places else "in " + ", ".join(str(place) for place in places)


def _number(value: float) -> str:
    return f"{value:g}"


def describe_block(section: str, block: Mapping, variant: str = "medium") -> str:
    """One block in words, with where it applies."""
    scope = _scope(block)
    if section == "fertility":
        mode = fertility_mode(block)
        if mode == "wpp":
            return f"TFR as in WPP {variant} {scope}"
        if mode == "constant":
            return f"TFR held at its level of the first projection period {scope}"
        if mode == "replacement":
            return f"TFR at replacement level (net reproduction rate 1) {scope}"
        past = ("then held, also where WPP's own path falls past it" if block.get("past_target", "hold") == "hold"
                else "then WPP's own path where it goes further")
        return (f"TFR reaches {_number(block['target_tfr'])} by {block['target_year']} {scope}, on a "
                f"{block.get('path', 'linear')} path from WPP {variant}'s own trajectory, never slower than it; {past}")
    if section == "mortality":
        if "e0_change" in block:
            return (f"life expectancy at birth {block['e0_change']:+g} years against WPP by "
                    f"{block.get('by_year', LAST_YEAR)} ({block.get('path', 'linear')} path) {scope}")
        past = ("then held" if block.get("past_target", "hold") == "hold" else "then WPP's own path where it goes further")
        return (f"life expectancy at birth reaches {_number(block['target_e0'])} years (both sexes) by "
                f"{block['target_year']} {scope}, on a {block.get('path', 'linear')} path from WPP's own trajectory; {past}")
    if section == "migration":
        scale = block["scale"]
        if scale == 0:
            return f"no net international migration {scope}"
        return f"net international migration at {_number(scale)} times WPP's {scope}"
    if section in people_flows.SECTIONS:
        return _describe_people_block(section, block)
    source = f" (config {Path(block['config']).name})" if block.get("config") else ""
    origins = ", ".join(str(place) for place in block["locations"]) if block.get("locations") else block["origin"]
    each = " each" if block.get("locations") else ""
    training = (f"{block['programme_years']}-year training, " if block["programme_years"] else "recruitment without training, ")
    return (f"labour pathway{source} from {origins} to {block['destination']}: {_number(block['annual_intake'])} "
            f"{'trainees' if block['programme_years'] else 'recruits'} a year{each} for {block['years']} years from "
            f"{block['start_year']}, {training}{_number(100 * block['away_share'] * block['completion_rate'] * block['placement_rate'])} % "
            f"of them migrate, aged {block['ages']}, {_number(100 * block['female_share'])} % women; "
            f"{_number(100 * block['return_share'])} % return after {_number(block['return_after'])} years"
            + (f" (defaults: {', '.join(block['defaulted'])})" if block.get("defaulted") else ""))


def _describe_people_block(section: str, block: Mapping) -> str:
    places = lambda key: ", ".join(str(place) for place in block[key])  # noqa: E731
    what = "people return" if section == "returns" else "people move"
    sex = ("sex split of the corridor's recorded stock" if block["female_share"] is None
           else f"{_number(100 * block['female_share'])} % women")
    profile = "Rogers–Castro age profile" if block["age_profile"] == "rogers-castro" else "even age profile"
    return (f"{block['persons_per_year']:,.0f} {what} a year from {places('from')} to {places('to')} in "
            f"{block['years']}, aged {block['ages']} ({profile}), {sex}")


def describe(spec: Mapping) -> str:
    """A description generated from a scenario's blocks (used when it has none of its own)."""
    variant = spec.get("variant", "medium")
    parts = [describe_block(section, block, variant) for section in BLOCK_SECTIONS + PEOPLE_SECTIONS
             for block in spec.get(section) or []]
    base = f"WPP 2024 {variant} variant inputs"
    return base + (" with: " + "; ".join(parts) + "." if parts else ".")


def blocks_table(specs: Iterable[Mapping]) -> pd.DataFrame:
    """Each block of each scenario: the section, where it applies and what it does.

    Returns
    -------
    DataFrame
        ``scenario, section, applies_to, block`` (``applies_to`` is
        ``every country`` for a block without ``locations``); a scenario
        without blocks has one row saying it uses the WPP inputs.
    """
    rows = []
    for spec in specs:
        variant = spec.get("variant", "medium")
        blocks = [(section, block) for section in BLOCK_SECTIONS + PEOPLE_SECTIONS for block in spec.get(section) or []]
        if not blocks:
            rows.append({"scenario": spec["name"], "section": "-", "applies_to": "every country",
                         "block": f"WPP 2024 {variant} variant inputs"})
        for section, block in blocks:
            places = block.get("locations")
            if section == "pathways" and not places:
                applies = f"{block['origin']} and {block['destination']}"
            elif section in people_flows.SECTIONS:
                applies = ", ".join(str(p) for p in block["from"] + block["to"])
            else:
                applies = ", ".join(str(p) for p in places) if places else "every country"
            rows.append({"scenario": spec["name"], "section": section, "applies_to": applies,
                         "block": describe_block(section, block, variant)})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- target paths
def ramp(period_mid: np.ndarray, start: float, end: float, path: str) -> np.ndarray:
    """Weights from 0 (at ``start``) to 1 (at ``end`` and after) along a linear or logistic path."""
    progress = np.clip((period_mid - start) / max(end - start, 1e-9), 0.0, 1.0)
    if path == "logistic":
        steep = LOGISTIC_STEEPNESS
        raw = 1.0 / (1.0 + np.exp(-steep * (progress - 0.5)))
        low, high = 1.0 / (1.0 + np.exp(steep * 0.5)), 1.0 / (1.0 + np.exp(-steep * 0.5))
        return (raw - low) / (high - low)
    return progress


def period_middles(base_year: int, n_periods: int) -> np.ndarray:
    """Middle years of the projection's 5-year periods (2027.5, 2032.5, … for base year 2025)."""
    return base_year + STEP * np.arange(n_periods) + STEP / 2


def requested_path(baseline: np.ndarray, target: np.ndarray | float, period_mid: np.ndarray, target_year: float,
                   start_year: float | None = None, path: str = "linear") -> np.ndarray:
    """The user's path: from WPP's level when the path starts to the target, then the target.

    Before ``start_year`` (default: the middle of the first period, so that
    the first period keeps WPP's level) it is WPP's own path.
    """
    baseline = np.asarray(baseline, dtype=float)
    target = np.broadcast_to(np.asarray(target, dtype=float), baseline.shape[:1])[:, None]
    start = float(period_mid[0]) if start_year is None else float(start_year)
    weight = ramp(period_mid, start, float(target_year), path)
    first = int(np.clip(np.searchsorted(period_mid - STEP / 2, start, side="right") - 1, 0, len(period_mid) - 1))
    anchor = baseline[:, first:first + 1]
    out = anchor + weight[None, :] * (target - anchor)
    before = period_mid < start
    out[:, before] = baseline[:, before]
    return out


def target_path(baseline: np.ndarray, target: np.ndarray | float, period_mid: np.ndarray, target_year: float,
                start_year: float | None = None, path: str = "linear", past_target: str = "hold") -> np.ndarray:
    """A path to a target (TFR or life expectancy) measured against WPP's own path.

    Method, for each country (rows of ``baseline``, WPP's path by period):

    1. The *requested path* runs from WPP's level in the period where the
       path starts (by default the first period, whose level is kept) to the
       target, linearly or on a logistic S-curve, reaching it in the period
       whose middle is at or after ``target_year``, and holds it after.
    2. The scenario takes, each period, WPP's own value or the requested
       path's, whichever is further in the direction of the change (the
       lower for a falling target): it is never slower than WPP towards the
       target, so a *faster decline* never has more births than WPP.
    3. It never turns back: a running minimum (falling) or maximum (rising).
    4. ``past_target``: ``hold`` keeps the scenario at the target where WPP's
       own path goes past it (Nigeria's TFR after 2085: 2.1, above WPP's
       1.9-2.0); ``follow`` follows WPP's path past the target.

    Every step combines WPP's path and the requested path with minimum,
    maximum and running minimum or maximum, which never enlarge a step: no
    period-to-period change is larger than the larger of WPP's own largest
    step and the requested path's largest step (for a linear path, the gap
    divided by the number of periods).  The first period equals WPP unless
    ``start_year`` is at or before the base year.

    Returns
    -------
    ndarray
        The scenario's path, the shape of ``baseline``.
    """
    baseline = np.asarray(baseline, dtype=float)
    requested = requested_path(baseline, target, period_mid, target_year, start_year, path)
    target = np.broadcast_to(np.asarray(target, dtype=float), baseline.shape[:1])[:, None]
    start = float(period_mid[0]) if start_year is None else float(start_year)
    first = int(np.clip(np.searchsorted(period_mid - STEP / 2, start, side="right") - 1, 0, len(period_mid) - 1))
    direction = np.where(target <= baseline[:, first:first + 1], -1.0, 1.0)  # -1: a falling target
    further = direction * np.maximum(direction * baseline, direction * requested)
    further[:, first:] = direction * np.maximum.accumulate(direction * further[:, first:], axis=1)
    if past_target == "hold":
        held = direction * np.minimum(direction * further, direction * target)
        further[:, first:] = held[:, first:]
    out = further
    before = period_mid < start
    out[:, before] = baseline[:, before]
    return out


def largest_step(values: np.ndarray) -> np.ndarray:
    """The largest absolute period-to-period change of each row."""
    return np.abs(np.diff(values, axis=1)).max(axis=1) if values.shape[1] > 1 else np.zeros(values.shape[0])


# ---------------------------------------------------------------- applying scenarios
def block_rows(block: Mapping, codes: np.ndarray, resolve) -> np.ndarray:
    """Boolean mask over the projected countries a block applies to (all without ``locations``)."""
    places = block.get("locations")
    if not places:
        return np.ones(len(codes), dtype=bool)
    members = set()
    for place in places:
        members.update(resolve(place).members)
    mask = np.isin(codes, sorted(members))
    if not mask.any():
        raise ScenarioError(f"locations {places} name no projected country")
    return mask


def fertility_for_block(block: Mapping, inputs: ProjectionInputs, rows: np.ndarray, label: str) -> np.ndarray:
    """The TFR (rows, P) a fertility block gives the ``rows`` of ``inputs``, computed from their own TFR and mortality.

    Rows may be countries or trajectories of countries: every mode acts on
    each row's own path (a target path starts from the row's first period).
    """
    mode = fertility_mode(block)
    tfr = inputs.tfr[rows]
    if mode == "wpp":
        return tfr.copy()
    if mode == "constant":
        return np.repeat(tfr[:, :1], inputs.n_periods, axis=1)
    if mode == "replacement":
        return replacement_tfr(inputs.copy(mx=inputs.mx[rows], tfr=tfr, fertility_pattern=inputs.fertility_pattern[rows],
                                           srb=inputs.srb[rows], population=inputs.population[rows],
                                           net_migrants=inputs.net_migrants[rows], location_codes=inputs.location_codes[rows]))
    if block["target_year"] <= inputs.base_year:
        raise ScenarioError(
            f"scenario {label!r}: fertility target_year {block['target_year']} is not after the base year {inputs.base_year}"
        )
    return target_path(tfr, block["target_tfr"], period_middles(inputs.base_year, inputs.n_periods), block["target_year"],
                       block.get("start_year"), block.get("path", "linear"), block.get("past_target", "hold"))


def e0_target_for_block(block: Mapping, baseline: np.ndarray, base_year: int, label: str) -> np.ndarray:
    """The life expectancy at birth (rows, P, 2) a mortality block asks for, from the rows' own e0 ``baseline``.

    ``e0_change`` adds years along a path to ``by_year``; ``target_e0`` (both
    sexes) is reached by ``target_year`` along a target path, each sex keeping
    its gap in the period that reaches the target.
    """
    n_periods = baseline.shape[1]
    mid = period_middles(base_year, n_periods)
    start = block.get("start_year")
    if "e0_change" in block:
        by_year = block.get("by_year", LAST_YEAR)
        if by_year <= base_year:
            raise ScenarioError(f"scenario {label!r}: mortality by_year {by_year} is not after the base year {base_year}")
        weight = ramp(mid, float(mid[0]) if start is None else float(start), by_year, block.get("path", "linear"))
        return baseline + block["e0_change"] * weight[None, :, None]
    year = block["target_year"]
    if year <= base_year:
        raise ScenarioError(f"scenario {label!r}: mortality target_year {year} is not after the base year {base_year}")
    # each sex's target keeps WPP's sex gap in the period that reaches the target
    reached = int(np.clip(np.searchsorted(mid, year), 0, n_periods - 1))
    both = baseline[:, reached, :].mean(axis=1, keepdims=True)
    sex_targets = block["target_e0"] + (baseline[:, reached, :] - both)  # (rows, 2)
    return np.stack([target_path(baseline[..., sex], sex_targets[:, sex], mid, year, start,
                                 block.get("path", "linear"), block.get("past_target", "hold"))
                     for sex in range(2)], axis=-1)


def _mortality(block: Mapping, inputs: ProjectionInputs, rows: np.ndarray, label: str) -> np.ndarray:
    mx = inputs.mx[rows]
    target = e0_target_for_block(block, projection.life_table(mx)["e0"], inputs.base_year, label)
    return scale_mortality_to_e0(mx, target)


def migration_scales(spec: Mapping, codes: np.ndarray, resolve=None) -> np.ndarray:
    """Each projected country's multiplier of WPP's net migration under a scenario's migration blocks (L,).

    1 where no block names the country; where several do, the later wins (as in :func:`apply`).
    """
    resolve = resolve or locations_module.resolve
    scales = np.ones(len(codes))
    for block in spec.get("migration") or []:
        scales[block_rows(block, codes, resolve)] = float(block["scale"])
    return scales


def _namer(processed_dir: Path | None = None):
    """Country name by M49 code (for messages and provenance lines)."""
    names = locations_module.index(processed_dir).locations["name"]
    return lambda code: str(names.get(int(code), code))


def people_plans(spec: Mapping, inputs: ProjectionInputs, resolve=None,
                 processed_dir: Path | None = None) -> list[people_flows.Plan]:
    """The scenario's ``flows`` and ``returns`` blocks placed on the projected countries of ``inputs``.

    Groups are shared among their countries by the recorded migrant stock
    (processed table ``migrant_stocks``) or by ``inputs``' base population:
    see :mod:`analysis.model.people_flows`.
    """
    blocks = [(section, index, block) for section in people_flows.SECTIONS
              for index, block in enumerate(spec.get(section) or [])]
    if not blocks:
        return []
    resolve = resolve or (lambda query: locations_module.resolve(query, processed_dir))
    stocks = tables.read_table("migrant_stocks", processed_dir)
    names = _namer(processed_dir)
    population = inputs.population.sum(axis=(1, 2))
    try:
        return [people_flows.place(section, index, block, np.asarray(inputs.location_codes), population,
                                   inputs.base_year, inputs.n_periods, resolve, stocks, names, spec.get("name", ""))
                for section, index, block in blocks]
    except people_flows.FlowFieldError as error:
        raise ScenarioError(str(error)) from None


def people_net_migrants(plans: Sequence[people_flows.Plan], codes: np.ndarray, n_periods: int) -> np.ndarray:
    """Net migrants of all the plans for the countries ``codes``: (L, P, 2, 21)."""
    out = np.zeros((len(codes), n_periods, 2, projection.N_AGES))
    for plan in plans:
        out += people_flows.net_migrants(plan, codes)
    return out


def apply(spec: Mapping, inputs: ProjectionInputs, resolve=None, processed_dir: Path | None = None,
          plans: Sequence[people_flows.Plan] | None = None) -> ProjectionInputs:
    """Engine inputs under a scenario (a validated spec, see :func:`load`).

    ``inputs`` must come from the scenario's WPP ``variant``; ``resolve``
    turns a location query into a :class:`~analysis.data.locations.Location`
    (:func:`analysis.data.locations.resolve` by default).  Countries no block
    names keep ``inputs`` exactly.  ``flows`` and ``returns`` blocks read the
    processed tables in ``processed_dir`` (migrant stocks, location names),
    unless their ``plans`` (:func:`people_plans` of the same inputs) are given.
    """
    resolve = resolve or (lambda query: locations_module.resolve(query, processed_dir))
    out = inputs.copy()
    label = spec.get("name", out.label)
    out.label = label
    codes = np.asarray(inputs.location_codes)
    index = {int(code): i for i, code in enumerate(codes)}
    for block in spec.get("fertility") or []:
        rows = block_rows(block, codes, resolve)
        out.tfr[rows] = fertility_for_block(block, inputs, rows, label)
    for block in spec.get("mortality") or []:
        rows = block_rows(block, codes, resolve)
        out.mx[rows] = _mortality(block, inputs, rows, label)
    for block in spec.get("migration") or []:
        rows = block_rows(block, codes, resolve)
        scale = float(block["scale"])
        out.net_migrants[rows] = np.nan_to_num(inputs.net_migrants[rows]) * 0.0 if scale == 0 else inputs.net_migrants[rows] * scale
    for block in spec.get("pathways") or []:
        for origin, destination, flows in pathway_net_migrants(block, inputs.base_year, inputs.n_periods, resolve):
            for code, sign in ((origin, 1.0), (destination, -1.0)):
                if code not in index:
                    raise ScenarioError(f"scenario {label!r}: pathway location {code} is not among the projected countries")
                out.net_migrants[index[code]] += sign * flows
    plans = people_plans(spec, inputs, resolve, processed_dir) if plans is None else plans
    if plans:
        out.net_migrants += people_net_migrants(plans, codes, inputs.n_periods)
    return out


def pathway_origins(block: Mapping, resolve) -> tuple[list[int], int]:
    """M49 codes of a pathway block's origins (its ``locations``' countries, or ``origin``) and of its destination."""
    places = block.get("locations") or [block["origin"]]
    origins: list[int] = []
    for place in places:
        location = resolve(place)
        if not location.is_country and not block.get("locations"):
            raise ScenarioError(f"pathway origin {location.name!r} must be a country, not a group of countries "
                                "(name the group in locations to run the pathway from each of its countries)")
        origins.extend(code for code in location.members if code not in origins)
    destination = resolve(block["destination"])
    if not destination.is_country:
        raise ScenarioError(f"pathway destination {destination.name!r} must be a country")
    if destination.code in origins:
        raise ScenarioError(f"pathway destination {destination.name!r} is also one of its origins")
    return origins, int(destination.code)


def pathway_net_migrants(block: Mapping, base_year: int, n_periods: int, resolve) -> list[tuple[int, int, np.ndarray]]:
    """(origin code, destination code, the origin's (P, 2, 21) net migrants) for each origin of a pathway block."""
    origins, destination = pathway_origins(block, resolve)
    try:
        flows = pathway_flows.net_migrants(block, base_year, n_periods)
    except PathwayFieldError as error:
        raise ScenarioError(str(error)) from None
    return [(origin, destination, flows) for origin in origins]


def pathway_migrants(
    scenario: str | Mapping,
    base_year: int = DEFAULT_BASE_YEAR,
    end_year: int = LAST_YEAR,
    processed_dir: Path | None = None,
) -> pd.DataFrame:
    """Migrants by year of every pathway of a scenario, as the projection adds them.

    Returns
    -------
    DataFrame
        ``pathway`` (index of the block), ``origin``, ``destination`` (M49
        codes), ``year``, ``departures``, ``returns`` (persons), for the
        years from ``base_year`` to the end of the last period.
    """
    spec = load(scenario)
    resolve = lambda query: locations_module.resolve(query, processed_dir)  # noqa: E731
    frames = []
    for index, block in enumerate(spec.get("pathways") or []):
        origins, destination = pathway_origins(block, resolve)
        flows = pathway_flows.yearly_flows(block, end_year - 1)
        flows = flows[flows["year"] >= base_year]
        for origin in origins:
            frames.append(pd.DataFrame({"pathway": index, "origin": origin, "destination": destination,
                                        "year": flows["year"].to_numpy(), "departures": flows["arrivals"].to_numpy(),
                                        "returns": flows["returned"].to_numpy()}))
    columns = ["pathway", "origin", "destination", "year", "departures", "returns"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


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
    resolve = lambda query: locations_module.resolve(query, processed_dir)  # noqa: E731
    plans = people_plans(spec, inputs, resolve, processed_dir)
    scenario_inputs = apply(spec, inputs, resolve, processed_dir, plans)
    if np.isnan(scenario_inputs.net_migrants).any():
        raise ScenarioError(
            f"scenario {spec['name']!r}: net migration by age and sex exists from the period 2020–2025 on; "
            f"for base year {base_year}, add zero-migration (e.g. {spec['name']}+zero-migration)"
        )
    try:
        result = projection.project(scenario_inputs)
    except ProjectionError as error:
        raise ScenarioError(f"scenario {spec['name']!r} is not feasible: {error}") from None
    later = None
    if plans:
        later = _check_people_feasible(spec, plans, result, apply(_without_people_flows(spec), inputs, resolve,
                                                                  processed_dir, []), processed_dir)
    _check_feasible(spec, result, inputs, processed_dir, excused=later)
    names = _namer(processed_dir) if plans else None
    stocks = tables.read_table("migrant_stocks", processed_dir) if plans else None
    for plan in plans:
        for line in people_flows.stock_warnings(plan, names, stocks):
            note(f"scenario {spec['name']!r}, {line}")
    if later is not None and later.max() > PEOPLE_TOLERANCE:
        row, period = np.unravel_index(int(np.argmax(later)), later.shape)
        start = inputs.base_year + STEP * int(period)
        note(f"scenario {spec['name']!r}: after its flows or returns, WPP's own emigration from "
             f"{names(inputs.location_codes[row])} finds {later.sum():,.0f} fewer people to move over the projection "
             f"({later[row, period]:,.0f} in {start}–{start + STEP}): the block moved some of them earlier; they are "
             "counted as unrealised emigration")
    return result


#: People a flows or returns block may leave unmoved in a cell (nobody left there) before the scenario is refused.
PEOPLE_TOLERANCE = 1.0


def _without_people_flows(spec: Mapping) -> dict:
    return {key: value for key, value in spec.items() if key not in people_flows.SECTIONS}


def _check_people_feasible(spec: Mapping, plans: Sequence[people_flows.Plan], result: projection.ProjectionResult,
                           baseline_inputs: ProjectionInputs, processed_dir: Path | None = None) -> np.ndarray:
    """Refuse flows or returns that would take more people of an age and sex from a country than live there.

    The scenario's unrealised emigration is compared with that of the same
    inputs without the ``flows`` and ``returns`` blocks: any more than
    :data:`PEOPLE_TOLERANCE` persons in a sending country's cell while a block
    sends from it means the block would move fewer people than it says.

    Returns
    -------
    ndarray (L, P)
        Unrealised emigration the blocks cause *after* they sent people from
        a country: WPP's own later emigration finds some of those people gone
        (Gulf states, whose WPP inputs send most older migrants home).  The
        blocks moved exactly what they say; :func:`run` notes this.
    """
    baseline = projection.project(baseline_inputs).unrealised_emigration
    excess = result.unrealised_emigration - baseline  # (L, P, 2, 21)
    codes = np.asarray(result.inputs.location_codes)
    position = {int(code): i for i, code in enumerate(codes)}
    later = np.zeros(excess.shape[:2])
    for plan in plans:
        first = int(np.argmax(plan.per_year > 0)) if (plan.per_year > 0).any() else len(plan.per_year)
        after = np.arange(len(plan.per_year)) >= first
        after[plan.per_year > 0] = False
        for code in plan.senders.codes:
            row = position[int(code)]
            later[row, after] = np.maximum(excess[row, after].sum(axis=(1, 2)), 0.0)
    for plan in plans:
        rows = [position[int(code)] for code in plan.senders.codes]
        sending = plan.per_year > 0
        part = excess[rows][:, sending]
        if part.size == 0 or part.max() <= PEOPLE_TOLERANCE:
            continue
        row, period, sex, age = np.unravel_index(int(np.argmax(part)), part.shape)
        short = part[row, period, sex, age]
        period = int(np.flatnonzero(sending)[period])
        asked = plan.senders.shares[row] * plan.profile()[period, sex].sum()
        start = result.inputs.base_year + STEP * period
        who = "women" if sex == 1 else "men"
        raise ScenarioError(
            f"scenario {spec['name']!r}, {plan.name} asks {asked:,.0f} {who} to leave "
            f"{_namer(processed_dir)(plan.senders.codes[row])} in {start}–{start + STEP}, more than live there in the "
            f"ages concerned: {short:,.0f} {who} aged about {projection.AGE_LABELS[age]} would find nobody to move; "
            "lower the number of persons, spread them over more years or countries, or change the ages"
        )
    return later


def moved_people(scenario: str | Mapping, base_year: int = DEFAULT_BASE_YEAR, end_year: int = LAST_YEAR,
                 processed_dir: Path | None = None) -> pd.DataFrame:
    """The people each people-moving block of a scenario moves, by period and sex, within the projection.

    ``flows`` and ``returns`` blocks move exactly what they say (a scenario
    asking more than there are is refused by :func:`run`); pathway blocks
    move their departures (away) and returns (home) as
    :func:`analysis.model.pathway_flows.migrants_by_period` counts them.

    Returns
    -------
    DataFrame
        ``scenario, block, section, from, to, period_start, period_end, sex,
        direction`` (``out``: leaving the block's origin; ``back``: a
        pathway's returns), ``persons``.
    """
    spec = load(scenario)
    inputs = wpp_inputs(spec.get("variant", "medium"), base_year, end_year, processed_dir=processed_dir)
    names = _namer(processed_dir)
    frames = []
    for plan in people_plans(spec, inputs, None, processed_dir):
        table = people_flows.moved_table([plan], base_year)
        table["from"] = ", ".join(names(c) for c in plan.senders.codes)
        table["to"] = ", ".join(names(c) for c in plan.receivers.codes)
        table["direction"] = "out"
        frames.append(table)
    resolve = lambda query: locations_module.resolve(query, processed_dir)  # noqa: E731
    for index, block in enumerate(spec.get("pathways") or []):
        origins, destination = pathway_origins(block, resolve)
        periods = pathway_flows.migrants_by_period(block, base_year, inputs.n_periods)
        for direction, column in (("out", "departures"), ("back", "returns")):
            for sex, share in (("male", 1.0 - block["female_share"]), ("female", block["female_share"])):
                part = periods[periods[column] > 0]
                frames.append(pd.DataFrame({
                    "block": f"pathways[{index}]", "section": "pathways", "period_start": part["period_start"],
                    "period_end": part["period_end"], "sex": sex, "persons": part[column] * share * len(origins),
                    "from": ", ".join(names(c) for c in origins), "to": names(destination), "direction": direction}))
    columns = ["scenario", "block", "section", "from", "to", "period_start", "period_end", "sex", "direction", "persons"]
    if not frames:
        return pd.DataFrame(columns=columns)
    out = pd.concat(frames, ignore_index=True)
    out.insert(0, "scenario", spec["name"])
    return out[columns].sort_values(["block", "direction", "period_start", "sex"], ignore_index=True)


def moved_people_lines(scenarios_given: Iterable[str | Mapping], base_year: int = DEFAULT_BASE_YEAR,
                       end_year: int = LAST_YEAR, processed_dir: Path | None = None) -> list[str]:
    """``#`` lines on the people each people-moving block moved, by period and sex, for provenance.

    For ``flows``/``returns``: the total (both sides change by exactly it),
    each period by sex, the shares of a group and the key that set them, the
    sex split and age profile and which of them are defaults.  For
    ``pathways``: the defaults the block took, then departures and returns by
    period and sex.  Empty for scenarios that move no one by count.
    """
    lines: list[str] = []
    names = None
    specs = {}
    for reference in scenarios_given:  # the caller's load_all has said what a repeated name means
        spec = load(reference)
        specs.setdefault(spec["name"], spec)
    for spec in specs.values():
        sections = [section for section in PEOPLE_SECTIONS if spec.get(section)]
        if not sections:
            continue
        names = names or _namer(processed_dir)
        inputs = wpp_inputs(spec.get("variant", "medium"), base_year, end_year, processed_dir=processed_dir)
        prefix = f"# people moved, scenario {spec['name']}: "
        for plan in people_plans(spec, inputs, None, processed_dir):
            lines.extend(prefix + line for line in people_flows.describe_plan(plan, base_year, names))
        moved = moved_people(spec, base_year, end_year, processed_dir)
        for index, block in enumerate(spec.get("pathways") or []):
            label = f"pathways[{index}]"
            mine = moved[moved["block"] == label]
            each = block["away_share"] * block["completion_rate"] * block["placement_rate"]
            defaults = ", ".join(f"{name} {block[name]:g}" if not isinstance(block[name], str) else f"{name} {block[name]}"
                                 for name in block.get("defaulted", []))
            lines.append(f"{prefix}{label} ({mine['from'].iloc[0] if len(mine) else block.get('origin')} → "
                         f"{block['destination']}): {block['annual_intake']:,.0f} admitted a year for {block['years']} "
                         f"years from {block['start_year']}, of whom {100 * each:.1f} % migrate; "
                         + (f"defaults applied: {defaults}" if defaults else "every people field given"))
            for (start, end), part in mine.groupby(["period_start", "period_end"], sort=True):
                by = part.groupby(["direction", "sex"])["persons"].sum()
                out = by.get("out", pd.Series(dtype=float))
                back = by.get("back", pd.Series(dtype=float))
                lines.append(f"{prefix}{label} moved in {start}–{end}: departures {out.sum():,.0f} (women "
                             f"{out.get('female', 0.0):,.0f}, men {out.get('male', 0.0):,.0f}), returns {back.sum():,.0f} "
                             f"(women {back.get('female', 0.0):,.0f}, men {back.get('male', 0.0):,.0f})")
    return lines


#: A scenario may leave at most this many more emigrants unrealised (nobody left
#: to leave) in a location and period than the WPP inputs themselves do.
UNREALISED_TOLERANCE = 1000.0


#: Unrealised emigration of unchanged WPP inputs, per set of read-only input arrays (a few entries).
_BASELINES: dict[tuple[int, ...], tuple[tuple[np.ndarray, ...], np.ndarray]] = {}
_BASELINES_KEPT = 8


def _baseline_unrealised(inputs: ProjectionInputs) -> np.ndarray:
    """Unrealised emigration (L, P) of the WPP inputs themselves: projected once per set of read-only input arrays.

    The cached inputs of :func:`analysis.model.inputs.wpp_inputs` are
    read-only, so their run cannot change; the entry holds the arrays, so
    their ids stay theirs while it is kept.  Writable inputs are projected
    every time.
    """
    arrays = (inputs.population, inputs.mx, inputs.tfr, inputs.fertility_pattern, inputs.srb, inputs.net_migrants)
    if any(array.flags.writeable for array in arrays):
        return projection.project(inputs).unrealised_emigration.sum(axis=(2, 3))
    key = tuple(id(array) for array in arrays)
    if key not in _BASELINES:
        if len(_BASELINES) >= _BASELINES_KEPT:
            _BASELINES.pop(next(iter(_BASELINES)))
        _BASELINES[key] = (arrays, projection.project(inputs).unrealised_emigration.sum(axis=(2, 3)))
    return _BASELINES[key][1]


def _check_feasible(spec: Mapping, result: projection.ProjectionResult, inputs: ProjectionInputs,
                    processed_dir: Path | None = None, excused: np.ndarray | None = None) -> None:
    """Raise when the scenario asks more people to leave than there are (population would turn negative).

    ``excused`` (L, P): unrealised emigration already accounted for (and
    noted) by :func:`_check_people_feasible`.
    """
    unrealised = result.unrealised_emigration.sum(axis=(2, 3))  # (L, P)
    if unrealised.max() <= UNREALISED_TOLERANCE:
        return
    excess = unrealised - _baseline_unrealised(inputs) - (0.0 if excused is None else excused)
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
