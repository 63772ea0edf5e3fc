"""Which files a run read and the state of the code: SHA-256 of scenario and config files, git commit and changes.

The command line writes these as ``#`` lines on stderr (its CSV on stdout
stays clean); the reports show them in their provenance section.  Kept
apart from :mod:`analysis.report.provenance` so that the command line does
not import IPython.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Iterable, Mapping

from analysis import __version__, paths


def git_state(root: Path = paths.ROOT) -> dict:
    """The checkout's commit and whether tracked files have uncommitted changes.

    Returns
    -------
    dict
        ``commit`` (12 hex digits, or ``unknown`` outside a git checkout) and
        ``changes``: ``"clean"``, ``"uncommitted changes"`` or ``"unknown"``.
    """
    def git(*args: str) -> str | None:
        try:
            result = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=20)
        except (OSError, subprocess.SubprocessError):
            return None
        return result.stdout if result.returncode == 0 else None

    commit = (git("rev-parse", "--short=12", "HEAD") or "").strip() or "unknown"
    status = git("status", "--porcelain", "--untracked-files=no")
    changes = "unknown" if status is None else ("uncommitted changes" if status.strip() else "clean")
    return {"commit": commit, "changes": changes}


def shown_path(path: str | Path) -> str:
    """A path relative to the repository when it lies inside it."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(paths.ROOT))
    except ValueError:
        return str(path)


def command_lines(files: Iterable[Mapping]) -> list[str]:
    """``#`` lines for the command line: the code's state, then each file read with its SHA-256."""
    state = git_state()
    lines = [f"# provenance: analysis {__version__}, git commit {state['commit']}, working tree {state['changes']}"]
    seen = set()
    for record in files:
        key = (record["path"], record["sha256"])
        if key in seen:
            continue
        seen.add(key)
        lines.append(f"# {record['role']}: {shown_path(record['path'])} sha256 {record['sha256']}")
    return lines


def files_markdown(files: Iterable[Mapping]) -> str:
    """Markdown list items of the files a report read, with their SHA-256 (empty when none)."""
    items = []
    seen = set()
    for record in files:
        key = (record["path"], record["sha256"])
        if key not in seen:
            seen.add(key)
            items.append(f"- {record['role'].capitalize()}: `{shown_path(record['path'])}`, SHA-256 `{record['sha256']}`")
    return "\n".join(items)
