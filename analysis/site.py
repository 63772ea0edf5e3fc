"""The report site: the report matrix, building one report, and the index page.

``reports.yml`` (at the repository root) lists each notebook with the
parameter sets it is run with.  ``python -m analysis matrix`` checks every
parameter name against the notebook's ``parameters`` cell (papermill would
silently ignore a misspelled one) and writes what Make needs: one parameter
file per report (rewritten only when it changes, so that only that report is
rebuilt) and ``reports/.matrix.mk``.  ``python -m analysis report NAME``
executes one report with papermill and converts it to HTML with the code
hidden, through temporary files: a failure names the notebook, the parameters
and the failing cell, and leaves the previous report in place.
``python -m analysis site`` writes ``reports/index.html``.
"""

from __future__ import annotations

import ast
import datetime as dt
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Iterable

import yaml

from analysis import paths

MATRIX_FILE = paths.ROOT / "reports.yml"
PARAMS_DIR = paths.REPORTS / ".params"
FAILED_DIR = paths.REPORTS / ".failed"
MAKE_INCLUDE = paths.REPORTS / ".matrix.mk"
INDEX = paths.REPORTS / "index.html"
KERNEL = "labour-mobility"
HEADLINE_MIME = "application/vnd.labour-mobility.headline+json"
GROUPS = ("Africa supply", "Destinations", "Pathways", "Migration context", "Country profiles")


class MatrixError(ValueError):
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
        from analysis import locations

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
                    import difflib

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


def write_make_inputs(runs: Iterable[ReportRun]) -> int:
    """Parameter files (rewritten only when they change) and ``reports/.matrix.mk``; returns the number changed."""
    runs = list(runs)
    PARAMS_DIR.mkdir(parents=True, exist_ok=True)
    changed = 0
    for run in runs:
        text = json.dumps({"notebook": run.notebook, "group": run.group, "title": run.title,
                           "parameters": run.parameters}, indent=1, sort_keys=True) + "\n"
        if not run.params_path.exists() or run.params_path.read_text(encoding="utf-8") != text:
            _atomic_write(run.params_path, text)
            changed += 1
    wanted = {run.params_path.name for run in runs}
    for stale in PARAMS_DIR.glob("*.json"):
        if stale.name not in wanted:
            stale.unlink()
    lines = ["# Generated by `python -m analysis matrix` from reports.yml; do not edit.",
             "REPORT_RUNS := " + " ".join(run.name for run in runs), ""]
    for run in runs:
        lines.append(f"reports/{run.name}.html: notebooks/{run.notebook}.ipynb reports/.params/{run.name}.json")
    _atomic_write(MAKE_INCLUDE, "\n".join(lines) + "\n")
    return changed


def _atomic_write(target: Path, text: str) -> None:
    from analysis.sources import atomic_write_text

    atomic_write_text(target, text)


# ---------------------------------------------------------------- one report
class ReportFailed(RuntimeError):
    """A report's notebook failed; the message names the notebook, the parameters and the cell."""


def _failing_cell(notebook: Path) -> tuple[int | None, str]:
    """Index (1-based, code cells) and first error line of the cell that failed in an executed notebook."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
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
    """The run as `python -m analysis matrix` wrote it for Make (None when there is no such file)."""
    path = PARAMS_DIR / f"{name}.json"
    if not path.exists():
        return None
    spec = json.loads(path.read_text(encoding="utf-8"))
    if "title" not in spec:
        return None
    return ReportRun(name, spec["notebook"], spec["group"], spec["title"], spec["parameters"])


def _shown(path: Path) -> str:
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
        previous report stays in place and the failed notebook is kept in
        ``reports/.failed/``.
    """
    # jsonschema (through nbformat) imports rfc3987_syntax when it is installed, which compiles
    # a large grammar (about 1.3 s per report) only to check IRI formats that notebooks never use.
    sys.modules.setdefault("rfc3987_syntax", None)
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
    with tempfile.TemporaryDirectory(dir=paths.REPORTS, prefix=f".{name}.") as scratch:
        executed = Path(scratch) / f"{name}.ipynb"
        try:
            papermill.execute_notebook(
                str(run.notebook_path), str(executed), parameters=run.parameters, kernel_name=KERNEL,
                progress_bar=False, cwd=str(paths.NOTEBOOKS), log_output=False,
            )
        except papermill.PapermillExecutionError:
            FAILED_DIR.mkdir(parents=True, exist_ok=True)
            kept = FAILED_DIR / f"{name}.ipynb"
            shutil.copyfile(executed, kept)
            cell, error = _failing_cell(executed)
            raise ReportFailed(
                f"report {name} failed: notebook notebooks/{run.notebook}.ipynb with parameters "
                f"{json.dumps(run.parameters, sort_keys=True)}, code cell {cell}: {error}. "
                f"The previous report is kept; the failed notebook is {_shown(kept)}"
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
    (FAILED_DIR / f"{name}.ipynb").unlink(missing_ok=True)
    return run.html_path


EXTERNAL_SCRIPT = re.compile(r"<script[^>]*\bsrc=\"https?://[^\"]*\"[^>]*>\s*</script>", re.IGNORECASE)
MATHJAX_CONFIG = re.compile(r"<!-- MathJax configuration -->\s*<script type=\"text/x-mathjax-config\">.*?</script>",
                            re.IGNORECASE | re.DOTALL)


def self_contained(body: str, title: str) -> str:
    """A report page that loads nothing from the network and links back to the index.

    The reports use neither LaTeX nor widgets, so the template's CDN scripts
    (require.js, MathJax) are dropped: offline readers and the browser test
    see no failed requests.
    """
    body = EXTERNAL_SCRIPT.sub("", body)
    body = MATHJAX_CONFIG.sub("", body)
    body = body.replace("<head>", "<head>\n<link rel=\"icon\" href=\"data:,\">", 1)
    banner = ("<nav style=\"font-family: system-ui, sans-serif; padding: 0.5rem 1rem; background: #eef3f9;\">"
              f"<a href=\"index.html\">&larr; All reports</a> &middot; {html.escape(title)}</nav>")
    return re.sub(r"(<body[^>]*>)", lambda match: match.group(1) + banner, body, count=1)


# ---------------------------------------------------------------- the index
def headlines(notebook: Path) -> list[dict]:
    """Headline numbers a report recorded (see :func:`analysis.reporting.headline`)."""
    if not notebook.exists():
        return []
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    found = []
    for cell in cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if HEADLINE_MIME in data:
                found.append(data[HEADLINE_MIME])
    return found


def _git_commit() -> str:
    try:
        result = subprocess.run(["git", "rev-parse", "HEAD"], cwd=paths.ROOT, capture_output=True, text=True, timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=paths.ROOT,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        commit = result.stdout.strip() or "unknown"
        return commit + (" (with uncommitted changes)" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def build_index(runs: list[ReportRun] | None = None, target: Path | None = None) -> Path:
    """Write ``reports/index.html``: every report grouped, with headline numbers, a filter box and provenance."""
    from analysis import sources

    target = target or INDEX
    runs = runs or load_matrix()
    by_group: dict[str, list[ReportRun]] = {group: [] for group in GROUPS}
    for run in runs:
        by_group[run.group].append(run)
    manifest = paths.RAW / sources.MANIFEST_NAME
    checksums = json.loads(manifest.read_text())["files"] if manifest.exists() else {}
    built = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    sections = []
    for group, members in by_group.items():
        if not members:
            continue
        cards = []
        for run in members:
            numbers = "".join(
                f"<li><span class='value'>{html.escape(str(item['value']))}</span> {html.escape(item['label'])}</li>"
                for item in headlines(run.ipynb_path)
            )
            parameters = ", ".join(f"{k}={v}" for k, v in run.parameters.items()) or "default parameters"
            status = "" if run.html_path.exists() else " <em>(not built)</em>"
            cards.append(
                f"<article class='card' data-search='{html.escape((run.title + ' ' + group + ' ' + parameters).lower())}'>"
                f"<h3><a href='{html.escape(run.html_path.name)}'>{html.escape(run.title)}</a>{status}</h3>"
                f"<p class='params'>{html.escape(run.notebook)}: {html.escape(parameters)}</p>"
                f"<ul class='numbers'>{numbers}</ul></article>"
            )
        sections.append(f"<section data-group='{html.escape(group)}'><h2>{html.escape(group)}</h2>"
                        f"<div class='cards'>{''.join(cards)}</div></section>")
    citations = "".join(f"<li>{html.escape(line)}</li>" for line in sources.citations(["wpp2024", "gdidata"]))
    checksum_rows = "".join(f"<tr><td>{html.escape(k)}</td><td><code>{v}</code></td></tr>" for k, v in sorted(checksums.items()))
    page = INDEX_TEMPLATE.format(
        sections="".join(sections), citations=citations, checksums=checksum_rows, built=built,
        commit=html.escape(_git_commit()), count=len(runs),
    )
    _atomic_write(target, page)
    return target


INDEX_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>Labour-mobility scenarios: reports</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 0 auto; max-width: 1200px; padding: 1rem 2rem; color: #222; }}
h1 {{ margin-bottom: 0.2rem; }} h2 {{ border-bottom: 2px solid #1f5a96; padding-bottom: 0.2rem; margin-top: 2rem; }}
#filter {{ width: 100%; font-size: 1.1rem; padding: 0.5rem; margin: 1rem 0; box-sizing: border-box; }}
.cards {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(270px, 1fr)); gap: 0.8rem; }}
.card {{ border: 1px solid #ccd; border-radius: 6px; padding: 0.6rem 0.8rem; background: #fafbfd; }}
.card h3 {{ margin: 0 0 0.3rem 0; font-size: 1.05rem; }} .params {{ color: #666; font-size: 0.8rem; margin: 0; }}
.numbers {{ padding-left: 1rem; margin: 0.4rem 0 0 0; font-size: 0.9rem; }} .value {{ font-weight: 600; color: #1f5a96; }}
footer {{ margin-top: 3rem; font-size: 0.85rem; color: #444; }} table {{ border-collapse: collapse; font-size: 0.8rem; }}
td {{ padding: 0.1rem 0.6rem; border-bottom: 1px solid #eee; }} .hidden {{ display: none; }}
</style></head>
<body>
<h1>Labour-mobility scenarios</h1>
<p>Supply (Africa's working-age population), demand (destinations' shrinking and ageing workforces) and legal pathways
(skills partnerships), computed from UN and World Bank data. {count} reports; every number comes from the data through the
project's <code>analysis</code> package.</p>
<input id="filter" type="search" placeholder="Filter reports: a country, a destination, a topic…" aria-label="Filter reports">
{sections}
<footer>
<h2>Provenance</h2>
<p>Built {built} from git commit <code>{commit}</code>.</p>
<h3>Sources</h3><ul>{citations}</ul>
<h3>Raw data files (SHA-256)</h3><table>{checksums}</table>
</footer>
<script>
const box = document.getElementById('filter');
box.addEventListener('input', () => {{
  const words = box.value.toLowerCase().split(/\\s+/).filter(Boolean);
  document.querySelectorAll('section').forEach(section => {{
    let shown = 0;
    section.querySelectorAll('.card').forEach(card => {{
      const text = card.dataset.search + ' ' + card.textContent.toLowerCase();
      const match = words.every(word => text.includes(word));
      card.classList.toggle('hidden', !match);
      shown += match ? 1 : 0;
    }});
    section.classList.toggle('hidden', shown === 0);
  }});
}});
</script>
</body></html>
"""
