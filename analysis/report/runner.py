"""Building one report: papermill into a temporary folder, then HTML with the code hidden.

``python -m analysis report NAME`` executes one report of the matrix and
converts it to HTML through temporary files: a failure names the notebook, the
parameters and the failing cell, leaves the previous report in place, and
records its one-line reason in ``reports/.failed/NAME.txt`` for the index.
Temporary folders are named ``reports/.NAME.PID.*``; one whose process is gone
(a build killed with ``kill -9``) is removed by the next build.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

from analysis import paths
from analysis.data.tables import atomic_write_text
from analysis.errors import DataError
from analysis.report import matrix
from analysis.report.matrix import MatrixError, ReportRun, load_matrix

FAILED_DIR = paths.REPORTS / ".failed"
KERNEL = "labour-mobility"


class ReportFailed(DataError):
    """A report's notebook failed; the message names the notebook, the parameters and the cell."""


def _failing_cell(notebook: Path) -> tuple[int | None, str]:
    """Index (1-based, code cells) and first error line of the cell that failed in an executed notebook."""
    try:
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError):
        return None, "the executed notebook could not be read"
    number = 0
    for cell in cells:
        if cell.get("cell_type") != "code" or "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            continue
        number += 1
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return number, f"{output.get('ename')}: {output.get('evalue')}"
    return None, "unknown error"


def _run_from_params_file(name: str) -> ReportRun | None:
    """The run as `python -m analysis matrix` wrote it for Make (None when the file is missing or unreadable)."""
    path = matrix.PARAMS_DIR / f"{name}.json"
    try:
        spec = json.loads(path.read_text(encoding="utf-8"))
        return ReportRun(name, matrix.check_name(spec["notebook"], "notebook"), spec["group"], spec["title"],
                         dict(spec["parameters"]))
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError):  # reports.yml is the source of truth
        return None


SCRATCH = re.compile(r"\.(?P<name>[a-z0-9][a-z0-9_-]*)\.(?P<pid>[0-9]+)\.[^.]+")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def remove_stale_scratch(reports_dir: Path | None = None) -> list[Path]:
    """Remove temporary report folders whose build process is gone (killed before it could clean up)."""
    folder = Path(reports_dir or paths.REPORTS)
    removed = []
    for entry in folder.glob(".*.*.*") if folder.is_dir() else []:
        match = SCRATCH.fullmatch(entry.name)
        if entry.is_dir() and match and not _alive(int(match["pid"])):
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed


def failure_marker(name: str) -> Path:
    """``reports/.failed/NAME.txt``: the one-line reason a report's last build failed."""
    return FAILED_DIR / f"{name}.txt"


def record_failure(name: str, reason: str) -> None:
    """Keep a report's one-line failure reason for the index (removed by its next successful build)."""
    atomic_write_text(failure_marker(matrix.check_name(name)), " ".join(reason.split()) + "\n")


def shown(path: Path) -> str:
    """A path relative to the repository when it is inside it."""
    try:
        return str(path.relative_to(paths.ROOT))
    except ValueError:
        return str(path)


def run_report(name: str, runs: list[ReportRun] | None = None) -> Path:
    """Execute one report and write ``reports/<name>.ipynb`` and ``.html`` (code hidden), atomically.

    Raises
    ------
    ReportFailed
        Naming the notebook, the parameters and the failing cell; the
        previous report stays in place, the failed notebook is kept in
        ``reports/.failed/`` and the one-line reason in ``reports/.failed/NAME.txt``.
    """
    matrix.check_name(name)
    # jsonschema (through nbformat) imports rfc3987_syntax when it is installed, which compiles
    # a large grammar (about 1.3 s per report) only to check IRI formats that notebooks never use.
    sys.modules.setdefault("rfc3987_syntax", None)
    # heavy and only needed to build reports: imported here so that the command line starts fast
    import nbformat
    import papermill
    from nbconvert import HTMLExporter

    run = _run_from_params_file(name) if runs is None else None
    if run is None:
        found = {candidate.name: candidate for candidate in (runs or load_matrix())}
        if name not in found:
            raise MatrixError(f"no report named {name!r} in reports.yml; e.g. {', '.join(list(found)[:5])}")
        run = found[name]
    paths.REPORTS.mkdir(parents=True, exist_ok=True)
    remove_stale_scratch()
    try:
        with tempfile.TemporaryDirectory(dir=paths.REPORTS, prefix=f".{name}.{os.getpid()}.") as scratch:
            executed = Path(scratch) / f"{name}.ipynb"
            try:
                papermill.execute_notebook(
                    str(run.notebook_path), str(executed), parameters=run.parameters, kernel_name=KERNEL,
                    progress_bar=False, cwd=str(paths.NOTEBOOKS), log_output=False,
                )
            except papermill.PapermillExecutionError:
                FAILED_DIR.mkdir(parents=True, exist_ok=True)
                kept = FAILED_DIR / f"{name}.ipynb"
                partial = Path(scratch) / "failed.ipynb"
                shutil.copyfile(executed, partial)
                os.replace(partial, kept)  # the scratch folder is on the same file system
                cell, error = _failing_cell(executed)
                raise ReportFailed(
                    f"report {name} failed: notebook notebooks/{run.notebook}.ipynb with parameters "
                    f"{json.dumps(run.parameters, sort_keys=True)}, code cell {cell}: {error}. "
                    f"The previous report is kept; the failed notebook is {shown(kept)}"
                ) from None
            notebook = nbformat.read(executed, as_version=4)
            exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
            body, _ = exporter.from_notebook_node(notebook, resources={"metadata": {"name": run.title}})
            page = Path(scratch) / f"{name}.html"
            page.write_text(self_contained(body, run.title), encoding="utf-8")
            for temporary in (executed, page):
                os.chmod(temporary, 0o644)
            os.replace(executed, run.ipynb_path)
            os.replace(page, run.html_path)
    except Exception as error:  # any failure: one line, kept for the index
        reason = str(error) if isinstance(error, ReportFailed) else (
            f"report {name} failed: {type(error).__name__}: {' '.join(str(error).split())}")
        record_failure(name, reason)
        if isinstance(error, ReportFailed):
            raise
        raise ReportFailed(reason) from error
    (FAILED_DIR / f"{name}.ipynb").unlink(missing_ok=True)
    failure_marker(name).unlink(missing_ok=True)
    return run.html_path


EXTERNAL_SCRIPT = re.compile(r"<script[^>]*\bsrc=\"https?://[^\"]*\"[^>]*>\s*</script>", re.IGNORECASE)
#: Any script element; one that imports from the network (nbconvert's mermaid loader) is dropped.
SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.IGNORECASE | re.DOTALL)
#: What makes a page load something from the network: an http(s) URL in a src attribute, in import(…) or in
#: ``import … from``, or in a CSS @import.  The browser test looks for the same.
NETWORK_REFERENCE = re.compile(
    r"""\bsrc\s*=\s*["']?\s*(?:https?:)?//|\bimport\s*\(\s*["'`]?\s*(?:https?:)?//|"""
    r"""\bimport\b[^;()]*?\bfrom\s*["'`]\s*(?:https?:)?//|@import\s+(?:url\()?\s*["']?\s*(?:https?:)?//""",
    re.IGNORECASE,
)


MATHJAX_CONFIG = re.compile(r"<!-- MathJax configuration -->\s*<script type=\"text/x-mathjax-config\">.*?</script>",
                            re.IGNORECASE | re.DOTALL)


def self_contained(body: str, title: str) -> str:
    """A report page that loads nothing from the network and links back to the index.

    The reports use neither LaTeX, widgets nor diagrams, so the template's
    CDN scripts (require.js, MathJax, the mermaid loader) are dropped:
    offline readers and the browser test see no failed requests.  Any other
    reference to the network left in the page (see :data:`NETWORK_REFERENCE`)
    fails the build.
    """
    body = EXTERNAL_SCRIPT.sub("", body)
    body = MATHJAX_CONFIG.sub("", body)
    body = SCRIPT.sub(lambda script: "" if NETWORK_REFERENCE.search(script.group(0)) else script.group(0), body)
    if NETWORK_REFERENCE.search(body):
        found = NETWORK_REFERENCE.search(body).group(0)
        raise ReportFailed(f"the HTML of {title!r} would load {found!r}… from the network; reports must be self-contained")
    body = body.replace("<head>", "<head>\n<link rel=\"icon\" href=\"data:,\">", 1)
    banner = ("<nav style=\"font-family: system-ui, sans-serif; padding: 0.5rem 1rem; background: #eef3f9;\">"
              f"<a href=\"index.html\">&larr; All reports</a> &middot; {html.escape(title)}</nav>")
    return re.sub(r"(<body[^>]*>)", lambda match: match.group(1) + banner, body, count=1)

