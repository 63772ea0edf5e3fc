"""The package's shape: layers in one direction, no import circles, two error bases, thin notebooks."""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

import analysis
from analysis import paths
from analysis.errors import DataError, InputError


def _modules() -> list[str]:
    return sorted(info.name for info in pkgutil.walk_packages(analysis.__path__, "analysis."))


def test_import_linter_contract_is_kept():
    """`lint-imports` checks the layers declared in pyproject.toml: data -> model -> study -> report."""
    command = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(command)], cwd=paths.ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_no_import_circles():
    graph = grimp.build_graph("analysis")
    modules = sorted(graph.modules)
    for module in modules:
        for imported in graph.find_modules_directly_imported_by(module):
            assert not graph.chain_exists(importer=imported, imported=module), f"import circle: {module} <-> {imported}"


def test_no_package_imports_inside_functions():
    """Imports sit at the top of a module, so the dependency graph is visible (heavy optional ones excepted)."""
    allowed = {("analysis.report.runner", "nbformat"), ("analysis.report.runner", "papermill"),
               ("analysis.report.runner", "nbconvert"), ("analysis.data.sources", "pooch"),
               ("analysis.report.runner", "analysis.report.warm_kernel"),  # papermill and jupyter_client
               ("analysis.report.parameters", "analysis"),  # the partnership and return-event datasets
               # the ensemble store's writer and reader only: about a second of imports no other command pays
               ("analysis.model.ensemble_store", "xarray"), ("analysis.model.ensemble_store", "numcodecs"),
               ("analysis.model.ensemble_store", "dask.array"), ("analysis.model.ensemble_store", "zarr")}
    found = []
    for name in _modules():
        source = inspect.getsource(importlib.import_module(name))
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for inner in ast.walk(node):
                    if isinstance(inner, (ast.Import, ast.ImportFrom)):
                        target = inner.module if isinstance(inner, ast.ImportFrom) else inner.names[0].name
                        if not {(name, (target or "").split(".")[0]), (name, target)} & allowed:
                            found.append(f"{name}.{node.name} imports {target}")
    assert not found, found


def test_every_error_class_derives_from_one_of_the_two_bases():
    classes = []
    for name in _modules():
        module = importlib.import_module(name)
        for _, value in inspect.getmembers(module, inspect.isclass):
            if value.__module__ == name and issubclass(value, Exception) and not issubclass(value, Warning):
                classes.append(value)
    assert len(classes) >= 10
    strays = [cls.__qualname__ for cls in classes if not issubclass(cls, (InputError, DataError))]
    assert not strays, strays
    assert InputError.exit_status == 2 and DataError.exit_status == 3


@pytest.mark.parametrize("path", sorted(paths.NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.name)
def test_notebooks_compute_nothing_inline(path):
    """Each table and figure is one package call: no pandas reshaping or hand-drawn axes in the cells."""
    cells = [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
    code = "\n".join("".join(c["source"]) for c in cells)
    inline = re.findall(r"\.(groupby|pivot_table|pivot|merge|melt|concat|fill_between|errorbar|barh?|plot)\(", code)
    assert not inline, f"{path.name} computes or draws inline: {sorted(set(inline))}"
