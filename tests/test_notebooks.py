"""Report notebooks: executed with non-default parameters through papermill, and their structure."""

from __future__ import annotations


import nbformat
import papermill as pm
import pytest

from analysis import paths
from analysis.study import indicators

from .notebook_text import output_text

KERNEL = "labour-mobility"


def _parameters_cell(path):
    notebook = nbformat.read(path, as_version=4)
    cells = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1, f"{path.name}: exactly one cell tagged 'parameters'"
    return notebook, cells[0]


@pytest.mark.parametrize("path", sorted(paths.NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.name)
def test_notebook_structure(path):
    notebook, parameters = _parameters_cell(path)
    assert notebook.metadata["kernelspec"]["name"] == KERNEL
    # Parameters hold literals only: every statement is NAME = literal
    import ast

    for node in ast.parse(parameters.source).body:
        assert isinstance(node, ast.Assign), ast.dump(node)
        ast.literal_eval(node.value)
    text = "".join(cell.source for cell in notebook.cells)
    assert "sys.path" not in text and "../" not in text
    assert "%autoreload 2" in text
    assert "sources_markdown" in text, "every report cites its sources"


def test_africa_report_with_other_parameters(processed_dir, tmp_path):
    parameters = {"location": "Western Africa", "ages": "20-39", "base_year": 2030, "horizon": 2050,
                  "variants": ["medium", "low", "high"], "top_n": 5, "trajectories": 200}
    output = tmp_path / "western_africa.ipynb"
    pm.execute_notebook(
        str(paths.NOTEBOOKS / "africa_working_age.ipynb"), str(output), parameters=parameters,
        kernel_name=KERNEL, progress_bar=False, cwd=str(tmp_path),
    )
    text = output_text(nbformat.read(output, as_version=4))
    expected = indicators.change(
        indicators.working_age_table(["Western Africa"], "20-39", [2030, 2050], ["medium"]), 2030, 2050
    ).iloc[0]
    assert "Western Africa: ages 20-39, 2030 to 2050" in text
    assert f"Increase: {expected['change'] / 1e6:,.0f} million" in text
    assert "Top 5 together" in text
    assert "Nigeria" in text and "Kenya" not in text  # only Western African countries contribute


def test_bad_parameter_fails_with_a_clear_message(processed_dir, tmp_path):
    with pytest.raises(pm.PapermillExecutionError, match="ends before it starts"):
        pm.execute_notebook(
            str(paths.NOTEBOOKS / "africa_working_age.ipynb"), str(tmp_path / "bad.ipynb"),
            parameters={"ages": "70-20"}, kernel_name=KERNEL, progress_bar=False,
        )
