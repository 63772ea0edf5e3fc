"""The report matrix: ``reports.yml``, each notebook with the parameter sets it runs with.

``python -m analysis matrix`` checks every parameter name against the
notebook's ``parameters`` cell (papermill would silently ignore a misspelled
one) and writes what Make needs: one parameter file per report (rewritten only
when it changes, so that only that report is rebuilt) and
``reports/.matrix.mk``.  Each report belongs to a ``group``, a section of the
index; the sections follow the order in which their groups first appear, so a
new group needs nothing but its name.  :func:`check_parameters` is the one
check of a parameter set, for the matrix and for ad hoc runs alike.
"""

from __future__ import annotations

import ast
import difflib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from analysis import paths
from analysis.data import config, locations
from analysis.data.config import Field
from analysis.data.tables import atomic_write_text
from analysis.errors import InputError
from analysis.model import scenarios
from analysis.model.scenarios import ScenarioError
from analysis.report import parameters as notebook_checks

MATRIX_FILE = paths.ROOT / "reports.yml"
PARAMS_DIR = paths.REPORTS / ".params"
MAKE_INCLUDE = paths.REPORTS / ".matrix.mk"
HEADLINE_MIME = "application/vnd.labour-mobility.headline+json"
#: What a headline is: a result of the report, or a check of its method (listed after the results on the index).
HEADLINE_ROLES = ("result", "check")


#: Report and notebook names: lower-case letters, digits, '-' and '_' (no path separators, no Make syntax).
NAME_PATTERN = r"[a-z0-9][a-z0-9_-]{0,99}"
_NAME = Field(str, pattern=NAME_PATTERN, what="a name of lower-case letters, digits, '-' and '_' (at most 100)")
#: A group: the heading of the index section its reports are listed under.
_GROUP = Field(str, pattern=r"\S.{0,79}", what="a group name of 1 to 80 characters on one line")
#: The schema of reports.yml (see :mod:`analysis.data.config`).
SCHEMA = {
    "reports": [{
        "notebook": _NAME,
        "group": _GROUP,
        "title": str,
        "runs": [{"name": _NAME, "title": str, "parameters": dict}],
        "for_each": Field(str, choices=("african_countries",)),
        "template": dict,
    }],
}


class MatrixError(InputError):
    """The report matrix is invalid; the message names the entry and the problem."""


def check_name(name: str, what: str = "report") -> str:
    """A report or notebook name, or :class:`MatrixError` (closes path traversal and Make injection)."""
    if not isinstance(name, str) or not re.fullmatch(NAME_PATTERN, name):
        raise MatrixError(f"{what} name {config.shown(repr(name), 60)} is not valid: use lower-case letters, digits, "
                          "'-' and '_' (at most 100 characters, starting with a letter or digit)")
    return name


@dataclass(frozen=True)
class ReportRun:
    """One report: a notebook run with one parameter set.

    ``folder`` is where its ipynb and HTML go: ``reports/`` (the site) unless
    given (ad hoc runs go to ``reports/custom/``).
    """

    name: str
    notebook: str
    group: str
    title: str
    parameters: dict = field(default_factory=dict, hash=False, compare=False)
    folder: Path | None = field(default=None, compare=False)

    @property
    def notebook_path(self) -> Path:
        return paths.NOTEBOOKS / f"{self.notebook}.ipynb"

    @property
    def output_folder(self) -> Path:
        return Path(self.folder) if self.folder is not None else paths.REPORTS

    @property
    def html_path(self) -> Path:
        return self.output_folder / f"{self.name}.html"

    @property
    def ipynb_path(self) -> Path:
        return self.output_folder / f"{self.name}.ipynb"

    @property
    def params_path(self) -> Path:
        return PARAMS_DIR / f"{self.name}.json"


# ---------------------------------------------------------------- parameters cells
def notebook_parameters(notebook: str | Path) -> dict:
    """Names and default values of a notebook's ``parameters`` cell (literals only)."""
    path = Path(notebook) if str(notebook).endswith(".ipynb") else paths.NOTEBOOKS / f"{check_name(notebook, 'notebook')}.ipynb"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in paths.NOTEBOOKS.glob("*.ipynb")))
        raise MatrixError(f"notebook {path} does not exist; the notebooks are: {known}")
    try:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as error:
        raise MatrixError(f"notebook {path} is not a readable notebook ({type(error).__name__})") from None
    tagged = [c for c in cells if isinstance(c, dict) and "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(tagged) != 1:
        raise MatrixError(f"{path.name}: expected exactly one cell tagged 'parameters', found {len(tagged)}")
    source = "".join(tagged[0]["source"])
    values = {}
    for node in ast.parse(source).body:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
            raise MatrixError(f"{path.name}: the parameters cell must hold plain assignments, found {ast.unparse(node)!r}")
        try:
            values[node.targets[0].id] = ast.literal_eval(node.value)
        except ValueError:
            raise MatrixError(f"{path.name}: parameter {node.targets[0].id} is not a literal") from None
    return values


# ---------------------------------------------------------------- the matrix
def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")


def _expand(entry: dict) -> list[dict]:
    """Parameter sets of one matrix entry, expanding ``for_each`` lists."""
    runs = [dict(run) for run in entry.get("runs", [])]
    if entry.get("for_each"):
        template = entry.get("template", {})
        for row in locations.african_countries().itertuples():
            try:
                parameters = {k: str(v).format(iso3=row.iso3, name=row.name) for k, v in template.items()}
            except (KeyError, IndexError, ValueError) as error:
                raise MatrixError(f"{entry['notebook']}: template {template!r} cannot be filled ({error}); "
                                  "use {iso3} or {name}") from None
            runs.append({"name": f"{entry['notebook']}-{row.iso3.lower()}", "title": row.name, "parameters": parameters})
    return runs


def check_parameters(where: str, notebook: str, parameters: dict, defaults: dict | None = None) -> dict:
    """Check a parameter set of a notebook: names against its parameters cell, values against its schema.

    Parameters
    ----------
    where : str
        What is checked, for messages (``"report kenya"``).
    notebook : str
        The notebook's name.
    parameters : dict
        The parameters given (the others keep the notebook's defaults).
    defaults : dict, optional
        The notebook's parameters cell, when already read.

    Returns
    -------
    dict
        The given parameters as :func:`analysis.report.parameters.check`
        returns them (numeric strings as numbers).

    Raises
    ------
    MatrixError
        A name not in the parameters cell (with the closest one), or a value
        of the wrong type or out of range, in one line.
    """
    defaults = notebook_parameters(notebook) if defaults is None else defaults
    unknown = sorted(set(map(str, parameters)) - set(defaults))
    if unknown:
        close = difflib.get_close_matches(unknown[0], list(defaults), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise MatrixError(f"{where}: parameter {unknown[0]!r}{hint} is not in the parameters "
                          f"cell of notebooks/{notebook}.ipynb, which has: {', '.join(defaults)}")
    if notebook not in notebook_checks.SCHEMAS:
        return dict(parameters)
    try:
        checked = notebook_checks.check(notebook, **{**defaults, **parameters})
    except InputError as error:
        raise MatrixError(f"{where}: {error}") from None
    return {name: checked[name] for name in parameters}


def load_matrix(path: Path | None = None, check: bool = True) -> list[ReportRun]:
    """The report matrix, each parameter name and value checked against its notebook.

    ``reports.yml`` is read by :func:`analysis.data.config.read_mapping` and
    checked against :data:`SCHEMA`; report and notebook names must match
    :data:`NAME_PATTERN`; every parameter set (the notebook's defaults updated
    by the run's parameters) passes :func:`analysis.report.parameters.check`.

    Raises
    ------
    MatrixError
        Unreadable file, unknown notebook, group or parameter (with the valid
        names), an invalid name or value, or a duplicate report name.
    """
    path = Path(path or MATRIX_FILE)
    spec = config.check(config.read_mapping(path, "report matrix", MatrixError, example="reports: [...]"),
                        SCHEMA, path.name, MatrixError, required=["reports"])
    runs: list[ReportRun] = []
    for index, entry in enumerate(spec["reports"]):
        for required in ("notebook", "group"):
            if required not in entry:
                raise MatrixError(f"{path.name}: reports[{index}] has no {required!r}")
        if not entry.get("runs") and not entry.get("for_each"):
            raise MatrixError(f"{path.name}: reports[{index}] ({entry['notebook']}) has neither runs nor for_each")
        notebook = entry["notebook"]
        group = entry["group"].strip()
        defaults = notebook_parameters(notebook)
        for run in _expand(entry):
            parameters = dict(run.get("parameters") or {})
            name = check_name(run.get("name") or notebook)
            if check:
                check_parameters(f"report {name}", notebook, parameters, defaults)
            runs.append(ReportRun(name, notebook, group, run.get("title") or entry.get("title", notebook), parameters))
    names = [run.name for run in runs]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise MatrixError(f"duplicate report names in {path.name}: {duplicates}")
    return runs


def file_prerequisites(run: ReportRun) -> list[Path]:
    """Files outside the package a report reads, named in its parameters: scenario files (with the scenarios they
    extend and their pathway configs), other YAML files, and the user's file of groups when a location parameter
    names one of its groups, so that Make rebuilds the report when one changes.

    A parameter value (or list item) counts when it is, or composes with ``+``, the path of an existing ``.yml`` or
    ``.yaml`` file (relative paths from the repository root).
    """
    found: list[Path] = []
    for name in notebook_checks.location_parameters(run.notebook):  # a group of the user's file of groups
        if name in run.parameters:
            found.extend(f for f in locations.user_group_files(run.parameters[name]) if f not in found)
    values = [v for value in run.parameters.values() for v in (value if isinstance(value, list) else [value])]
    for value in values:
        if not isinstance(value, str):
            continue
        for part in value.split("+"):
            path = scenarios.find_file(part, paths.ROOT) if part.endswith((".yml", ".yaml")) else None
            if path is None:
                continue
            try:
                files = scenarios.external_files(path)
            except ScenarioError:  # not a scenario (e.g. a pathway config): the file itself
                files = [path]
            found.extend(f for f in files if f not in found)
    return found


def _make_path(path: Path) -> str:
    return str(path).replace(" ", "\\ ")


def write_make_inputs(runs: Iterable[ReportRun]) -> int:
    """Parameter files (rewritten only when they change) and ``reports/.matrix.mk``; returns the number changed."""
    runs = list(runs)
    PARAMS_DIR.mkdir(parents=True, exist_ok=True)
    changed = 0
    for run in runs:
        text = json.dumps({"notebook": run.notebook, "group": run.group, "title": run.title,
                           "parameters": run.parameters}, indent=1, sort_keys=True) + "\n"
        if not run.params_path.exists() or run.params_path.read_text(encoding="utf-8") != text:
            atomic_write_text(run.params_path, text)
            changed += 1
    wanted = {run.params_path.name for run in runs}
    for stale in PARAMS_DIR.glob("*.json"):
        if stale.name not in wanted:
            stale.unlink()
    names = {run.name for run in runs}
    for stale in (paths.REPORTS / ".failed").glob("*.*"):  # failures of reports no longer in the matrix
        if stale.suffix in (".txt", ".ipynb") and stale.stem not in names:
            stale.unlink()
    lines = ["# Generated by `python -m analysis matrix` from reports.yml; do not edit.",
             "REPORT_RUNS := " + " ".join(run.name for run in runs), ""]
    for run in runs:
        extra = "".join(f" {_make_path(path)}" for path in file_prerequisites(run))
        lines.append(f"reports/{run.name}.html: notebooks/{run.notebook}.ipynb reports/.params/{run.name}.json{extra}")
    atomic_write_text(MAKE_INCLUDE, "\n".join(lines) + "\n")
    return changed

