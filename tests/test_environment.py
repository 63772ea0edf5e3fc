"""environment.yml (conda) and pyproject.toml (pip) declare the same dependencies."""

from __future__ import annotations

import json
import re
import sys
import tomllib

import yaml
from packaging.requirements import Requirement

from analysis import environment, paths


def _pyproject_requirements() -> dict[str, str]:
    project = tomllib.loads((paths.ROOT / "pyproject.toml").read_text())["project"]
    declared = project["dependencies"] + [r for extra in project["optional-dependencies"].values() for r in extra]
    return {Requirement(r).name.lower(): str(Requirement(r).specifier) for r in declared}


def _environment_requirements() -> tuple[dict[str, str], list]:
    environment = yaml.safe_load((paths.ROOT / "environment.yml").read_text())
    conda, pip_section = {}, []
    for entry in environment["dependencies"]:
        if isinstance(entry, dict):
            pip_section = entry["pip"]
            continue
        name, spec = re.match(r"^([A-Za-z0-9_.\-]+)\s*(.*)$", entry).groups()
        conda[name.lower()] = str(Requirement(f"x{spec.replace(' ', '')}").specifier)
    return conda, pip_section


def test_environment_yml_lists_the_pyproject_dependencies():
    conda, pip_section = _environment_requirements()
    python = conda.pop("python")
    conda.pop("pip", None)
    assert conda == _pyproject_requirements()
    assert python == ">=3.11"
    assert "-e ." in pip_section


def test_constraints_pin_every_declared_dependency():
    pins = {}
    for line in (paths.ROOT / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[name.lower().replace("_", "-")] = version
    for name, specifier in _pyproject_requirements().items():
        assert name in pins, f"{name} is not pinned in constraints.txt (run `make lock`)"
        assert Requirement(f"{name}{specifier}").specifier.contains(pins[name]), f"{name}=={pins[name]} violates {specifier}"


# ---------------------------------------------------------------- a copied or moved checkout
def test_this_checkout_runs_its_own_package_and_kernel():
    assert environment.problems(paths.ROOT) == []


def test_another_folder_is_reported_as_stale(tmp_path):
    found = environment.problems(tmp_path)
    assert any("installed package points to" in line and str(tmp_path) in line for line in found), found
    assert any("`import analysis` loads" in line for line in found), found


def test_a_kernel_of_another_python_is_reported_and_re_registered(tmp_path, monkeypatch):
    kernel = environment.kernel_file(tmp_path)
    kernel.parent.mkdir(parents=True)
    kernel.write_text(json.dumps({"argv": ["/elsewhere/.venv/bin/python", "-m", "ipykernel_launcher"]}))
    problem = environment.kernel_problem(prefix=tmp_path)
    assert problem is not None and "/elsewhere/.venv/bin/python" in problem
    assert environment.kernel_problem(prefix=tmp_path / "none") is not None  # not registered at all
    kernel.write_text(json.dumps({"argv": [sys.executable]}))
    assert environment.kernel_problem(prefix=tmp_path) is None


def test_make_checks_the_environment_in_isolation():
    """Make imports the package as kernels do (-I: not from the current folder) and re-registers a stale one."""
    text = (paths.ROOT / "Makefile").read_text()
    assert '$(PY) -I -m analysis.environment --root "$(CURDIR)"' in text
    assert "ipykernel install --sys-prefix" in text
