"""The one reader of configuration files: scenario files, pathway configs and ``reports.yml``.

:func:`read_yaml` accepts regular files only, caps their size, refuses binary
and non-UTF-8 files, duplicate keys and nesting deep enough to exhaust the
parser, and turns every decoding or YAML error into one line naming the file.
:func:`check` validates what was read against a schema and returns a copy with
numbers coerced: YAML 1.1 reads ``1e4`` as a string, so numeric strings are
turned into numbers where a number is expected, and every number must be
finite.  :func:`check_extends` guards chains of ``extends`` against loops.

A schema is a mapping of field names to one of:

* a type or a tuple of types (``int``, ``float``, ``str``, ``bool``,
  ``list``, ``type(None)``); ``(int, float)`` is any finite number;
* a nested mapping (a sub-section with its own fields);
* a one-element list ``[item]``: a list whose items follow ``item`` (a
  mapping schema or a type);
* a :class:`Field`, which adds a range, a set of valid values or a pattern.
"""

from __future__ import annotations

import difflib
import math
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import yaml

from analysis.errors import InputError

#: Largest configuration file read, in bytes (the largest shipped one is under 10 kB).
MAX_BYTES = 1_000_000
#: Longest chain of ``extends``.
MAX_EXTENDS = 16
NUMBER = re.compile(r"[-+]?(?:\d[\d_]*\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


class ConfigError(InputError):
    """A configuration file cannot be read or does not follow its schema."""


@dataclass(frozen=True)
class Field:
    """A schema leaf with checks beyond the type.

    Attributes
    ----------
    types : type or tuple of types
        Accepted types; ``(int, float)`` is any finite number.
    low, high : float, optional
        Inclusive bounds for numbers (``low_open``/``high_open`` make them exclusive).
    choices : iterable, optional
        The valid values.
    pattern : str, optional
        A regular expression the whole string must match (``what`` describes it).
    what : str
        What the value is, named in messages (the pattern's description, or a
        number's meaning: ``"the last year, a calendar year"``).
    check : callable, optional
        A domain check called with the value last (e.g. ``parse_age_band``);
        it raises its own one-line :class:`~analysis.errors.InputError`.
    """

    types: type | tuple[type, ...]
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    choices: tuple | None = None
    pattern: str | None = None
    what: str = ""
    check: Callable[[Any], Any] | None = None


def shown(path: str | Path, limit: int = 80) -> str:
    """A path for a message: shortened in the middle when longer than ``limit`` characters."""
    text = str(path)
    if len(text) <= limit:
        return text
    return f"{text[: limit // 2]}…{text[-(limit // 2):]} ({len(text)} characters)"


# ---------------------------------------------------------------- reading
class _Loader(yaml.SafeLoader):
    """The safe loader, refusing a key given twice in one mapping (YAML keeps the last silently)."""

    def construct_mapping(self, node, deep=False):
        seen = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    None, None, "a mapping key must be a plain value", key_node.start_mark) from None
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} appears twice (first on line {seen[key] + 1})", key_node.start_mark)
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _Loader.construct_mapping)


def read_yaml(path: str | Path, what: str = "config file", error: type[InputError] = ConfigError,
              max_bytes: int = MAX_BYTES) -> Any:
    """Read a YAML file given by a user, or raise ``error`` with one line saying what is wrong.

    Parameters
    ----------
    path : str or Path
        The file.
    what : str
        What the file is, for messages (``"scenario file"``, ``"pathway config"``).
    error : InputError subclass
        The error raised (:class:`ConfigError` by default).
    max_bytes : int
        Largest size accepted.

    Returns
    -------
    object
        The parsed document (``None`` for an empty file).
    """
    text = str(path)
    if not text.strip():
        raise error(f"no {what} given: pass the path of a YAML file")
    path = Path(text)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise error(f"{what} {shown(path)} does not exist") from None
    except OSError as failure:
        raise error(f"{what} {shown(path)} cannot be opened: {failure.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise error(f"{what} {shown(path)} is a directory, not a YAML file")
    if not stat.S_ISREG(info.st_mode):
        raise error(f"{what} {shown(path)} is not a regular file (a device, pipe or socket); give a YAML file")
    if info.st_size > max_bytes:
        raise error(f"{what} {shown(path)} is {info.st_size:,} bytes; configuration files are limited to {max_bytes:,}")
    try:
        data = path.read_bytes()
    except OSError as failure:
        raise error(f"{what} {shown(path)} cannot be read: {failure.strerror}") from None
    if b"\0" in data:
        raise error(f"{what} {shown(path)} is a binary file, not YAML text")
    try:
        source = data.decode("utf-8")
    except UnicodeDecodeError as failure:
        raise error(f"{what} {shown(path)} is not UTF-8 text (invalid byte at offset {failure.start})") from None
    try:
        return yaml.load(source, Loader=_Loader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.MarkedYAMLError as failure:
        mark = failure.problem_mark or failure.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = " ".join(str(failure.problem or failure.context or "syntax error").split())
        raise error(f"{what} {shown(path)} is not valid YAML: {problem}{where}") from None
    except yaml.YAMLError as failure:
        raise error(f"{what} {shown(path)} is not valid YAML: {' '.join(str(failure).split())}") from None
    except RecursionError:
        raise error(f"{what} {shown(path)} is nested too deeply to be a configuration file") from None


def read_mapping(path: str | Path, what: str = "config file", error: type[InputError] = ConfigError,
                 example: str = "") -> dict:
    """:func:`read_yaml`, requiring a non-empty mapping of fields at the top."""
    document = read_yaml(path, what, error)
    hint = f" ({example})" if example else ""
    if document is None:
        raise error(f"{what} {shown(path)} is empty; it must hold a mapping of fields{hint}")
    if not isinstance(document, dict):
        raise error(f"{what} {shown(path)} must hold a mapping of fields{hint}, not a {_kind(document)}")
    return document


def check_extends(chain: tuple[str, ...], key: str, where: str, error: type[InputError] = ConfigError) -> tuple[str, ...]:
    """The chain of ``extends`` with ``key`` added; raises on a loop or a chain longer than :data:`MAX_EXTENDS`."""
    if key in chain:
        loop = " -> ".join([*chain[chain.index(key):], key])
        raise error(f"{where}: extends loop {loop}; remove one of these extends")
    if len(chain) >= MAX_EXTENDS:
        raise error(f"{where}: extends goes {MAX_EXTENDS} levels deep ({' -> '.join(chain[:3])} -> …); flatten it")
    return (*chain, key)


# ---------------------------------------------------------------- schema checks
def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "mapping", list: "list", str: "string", bool: "true/false", int: "whole number",
            float: "number"}.get(type(value), type(value).__name__)


def _type_names(types: tuple[type, ...]) -> str:
    return " or ".join("null" if t is type(None) else t.__name__ for t in types)


def numeric(value: Any, integer: bool = False) -> Any:
    """A numeric string (``"1e4"``, which YAML 1.1 reads as text) as a number; anything else unchanged.

    With ``integer``, an integral result (string or float) becomes an ``int``;
    NaN, infinities and fractions are left for the caller's checks to refuse.
    """
    if isinstance(value, str) and NUMBER.fullmatch(value.strip()):
        value = float(value.strip().replace("_", ""))
    if integer and isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return value


def _number(value: Any, types: tuple[type, ...], where: str, key: str, error: type[InputError]) -> Any:
    """A number from ``value`` (numeric strings coerced), finite, integral when only ``int`` is accepted."""
    if isinstance(value, str) and NUMBER.fullmatch(value.strip()):
        value = float(value.strip().replace("_", ""))
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise error(f"{where}: {key!r} must be {_type_names(types)}, got {value!r}")
    if not math.isfinite(value):
        raise error(f"{where}: {key!r} must be a finite number, got {value!r}")
    if float not in types:
        if float(value) != int(value):
            raise error(f"{where}: {key!r} must be a whole number, got {value!r}")
        return int(value)
    return value


def _leaf(value: Any, spec: type | tuple | Field, where: str, key: str, error: type[InputError]) -> Any:
    field = spec if isinstance(spec, Field) else Field(spec)
    types = field.types if isinstance(field.types, tuple) else (field.types,)
    if value is None and type(None) in types:
        return None
    numeric = int in types or float in types
    if numeric and not (isinstance(value, str) and str in types):
        value = _number(value, types, where, key, error)
    elif isinstance(value, bool) and bool not in types or not isinstance(value, types):
        hint = " (quote it: YAML reads yes/no/on/off as true/false)" if isinstance(value, bool) and str in types else ""
        raise error(f"{where}: {key!r} must be {_type_names(types)}, got {value!r}{hint}")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        low = field.low is not None and (value <= field.low if field.low_open else value < field.low)
        high = field.high is not None and (value >= field.high if field.high_open else value > field.high)
        if low or high:
            lower = "" if field.low is None else f"{'above' if field.low_open else 'at least'} {field.low:g}"
            upper = "" if field.high is None else f"{'below' if field.high_open else 'at most'} {field.high:g}"
            meaning = f" ({field.what})" if field.what else ""
            raise error(f"{where}: {key!r}{meaning} must be {' and '.join(p for p in (lower, upper) if p)}, "
                        f"got {value!r}")
    if field.choices is not None and value not in field.choices:
        close = difflib.get_close_matches(str(value), [str(c) for c in field.choices], n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise error(f"{where}: {key!r} is {value!r}{hint}; valid: {', '.join(str(c) for c in field.choices)}")
    if field.pattern is not None and not re.fullmatch(field.pattern, str(value)):
        raise error(f"{where}: {key!r} is {shown(repr(value), 60)}, which is not {field.what or field.pattern}")
    if field.check is not None:
        field.check(value)
    return value


def _item(value: Any, spec: Any, where: str, key: str, error: type[InputError]) -> Any:
    if isinstance(spec, Mapping):
        if not isinstance(value, Mapping):
            raise error(f"{where}: {key!r} must be a mapping with fields {', '.join(spec)}, not a {_kind(value)}")
        return check(value, spec, f"{where}, {key}", error)
    if isinstance(spec, list):
        if not isinstance(value, list):
            raise error(f"{where}: {key!r} must be a list, not a {_kind(value)}")
        return [_item(item, spec[0], where, f"{key}[{index}]", error) for index, item in enumerate(value)]
    return _leaf(value, spec, where, key, error)


def check(values: Mapping, schema: Mapping, where: str, error: type[InputError] = ConfigError,
          required: Iterable[str] = ()) -> dict:
    """Validate a mapping against a schema and return a copy with numbers coerced.

    Parameters
    ----------
    values : Mapping
        What was read (e.g. from :func:`read_mapping`).
    schema : Mapping
        Field name to type, nested schema, ``[item]`` or :class:`Field` (see the module notes).
    where : str
        What ``values`` is, for messages (``"scenario 'x'"``).
    error : InputError subclass
        The error raised.
    required : iterable of str
        Fields that must be present.

    Raises
    ------
    error
        For an unknown field (with the closest valid one), a missing required
        field, a wrong type, a non-finite number or a value out of range.
    """
    out = {}
    for key, value in values.items():
        if not isinstance(key, str):
            raise error(f"{where}: field names must be text, got {key!r}")
        if key not in schema:
            close = difflib.get_close_matches(key, list(schema), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise error(f"{where}: unknown field {shown(repr(key), 60)}{hint}; valid fields: {', '.join(schema)}")
        out[key] = _item(value, schema[key], where, key, error)
    for key in required:
        if key not in out:
            raise error(f"{where}: {key!r} is required")
    return out
