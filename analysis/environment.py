"""Is this checkout's environment its own?  The editable install and the Jupyter kernel hold absolute paths.

``make install`` installs the package in editable mode (the install records
the checkout's absolute path) and registers the ``labour-mobility`` kernel
(its ``kernel.json`` names the venv's Python by absolute path).  A copied or
moved checkout therefore runs the ORIGINAL checkout's code and data without a
word, and fails with "No module named 'analysis'" once the original is gone.

:func:`problems` lists what points elsewhere.  Make runs this module before
anything else (``python -I -m analysis.environment --root DIR``: isolated, so
that the package is imported the way the kernel and scripts import it, not
from the current folder) and reinstalls when it exits non-zero; the report
runner checks the kernel before it starts one (:func:`kernel_problem`).
Imports only the standard library: it must run even when the package it
would import is gone.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote, urlparse

DISTRIBUTION = "labour-mobility-scenarios"
KERNEL = "labour-mobility"


def kernel_file(prefix: str | Path | None = None) -> Path:
    """The kernelspec ``make install`` writes (``--sys-prefix``: inside the venv)."""
    return Path(prefix or sys.prefix) / "share" / "jupyter" / "kernels" / KERNEL / "kernel.json"


def kernel_problem(expected_python: str | Path | None = None, prefix: str | Path | None = None) -> str | None:
    """One line when the project's kernel is missing or runs another Python than ``expected_python``."""
    path = kernel_file(prefix)
    expected = Path(expected_python or sys.executable)
    try:
        python = Path(json.loads(path.read_text(encoding="utf-8"))["argv"][0])
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return f"the Jupyter kernel {KERNEL} is not registered in {path.parent.parent.parent.parent}"
    if python != expected:
        return (f"the Jupyter kernel {KERNEL} runs {python}, not {expected} (a copied or moved checkout, or another "
                "environment)")
    return None


def register_kernel() -> None:
    """Register the project's kernel with the running Python (what ``make install`` does)."""
    subprocess.run([sys.executable, "-m", "ipykernel", "install", "--sys-prefix", "--name", KERNEL,
                    "--display-name", "Python (labour-mobility)"], check=True, capture_output=True, timeout=120)


def ensure_kernel() -> str | None:
    """Re-register the kernel when it runs another Python than this one; returns the problem found, if any."""
    problem = kernel_problem()
    if problem is not None:
        register_kernel()
    return problem


def installed_root() -> Path | None:
    """The checkout the editable install points to, or None when the package is not installed that way."""
    # the installed record (dist-info with direct_url.json), not the build's egg-info a checkout may hold
    for distribution in metadata.distributions(name=DISTRIBUTION):
        try:
            url = json.loads(distribution.read_text("direct_url.json") or "{}").get("url", "")
        except ValueError:
            continue
        parsed = urlparse(url)
        if parsed.scheme == "file":
            return Path(unquote(parsed.path))
    return None


def problems(root: str | Path) -> list[str]:
    """What in the running environment points outside the checkout ``root`` (empty when all is its own)."""
    root = Path(root).resolve()
    found = []
    installed = installed_root()
    if installed is None:
        found.append(f"the package {DISTRIBUTION} is not installed in editable mode in {sys.prefix}")
    elif installed.resolve() != root:
        found.append(f"the installed package points to {installed}, not to this checkout {root}")
    package_root = Path(__file__).resolve().parent.parent  # this module is part of the package it checks
    if package_root != root:
        found.append(f"`import analysis` loads {package_root}, not this checkout {root}")
    venv_python = root / ".venv" / "bin" / "python"
    problem = kernel_problem(venv_python if Path(sys.prefix).resolve() == (root / ".venv").resolve() else None)
    if problem:
        found.append(problem)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -I -m analysis.environment",
                                     description="Check that the environment runs this checkout's code and kernel.")
    parser.add_argument("--root", required=True, help="the checkout (Make passes its own folder)")
    args = parser.parse_args(argv)
    found = problems(args.root)
    if found:
        print(f"stale environment: {found[0]}" + (f" (and {len(found) - 1} more)" if len(found) > 1 else "")
              + "; re-registering it with this checkout (what `make install` does)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
