"""The report matrix: ``reports.yml``, each notebook with the parameter sets it runs with.

``python -m analysis matrix`` checks every parameter name against the
notebook's ``parameters`` cell (papermill would silently ignore a misspelled
one) and writes what Make needs: one parameter file per report (rewritten only
when it changes, so that only that report is rebuilt) and
``reports/.matrix.mk``.
"""

from __future__ import annotations

import ast
import difflib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import yaml

from analysis import paths
from analysis.data import locations
from analysis.data.tables import atomic_write_text
from analysis.errors import InputError
from analysis.model import scenarios
from analysis.model.scenarios import ScenarioError

MATRIX_FILE = paths.ROOT / "reports.yml"
PARAMS_DIR = paths.REPORTS / ".params"
MAKE_INCLUDE = paths.REPORTS / ".matrix.mk"
HEADLINE_MIME = "application/vnd.labour-mobility.headline+json"
GROUPS = ("Africa supply", "Destinations", "Pathways", "Migration context", "Country profiles")


class MatrixError(InputError):
    """The report matrix is invalid; the message names the entry and the problem."""


@dataclass(frozen=True)
class ReportRun:
    """One report: a notebook run with one parameter set."""

    name: str
    notebook: str
    group: str
    title: str
    parameters: dict = field(default_factory=dict, hash=False, compare=False)

    @property
    def notebook_path(self) -> Path:
        return paths.NOTEBOOKS / f"{self.notebook}.ipynb"

    @property
    def html_path(self) -> Path:
        return paths.REPORTS / f"{self.name}.html"

    @property
    def ipynb_path(self) -> Path:
        return paths.REPORTS / f"{self.name}.ipynb"

    @property
    def params_path(self) -> Path:
        return PARAMS_DIR / f"{self.name}.json"


# ---------------------------------------------------------------- parameters cells
def notebook_parameters(notebook: str | Path) -> dict:
    """Names and default values of a notebook's ``parameters`` cell (literals only)."""
    path = Path(notebook) if str(notebook).endswith(".ipynb") else paths.NOTEBOOKS / f"{notebook}.ipynb"
    if not path.exists():
        raise MatrixError(f"notebook {path} does not exist")
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    tagged = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
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
    each = entry.get("for_each")
    if each:
        if each != "african_countries":
            raise MatrixError(f"{entry['notebook']}: unknown for_each {each!r}; valid: african_countries")
        for row in locations.african_countries().itertuples():
            template = entry.get("template", {})
            parameters = {k: str(v).format(iso3=row.iso3, name=row.name) for k, v in template.items()}
            runs.append({"name": f"{entry['notebook']}-{row.iso3.lower()}", "title": row.name, "parameters": parameters})
    return runs


def load_matrix(path: Path = MATRIX_FILE, check: bool = True) -> list[ReportRun]:
    """The report matrix, each parameter name checked against its notebook's parameters cell.

    Raises
    ------
    MatrixError
        Unknown notebook, group or parameter (with the valid names), or a duplicate report name.
    """
    spec = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    runs: list[ReportRun] = []
    for entry in spec["reports"]:
        notebook = entry["notebook"]
        group = entry.get("group")
        if group not in GROUPS:
            raise MatrixError(f"{notebook}: group {group!r} is not one of {', '.join(GROUPS)}")
        defaults = notebook_parameters(notebook)
        for run in _expand(entry):
            parameters = dict(run.get("parameters") or {})
            if check:
                unknown = sorted(set(parameters) - set(defaults))
                if unknown:
                    close = difflib.get_close_matches(unknown[0], list(defaults), n=1)
                    hint = f" (did you mean {close[0]!r}?)" if close else ""
                    raise MatrixError(
                        f"report {run.get('name', notebook)}: parameter {unknown[0]!r}{hint} is not in the parameters "
                        f"cell of notebooks/{notebook}.ipynb, which has: {', '.join(defaults)}"
                    )
            name = run.get("name") or notebook
            runs.append(ReportRun(name, notebook, group, run.get("title") or entry.get("title", notebook), parameters))
    names = [run.name for run in runs]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise MatrixError(f"duplicate report names in {Path(path).name}: {duplicates}")
    return runs


def file_prerequisites(run: ReportRun) -> list[Path]:
    """Files outside the package a report reads, named in its parameters: scenario files (with the scenarios they
    extend and their pathway configs) and other YAML files, so that Make rebuilds the report when one changes.

    A parameter value (or list item) counts when it is, or composes with ``+``, the path of an existing ``.yml`` or
    ``.yaml`` file (relative paths from the repository root).
    """
    found: list[Path] = []
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
    lines = ["# Generated by `python -m analysis matrix` from reports.yml; do not edit.",
             "REPORT_RUNS := " + " ".join(run.name for run in runs), ""]
    for run in runs:
        extra = "".join(f" {_make_path(path)}" for path in file_prerequisites(run))
        lines.append(f"reports/{run.name}.html: notebooks/{run.notebook}.ipynb reports/.params/{run.name}.json{extra}")
    atomic_write_text(MAKE_INCLUDE, "\n".join(lines) + "\n")
    return changed

