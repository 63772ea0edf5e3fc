"""Pointing the report site at a folder of a test's own."""

from __future__ import annotations

from pathlib import Path

from analysis import paths
from analysis.report import matrix, runner, site_index


def use_reports_folder(patch, folder: Path) -> Path:
    """Make ``folder`` the site's ``reports/`` for the package: pages, parameter files, Make's inputs, failures.

    ``patch`` is pytest's ``monkeypatch`` (or a ``MonkeyPatch.context()``), which undoes it.
    """
    patch.setattr(paths, "REPORTS", folder)
    patch.setattr(matrix, "PARAMS_DIR", folder / ".params")
    patch.setattr(matrix, "MAKE_INCLUDE", folder / ".matrix.mk")
    patch.setattr(runner, "FAILED_DIR", folder / ".failed")
    patch.setattr(site_index, "INDEX", folder / "index.html")
    return folder
