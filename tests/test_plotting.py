"""Figures: each plotting function draws what it is given, with the expected artists and labels."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from analysis.report import plotting  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _trajectory() -> pd.DataFrame:
    years = list(range(2010, 2045, 5))
    rows = [(year, variant, 100e6 + 2e6 * (year - 2010) * factor)
            for year in years for variant, factor in (("medium", 1.0), ("low", 0.8), ("high", 1.2))]
    return pd.DataFrame(rows, columns=["year", "variant", "population"])


def test_trajectory_with_band_and_highlight():
    ax = plotting.trajectory_with_band(_trajectory(), title="a title", highlight=(2025, 2035))
    assert ax.get_title() == "a title"
    assert [line.get_label() for line in ax.get_lines()][0] == "WPP 2024 medium variant"
    assert len(ax.collections) >= 1  # the low-high band
    assert any(abs(patch.get_width() - 10) < 1e-9 for patch in ax.patches)  # the highlighted span, 2025-2035


def test_period_bars_label_each_period_and_clip_the_range():
    table = pd.DataFrame({"year": [2030, 2035], "medium": [5e6, 4e6], "low": [4e6, 4.5e6], "high": [6e6, 5e6]})
    ax = plotting.period_bars_with_range(table, title="per period")
    assert [tick.get_text() for tick in ax.get_xticklabels()] == ["2025-2030", "2030-2035"]
    assert len(ax.patches) == 2
    errors = ax.containers[-1]
    assert errors.has_yerr  # low above medium in 2030-2035: the lower bar is clipped to 0, not negative


def test_pyramids_one_panel_per_year():
    ages = pd.Categorical(["0-4", "5-9"], categories=["0-4", "5-9"], ordered=True)
    population = pd.DataFrame({"year": [2025] * 4 + [2050] * 4, "sex": ["male", "female"] * 4,
                               "age": list(ages.repeat(2)) * 2, "population": [1e6, 1.1e6, 0.9e6, 1e6] * 2})
    population["age"] = population["age"].astype(ages.dtype)
    figure = plotting.pyramids(population, [2025, 2050], "Somewhere")
    assert [ax.get_title() for ax in figure.axes] == ["Somewhere, 2025 (WPP 2024 medium variant)",
                                                     "Somewhere, 2050 (WPP 2024 medium variant)"]
    figure.canvas.draw()
    ticks = figure.axes[0].get_xticklabels()
    # about 1 million a side: enough decimals to tell the ticks apart, and no sign for the men's side
    assert len({tick.get_text() for tick in ticks}) == len({abs(round(tick.get_position()[0], 9)) for tick in ticks})
    assert not any(tick.get_text().startswith(("-", "−")) for tick in ticks)


def test_dependency_lines_and_destination_bars():
    ratios = pd.DataFrame({"year": [2020, 2025], "child_dependency_ratio": [80.0, 75.0],
                           "old_age_dependency_ratio": [5.0, 6.0], "total_dependency_ratio": [85.0, 81.0]})
    ax = plotting.dependency_lines(ratios, "Somewhere")
    assert [line.get_label() for line in ax.get_lines()][:3] == ["children 0-14", "aged 65+", "total"]
    corridors = pd.DataFrame({"destination": ["A", "B"], "migrants": [300.0, 100.0]})
    ax = plotting.destination_bars(corridors, "Somewhere", 2024)
    assert len(ax.patches) == 2 and "2024" in ax.get_title()


# ---------------------------------------------------------------- scenarios side by side (scenario_comparison)
def _scenario_pyramids() -> pd.DataFrame:
    ages = pd.CategoricalDtype(["0-4", "5-9"], ordered=True)
    rows = [(year, scenario, sex, age, 1e6 + 1e5 * index)
            for year in (2025, 2100) for index, scenario in enumerate(("medium", "low", "high"))
            for sex in ("male", "female") for age in ("0-4", "5-9")]
    table = pd.DataFrame(rows, columns=["year", "scenario", "sex", "age", "population"])
    table["age"] = table["age"].astype(ages)
    table["scenario"] = pd.Categorical(table["scenario"], categories=["medium", "low", "high"])
    return table


def test_pyramids_outline_the_other_scenarios_from_the_second_year():
    figure = plotting.pyramids(_scenario_pyramids(), [2025, 2100], "Somewhere", variant_label=None,
                               outline_by="scenario")
    base, horizon = figure.axes
    assert [base.get_title(), horizon.get_title()] == ["Somewhere, 2025", "Somewhere, 2100"]
    assert len(base.patches) == 4 and len(horizon.patches) == 4  # bars of the first scenario only: 2 ages x 2 sexes
    steps = [[line for line in ax.get_lines() if line.get_drawstyle() == "steps-mid"] for ax in (base, horizon)]
    assert steps[0] == [] and len(steps[1]) == 4  # outlines at the horizon only: 2 other scenarios x 2 sexes
    assert [line.get_label() for line in steps[1] if not line.get_label().startswith("_")] == ["low", "high"]
    legend = [text.get_text() for text in horizon.get_legend().get_texts()]
    assert sorted(legend) == ["high", "low", "men", "women"]


def test_lines_by_panels_draws_one_panel_per_column():
    components = pd.DataFrame({"period_start": [2025, 2030] * 2, "scenario": ["medium"] * 2 + ["zero-migration"] * 2,
                               "births": [39e6, 40e6, 38e6, 39e6], "deaths": [14e6, 15e6, 14e6, 15e6],
                               "net_migration": [5e4, 1.6e5, 0.0, 0.0]})
    figure = plotting.lines_by_panels(components, x="period_start", columns=["births", "deaths", "net_migration"],
                                      hue="scenario", ylabel="millions per 5 years")
    assert [ax.get_title() for ax in figure.axes] == ["births", "deaths", "net migration"]
    assert tuple(figure.get_size_inches()) == (15, 4.5)
    for ax in figure.axes:
        assert ax.get_ylabel() == "millions per 5 years"
        assert [text.get_text() for text in ax.get_legend().get_texts()] == ["medium", "zero-migration"]
        assert len(ax.get_lines()) >= 2


# ---------------------------------------------------------------- destinations and skills partnerships
def _by_variant(x: str, columns: dict[str, float], extra: dict | None = None) -> pd.DataFrame:
    """Rows for 2030-2040 and the three variants; each column grows by its slope, low and high ±20 %."""
    rows = []
    for year in (2030, 2035, 2040):
        for variant, factor in (("medium", 1.0), ("low", 0.8), ("high", 1.2)):
            rows.append({x: year, "variant": variant, **(extra or {}),
                         **{c: slope * (year - 2025) * factor for c, slope in columns.items()}})
    return pd.DataFrame(rows)


def test_trajectory_with_band_draws_one_band_per_series():
    care = pd.concat([_by_variant("year", {"additional_workers": 1e5}, {"ages": "65+"}),
                      _by_variant("year", {"additional_workers": 3e5}, {"ages": "80+"})])
    ax = plotting.trajectory_with_band(care, value="additional_workers", line="ages", labels="driven by ages {}",
                                       last_estimate_year=None, title="care")
    assert [line.get_label() for line in ax.get_lines()] == ["driven by ages 65+", "driven by ages 80+"]
    assert len(ax.collections) == 2  # one band per series
    flows = _by_variant("period_end", {"entrants_per_year": 1e6, "working_age_growth_per_year": 5e5})
    ax = plotting.trajectory_with_band(flows, value=["entrants_per_year", "working_age_growth_per_year"], x="period_end",
                                       labels={"entrants_per_year": "entrants"}, marker="o", last_estimate_year=None)
    assert [line.get_label() for line in ax.get_lines()] == ["entrants", "working_age_growth_per_year"]
    assert ax.get_lines()[0].get_marker() == "o"
    assert list(ax.get_lines()[0].get_xdata()) == [2030, 2035, 2040]


def test_working_age_and_support_ratio_two_panels_with_the_floor():
    trajectory = _by_variant("year", {"working_age": 1e6, "potential_support_ratio": 0.1})
    figure = plotting.working_age_and_support_ratio(trajectory, 2.5, "Somewhere")
    left, right = figure.axes
    assert left.get_title() == "Somewhere: population aged 15-64"
    assert right.get_title() == "Somewhere: people aged 15-64 per person aged 65+"
    labels = [text.get_text() for text in right.get_legend().get_texts()]
    assert "floor 2.5" in labels and "WPP 2024 medium variant" in labels
    assert any(list(line.get_ydata()) == [2.5, 2.5] for line in right.get_lines())  # the floor


def test_lines_with_reference():
    per_year = pd.DataFrame({"period_end": [2030, 2035], "total": [1e6, 2e6], "working-age": [2e6, 3e6],
                             "WPP medium": [5e5, 5e5]})
    ax = plotting.lines_with_reference(per_year, x="period_end", labels="replacement: {}", reference="WPP medium",
                                       reference_label="WPP medium net migration", title="needed")
    assert [line.get_label() for line in ax.get_lines()] == ["replacement: total", "replacement: working-age",
                                                             "WPP medium net migration"]
    assert ax.get_lines()[-1].get_linestyle() == "--"


def test_pathway_figures():
    years = [2026, 2027, 2028]
    flows = pd.DataFrame({"year": years, "cumulative_graduates_home": [0.0, 60.0, 120.0],
                          "cumulative_graduates_away": [0.0, 60.0, 120.0], "in_destination": [0.0, 48.0, 90.0],
                          "cumulative_returned": [0.0, 0.0, 2.0], "cumulative_attrition_abroad": [0.0, 0.0, 4.0],
                          "cumulative_not_placed": [0.0, 12.0, 24.0], "cost_per_migrant": [float("nan"), 9e4, 7e4]})
    figure = plotting.pathway_flows(flows, "Morocco", "Germany")
    assert [ax.get_title() for ax in figure.axes] == ["Cumulative graduates by track", "Where the away-track graduates are"]
    assert [text.get_text() for text in figure.axes[0].get_legend().get_texts()] == [
        "home track (stay in Morocco)", "away track"]
    assert len(figure.axes[1].collections) == 4
    curve = pd.DataFrame({"away_share": [0.1, 0.5, 0.9], "cost_per_migrant": [2.3e5, 5.4e4, 3.4e4]})
    figure = plotting.pathway_costs(flows, curve, 30_000, "training in Germany", "EUR", 25)
    assert [ax.get_ylabel() for ax in figure.axes] == ["EUR", "EUR"]
    assert figure.axes[1].get_title() == "Cost per migrant after 25 years, by away-track share"
    assert figure.axes[1].get_xlabel() == "share of graduates on the away track"
    for ax in figure.axes:
        assert [text.get_text() for text in ax.get_legend().get_texts()] == ["cost per migrant", "training in Germany"]


def test_reference_bars():
    table = pd.DataFrame({"id": ["A", "B", "C"], "largest_count": [15000.0, 120.0, 30.0]})
    ax = plotting.reference_bars(table, label="id", value="largest_count", reference=7000, reference_label="scale",
                                 log=True, title="reached")
    assert len(ax.patches) == 3 and ax.get_xscale() == "log"
    assert [tick.get_text() for tick in ax.get_yticklabels()] == ["A", "B", "C"]
    assert [text.get_text() for text in ax.get_legend().get_texts()] == ["scale"]
