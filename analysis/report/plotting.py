"""Shared figure style and recurring figures.

Functions draw on a Matplotlib ``Axes`` and return it; they compute nothing
that the analysis modules do not already provide.  Notebooks end plot calls
with ``;`` and pin each figure's numbers as printed text, since nbval does not
compare images.
"""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

PALETTE = {"medium": "#1f5a96", "low": "#8fb3d9", "high": "#8fb3d9", "estimates": "#333333"}
SOURCE_NOTE = "Source: UN DESA, Population Division, World Population Prospects 2024."


def use_style() -> None:
    """The project's figure style (seaborn ``whitegrid``, readable sizes)."""
    sns.set_theme(style="whitegrid", context="notebook", rc={"figure.figsize": (9, 5), "figure.dpi": 100})


def millions(axis) -> None:
    """Label a value axis in millions, with decimals when the range is small."""

    def label(value, _position):
        low, high = axis.get_view_interval()
        span = abs(high - low)
        decimals = 0 if span >= 10e6 else 1 if span >= 1e6 else 2
        return f"{value / 1e6:,.{decimals}f}"

    axis.set_major_formatter(plt.FuncFormatter(label))


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


def lines_by(table: pd.DataFrame, x: str, y: str, hue: str, ax=None, title: str | None = None, ylabel: str = "millions"):
    """One line per ``hue`` value (e.g. scenario), values in millions."""
    ax = ax or plt.subplots()[1]
    sns.lineplot(data=table.assign(**{hue: table[hue].astype(str)}), x=x, y=y, hue=hue, ax=ax, linewidth=2, marker="o",
                 markersize=4)
    millions(ax.yaxis)
    ax.set_xlabel("")
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend(title="")
    return ax


def pyramid(population: pd.DataFrame, ax=None, title: str | None = None, outline: pd.DataFrame | None = None,
            outline_by: str = "scenario"):
    """Population pyramid (men left, women right) in millions; other series drawn as outlines.

    Parameters
    ----------
    population : DataFrame
        ``sex, age, population`` for one location and year (filled bars).
    outline : DataFrame, optional
        ``<outline_by>, sex, age, population``: each series drawn as a step outline.
    """
    ax = ax or plt.subplots(figsize=(6, 6))[1]
    ages = list(population["age"].cat.categories) if hasattr(population["age"], "cat") else list(population["age"])
    positions = range(len(ages))

    def side(table: pd.DataFrame, sex: str):
        values = table[table["sex"] == sex].set_index("age")["population"].reindex(ages).fillna(0.0) / 1e6
        return values.to_numpy() * (-1 if sex == "male" else 1)

    ax.barh(positions, side(population, "male"), color=PALETTE["medium"], height=0.9, label="men")
    ax.barh(positions, side(population, "female"), color="#c8553d", height=0.9, label="women")
    if outline is not None:
        palette = sns.color_palette("dark", n_colors=outline[outline_by].nunique())
        for colour, (name, series) in zip(palette, outline.groupby(outline_by, observed=True, sort=False)):
            for sex in ("male", "female"):
                ax.step(side(series, sex), positions, where="mid", color=colour, linewidth=1.5,
                        label=str(name) if sex == "male" else None)
    ax.set_yticks(list(positions)[::2])
    ax.set_yticklabels(ages[::2])
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda value, _: f"{abs(value):,.1f}"))
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel("millions (men left, women right)")
    if title:
        ax.set_title(title)
    ax.legend(loc="upper right", fontsize=8)
    return ax


def bars_with_range(table: pd.DataFrame, label: str, value: str, low: str, high: str, ax=None,
                    title: str | None = None, xlabel: str = ""):
    """Horizontal bars of ``value`` with a ``low``–``high`` range, in the table's order."""
    ax = ax or plt.subplots()[1]
    positions = range(len(table))
    ax.barh(list(positions), table[value], color=PALETTE["medium"], label="medium")
    lower = (table[value] - table[[low, high]].min(axis=1)).clip(lower=0)
    upper = (table[[low, high]].max(axis=1) - table[value]).clip(lower=0)
    ax.errorbar(table[value], list(positions), xerr=[lower, upper], fmt="none", ecolor="black", capsize=3,
                label="low–high variants")
    ax.set_yticks(list(positions))
    ax.set_yticklabels(table[label].astype(str))
    ax.invert_yaxis()
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel(xlabel)
    if title:
        ax.set_title(title)
    ax.legend(loc="lower left", fontsize=8)
    return ax


def stacked_area(table: pd.DataFrame, x: str, columns: list[str], labels: list[str] | None = None, ax=None,
                 title: str | None = None, ylabel: str = "people"):
    """Stacked areas of ``columns`` against ``x`` (e.g. home- and away-track graduates)."""
    ax = ax or plt.subplots()[1]
    colours = [PALETTE["medium"], "#c8553d", "#8fb3d9", "#f2a65a"][: len(columns)]
    ax.stackplot(table[x], *[table[c] for c in columns], labels=labels or columns, colors=colours, alpha=0.85)
    ax.set_ylabel(ylabel)
    ax.set_xlabel("")
    if title:
        ax.set_title(title)
    ax.legend(loc="upper left", fontsize=9)
    return ax


# ---------------------------------------------------------------- migrant stocks and the emigration model
STOCKS_SOURCE_NOTE = "Source: UN DESA, International Migrant Stock 2024 (IOM GDI gdidata package)."
WDI_SOURCE_NOTE = "Source: World Bank, World Development Indicators (IOM GDI gdidata package)."
MODEL_SOURCE_NOTE = ("Sources: UN DESA International Migrant Stock 2024; UN WPP 2024; World Bank WDI. "
                     "Association, not causation.")


def _percent_axis(axis) -> None:
    axis.set_major_formatter(plt.FuncFormatter(lambda value, _: f"{100 * value:.0f} %"))


def origin_destination_heatmap(table: pd.DataFrame, origin: str = "origin", destination: str = "destination",
                               value: str = "migrants", ax=None, title: str | None = None):
    """Heatmap of migrant stocks between regions, in millions (origins as rows, destinations as columns)."""
    ax = ax or plt.subplots(figsize=(9, 5.5))[1]
    matrix = table.pivot_table(index=origin, columns=destination, values=value, aggfunc="sum", observed=True,
                               fill_value=0.0, sort=False) / 1e6
    matrix.columns = [textwrap.fill(str(c), 12) for c in matrix.columns]
    sns.heatmap(matrix, annot=True, fmt=".1f", cmap="Blues", linewidths=0.5, cbar_kws={"label": "millions"}, ax=ax)
    ax.set_xlabel("destination (where migrants live)")
    ax.set_ylabel("origin")
    ax.tick_params(axis="x", rotation=0, labelsize=9)
    if title:
        ax.set_title(title)
    ax.figure.text(0.01, -0.12, STOCKS_SOURCE_NOTE, fontsize=8, color="grey")
    return ax


def share_bars(table: pd.DataFrame, label: str, value: str, hue: str | None = None, reference: float | None = None,
               reference_label: str = "world", ax=None, title: str | None = None, xlabel: str = "",
               source: str = STOCKS_SOURCE_NOTE):
    """Horizontal bars of shares (0–1) shown in percent, optionally grouped by ``hue``, with a reference line."""
    ax = ax or plt.subplots()[1]
    data = table.assign(**{label: table[label].astype(str)})
    if hue:
        data[hue] = data[hue].astype(str)
        sns.barplot(data=data, y=label, x=value, hue=hue, ax=ax, orient="h", palette="Blues_d")
    else:
        sns.barplot(data=data, y=label, x=value, ax=ax, orient="h", color=PALETTE["medium"])
    if reference is not None:
        ax.axvline(reference, color="#c8553d", linestyle="--", linewidth=1.2,
                   label=f"{reference_label} {100 * reference:.1f} %")
    if hue or reference is not None:
        ax.legend(title="", fontsize=9, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    _percent_axis(ax.xaxis)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("")
    if title:
        ax.set_title(title)
    ax.figure.text(0.01, -0.02, source, fontsize=8, color="grey")
    return ax


def mobility_transition(curve: pd.DataFrame, points: pd.DataFrame, turning_point: pd.Series | None = None,
                        highlight=None, highlight_label: str = "highlighted", ax=None, title: str | None = None):
    """The fitted emigration-rate curve against income, with its bands and the adjusted data points.

    Parameters
    ----------
    curve : DataFrame
        ``income, rate, mean_ci_lower, mean_ci_upper, obs_ci_lower, obs_ci_upper``
        (see :func:`analysis.study.emigration.transition_curve`).
    points : DataFrame
        ``iso3, income, adjusted_rate`` (see :func:`analysis.study.emigration.adjusted_points`).
    turning_point : Series, optional
        ``income, ci_lower, ci_upper`` of the peak, drawn as a line and a shaded interval.
    highlight : iterable of str, optional
        ISO-3 codes whose points are drawn in colour (the others in grey), labelled ``highlight_label``.
    """
    ax = ax or plt.subplots(figsize=(9, 5.5))[1]
    ax.fill_between(curve["income"], curve["obs_ci_lower"], curve["obs_ci_upper"], color=PALETTE["low"], alpha=0.25,
                    label="95 % prediction band (a country-year)")
    ax.fill_between(curve["income"], curve["mean_ci_lower"], curve["mean_ci_upper"], color=PALETTE["medium"],
                    alpha=0.35, label="95 % confidence band (the curve)")
    chosen = points["iso3"].isin(list(highlight)) if highlight is not None else pd.Series(False, index=points.index)
    others = points[~chosen]
    ax.scatter(others["income"], others["adjusted_rate"], s=10, color="#999999", alpha=0.5,
               label="countries, 1990-2020 (adjusted)" if highlight is None else "other countries (adjusted)")
    if chosen.any():
        ax.scatter(points.loc[chosen, "income"], points.loc[chosen, "adjusted_rate"], s=14, color="#c8553d", alpha=0.8,
                   label=f"{highlight_label} (adjusted)")
    ax.plot(curve["income"], curve["rate"], color=PALETTE["medium"], linewidth=2.5, label="fitted curve")
    if turning_point is not None:
        ax.axvspan(turning_point["ci_lower"], turning_point["ci_upper"], color="orange", alpha=0.12)
        ax.axvline(turning_point["income"], color="orange", linestyle="--", linewidth=1.5,
                   label=f"peak ${turning_point['income']:,.0f} (95 % CI shaded)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda value, _: f"${value:,.0f}"))
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda value, _: f"{100 * value:g} %"))
    ax.set_xlabel("GDP per capita, PPP, constant 2021 international $ (log scale)")
    ax.set_ylabel("emigrants / population (log scale)")
    if title:
        ax.set_title(title)
    ax.legend(loc="lower center", fontsize=8, ncol=2)
    ax.figure.text(0.01, -0.02, MODEL_SOURCE_NOTE, fontsize=8, color="grey")
    return ax


def residuals_vs_fitted(table: pd.DataFrame, hue: str = "region", ax=None, title: str | None = None):
    """Residuals against fitted values (log points), coloured by ``hue``."""
    ax = ax or plt.subplots()[1]
    sns.scatterplot(data=table, x="fitted", y="residual", hue=hue, s=14, alpha=0.7, ax=ax)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xlabel("fitted ln(emigration rate)")
    ax.set_ylabel("residual (log points)")
    if title:
        ax.set_title(title)
    ax.legend(title="", fontsize=8, loc="lower left")
    return ax


def interval_dots(table: pd.DataFrame, label: str, value: str, lower: str, upper: str, reference: str | None = None,
                  reference_label: str = "observed", value_label: str | None = None, ax=None, title: str | None = None,
                  xlabel: str = "", percent: bool = True):
    """A dot and an interval per row, in the table's order, with an optional reference marker per row."""
    ax = ax or plt.subplots()[1]
    positions = list(range(len(table)))
    ax.errorbar(table[value], positions, xerr=[table[value] - table[lower], table[upper] - table[value]], fmt="o",
                color=PALETTE["medium"], ecolor=PALETTE["low"], elinewidth=3, capsize=0, label=value_label or value)
    if reference:
        ax.scatter(table[reference], positions, marker="|", s=120, color="#c8553d", label=reference_label, zorder=3)
    ax.set_yticks(positions)
    ax.set_yticklabels(table[label].astype(str))
    ax.invert_yaxis()
    if percent:
        _percent_axis(ax.xaxis)
    ax.set_xlabel(xlabel)
    if title:
        ax.set_title(title)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax
