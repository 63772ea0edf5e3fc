"""`make reports` as a DAG: Make finds the out-of-date reports and passes them all to one command.

The project's Makefile runs in a scratch copy of the repository's layout, with
a stand-in Python (`make PY=…`) that logs each command and acts like it: the
matrix step writes the Make include for three reports, `report NAME…` writes
each report's HTML (or, for a name in FAIL, the failure marker and exit status
1), `site` and `methods` write their pages.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from analysis import paths

REPORTS = ("alpha", "beta", "gamma")

STAND_IN = f'''#!{sys.executable}
import os, sys
from pathlib import Path
if "analysis.environment" in sys.argv:  # Make's check that .venv belongs to this checkout: it does
    sys.exit(0)
with open("calls.log", "a") as log:
    log.write(" ".join(sys.argv[1:]) + "\\n")
command = sys.argv[3]
reports = Path("reports")
if command == "matrix":
    (reports / ".params").mkdir(parents=True, exist_ok=True)
    lines = ["REPORT_RUNS := {" ".join(REPORTS)}"]
    for name in {list(REPORTS)!r}:
        params = reports / ".params" / f"{{name}}.json"
        if not params.exists():
            params.write_text("{{}}")
        lines.append(f"reports/{{name}}.html: notebooks/nb.ipynb reports/.params/{{name}}.json")
    (reports / ".matrix.mk").write_text("\\n".join(lines) + "\\n")
elif command == "report":
    names = [a for a in sys.argv[4:] if not a.startswith("-") and not a.isdigit()]
    failing = set(os.environ.get("FAIL", "").split())
    (reports / ".failed").mkdir(exist_ok=True)
    for name in names:
        if name in failing:
            (reports / ".failed" / f"{{name}}.txt").write_text(f"report {{name}} failed\\n")
        else:
            (reports / f"{{name}}.html").write_text("report")
            (reports / ".failed" / f"{{name}}.txt").unlink(missing_ok=True)
    sys.exit(1 if failing & set(names) else 0)
elif command in ("site", "methods"):
    (reports / ("index.html" if command == "site" else "methods.html")).write_text(command)
else:
    sys.exit(f"unexpected command {{sys.argv[1:]}}")
'''


@pytest.fixture
def project(tmp_path):
    """A scratch repository layout, its inputs older than the data and the data older than any report."""
    for name in ("Makefile",):
        (tmp_path / name).write_text((paths.ROOT / name).read_text())
    files = ["pyproject.toml", "constraints.txt", "reports.yml", "docs/methods.md", "notebooks/nb.ipynb",
             "analysis/paths.py", "analysis/errors.py", "analysis/data/sources.yml", "analysis/data/sources.py",
             "analysis/data/tables.py", "analysis/report/matrix.py", ".venv/.installed", "data/raw/MANIFEST.json",
             "data/processed/manifest.json"]
    start = time.time() - 1000
    for index, name in enumerate(files):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
        os.utime(path, (start + index, start + index))
    stand_in = tmp_path / "python"
    stand_in.write_text(STAND_IN)
    stand_in.chmod(0o755)
    (tmp_path / "reports").mkdir()
    return tmp_path


def _make(project: Path, *arguments: str, fail: str = "") -> tuple[subprocess.CompletedProcess, list[str]]:
    log = project / "calls.log"
    log.unlink(missing_ok=True)
    result = subprocess.run(["make", "--no-print-directory", *arguments, f"PY={project / 'python'}", "JOBS=2",
                             "reports"], cwd=project, env={**os.environ, "FAIL": fail, "MAKEFLAGS": ""},
                            capture_output=True, text=True, timeout=120)
    return result, (log.read_text().splitlines() if log.exists() else [])


def _touch(path: Path) -> None:
    """Mark a file changed: newer than everything built so far."""
    os.utime(path)


def test_out_of_date_reports_go_to_one_command(project):
    result, calls = _make(project)
    assert result.returncode == 0, result.stderr
    assert sorted(calls) == sorted(["-m analysis matrix", "-m analysis methods",
                                    "-m analysis report --jobs 2 alpha beta gamma", "-m analysis site"])
    assert calls.index("-m analysis report --jobs 2 alpha beta gamma") < calls.index("-m analysis site")

    result, calls = _make(project)
    assert result.returncode == 0 and calls == [], "a second make reports does no work"

    _touch(project / "reports/.params/beta.json")
    result, calls = _make(project, "-j3")
    assert result.returncode == 0, result.stderr
    assert calls == ["-m analysis report --jobs 3 beta", "-m analysis site"]

    _touch(project / "data/processed/manifest.json")  # the data changed: every report, and the methods page
    result, calls = _make(project)
    assert "-m analysis report --jobs 2 alpha beta gamma" in calls and "-m analysis methods" in calls


def test_a_failed_report_fails_make_after_the_index_and_is_retried(project):
    assert _make(project)[0].returncode == 0
    _touch(project / "reports/.params/gamma.json")
    _touch(project / "reports/.params/alpha.json")
    result, calls = _make(project, fail="gamma")
    assert result.returncode != 0
    assert calls == ["-m analysis report --jobs 2 alpha gamma", "-m analysis site"]
    assert "reports failed (marked in reports/index.html): gamma" in result.stderr

    result, calls = _make(project)
    assert result.returncode == 0, result.stderr
    assert calls == ["-m analysis report --jobs 2 gamma", "-m analysis site"]
