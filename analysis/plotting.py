"""Shared figure style and recurring figures.

Functions draw on a Matplotlib ``Axes`` and return it; they compute nothing
that the analysis modules do not already provide.  Notebooks end plot calls
with ``;`` and pin each figure's numbers as printed text, since nbval does not
compare images.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

PALETTE = {"medium": "#1f5a96", "low": "#8fb3d9", "high": "#8fb3d9", "estimates": "#333333"}
SOURCE_NOTE = "Source: UN DESA, Population Division, World Population Prospects 2024."


def use_style() -> None:
    """The project's figure style (seaborn ``whitegrid``, readable sizes)."""
    sns.set_theme(style="whitegrid", context="notebook", rc={"figure.figsize": (9, 5), "figure.dpi": 100})


def millions(axis) -> None:
    """Label a value axis in millions."""
    axis.set_major_formatter(plt.FuncFormatter(lambda value, _: f"{value / 1e6:,.0f}"))


def trajectory_with_band(
    table: pd.DataFrame,
    value: str = "population",
    ax=None,
    title: str | None = None,
    ylabel: str = "millions",
    last_estimate_year: int = 2020,
):
    """Medium-variant trajectory with the low–high range as a shaded band.

    Parameters
    ----------
    table : DataFrame
        ``year, variant, <value>`` (one location) with ``medium`` and
        optionally ``low`` and ``high``.
    """
    ax = ax or plt.subplots()[1]
    wide = table.pivot_table(index="year", columns="variant", values=value, observed=True)
    if {"low", "high"} <= set(wide.columns):
        projected = wide[wide.index >= last_estimate_year]
        ax.fill_between(projected.index, projected["low"], projected["high"], color=PALETTE["low"], alpha=0.5,
                        label="low–high variants (±½ child)")
    sns.lineplot(x=wide.index, y=wide["medium"], ax=ax, color=PALETTE["medium"], label="medium variant", linewidth=2)
    ax.axvline(last_estimate_year, color="grey", linestyle=":", linewidth=1)
    ax.text(last_estimate_year, ax.get_ylim()[1], " projections →", va="top", ha="left", fontsize=9, color="grey")
    millions(ax.yaxis)
    ax.set_xlabel("")
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend(loc="lower right")
    ax.figure.text(0.01, -0.02, SOURCE_NOTE, fontsize=8, color="grey")
    return ax


def ranked_bars(
    table: pd.DataFrame,
    label: str,
    value: str,
    share: str | None = None,
    ax=None,
    title: str | None = None,
    xlabel: str = "millions",
):
    """Horizontal bars, largest first, optionally annotated with a share (0–1)."""
    ax = ax or plt.subplots()[1]
    ordered = table.sort_values(value, ascending=False)
    sns.barplot(data=ordered, y=label, x=value, ax=ax, color=PALETTE["medium"], orient="h")
    millions(ax.xaxis)
    if share:
        for patch, fraction in zip(ax.patches, ordered[share]):
            ax.annotate(f" {fraction:.0%}", (patch.get_width(), patch.get_y() + patch.get_height() / 2),
                        va="center", fontsize=9)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("")
    if title:
        ax.set_title(title)
    ax.figure.text(0.01, -0.02, SOURCE_NOTE, fontsize=8, color="grey")
    return ax
