"""Figures of the returns report: flows by type, cited returns beside the estimates, a return's effect and its fan.

Each function draws what :mod:`analysis.study.returns` computed and returns
the figure or axes; colours come from :mod:`analysis.report.palette`.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from analysis.report import palette
from analysis.report.fan_charts import fan_chart
from analysis.report.plotting import SOURCE_NOTE, source_note

FLOWS_SOURCE_NOTE = ("Source: Abel, G. J. and Cohen, J. E. (2022), bilateral flow estimates by sex and type "
                     "(Global Migration Data Explorer), from UN DESA's International Migrant Stock 2020.")
EVENTS_SOURCE_NOTE = ("Sources: cited return events (analysis/study/returns/data, quotes in return_sources.csv); "
                      "flow estimates of Abel and Cohen (2022) and the project's own (same method, UN DESA 2024 "
                      "stocks), returns to the country of birth.")


def flows_by_type(table: pd.DataFrame, name: str):
    """Flows into (up) and out of (down) a location per five-year period, both sexes, stacked by type.

    Parameters
    ----------
    table : DataFrame
        :func:`analysis.study.returns.movements.location_flows`.
    """
    both = table[(table["sex"] == "both") & ~table["type"].str.startswith("all")]
    periods = list(dict.fromkeys(both["period"]))
    x = np.arange(len(periods))
    fig, ax = plt.subplots(figsize=(10, 5))
    up = np.zeros(len(periods))
    down = np.zeros(len(periods))
    for kind in palette.FLOW_TYPES:
        rows = both[both["type"].str.startswith(kind)].set_index("period").reindex(periods)
        inflow, outflow = rows["inflow"].fillna(0).to_numpy(), rows["outflow"].fillna(0).to_numpy()
        colour = palette.colour("flow_type", kind)
        ax.bar(x, inflow, bottom=up, color=colour, label=kind, width=0.7)
        ax.bar(x, -outflow, bottom=-down, color=colour, width=0.7, alpha=0.6)
        up, down = up + inflow, down + outflow
    ax.axhline(0, color=palette.NEUTRAL["axis"], linewidth=0.8)
    ax.set_xticks(x, periods)
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda value, _p: f"{abs(value) / 1e6:,.2f}"))
    ax.set_ylabel("millions over the period (into: up, out of: down)")
    ax.set_title(f"{name}: migration flows by type, both sexes")
    ax.legend(title="type (lighter: out of)", loc="upper left")
    source_note(fig, FLOWS_SOURCE_NOTE)
    return fig


def events_against_estimates(table: pd.DataFrame):
    """Each cited return event's count beside the returns both flow estimates show for its corridor and periods.

    Parameters
    ----------
    table : DataFrame
        :func:`analysis.study.returns.movements.events_beside_sources`; events
        that neither source covers are left out.  Log scale.
    """
    shown = table[(table["published_returns"] > 0) | (table["estimated_returns"] > 0)]
    labels = [f"{row.id} {row.host} → {row.home}\n{row.event_period}" for row in shown.itertuples()]
    y = np.arange(len(shown))
    fig, ax = plt.subplots(figsize=(10, 0.7 * len(shown) + 1.5))
    for offset, column, kind, label in (
            (0.27, "returnees", "cited count", "cited count (registered, assisted, estimated or gross)"),
            (0.0, "published_returns", "flow estimate", "returns, Abel and Cohen (2022), flow periods around it"),
            (-0.27, "estimated_returns", "project estimate", "returns, the project's own estimates (to 2024)")):
        values = shown[column].where(shown[column] > 0)
        ax.barh(y + offset, values, height=0.27, color=palette.colour("count", kind), label=label)
    ax.set_xscale("log")
    ax.set_yticks(y, labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("persons (log scale)")
    ax.set_title("Cited return movements against stock-based flow estimates")
    ax.legend(loc="lower right", fontsize=8)
    source_note(fig, EVENTS_SOURCE_NOTE)
    return fig


def return_effect(effect: pd.DataFrame, year: int, ages: str):
    """The change a return makes to each place's population in an age band in one year, in percent."""
    rows = effect[effect["year"] == year]
    fig, ax = plt.subplots(figsize=(9, 0.5 * len(rows) + 1.5))
    colours = [palette.colour("role", "origin" if value >= 0 else "destination") for value in rows["change_percent"]]
    ax.barh(rows["location"], rows["change_percent"], color=colours)
    ax.axvline(0, color=palette.NEUTRAL["axis"], linewidth=0.8)
    for position, (value, people) in enumerate(zip(rows["change_percent"], rows["change"])):
        ax.annotate(f" {people / 1e3:+,.0f} thousand ", (value, position), va="center",
                    ha="left" if value >= 0 else "right", fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(f"change of the population aged {ages} in {year}, % of the projection without the return")
    ax.set_title(f"Population aged {ages} in {year}: with the return against without (engine, WPP 2024 medium inputs)")
    source_note(fig, SOURCE_NOTE + " Projection: the project's engine.")
    return fig


def fan_with_return(fan: pd.DataFrame, effect: pd.DataFrame, name: str, ages: str, trajectories: int):
    """The probabilistic fan of a place's population under the return, with the engine's medium projection
    with and without it as lines."""
    ax = fan_chart(fan, title=f"{name}: population aged {ages} with the return, probabilistic projection",
                   trajectories=trajectories, median_label="median with the return")
    rows = effect[effect["location"] == name]
    ax.plot(rows["year"], rows["without"], color=palette.NEUTRAL["reference"], linestyle="--", linewidth=1.2,
            label="engine, WPP 2024 medium inputs, without the return")
    ax.plot(rows["year"], rows["with_return"], color=palette.NEUTRAL["selected"], linestyle=":", linewidth=1.6,
            label="engine, WPP 2024 medium inputs, with the return")
    ax.legend(loc="upper left", fontsize=8)
    return ax
