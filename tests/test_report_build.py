"""Building reports on warm kernels: isolation between reports, batches on worker processes, ad hoc runs.

The isolation tests run real notebooks on one kernel in both orders and
compare what they print; a pair of small notebooks written here changes every
kind of process state a report could leave behind (figure settings, warning
filters and registries, random seeds, options, the environment, a package
cache, autoreload) and checks that the next notebook sees none of it.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import nbformat
import pytest

from analysis import paths
from analysis.__main__ import main
from analysis.report import batch, custom_runs, matrix, runner, site_index
from analysis.report.matrix import ReportRun
from analysis.report.warm_kernel import WarmKernel, notebook_imports

TEXT_TYPES = ("text/plain", "text/markdown", matrix.HEADLINE_MIME)


def text_outputs(notebook: dict | Path) -> list:
    """Every code cell's text outputs (streams, plain text, Markdown, headline numbers) and output types.

    Consecutive pieces of one stream count as one: how printed text is split
    into messages depends on timing.
    """
    cells = json.loads(Path(notebook).read_text())["cells"] if isinstance(notebook, Path) else notebook["cells"]
    found = []
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            item = (output["output_type"], output.get("name"), output.get("execution_count"),
                    "".join(output.get("text", "")), sorted(data), [data[kind] for kind in TEXT_TYPES if kind in data])
            if found and item[0] == "stream" and found[-1][:2] == item[:2]:
                item = (*item[:3], found.pop()[3] + item[3], *item[4:])
            found.append(item)
    return found


# ---------------------------------------------------------------- isolation on one kernel
POLLUTER = [
    "%load_ext autoreload\n%autoreload 2\n%matplotlib inline",
    "import os, random, sys, warnings\nimport numpy as np, pandas as pd, matplotlib as mpl, matplotlib.pyplot as plt\n"
    "from analysis.data import locations\n"
    "np.mean([])  # a warning shown once per location: the next report must see it again\n",
    "%config InlineBackend.figure_formats = ['svg']",
    "mpl.rcParams['lines.linewidth'] = 7\nwarnings.filters.insert(0, ('ignore', None, Warning, None, 0))\n"
    "np.random.seed(0)\nrandom.seed(0)\n"
    "pd.set_option('display.max_rows', 3)\nnp.set_printoptions(precision=2)\nnp.seterr(all='raise')\n"
    "os.environ['LMS_POLLUTED'] = '1'\nsys.path.append('/polluted')\nos.chdir('/')\n"
    "locations.group_definitions()['POLLUTED'] = {}  # a package cache handed out by reference\n"
    "leftover = 42\nplt.figure()  # left open",
]
PROBE = [
    "%load_ext autoreload\n%autoreload 2\n%matplotlib inline",
    "import json, os, random, sys, warnings\nimport numpy as np, pandas as pd, matplotlib as mpl, "
    "matplotlib.pyplot as plt\nfrom matplotlib_inline.backend_inline import InlineBackend\n"
    "from analysis.data import locations\n"
    "print(json.dumps({\n"
    "    'linewidth': mpl.rcParams['lines.linewidth'], 'filters': repr(warnings.filters[:3]),\n"
    "    'max_rows': pd.get_option('display.max_rows'), 'precision': np.get_printoptions()['precision'],\n"
    "    'errors': np.geterr(), 'environment': os.environ.get('LMS_POLLUTED'), 'path': '/polluted' in sys.path,\n"
    "    'cwd': os.getcwd(), 'cache': 'POLLUTED' in locations.group_definitions(),\n"
    "    'namespace': 'leftover' in globals(), 'figures': plt.get_fignums(),\n"
    "    'formats': sorted(InlineBackend.instance().figure_formats),\n"
    "    'numpy_seeded': bool(np.random.random() == np.random.RandomState(0).random_sample()),\n"
    "    'random_seeded': random.random() == random.Random(0).random(),\n"
    "}, sort_keys=True))",
    "np.mean([])",
    "plt.plot([1, 2]);\nplt.show()",
    "1 + 1",
]


def _notebook(folder: Path, name: str, sources: list[str]) -> Path:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    notebook.cells.insert(1, nbformat.v4.new_code_cell("value = 1", metadata={"tags": ["parameters"]}))
    notebook.metadata["kernelspec"] = {"name": "labour-mobility", "display_name": "Python", "language": "python"}
    path = folder / f"{name}.ipynb"
    nbformat.write(notebook, path)
    return path


def test_a_report_leaves_no_state_for_the_next_on_the_same_kernel(tmp_path, processed_dir):
    polluter, probe = _notebook(tmp_path, "polluter", POLLUTER), _notebook(tmp_path, "probe", PROBE)
    with WarmKernel(restart_every=10, cwd=tmp_path) as kernel:
        first = kernel.execute(probe, tmp_path / "first.ipynb")
        polluted = kernel.execute(polluter, tmp_path / "polluted.ipynb")
        second = kernel.execute(probe, tmp_path / "second.ipynb")
        assert kernel.starts == 1, "the kernel was replaced, so the test proves nothing"
    assert any("Mean of empty slice" in output[3] for output in text_outputs(polluted))
    state = json.loads(text_outputs(first)[0][3])
    assert state["linewidth"] != 7 and not state["environment"] and not state["cache"] and not state["namespace"]
    assert state["cwd"] == str(tmp_path) and state["formats"] == ["png"] and state["figures"] == []
    assert not state["numpy_seeded"] and not state["random_seeded"]
    assert text_outputs(second) == text_outputs(first)
    assert any("Mean of empty slice" in output[3] for output in text_outputs(second)), "the warning was not shown again"
    assert text_outputs(second)[-1][2] == first["cells"][-1]["execution_count"] == 6  # counted from 1 again


def _pair(folder: Path) -> list[ReportRun]:
    return [ReportRun("ghana", "africa_working_age", "Africa supply", "Ghana",
                      {"location": "Ghana", "top_n": 3, "trajectories": 100},
                      folder=folder),
            ReportRun("country_profile-cpv", "country_profile", "Country profiles", "Cabo Verde", {"country": "CPV"},
                      folder=folder)]


def test_two_reports_print_the_same_in_either_order_on_one_kernel(tmp_path, processed_dir):
    forward, backward = _pair(tmp_path / "forward"), _pair(tmp_path / "backward")[::-1]
    for runs in (forward, backward):
        with runner.ReportBuilder() as builder:
            for run in runs:
                builder.build(run)
            assert builder.kernel.starts == 1
    for run in forward:
        first, second = run.ipynb_path, tmp_path / "backward" / run.ipynb_path.name
        assert text_outputs(first), run.name
        differences = [(a, b) for a, b in zip(text_outputs(first), text_outputs(second)) if a != b]
        assert not differences, (run.name, differences[:2])
        assert len(text_outputs(first)) == len(text_outputs(second)), run.name


def test_the_kernel_is_replaced_every_n_reports(tmp_path, processed_dir):
    probe = _notebook(tmp_path, "probe", ["x = 1"])
    with WarmKernel(restart_every=2, cwd=tmp_path, warm_imports=[]) as kernel:
        for index in range(5):
            kernel.execute(probe, tmp_path / f"out{index}.ipynb")
        assert kernel.starts == 3 and kernel.executed == 1


def test_a_dead_kernel_fails_its_report_and_the_next_report_gets_a_new_kernel(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "NOTEBOOKS", tmp_path / "notebooks")
    paths.NOTEBOOKS.mkdir()
    _notebook(paths.NOTEBOOKS, "dies", ["import os\nos._exit(1)"])
    _notebook(paths.NOTEBOOKS, "lives", ["print('alive')"])
    runs = [ReportRun(name, name, "Tests", name.title(), folder=tmp_path / "out") for name in ("dies", "lives")]
    with runner.ReportBuilder() as builder:
        died, lived = builder.outcome(runs[0]), builder.outcome(runs[1])
        assert builder.kernel.starts == 2
    assert died.error.startswith("report dies failed: DeadKernelError") and "\n" not in died.error
    assert (tmp_path / "out" / ".failed" / "dies.txt").exists() and not (tmp_path / "out" / "dies.html").exists()
    assert lived.error is None and "alive" in str(text_outputs(tmp_path / "out" / "lives.ipynb"))


def test_the_warm_up_imports_what_the_notebooks_import():
    imports = dict(notebook_imports(sorted(paths.NOTEBOOKS.glob("*.ipynb"))))
    assert "matplotlib.pyplot" in imports and "plotting" in imports["analysis.report"]
    assert not any(module.startswith("%") for module in imports)


# ---------------------------------------------------------------- batches on worker processes
def test_a_batch_takes_the_notebooks_in_turn():
    """Reports of one notebook (which may share a cached trajectory run) are not handed out side by side."""
    runs = [ReportRun(name, name[0], "group", name) for name in ("a1", "a2", "a3", "b1", "c1", "c2")]
    assert [run.name for run in batch.interleaved(runs)] == ["a1", "b1", "c1", "a2", "c2", "a3"]
    assert batch.interleaved([]) == []
    everything = matrix.load_matrix()
    ordered = batch.interleaved(everything)
    assert sorted(run.name for run in ordered) == sorted(run.name for run in everything)
    assert [run.notebook for run in ordered[:2]] == ["africa_working_age", "skills_supply"]


def test_a_batch_on_two_workers_builds_each_report_and_records_a_failure(tmp_path, processed_dir):
    good = ReportRun("good", "africa_working_age", "Africa supply", "Good",
                     {"location": "Ghana", "top_n": 3, "trajectories": 100},
                     folder=tmp_path)
    bad = ReportRun("bad", "africa_working_age", "Africa supply", "Bad", {"ages": "70-20"}, folder=tmp_path)
    (tmp_path / "bad.html").write_text("the previous good report")
    outcomes = {outcome.name: outcome for outcome in batch.build_reports([bad, good], jobs=2)}
    assert outcomes["good"].error is None and (tmp_path / "good.html").exists() and (tmp_path / "good.ipynb").exists()
    assert "code cell 3" in outcomes["bad"].error and "ends before it starts" in outcomes["bad"].error
    assert (tmp_path / "bad.html").read_text() == "the previous good report"
    assert "ends before it starts" in (tmp_path / ".failed" / "bad.txt").read_text()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith((".good.", ".bad."))], "temporary folders left"


# ---------------------------------------------------------------- pages
def test_every_page_links_the_index_and_the_methods_page():
    page = runner.self_contained("<html><head></head><body><p>x</p></body></html>", "A <title>")
    nav = page[page.index("<nav"):page.index("</nav>")]
    assert 'href="index.html"' in nav and 'href="methods.html"' in nav and "A &lt;title&gt;" in nav
    assert site_index.METHODS_PAGE == runner.METHODS_PAGE == "methods.html"
    elsewhere = runner.self_contained("<html><body></body></html>", "T", "..")
    assert 'href="../index.html"' in elsewhere and 'href="../methods.html"' in elsewhere


# ---------------------------------------------------------------- ad hoc runs
@pytest.mark.parametrize("text, value", [
    ("SADC", "SADC"), ("20-39", "20-39"), ("010", "010"), ("NO", "NO"), ("on", "on"), ("1e4", "1e4"),
    ("Congo, Dem. Rep.", "Congo, Dem. Rep."), ("None", None), ("null", None), ("'None'", "None"),
    ("[medium, low]", ["medium", "low"]), ("[2025, 2040]", ["2025", "2040"]), ("Côte d'Ivoire", "Côte d'Ivoire"),
])
def test_parameter_values_are_text_lists_or_none(text, value):
    assert custom_runs.parse_value("x", text) == value


def test_ad_hoc_values_are_typed_by_the_notebooks_schema(processed_dir):
    assert custom_runs.parse_value("location", "NO") == "NO"  # text, not YAML 1.1's false
    run = custom_runs.custom_run("africa_working_age", [("top_n", "010"), ("location", "NER"), ("horizon", "2.05e3"),
                                                        ("variants", "[high, medium, low]")])
    assert run.parameters == {"top_n": 10, "location": "NER", "horizon": 2050, "variants": ["high", "medium", "low"]}
    assert run.name == "africa_working_age-010-ner-2-05e3-high-medium-low"
    assert run.html_path == paths.REPORTS / "custom" / f"{run.name}.html"


def test_a_long_default_name_is_shortened_with_a_hash():
    name = custom_runs.default_name("skills_supply", {"destinations": ["Republic of Korea"] * 20})
    assert len(name) <= 100 and matrix.check_name(name) == name
    assert name != custom_runs.default_name("skills_supply", {"destinations": ["Republic of Korea"] * 21})


def test_an_ad_hoc_report_is_built_from_the_command_line(tmp_path, monkeypatch, capsys, processed_dir):
    monkeypatch.setattr(paths, "REPORTS", tmp_path)
    code = main(["report", "--notebook", "africa_working_age", "-p", "location", "Ghana", "-p", "top_n", "3",
                 "-p", "ages", "20-39", "--name", "my-ghana"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out.startswith(f"wrote {tmp_path / 'custom' / 'my-ghana.html'}")
    page = (tmp_path / "custom" / "my-ghana.html").read_text()
    assert 'href="../index.html"' in page and 'href="../methods.html"' in page
    assert "more people aged 20-39 in Ghana" in re.sub(r"<[^>]+>", "", html.unescape(page))  # ranges sit in spans
    executed = json.loads((tmp_path / "custom" / "my-ghana.ipynb").read_text())
    injected = next(c for c in executed["cells"] if "injected-parameters" in c["metadata"].get("tags", []))
    assert 'location = "Ghana"' in "".join(injected["source"]) and "top_n = 3\n" in "".join(injected["source"])
    assert not (tmp_path / ".failed").exists() and not list(tmp_path.glob("*.html")), "the site was touched"
