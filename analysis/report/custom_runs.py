"""Ad hoc reports: a notebook run with parameters given on the command line, outside ``reports.yml``.

``python -m analysis report --notebook africa_working_age -p location SADC -p ages 20-39 --name my-sadc``
writes ``reports/custom/my-sadc.ipynb`` and ``reports/custom/my-sadc.html``.
The parameters are checked as the matrix's are
(:func:`analysis.report.matrix.check_parameters`: names against the
notebook's ``parameters`` cell, values against
:mod:`analysis.report.parameters`) before anything runs.

Each ``-p`` value is read as a YAML value in which plain words and numbers stay
text: ``[medium, low]`` is a list, ``None`` or ``null`` is none, and the
notebook's parameter schema then turns text into a number where a number is
expected.  So ``010`` is ten (not YAML 1.1's octal eight), ``1e4`` ten
thousand, and ``NO`` or ``on`` stay text (not YAML 1.1's true and false).
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any, Iterable

import yaml

from analysis import paths
from analysis.errors import InputError
from analysis.report import matrix
from analysis.report.matrix import ReportRun

#: The folder of ad hoc reports, inside ``reports/`` (not listed on the index).
FOLDER = "custom"
#: The index group an ad hoc run would belong to (it is not on the index).
GROUP = "Custom runs"


class CustomRunError(InputError):
    """An ad hoc run's notebook, parameter or name is invalid; the message says which and what to do."""


class _ValueLoader(yaml.SafeLoader):
    """YAML without implicit typing: plain scalars are text, except ``None``/``null``/``~`` (none)."""

    yaml_implicit_resolvers: dict = {}


def _scalar(loader: _ValueLoader, node: yaml.ScalarNode) -> Any:
    text = loader.construct_scalar(node)
    return None if node.style is None and text in ("None", "null", "Null", "NULL", "~") else text


_ValueLoader.add_constructor("tag:yaml.org,2002:str", _scalar)


def parse_value(name: str, text: str) -> Any:
    """A ``-p NAME VALUE`` value: text, a list (``[medium, low]``) or none (see the module notes).

    Raises
    ------
    CustomRunError
        When the value is not valid YAML (an unclosed bracket, say).
    """
    try:
        return yaml.load(text, Loader=_ValueLoader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as error:
        problem = getattr(error, "problem", None) or "syntax error"
        raise CustomRunError(f"-p {name} {text!r} is not a valid value ({' '.join(str(problem).split())}); "
                             "write a list as '[medium, low]' and quote a value that holds ': ' or starts "
                             "with '[', '{', '&', '*' or '#'") from None


def _slug(value: Any) -> str:
    items = value if isinstance(value, list) else [value]
    return re.sub(r"[^a-z0-9]+", "-", " ".join(str(item) for item in items).lower()).strip("-")


def default_name(notebook: str, parameters: dict) -> str:
    """``NOTEBOOK-VALUES`` (e.g. ``africa_working_age-sadc-20-39``), shortened with a hash when too long."""
    name = "-".join(part for part in [notebook, *(_slug(v) for v in parameters.values())] if part)
    if len(name) > 100:
        digest = hashlib.sha256(json.dumps(parameters, sort_keys=True, default=str).encode()).hexdigest()[:10]
        name = f"{name[:89].rstrip('-_')}-{digest}"
    return name


def custom_run(notebook: str, assignments: Iterable[tuple[str, str]], name: str | None = None) -> ReportRun:
    """An ad hoc report of ``notebook`` with ``-p NAME VALUE`` assignments, checked, written to ``reports/custom/``.

    Parameters
    ----------
    notebook : str
        The notebook's name (``africa_working_age``).
    assignments : iterable of (name, value text)
        The ``-p`` options, in order.
    name : str, optional
        The report's name (lower-case letters, digits, ``-`` and ``_``); by
        default :func:`default_name`.

    Raises
    ------
    CustomRunError
        For an unknown notebook, a parameter given twice or not in the
        notebook's parameters cell, a value of the wrong type or out of range,
        or an invalid report name: one line.
    """
    try:
        matrix.check_name(notebook, "notebook")
        defaults = matrix.notebook_parameters(notebook)
        given: dict[str, Any] = {}
        for key, text in assignments:
            if key in given:
                raise CustomRunError(f"-p {key} is given twice; give each parameter once")
            given[key] = parse_value(key, text)
        report = matrix.check_name(name) if name is not None else default_name(notebook, given)
        checked = matrix.check_parameters("ad hoc report", notebook, given, defaults)
    except matrix.MatrixError as error:
        raise CustomRunError(str(error)) from None
    values = ", ".join(f"{key}={value}" for key, value in given.items()) or "default parameters"
    return ReportRun(report, notebook, GROUP, f"{notebook}: {values}", checked, folder=paths.REPORTS / FOLDER)
