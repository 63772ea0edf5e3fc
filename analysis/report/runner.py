"""Building reports: papermill into a temporary folder, then HTML with the code hidden.

``python -m analysis report NAME`` executes one report of the matrix, and
:class:`ReportBuilder` builds reports one after another on one warm kernel
(:mod:`analysis.report.warm_kernel`) with one HTML exporter.  Each report goes
through temporary files: a failure names the notebook, the parameters and the
failing cell, leaves the previous report in place, and records its one-line
reason in ``reports/.failed/NAME.txt`` for the index.  Temporary folders are
named ``reports/.NAME.PID.*``; one whose process is gone (a build killed with
``kill -9``) is removed by the next build.  Every page links back to the
index and to the methods page.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analysis import paths
from analysis.data.tables import atomic_write_text
from analysis.errors import DataError
from analysis.report import matrix
from analysis.report.matrix import MatrixError, ReportRun, load_matrix

FAILED_DIR = paths.REPORTS / ".failed"
#: The index and the methods page (built by analysis.report.methods), beside the reports.
INDEX_PAGE = "index.html"
METHODS_PAGE = "methods.html"
#: Reports one kernel executes before it is replaced by a new one, to cap its memory (measured: see the README).
RESTART_EVERY = 50


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


def failed_dir(run: ReportRun | None = None) -> Path:
    """Where failures are kept: ``reports/.failed/`` for the site, ``.failed/`` beside an ad hoc run's output."""
    return FAILED_DIR if run is None or run.folder is None else run.output_folder / ".failed"


def failure_marker(name: str, run: ReportRun | None = None) -> Path:
    """``reports/.failed/NAME.txt``: the one-line reason a report's last build failed."""
    return failed_dir(run) / f"{name}.txt"


def record_failure(name: str, reason: str, run: ReportRun | None = None) -> None:
    """Keep a report's one-line failure reason for the index (removed by its next successful build)."""
    atomic_write_text(failure_marker(matrix.check_name(name), run), " ".join(reason.split()) + "\n")


def shown(path: Path) -> str:
    """A path relative to the repository when it is inside it."""
    try:
        return str(path.relative_to(paths.ROOT))
    except ValueError:
        return str(path)


def find_runs(names: list[str], runs: list[ReportRun] | None = None) -> list[ReportRun]:
    """The runs of the matrix named, from the parameter files Make reads (``reports.yml`` when one is missing).

    Raises
    ------
    MatrixError
        For an invalid name, or one that is not in ``reports.yml``.
    """
    for name in names:
        matrix.check_name(name)
    found = {} if runs is not None else {name: _run_from_params_file(name) for name in names}
    if runs is not None or None in found.values():
        known = {candidate.name: candidate for candidate in (runs if runs is not None else load_matrix())}
        for name in names:
            if name not in known:
                raise MatrixError(f"no report named {name!r} in reports.yml; e.g. {', '.join(list(known)[:5])}")
            found[name] = known[name]
    return [found[name] for name in names]


@dataclass(frozen=True)
class Outcome:
    """What building one report gave: its page, or the one-line reason it failed."""

    name: str
    path: Path | None
    error: str | None
    seconds: float


class ReportBuilder:
    """Builds reports one after another on one warm kernel, with one HTML exporter.

    Parameters
    ----------
    restart_every : int, optional
        Reports executed by one kernel before it is replaced (default
        :data:`RESTART_EVERY`; see :class:`analysis.report.warm_kernel.WarmKernel`).

    Use as a context manager, or call :meth:`close` to stop the kernel.
    """

    def __init__(self, restart_every: int | None = None) -> None:
        # jsonschema (through nbformat) imports rfc3987_syntax when it is installed, which compiles
        # a large grammar (about 1.3 s) only to check IRI formats that notebooks never use.
        sys.modules.setdefault("rfc3987_syntax", None)
        # heavy and only needed to build reports: imported here so that the command line starts fast
        import papermill
        from nbconvert import HTMLExporter

        from analysis.report.warm_kernel import WarmKernel

        self._execution_error = papermill.PapermillExecutionError
        self.kernel = WarmKernel(restart_every or RESTART_EVERY)
        self.exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)

    def close(self) -> None:
        """Stop the kernel."""
        self.kernel.close()

    def __enter__(self) -> "ReportBuilder":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def build(self, run: ReportRun) -> Path:
        """Execute one report and write its ``.ipynb`` and ``.html`` (code hidden), atomically.

        Raises
        ------
        ReportFailed
            Naming the notebook, the parameters and the failing cell, and
            whether a previous report stays in place (it does, when there was
            one); the failed notebook is kept in ``.failed/`` and the one-line
            reason in ``.failed/NAME.txt``.
        """
        name = matrix.check_name(run.name)
        folder = run.output_folder
        failures = failed_dir(run)
        folder.mkdir(parents=True, exist_ok=True)
        remove_stale_scratch(folder)
        try:
            with tempfile.TemporaryDirectory(dir=folder, prefix=f".{name}.{os.getpid()}.") as scratch:
                executed = Path(scratch) / f"{name}.ipynb"
                try:
                    notebook = self.kernel.execute(run.notebook_path, executed, run.parameters)
                except self._execution_error:
                    failures.mkdir(parents=True, exist_ok=True)
                    kept = failures / f"{name}.ipynb"
                    partial = Path(scratch) / "failed.ipynb"
                    shutil.copyfile(executed, partial)
                    os.replace(partial, kept)  # the scratch folder is on the same file system
                    cell, error = _failing_cell(executed)
                    previous = ("The previous report is kept" if run.html_path.exists()
                                else "No report was written (there was none before)")
                    raise ReportFailed(
                        f"report {name} failed: notebook notebooks/{run.notebook}.ipynb with parameters "
                        f"{json.dumps(run.parameters, sort_keys=True)}, code cell {cell}: {error}. "
                        f"{previous}; the failed notebook is {shown(kept)}"
                    ) from None
                body, _ = self.exporter.from_notebook_node(notebook, resources={"metadata": {"name": run.title}})
                page = Path(scratch) / f"{name}.html"
                site = os.path.relpath(paths.REPORTS, folder) if run.folder is not None else "."
                page.write_text(self_contained(body, run.title, site), encoding="utf-8")
                for temporary in (executed, page):
                    os.chmod(temporary, 0o644)
                os.replace(executed, run.ipynb_path)
                os.replace(page, run.html_path)
        except Exception as error:  # any failure: one line, kept for the index
            reason = str(error) if isinstance(error, ReportFailed) else (
                f"report {name} failed: {type(error).__name__}: {' '.join(str(error).split())}")
            record_failure(name, reason, run)
            if isinstance(error, ReportFailed):
                raise
            raise ReportFailed(reason) from error
        (failures / f"{name}.ipynb").unlink(missing_ok=True)
        failure_marker(name, run).unlink(missing_ok=True)
        return run.html_path

    def outcome(self, run: ReportRun) -> Outcome:
        """:meth:`build`, with a failure returned as its one-line reason instead of raised."""
        started = time.perf_counter()
        try:
            path, error = self.build(run), None
        except ReportFailed as failure:
            path, error = None, " ".join(str(failure).split())
        return Outcome(run.name, path, error, time.perf_counter() - started)


def run_report(name: str, runs: list[ReportRun] | None = None) -> Path:
    """Execute one report of the matrix (or of ``runs``) on a kernel of its own; see :meth:`ReportBuilder.build`.

    Raises
    ------
    MatrixError
        For a name that is not in ``reports.yml`` (or ``runs``).
    ReportFailed
        When the report fails; the previous report is kept.
    """
    run = find_runs([name], runs)[0]
    with ReportBuilder() as builder:
        return builder.build(run)


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


#: A range of numbers (an age band "25-34", years "2025–2055") in a page's text: never broken across lines.
NUMBER_RANGE = re.compile(r"(?<![\w.,\-–])(\d{1,4}[-–]\d{1,4}\+?)(?![\w\-–])")  # not dates (2026-12-07)
#: A number followed by a space and a percent sign.
PERCENT_AFTER_NUMBER = re.compile(r"(\d) %")
#: A tag, or the content of an element whose text is not prose (scripts, styles).
_TAG_OR_CODE = re.compile(r"<(script|style)\b.*?</\1>|<[^>]*>", re.IGNORECASE | re.DOTALL)


def unbroken_ranges(page: str) -> str:
    """``page`` with every number range of its text kept on one line (``25-34`` never wraps as ``25-`` / ``34``).

    A percent sign after a space stays with its number too (``+33.1&nbsp;%``).

    Browsers may break a line after a hyphen or an en dash; an age band or a
    span of years split that way reads as two numbers.  Each range in the text
    (not in tags, scripts or styles) is wrapped in a ``white-space: nowrap`` span;
    the text itself is unchanged, so a search or a copy finds ``25-34``.
    """
    def kept(text: str) -> str:
        text = NUMBER_RANGE.sub(r'<span style="white-space:nowrap">\1</span>', text)
        return PERCENT_AFTER_NUMBER.sub("\\1&nbsp;%", text)  # "+33.1 %" never wraps before its "%"

    out, last = [], 0
    for markup in _TAG_OR_CODE.finditer(page):
        out.append(kept(page[last:markup.start()]))
        out.append(markup.group(0))
        last = markup.end()
    out.append(kept(page[last:]))
    return "".join(out)


MATHJAX_CONFIG = re.compile(r"<!-- MathJax configuration -->\s*<script type=\"text/x-mathjax-config\">.*?</script>",
                            re.IGNORECASE | re.DOTALL)


def self_contained(body: str, title: str, site: str = ".") -> str:
    """A report page that loads nothing from the network and links to the index and the methods page.

    ``site`` is the site's folder (``reports/``) relative to the page's, for
    pages written elsewhere (ad hoc runs in ``reports/custom/``: ``..``).

    Number ranges of the text never break across lines (:func:`unbroken_ranges`).
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
    body = unbroken_ranges(body)
    body = body.replace("<head>", "<head>\n<link rel=\"icon\" href=\"data:,\">", 1)
    root = "" if site in ("", ".") else site.rstrip("/") + "/"
    banner = ("<nav style=\"font-family: system-ui, sans-serif; padding: 0.5rem 1rem; background: #eef3f9;\">"
              f"<a href=\"{html.escape(root + INDEX_PAGE)}\">&larr; All reports</a> &middot; "
              f"<a href=\"{html.escape(root + METHODS_PAGE)}\">Methods</a> &middot; {html.escape(title)}</nav>")
    return re.sub(r"(<body[^>]*>)", lambda match: match.group(1) + banner, body, count=1)

