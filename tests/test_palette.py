"""One palette: no figure module writes a colour of its own, and a category keeps its colour across figures."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib import colors as mcolors  # noqa: E402

from analysis import paths  # noqa: E402
from analysis.report import palette, plotting  # noqa: E402

#: Modules that draw or style what a reader sees in a report (page chrome of the index and the methods page aside).
DRAWING = ("plotting.py", "maps.py", "tables.py", "fan_charts.py")  # the modules that draw figures and tables
COLOUR_KEYWORDS = {"color", "colors", "colour", "colours", "facecolor", "edgecolor", "ecolor", "cmap", "palette"}
HEX = re.compile(r"#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?\b")


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _literal_colours(path: Path) -> list[str]:
    """Colours written in a module: hex strings anywhere, string literals given to a colour keyword (alone or in a
    list), and colour maps or seaborn palettes asked for by name."""
    tree = ast.parse(path.read_text())
    found = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and HEX.search(node.value):
            found[(node.lineno, node.value)] = f"{path.name}:{node.lineno} {node.value!r}"
        if isinstance(node, ast.keyword) and node.arg in COLOUR_KEYWORDS:
            values = node.value.elts if isinstance(node.value, (ast.List, ast.Tuple)) else [node.value]
            for value in values:
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    found[(value.lineno, value.value)] = f"{path.name}:{value.lineno} {node.arg}={value.value!r}"
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") in {"color_palette", "get_cmap"}:
            if any(isinstance(arg, ast.Constant) for arg in node.args):
                found[(node.lineno, ast.unparse(node))] = f"{path.name}:{node.lineno} {ast.unparse(node)}"
    return sorted(found.values())


@pytest.mark.parametrize("name", DRAWING)
def test_no_figure_module_writes_a_colour_of_its_own(name):
    found = _literal_colours(paths.ROOT / "analysis" / "report" / name)
    assert not found, f"colours outside analysis/report/palette.py: {found}"


def test_the_scan_finds_a_colour_written_in_place(tmp_path):
    module = tmp_path / "figure.py"
    module.write_text('ax.plot(x, y, color="orange")\nax.bar(x, y, color="#c8553d")\nsns.color_palette("dark")\n')
    assert len(_literal_colours(module)) == 3


def _drawn_colours(figure) -> set[str]:
    """Every colour of a figure's lines, bars, areas and points (white and fully transparent ones left out)."""
    found = set()
    for ax in figure.axes:
        for line in ax.get_lines():
            found.add(mcolors.to_hex(line.get_color()))
        for patch in ax.patches:
            found.add(mcolors.to_hex(patch.get_facecolor()))
        for collection in ax.collections:
            for colour in list(collection.get_facecolors()) + list(collection.get_edgecolors()):
                if colour[3] > 0:
                    found.add(mcolors.to_hex(colour))
    return found - {"#ffffff"}


def _scenarios() -> pd.DataFrame:
    ages = pd.CategoricalDtype(["0-4", "5-9"], ordered=True)
    rows = [(year, scenario, sex, age, 1e6 + 1e5 * index)
            for year in (2025, 2100) for index, scenario in enumerate(("medium", "constant-fertility", "zero-migration"))
            for sex in ("male", "female") for age in ("0-4", "5-9")]
    table = pd.DataFrame(rows, columns=["year", "scenario", "sex", "age", "population"])
    table["age"] = table["age"].astype(ages)
    return table


def test_a_scenario_keeps_its_colour_across_figures():
    table = _scenarios()
    working = table.groupby(["scenario", "year"], sort=False)["population"].sum().reset_index()
    lines = plotting.lines_by(working, x="year", y="population", hue="scenario")
    by_label = {line.get_label(): mcolors.to_hex(line.get_color()) for line in lines.get_lines()
                if not line.get_label().startswith("_")}
    pyramids = plotting.pyramids(table, [2025, 2100], "Somewhere", variant_label=None, outline_by="scenario")
    outlines = {line.get_label(): mcolors.to_hex(line.get_color()) for line in pyramids.axes[1].get_lines()
                if line.get_drawstyle() == "steps-mid" and not line.get_label().startswith("_")}
    components = table.assign(period_start=table["year"], births=table["population"])
    panels = plotting.lines_by_panels(components, x="period_start", columns=["births"], hue="scenario")
    in_panels = {line.get_label(): mcolors.to_hex(line.get_color()) for line in panels.axes[0].get_lines()
                 if not line.get_label().startswith("_")}
    for name in ("constant-fertility", "zero-migration"):
        assert by_label[name] == outlines[name] == in_panels[name] == palette.scenario_colour(name)
    assert by_label["medium"] == palette.VARIANTS["medium"]
    bars = {mcolors.to_hex(patch.get_facecolor()) for patch in pyramids.axes[0].patches}
    assert bars == {palette.SEXES["male"], palette.SEXES["female"]}
    assert not bars & set(outlines.values()), "an outline has the colour of a sex's bars"


def test_figures_draw_only_palette_colours():
    """Lines, bars, bands and points of a sample of figures all take palette colours (or lighter shades: alpha)."""
    allowed = palette.all_colours() | {"#000000"}
    table = _scenarios()
    working = table.groupby(["scenario", "year"], sort=False)["population"].sum().reset_index()
    trajectory = pd.DataFrame([(year, variant, 1e6 * (1 + year / 1e3) * factor) for year in range(2000, 2060, 10)
                               for variant, factor in (("medium", 1), ("low", 0.9), ("high", 1.1))],
                              columns=["year", "variant", "population"])
    ratios = pd.DataFrame({"year": [2020, 2025], "child_dependency_ratio": [80.0, 75.0],
                           "old_age_dependency_ratio": [5.0, 6.0], "total_dependency_ratio": [85.0, 81.0]})
    per_decade = pd.DataFrame({"period_start": [2025, 2035], "period_end": [2035, 2045], "total": [1e6, 2e6],
                               "working-age": [2e6, 3e6], "support-ratio": [0.0, 4e6], "WPP medium": [5e5, 5e5]})
    figures = [
        plotting.lines_by(working, x="year", y="population", hue="scenario").figure,
        plotting.pyramids(table, [2025, 2100], "Somewhere", variant_label=None, outline_by="scenario"),
        plotting.trajectory_with_band(trajectory, highlight=(2025, 2055)).figure,
        plotting.dependency_lines(ratios, "Somewhere").figure,
        plotting.span_levels(per_decade, ["total", "working-age", "support-ratio"], kind="target",
                             reference="WPP medium").figure,
    ]
    for figure in figures:
        strays = _drawn_colours(figure) - allowed
        assert not strays, f"{figure.axes[0].get_title()!r} draws colours outside the palette: {strays}"


def test_unknown_scenarios_get_a_fixed_colour_and_unknown_categories_are_refused():
    assert palette.scenario_colour("my-own.yml") == palette.scenario_colour("my-own.yml")
    assert palette.scenario_colour("my-own.yml") in palette.EXTRA_SCENARIOS
    with pytest.raises(KeyError, match="no colour for sex"):
        palette.colour("sex", "both")


def test_categories_sharing_a_figure_have_distinct_colours():
    for table in (palette.VARIANTS, palette.SEXES, palette.REGIONS, palette.EDUCATION, palette.TRACKS, palette.AGES,
                  palette.TARGETS):
        assert len(set(table.values())) == len(table)
    own = {name: colour for name, colour in palette.SCENARIOS.items()}
    assert len(set(own.values())) == len(own)
    assert not set(own.values()) & set(palette.SEXES.values())
