"""The index page of the report site: every report grouped, with its headline numbers and provenance.

Groups are the sections of the page, in the order in which ``reports.yml``
first names them; a group added there gets its own section.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import subprocess
from pathlib import Path

from analysis import paths
from analysis.data import sources
from analysis.data.tables import atomic_write_text
from analysis.report.matrix import HEADLINE_MIME, ReportRun, load_matrix
from analysis.report.runner import METHODS_PAGE, failure_marker, unbroken_ranges

INDEX = paths.REPORTS / "index.html"


def methods_link(text: str = "Methods") -> str:
    """A Markdown link to the methods page, for pages in ``reports/`` (the index and every report)."""
    return f"[{text}]({METHODS_PAGE})"


def _outputs(notebook: Path) -> list[dict]:
    """The ``data`` bundles of an executed notebook's outputs (none when it is missing or unreadable)."""
    try:
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        return [output.get("data", {}) for cell in cells for output in cell.get("outputs", [])
                if isinstance(output.get("data", {}), dict)]
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError):
        return []


def headlines(notebook: Path) -> list[dict]:
    """Headline numbers a report recorded (see :func:`analysis.report.provenance.headline`), results first.

    Checks of a method (``role: check``) come after the report's results, in
    the order recorded.  A missing or unreadable executed notebook (e.g.
    truncated) has none; the index then shows the report without numbers
    instead of failing.
    """
    found = [data[HEADLINE_MIME] for data in _outputs(notebook)
             if isinstance(data.get(HEADLINE_MIME), dict) and {"label", "value"} <= set(data[HEADLINE_MIME])]
    return sorted(found, key=lambda item: item.get("role", "result") == "check")


def cited_datasets(notebooks: list[Path]) -> list[str]:
    """The datasets of ``sources.yml`` whose citation the executed notebooks print (in the registry's order)."""
    text = "\n".join(str(data.get("text/markdown", "")) if not isinstance(data.get("text/markdown"), list)
                     else "".join(data["text/markdown"]) for notebook in notebooks for data in _outputs(notebook))
    return [key for key in sources.registry()["datasets"] if sources.citations([key])[0] in text]


def failure(run: ReportRun) -> str | None:
    """The one-line reason of a report's last failed build (``reports/.failed/NAME.txt``), if any."""
    try:
        return " ".join(failure_marker(run.name).read_text(encoding="utf-8").split()) or "the build failed"
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError):
        return "the build failed"


def failed_reports(runs: list[ReportRun]) -> list[str]:
    """Names of the reports whose last build failed."""
    return [run.name for run in runs if failure(run) is not None]


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
    target = target or INDEX
    runs = runs or load_matrix()
    by_group: dict[str, list[ReportRun]] = {}
    for run in runs:
        by_group.setdefault(run.group, []).append(run)
    manifest = paths.RAW / sources.MANIFEST_NAME
    checksums = json.loads(manifest.read_text())["files"] if manifest.exists() else {}
    built = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    sections, executed = [], []
    for group, members in by_group.items():
        cards = []
        for run in members:
            numbers = "".join(
                (f"<li class='check'><span class='check-label'>check:</span> " if item.get("role") == "check"
                 else "<li>")
                + f"<span class='value'>{html.escape(str(item['value']))}</span> {html.escape(item['label'])}</li>"
                for item in headlines(run.ipynb_path)
            )
            parameters = ", ".join(f"{k}={v}" for k, v in run.parameters.items()) or "default parameters"
            page_exists = run.html_path.exists()
            if page_exists:
                executed.append(run.ipynb_path)
            title = (f"<a href='{html.escape(run.html_path.name)}'>{html.escape(run.title)}</a>" if page_exists
                     else html.escape(run.title))
            reason = failure(run)
            status = "" if page_exists else " <em>(not built)</em>"
            problem = ""
            if reason is not None:
                status = (" <em class='failed-label'>(failed" + ("; the previous report is shown" if page_exists else "")
                          + ")</em>")
                problem = f"<p class='failure'>{html.escape(reason)}</p>"
            cards.append(
                f"<article class='card{' failed' if reason is not None else ''}' "
                f"data-search='{html.escape((run.title + ' ' + group + ' ' + parameters).lower())}'>"
                f"<h3>{title}{status}</h3>"
                f"<p class='params'>{html.escape(run.notebook)}: {html.escape(parameters)}</p>{problem}"
                f"<ul class='numbers'>{numbers}</ul></article>"
            )
        sections.append(f"<section data-group='{html.escape(group)}'><h2>{html.escape(group)}</h2>"
                        f"<div class='cards'>{''.join(cards)}</div></section>")
    cited = cited_datasets(executed)
    citations = "".join(f"<li>{html.escape(line)}</li>" for line in sources.citations(cited)) or (
        "<li>No report is built yet: each report lists its own sources.</li>")
    checksum_rows = "".join(f"<tr><td>{html.escape(k)}</td><td><code>{v}</code></td></tr>" for k, v in sorted(checksums.items()))
    page = INDEX_TEMPLATE.format(
        sections="".join(sections), citations=citations, checksums=checksum_rows, built=built,
        commit=html.escape(_git_commit()), count=len(runs), methods=METHODS_PAGE,
    )
    atomic_write_text(target, unbroken_ranges(page))
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
.card.failed {{ border-color: #b3261e; background: #fdf3f2; }} .failure, .failed-label {{ color: #b3261e; font-size: 0.85rem; }}
.numbers .check {{ color: #555; font-size: 0.85rem; }} .check-label {{ font-style: italic; }}
</style></head>
<body>
<h1>Labour-mobility scenarios</h1>
<p>Supply (Africa's working-age population), demand (destinations' shrinking and ageing workforces) and legal pathways
(skills partnerships), computed from UN and World Bank data. {count} reports; every number comes from the data through the
project's <code>analysis</code> package. <a href="{methods}">Methods</a>: the projection engine and its validation against
WPP 2024, the scenarios, replacement migration, the pathway and emigration models, and the data sources.</p>
<input id="filter" type="search" placeholder="Filter reports: a country, a destination, a topic…" aria-label="Filter reports">
{sections}
<footer>
<h2>Provenance</h2>
<p>Built {built} from git commit <code>{commit}</code>.</p>
<h3>Sources</h3><p>The datasets the reports above cite:</p><ul>{citations}</ul>
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

