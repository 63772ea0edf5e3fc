"""Shared figure style and recurring figures.

Functions draw on a Matplotlib ``Axes`` and return it; they compute nothing
that the analysis modules do not already provide.  Every colour comes from
:mod:`analysis.report.palette`, so a variant, scenario, sex, region, education
level or track has the same colour in every figure.  Notebooks end plot cells
with ``plt.show()`` and pin each figure's numbers as a table, since nbval does
not compare images.  Maps are in :mod:`analysis.report.maps`.
"""

from __future__ import annotations

import textwrap
from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.collections import PolyCollection

from analysis.data import wording
from analysis.data.conventions import AGE_GROUPS
from analysis.report import palette

SOURCE_NOTE = "Source: UN DESA, Population Division, World Population Prospects 2024."


def use_style() -> None:
    """The project's figure style (seaborn ``whitegrid``, readable sizes, the palette's colour cycle)."""
    sns.set_theme(style="whitegrid", context="notebook", rc={"figure.figsize": (9, 5), "figure.dpi": 100})
    plt.rcParams["axes.prop_cycle"] = plt.cycler(color=list(palette.SERIES))
    # Titles at the top of the axes, as Matplotlib places them anyway when no x axis is drawn on top (none is
    # here): left automatic, every draw measures each axes' decorations first, 13 % of a report's figure time.
    # The PNGs are byte-identical either way (42 figures of the profiles, skills supply and demand checked).
    plt.rcParams["axes.titley"] = 1.0


def source_note(figure, text: str, y: float = -0.02) -> None:
    """A figure's source line, small and grey, under it."""
    figure.text(0.01, y, text, fontsize=8, color=palette.NEUTRAL["note"])


def label_axes(ax, ylabel: str, title: str | None, units: str | None, legend_loc: str, legend_size=None) -> None:
    """A time-series axis's finish: the y unit (``"millions"`` formats the ticks), labels, title and legend."""
    if units == "millions":
        millions(ax.yaxis)
    ax.set_xlabel("")
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend(loc=legend_loc, fontsize=legend_size)


def millions(axis) -> None:
    """Label a value axis in millions, with decimals when the range is small."""

    def label(value, _position):
        low, high = axis.get_view_interval()
        span = abs(high - low)
        decimals = 0 if span >= 10e6 else 1 if span >= 1e6 else 2
        return f"{value / 1e6:,.{decimals}f}"

    axis.set_major_formatter(plt.FuncFormatter(label))


def _both_sides(axis) -> None:
    """Label a pyramid's axis (millions, men negative) without signs, with the decimals its range needs."""

    def label(value, _position):
        low, high = axis.get_view_interval()
        span = abs(high - low)
        decimals = 0 if span >= 10 else 1 if span >= 1 else 2 if span >= 0.1 else 3
        return f"{abs(value):,.{decimals}f}"

    axis.set_major_formatter(plt.FuncFormatter(label))


def trajectory_with_band(
    table: pd.DataFrame,
    value: str | Sequence[str] = "population",
    ax=None,
    title: str | None = None,
    ylabel: str = "millions",
    last_estimate_year: int | None = 2020,
    highlight: tuple[int, int] | None = None,
    line: str | None = None,
    labels: Mapping[str, str] | str | None = None,
    x: str = "year",
    units: str | None = "millions",
    reference: float | None = None,
    reference_label: str | None = None,
    marker: str | None = None,
    legend_loc: str = "lower right",
    source: str | None = SOURCE_NOTE,
    kind: str | None = None,
):
    """Medium-variant trajectory with the low–high range as a shaded band, for one series or several.

    Parameters
    ----------
    table : DataFrame
        ``<x>, variant, <value>`` (one location) with ``medium`` and
        optionally ``low`` and ``high``.
    value : str or list of str
        The column to draw; a list draws each column as its own series.
    highlight : (int, int), optional
        A span of years to shade (e.g. the base and target years of a headline).
    line : str, optional
        A column whose values are drawn as separate series (e.g. ``ages``),
        each with its own band.
    labels : {series: label} or str, optional
        Legend labels of several series (``value`` columns or ``line``
        values), or a format string such as ``"driven by ages {}"``.
    x : str
        The column on the horizontal axis (``year``, ``period_end`` …).
    last_estimate_year : int or None
        The band starts here and a dotted line marks the start of the
        projections; ``None`` for a table of projections only.
    units : {"millions", None}
        Label the value axis in millions, or leave it as it is (ratios).
    reference, reference_label : float, str, optional
        A horizontal reference line (e.g. a floor) and its legend label.
    marker : str, optional
        Marker of the medium-variant lines (e.g. ``"o"``).
    source : str or None
        Source note printed under the figure (none if ``None``).
    kind : str, optional
        The palette's kind of the series (``ages``, ``supply``, ``scenario``
        …) when there are several; otherwise the palette's series colours in order.
    """
    ax = ax or plt.subplots()[1]
    if line is not None:
        series = [(name, part, value) for name, part in table.groupby(line, observed=True, sort=False)]
    elif isinstance(value, str):
        series = []  # one series, drawn in the project's medium-variant colours below
    else:
        series = [(column, table, column) for column in value]
    if not series:
        wide = table.pivot_table(index=x, columns="variant", values=value, observed=True)
        if {"low", "high"} <= set(wide.columns):
            projected = wide if last_estimate_year is None else wide[wide.index >= last_estimate_year]
            ax.fill_between(projected.index, projected["low"], projected["high"], color=palette.VARIANT_BAND,
                            alpha=0.5, label="low–high variants (±½ child)")
        sns.lineplot(x=wide.index, y=wide["medium"], ax=ax, color=palette.VARIANTS["medium"],
                     label="WPP 2024 medium variant", linewidth=2, marker=marker)
    series_colours = palette.series_colours([name for name, _, _ in series], kind)
    for name, part, column in series:
        wide = part.pivot_table(index=x, columns="variant", values=column, observed=True)
        label = labels.format(name) if isinstance(labels, str) else (labels or {}).get(name, str(name))
        colour = series_colours[str(name)]
        ax.plot(wide.index, wide["medium"], linewidth=2, marker=marker, label=label, color=colour)
        if {"low", "high"} <= set(wide.columns):
            projected = wide if last_estimate_year is None else wide[wide.index >= last_estimate_year]
            ax.fill_between(projected.index, projected[["low", "high"]].min(axis=1),
                            projected[["low", "high"]].max(axis=1), color=colour, alpha=0.2)
    if reference is not None:
        ax.axhline(reference, color=palette.NEUTRAL["reference"], linestyle="--", label=reference_label)
    if last_estimate_year is not None:
        ax.axvline(last_estimate_year, color=palette.NEUTRAL["note"], linestyle=":", linewidth=1)
        ax.text(last_estimate_year, ax.get_ylim()[1], " projections →", va="top", ha="left", fontsize=9,
                color=palette.NEUTRAL["note"])
    label_axes(ax, ylabel, title, units, legend_loc)
    if source:
        source_note(ax.figure, source)
    if highlight is not None:
        ax.axvspan(*highlight, color=palette.NEUTRAL["highlight"], alpha=0.12)
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
    """Horizontal bars, largest first, optionally annotated with a share (0–1), two significant digits (never 0 %)."""
    ax = ax or plt.subplots()[1]
    ordered = table.sort_values(value, ascending=False).assign(**{label: lambda t: t[label].astype(str)})
    sns.barplot(data=ordered, y=label, x=value, ax=ax, color=palette.PRIMARY, orient="h")
    millions(ax.xaxis)
    if share:
        for patch, fraction in zip(ax.patches, ordered[share]):
            ax.annotate(f" {wording.percent(fraction)}", (patch.get_width(), patch.get_y() + patch.get_height() / 2),
                        va="center", fontsize=9)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("")
    if title:
        ax.set_title(title)
    source_note(ax.figure, SOURCE_NOTE)
    return ax


def lines_by(table: pd.DataFrame, x: str, y: str, hue: str, ax=None, title: str | None = None, ylabel: str = "millions",
             kind: str | None = "scenario", colours: Mapping[str, str] | None = None):
    """One line per ``hue`` value (e.g. scenario), values in millions.

    Parameters
    ----------
    kind : str, optional
        The palette's kind of the ``hue`` values (``scenario`` by default), so
        that each keeps its colour across figures; ``None`` for the palette's
        series colours in order.
    colours : {value: colour}, optional
        Colours from the palette given directly (e.g. by role, see :func:`pathway_effect`).
    """
    ax = ax or plt.subplots()[1]
    data = table.assign(**{hue: table[hue].astype(str)})
    names = list(dict.fromkeys(data[hue]))
    sns.lineplot(data=data, x=x, y=y, hue=hue, ax=ax, linewidth=2, marker="o", markersize=4,
                 palette=dict(colours) if colours is not None else palette.series_colours(names, kind))
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

    for sex in ("male", "female"):
        ax.barh(positions, side(population, sex), color=palette.SEXES[sex], height=0.9, label=palette.SEX_LABELS[sex])
    if outline is not None:
        for name, series in outline.groupby(outline_by, observed=True, sort=False):
            for sex in ("male", "female"):
                ax.step(side(series, sex), positions, where="mid", color=palette.colour(outline_by, name),
                        linewidth=1.5, label=str(name) if sex == "male" else None)
    ax.set_yticks(list(positions)[::2])
    ax.set_yticklabels(ages[::2])
    _both_sides(ax.xaxis)
    ax.axvline(0, color=palette.NEUTRAL["axis"], linewidth=0.8)
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
    ax.barh(list(positions), table[value], color=palette.VARIANTS["medium"], label="WPP 2024 medium")
    lower = (table[value] - table[[low, high]].min(axis=1)).clip(lower=0)
    upper = (table[[low, high]].max(axis=1) - table[value]).clip(lower=0)
    ax.errorbar(table[value], list(positions), xerr=[lower, upper], fmt="none", ecolor=palette.NEUTRAL["axis"],
                capsize=3, label="low–high variants")
    ax.set_yticks(list(positions))
    ax.set_yticklabels(table[label].astype(str))
    ax.invert_yaxis()
    ax.axvline(0, color=palette.NEUTRAL["axis"], linewidth=0.8)
    ax.set_xlabel(xlabel)
    if title:
        ax.set_title(title)
    ax.legend(loc="lower left", fontsize=8)
    return ax


def stacked_area(table: pd.DataFrame, x: str, columns: list[str], labels: list[str] | None = None, ax=None,
                 title: str | None = None, ylabel: str = "people", colours: Sequence[str] | None = None):
    """Stacked areas of ``columns`` against ``x`` (e.g. home- and away-track graduates).

    ``colours`` come from the palette (e.g. ``palette.TRACKS``); by default the palette's series colours.
    """
    ax = ax or plt.subplots()[1]
    colours = list(colours) if colours is not None else list(palette.series_colours(columns).values())
    ax.stackplot(table[x], *[table[c] for c in columns], labels=labels or columns, colors=colours, alpha=0.85)
    ax.set_ylabel(ylabel)
    ax.set_xlabel("")
    if title:
        ax.set_title(title)
    ax.legend(loc="upper left", fontsize=9)
    return ax


# ---------------------------------------------------------------- education (skills supply, country profiles)
EDUCATION_SOURCE_NOTE = ("Sources: UN WPP 2024 (population); Wittgenstein Centre 2018, SSP2 (education shares "
                         "applied country by country).")


def _label(level: str) -> str:
    return str(level).replace("-", " ")


def education_by_sex(wide: pd.DataFrame, name: str, ages: str, x: str = "year"):
    """Two panels, men and women: stacked areas of the population by education level over the years.

    Parameters
    ----------
    wide : DataFrame
        ``<x>, sex`` and one column per level, lowest first (see
        :func:`analysis.study.skills.wide_by_level` of a table by sex).
    """
    levels = [c for c in wide.columns if c in palette.EDUCATION]
    fig, axes = plt.subplots(1, 2, figsize=(14, 5), sharey=True)
    for ax, sex, label in zip(axes, ("male", "female"), ("men", "women")):
        rows = wide[wide["sex"].astype(str) == sex]
        ax.stackplot(rows[x], *[rows[level] for level in levels], labels=[_label(level) for level in levels],
                     colors=[palette.EDUCATION[level] for level in levels], alpha=0.95)
        millions(ax.yaxis)
        ax.set_title(f"{name}: {label} aged {ages} by education")
        ax.set_ylabel("millions")
        ax.set_xlabel("")
    handles, labels = axes[0].get_legend_handles_labels()
    axes[1].legend(handles[::-1], labels[::-1], loc="upper left", fontsize=8)
    source_note(fig, EDUCATION_SOURCE_NOTE)
    return fig


def _bar_outlines(left: np.ndarray, width: np.ndarray, height: float) -> np.ndarray:
    """The corners of horizontal bars at y = 0, 1, …: ``(bars, 4, 2)`` for a PolyCollection."""
    y = np.arange(len(left), dtype=float)
    x0, x1 = left, left + width
    y0, y1 = y - height / 2, y + height / 2
    return np.stack([np.column_stack(corner) for corner in ((x0, y0), (x1, y0), (x1, y1), (x0, y1))], axis=1)


def education_pyramids(wide: pd.DataFrame, years, name: str):
    """Population pyramids by education level, one per year: men left, women right, bars stacked by level.

    Parameters
    ----------
    wide : DataFrame
        ``year, sex, age`` and one column per level (see
        :func:`analysis.study.skills.pyramid_wide`).
    """
    years = list(years)
    levels = [c for c in wide.columns if c in palette.EDUCATION]
    fig, axes = plt.subplots(1, len(years), figsize=(6.5 * len(years), 6), sharex=True, squeeze=False)
    for ax, year in zip(axes[0], years):
        at_year = wide[wide["year"] == year]
        ages = list(AGE_GROUPS)
        for sex, sign in (("male", -1), ("female", 1)):
            rows = at_year[at_year["sex"].astype(str) == sex].set_index("age")[levels].reindex(ages).fillna(0.0)
            left = np.zeros(len(ages))
            for level in levels:
                values = sign * rows[level].to_numpy() / 1e6
                # one collection per level rather than a patch per bar: about 700 patches made this figure slow
                bars = PolyCollection(_bar_outlines(left, values, height=0.9), facecolors=palette.EDUCATION[level],
                                      edgecolors="none", label=_label(level) if sex == "male" else None)
                ax.add_collection(bars)
                left = left + values
        ax.autoscale_view()
        ax.set_yticks(list(range(len(ages)))[::2])
        ax.set_yticklabels(ages[::2])
        ax.axvline(0, color=palette.NEUTRAL["axis"], linewidth=0.8)
        _both_sides(ax.xaxis)
        ax.set_xlabel("millions (men left, women right)")
        ax.set_title(f"{name}, {year}")
    fig.suptitle("Population by education (WPP 2024 medium variant, Wittgenstein Centre shares)")
    axes[0][-1].legend(loc="upper right", fontsize=8)
    source_note(fig, EDUCATION_SOURCE_NOTE)
    return fig


def contribution_panels(table: pd.DataFrame, title: str, panel: str = "education", label: str = "location",
                        value: str = "change", share: str = "share_of_change"):
    """One panel of ranked bars per level (e.g. the countries adding most people with each level)."""
    panels = list(dict.fromkeys(table[panel].astype(str)))
    fig, axes = plt.subplots(1, len(panels), figsize=(7 * len(panels), 5), squeeze=False)
    for ax, name in zip(axes[0], panels):
        ranked_bars(table[table[panel].astype(str) == name], label=label, value=value, share=share, ax=ax,
                    title=f"{_label(name)}: {title}")
    fig.texts.clear()
    source_note(fig, EDUCATION_SOURCE_NOTE)
    return fig


def period_bar_panels(table: pd.DataFrame, title: str, panel: str = "threshold", period_end: str = "period_end",
                      ylabel: str = "millions a year"):
    """One panel of per-period bars (medium variant, low–high range) per value of ``panel``.

    Parameters
    ----------
    table : DataFrame
        ``<panel>, <period_end>, medium, low, high`` (see
        :func:`analysis.study.skills.entrants_by_variant`).
    """
    panels = list(dict.fromkeys(table[panel].astype(str)))
    fig, axes = plt.subplots(1, len(panels), figsize=(7 * len(panels), 5), squeeze=False)
    for ax, name in zip(axes[0], panels):
        period_bars_with_range(table[table[panel].astype(str) == name], period_end=period_end, ax=ax,
                               title=f"{_label(name)}: {title}", ylabel=ylabel)
    source_note(fig, EDUCATION_SOURCE_NOTE, y=-0.12)  # below the rotated period labels
    return fig


def skill_mix_bars(destinations: pd.DataFrame, origins: pd.DataFrame, base_year: int, target_year: int, ages: str):
    """Two panels of grouped horizontal bars: each destination's change by skill group, and each origin's.

    Parameters
    ----------
    destinations, origins : DataFrame
        ``destination`` (``origin``) and one column per skill group (see
        :func:`analysis.study.skills.skill_mix_wide`).
    """
    fig, axes = plt.subplots(1, 2, figsize=(15, 6), gridspec_kw={"width_ratios": [2, 1]})
    for ax, table, side, title in ((axes[0], destinations, "destination", "destinations"),
                                   (axes[1], origins, "origin", "origin")):
        groups = [c for c in table.columns if c in palette.SKILLS]
        height = 0.8 / len(groups)
        for index, group in enumerate(groups):
            positions = [row + index * height for row in range(len(table))]
            ax.barh(positions, table[group], height=height, color=palette.SKILLS[group], label=_label(group))
        ax.set_yticks([row + 0.4 - height / 2 for row in range(len(table))])
        ax.set_yticklabels(table[side].astype(str))
        ax.invert_yaxis()
        ax.axvline(0, color=palette.NEUTRAL["axis"], linewidth=0.8)
        millions(ax.xaxis)
        ax.set_xlabel("change in millions")
        ax.set_title(f"Change in the population aged {ages}, {base_year}–{target_year}: {title}")
    axes[0].legend(loc="lower left", fontsize=8)
    source_note(fig, EDUCATION_SOURCE_NOTE)
    return fig


# ---------------------------------------------------------------- migrant stocks and the emigration model
STOCKS_SOURCE_NOTE = "Source: UN DESA, International Migrant Stock 2024 (IOM GDI gdidata package)."
EMIGRATION_RATE_SOURCE_NOTE = ("Sources: UN DESA, International Migrant Stock 2024 (emigrants; IOM GDI gdidata package); "
                               "UN WPP 2024 (population at home, 1 July).")
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
    sns.heatmap(matrix, annot=True, fmt=".1f", cmap=palette.SEQUENTIAL_MAP, linewidths=0.5,
                cbar_kws={"label": "millions"}, ax=ax)
    ax.set_xlabel("destination (where migrants live)")
    ax.set_ylabel("origin")
    ax.tick_params(axis="x", rotation=0, labelsize=9)
    if title:
        ax.set_title(title)
    source_note(ax.figure, STOCKS_SOURCE_NOTE, y=-0.12)
    return ax


def share_bars(table: pd.DataFrame, label: str, value: str, hue: str | None = None, reference: float | None = None,
               reference_label: str = "world", ax=None, title: str | None = None, xlabel: str = "",
               source: str = STOCKS_SOURCE_NOTE):
    """Horizontal bars of shares (0–1) shown in percent, optionally grouped by ``hue``, with a reference line."""
    ax = ax or plt.subplots()[1]
    data = table.assign(**{label: table[label].astype(str)})
    if hue:
        data[hue] = data[hue].astype(str)
        sns.barplot(data=data, y=label, x=value, hue=hue, ax=ax, orient="h",
                    palette=palette.series_colours(dict.fromkeys(data[hue]), hue if hue in palette.KINDS else None))
    else:
        sns.barplot(data=data, y=label, x=value, ax=ax, orient="h", color=palette.PRIMARY)
    if reference is not None:
        ax.axvline(reference, color=palette.NEUTRAL["reference"], linestyle="--", linewidth=1.2,
                   label=f"{reference_label} {100 * reference:.1f} %")
    if hue or reference is not None:
        ax.legend(title="", fontsize=9, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    _percent_axis(ax.xaxis)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("")
    if title:
        ax.set_title(title)
    source_note(ax.figure, source)
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
    ax.fill_between(curve["income"], curve["obs_ci_lower"], curve["obs_ci_upper"], color=palette.VARIANT_BAND,
                    alpha=0.25, label="95 % prediction band (a country-year)")
    ax.fill_between(curve["income"], curve["mean_ci_lower"], curve["mean_ci_upper"], color=palette.PRIMARY,
                    alpha=0.35, label="95 % confidence band (the curve)")
    chosen = points["iso3"].isin(list(highlight)) if highlight is not None else pd.Series(False, index=points.index)
    others = points[~chosen]
    ax.scatter(others["income"], others["adjusted_rate"], s=10, color=palette.NEUTRAL["points"], alpha=0.5,
               label="countries, 1990-2020 (adjusted)" if highlight is None else "other countries (adjusted)")
    if chosen.any():
        ax.scatter(points.loc[chosen, "income"], points.loc[chosen, "adjusted_rate"], s=14,
                   color=palette.NEUTRAL["selected"], alpha=0.8, label=f"{highlight_label} (adjusted)")
    ax.plot(curve["income"], curve["rate"], color=palette.PRIMARY, linewidth=2.5, label="fitted curve")
    if turning_point is not None:
        ax.axvspan(turning_point["ci_lower"], turning_point["ci_upper"], color=palette.NEUTRAL["highlight"], alpha=0.15)
        ax.axvline(turning_point["income"], color=palette.NEUTRAL["highlight"], linestyle="--", linewidth=1.5,
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
    source_note(ax.figure, MODEL_SOURCE_NOTE)
    return ax


def residuals_vs_fitted(table: pd.DataFrame, hue: str = "region", ax=None, title: str | None = None):
    """Residuals against fitted values (log points), coloured by ``hue``."""
    ax = ax or plt.subplots()[1]
    names = list(dict.fromkeys(table[hue].astype(str)))
    sns.scatterplot(data=table.assign(**{hue: table[hue].astype(str)}), x="fitted", y="residual", hue=hue, s=14,
                    alpha=0.7, ax=ax, palette=palette.series_colours(names, hue if hue in palette.KINDS else None))
    ax.axhline(0, color=palette.NEUTRAL["axis"], linewidth=0.8)
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
                color=palette.PRIMARY, ecolor=palette.VARIANT_BAND, elinewidth=3, capsize=0,
                label=value_label or value)
    if reference:
        ax.scatter(table[reference], positions, marker="|", s=120, color=palette.NEUTRAL["selected"],
                   label=reference_label, zorder=3)
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


# ---------------------------------------------------------------- supply: periods, pyramids, dependency, destinations
def period_bars_with_range(table: pd.DataFrame, period_end: str = "year", ax=None, title: str | None = None,
                           ylabel: str = "millions per 5 years", value_scale: str = "millions"):
    """Bars of the medium variant per 5-year period with the low–high range as error bars.

    Parameters
    ----------
    table : DataFrame
        ``<period_end>, medium, low, high``: one row per period, labelled by
        the year it ends (e.g. :func:`analysis.study.indicators.period_change`).
    """
    ax = ax or plt.subplots()[1]
    labels = [f"{int(year) - 5}-{int(year)}" for year in table[period_end]]
    ax.bar(labels, table["medium"], color=palette.VARIANTS["medium"], label="WPP 2024 medium")
    ax.errorbar(labels, table["medium"],
                yerr=[(table["medium"] - table["low"]).clip(lower=0), (table["high"] - table["medium"]).clip(lower=0)],
                fmt="none", ecolor=palette.NEUTRAL["axis"], capsize=3, label="low–high variants")
    if value_scale == "millions":
        millions(ax.yaxis)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.tick_params(axis="x", rotation=60)
    ax.legend()
    return ax


def pyramids(population: pd.DataFrame, years, name: str, variant_label: str | None = "WPP 2024 medium variant",
             outline_by: str | None = None):
    """Side-by-side population pyramids of one location, one per year (``year, sex, age, population``).

    Parameters
    ----------
    variant_label : str, optional
        Added to each title in parentheses (nothing when None).
    outline_by : str, optional
        A column of series (e.g. ``scenario``): the table's first series is
        drawn as bars, and from the second year on the other series as
        outlines (see :func:`pyramid`).
    """
    years = list(years)
    fig, axes = plt.subplots(1, len(years), figsize=(6.5 * len(years), 6), sharex=True)
    for position, (ax, year) in enumerate(zip(list(axes) if len(years) > 1 else [axes], years)):
        at_year = population[population["year"] == year]
        title = f"{name}, {year}" + (f" ({variant_label})" if variant_label else "")
        if outline_by is None:
            pyramid(at_year, ax=ax, title=title)
            continue
        first = at_year[outline_by] == population[outline_by].iloc[0]
        pyramid(at_year[first], ax=ax, title=title, outline=at_year[~first] if position else None,
                outline_by=outline_by)
    return fig


DEPENDENCY_LINES = (("child_dependency_ratio", "children 0-14", "0-14"),
                    ("old_age_dependency_ratio", "aged 65+", "65+"), ("total_dependency_ratio", "total", "total"))


def dependency_lines(ratios: pd.DataFrame, name: str, ax=None, last_estimate_year: int = 2020):
    """Child, old-age and total dependency ratios over the years (per 100 aged 15-64)."""
    ax = ax or plt.subplots()[1]
    for column, label, ages in DEPENDENCY_LINES:
        ax.plot(ratios["year"], ratios[column], linewidth=2, label=label, color=palette.AGES[ages])
    ax.axvline(last_estimate_year, color=palette.NEUTRAL["note"], linestyle=":", linewidth=1)
    ax.set_ylabel("per 100 aged 15-64")
    ax.set_title(f"{name}: dependency ratios")
    ax.legend()
    return ax


def destination_bars(corridors: pd.DataFrame, name: str, year: int, ax=None):
    """Emigrants of one origin by destination country, largest first (``destination, migrants``)."""
    ax = ax or plt.subplots(figsize=(9, 4))[1]
    ax.barh(corridors["destination"], corridors["migrants"], color=palette.PRIMARY)
    ax.invert_yaxis()
    ax.set_xlabel("emigrants")
    ax.set_title(f"{name}: main destinations of emigrants, {year}")
    source_note(ax.figure, STOCKS_SOURCE_NOTE)
    return ax


# ---------------------------------------------------------------- scenarios side by side (scenario_comparison)
def lines_by_panels(table: pd.DataFrame, x: str, columns: list[str], hue: str, ylabel: str = "millions",
                    figsize: tuple[float, float] | None = None, kind: str | None = "scenario"):
    """One panel per value column, each with one line per ``hue`` value (see :func:`lines_by`).

    Parameters
    ----------
    table : DataFrame
        ``<x>, <hue>`` and the ``columns`` (e.g. the components of change:
        ``period_start, scenario, births, deaths, net_migration``).
    columns : list of str
        The value columns, one panel each, titled by the column name (``_`` as spaces).

    Returns
    -------
    Figure
    """
    fig, axes = plt.subplots(1, len(columns), figsize=figsize or (5 * len(columns), 4.5), squeeze=False)
    for ax, column in zip(axes[0], columns):
        lines_by(table, x=x, y=column, hue=hue, ax=ax, title=column.replace("_", " "), ylabel=ylabel, kind=kind)
    return fig


# ---------------------------------------------------------------- destinations and skills partnerships
def working_age_and_support_ratio(trajectory: pd.DataFrame, floor: float, name: str):
    """Two panels for one destination: its 15–64 population and its potential support ratio against a floor.

    Parameters
    ----------
    trajectory : DataFrame
        ``year, variant, working_age, potential_support_ratio`` of one
        location (see :func:`analysis.study.demand.shortfall`).
    """
    fig, axes = plt.subplots(1, 2, figsize=(14, 5))
    trajectory_with_band(trajectory, value="working_age", ax=axes[0], title=f"{name}: population aged 15-64")
    trajectory_with_band(trajectory, value="potential_support_ratio", ax=axes[1], ylabel="", units=None,
                         reference=floor, reference_label=f"floor {floor}", legend_loc="upper right", source=None,
                         title=f"{name}: people aged 15-64 per person aged 65+")
    return fig


def lines_with_reference(table: pd.DataFrame, x: str, columns: Sequence[str] | None = None,
                         labels: Mapping[str, str] | str | None = None, reference: str | None = None,
                         reference_label: str | None = None, level: float | None = None, level_label: str | None = None,
                         marker: str | None = "o", units: str | None = "millions", ax=None, title: str | None = None,
                         xlabel: str = "", ylabel: str = "millions", kind: str | None = None):
    """One line per column against ``x``, a reference column as a dashed black line, and an optional level.

    Parameters
    ----------
    columns : list of str, optional
        The columns drawn as lines (default: every column but ``x`` and ``reference``).
    labels : {column: label} or str, optional
        Legend labels, or a format string such as ``"replacement: {}"``.
    reference : str, optional
        A column drawn as a dashed black line (e.g. WPP's assumed migration).
    level, level_label : float, str, optional
        A horizontal line at a fixed value (e.g. the cost of training at the destination).
    units : {"millions", None}
        Label the value axis in millions, or leave it as it is.
    kind : str, optional
        The palette's kind of the columns (``target``, ``education`` …);
        otherwise the palette's series colours in order.
    """
    ax = ax or plt.subplots()[1]
    columns = list(columns) if columns is not None else [c for c in table.columns if c not in (x, reference)]
    series_colours = palette.series_colours(columns, kind)
    for column in columns:
        label = labels.format(column) if isinstance(labels, str) else (labels or {}).get(column, str(column))
        ax.plot(table[x], table[column], marker=marker, linewidth=2, label=label, color=series_colours[str(column)])
    if reference is not None:
        ax.plot(table[x], table[reference], color=palette.NEUTRAL["axis"], linestyle="--",
                label=reference_label or reference)
    if level is not None:
        ax.axhline(level, color=palette.NEUTRAL["reference"], linestyle="--", label=level_label)
    if units == "millions":
        millions(ax.yaxis)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend()
    return ax


def span_levels(table: pd.DataFrame, columns: Sequence[str], start: str = "period_start", end: str = "period_end",
                labels: Mapping[str, str] | str | None = None, reference: str | None = None,
                reference_label: str | None = None, kind: str | None = None, ax=None, title: str | None = None,
                ylabel: str = "millions per year"):
    """Each value drawn as a level over its span of years (e.g. averages per decade), one colour per column.

    Parameters
    ----------
    table : DataFrame
        ``<start>, <end>`` and the value columns, one row per span (see
        :func:`analysis.study.demand.replacement_per_decade`).
    reference : str, optional
        A column drawn as black dashed levels (e.g. WPP's assumed migration).
    kind : str, optional
        The palette's kind of the columns (e.g. ``target``).
    """
    ax = ax or plt.subplots()[1]
    series_colours = palette.series_colours(columns, kind)
    drawn = [(column, series_colours[str(column)], "-") for column in columns]
    if reference is not None:
        drawn.append((reference, palette.NEUTRAL["axis"], "--"))
    for column, colour, style in drawn:
        if column == reference:
            label = reference_label or reference
        else:
            label = labels.format(column) if isinstance(labels, str) else (labels or {}).get(column, str(column))
        ax.hlines(table[column], table[start], table[end], colors=colour, linestyles=style, linewidth=2.5,
                  label=label)
    ax.axhline(0, color=palette.NEUTRAL["axis"], linewidth=0.8)
    millions(ax.yaxis)
    ax.set_xlabel("")
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend(fontsize=9, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax


def pathway_flows(pathway: pd.DataFrame, origin: str, destination: str):
    """Two panels of a skills-partnership run: graduates by track, and where the away-track graduates are.

    Parameters
    ----------
    pathway : DataFrame
        :func:`analysis.study.pathways.simulate`.
    """
    fig, axes = plt.subplots(1, 2, figsize=(14, 5))
    stacked_area(pathway, "year", ["cumulative_graduates_home", "cumulative_graduates_away"],
                 [f"home track (stay in {origin})", "away track"], ax=axes[0],
                 title="Cumulative graduates by track", ylabel="people",
                 colours=[palette.TRACKS["home"], palette.TRACKS["away"]])
    outcomes = ["in_destination", "returned", "attrition_abroad", "not_placed"]
    stacked_area(pathway, "year", ["in_destination", "cumulative_returned", "cumulative_attrition_abroad",
                                   "cumulative_not_placed"],
                 [f"in {destination}", "returned home", "left the pathway abroad", "not placed"], ax=axes[1],
                 title="Where the away-track graduates are", ylabel="people",
                 colours=[palette.PATHWAY_OUTCOMES[outcome] for outcome in outcomes])
    return fig


def pathway_costs(pathway: pd.DataFrame, curve: pd.DataFrame, level: float, level_label: str, currency: str,
                  years: int):
    """Two panels: cost per migrant so far by year, and after the run by away-track share, beside a fixed level.

    Parameters
    ----------
    pathway : DataFrame
        :func:`analysis.study.pathways.simulate`.
    curve : DataFrame
        :func:`analysis.study.pathways.away_share_curve`.
    level, level_label : float, str
        The comparison drawn on both panels (e.g. training a worker at the destination).
    """
    fig, axes = plt.subplots(1, 2, figsize=(14, 5))
    lines_with_reference(pathway, "year", ["cost_per_migrant"], labels={"cost_per_migrant": "cost per migrant"},
                         level=level, level_label=level_label, marker=None, units=None, ax=axes[0],
                         title="Cost per migrant so far, by year", ylabel=currency)
    lines_with_reference(curve, "away_share", ["cost_per_migrant"], labels={"cost_per_migrant": "cost per migrant"},
                         level=level, level_label=level_label, units=None, ax=axes[1],
                         title=f"Cost per migrant after {years} years, by away-track share",
                         xlabel="share of graduates on the away track", ylabel=currency)
    return fig


def pathway_effect(effect: pd.DataFrame, origin: str, destination: str, institutions: int, y: str = "working_age_change"):
    """The partnership's effect on the origin's and the destination's population, in the tracks' colours.

    Parameters
    ----------
    effect : DataFrame
        ``year, location, <y>`` (see :func:`analysis.study.pathways.projection_effect`).
    origin, destination : str
        The two locations' names (the origin drawn in the home track's colour, the destination in the away track's).
    """
    ax = lines_by(effect, x="year", y=y, hue="location", ylabel="millions",
                  colours={origin: palette.ROLES["origin"], destination: palette.ROLES["destination"]},
                  title=f"Working-age population (15-64), with minus without {institutions:,} "
                        f"institution{'' if institutions == 1 else 's'} (engine, WPP 2024 medium inputs)")
    ax.axhline(0, color=palette.NEUTRAL["axis"], linewidth=0.8)
    return ax


def reference_bars(table: pd.DataFrame, label: str, value: str, reference: float | None = None,
                   reference_label: str | None = None, log: bool = False, ax=None, title: str | None = None,
                   xlabel: str = "", more_references: Sequence[tuple[float, str]] = ()):
    """Horizontal bars in the table's order (first on top), with optional vertical reference lines.

    ``reference`` (dashed) and each of ``more_references`` (``(value, label)``, dotted) are drawn with a legend.
    On a log scale, rows of 0 or less cannot be drawn: they are left out and the axis label says how many.
    """
    ax = ax or plt.subplots()[1]
    if log:
        left_out = int((table[value] <= 0).sum())
        table = table[table[value] > 0]
        if left_out:
            xlabel = f"{xlabel} ({left_out} of 0 not drawn)"
    ax.barh(table[label].astype(str), table[value], color=palette.PRIMARY)
    if log:
        ax.set_xscale("log")
    ax.invert_yaxis()
    lines = ([(reference, reference_label, "--")] if reference is not None else []) + [
        (level, text, ":") for level, text in more_references]
    for level, text, style in lines:
        ax.axvline(level, color=palette.NEUTRAL["selected"], linestyle=style, label=text)
    if lines:
        ax.legend()
    ax.set_xlabel(xlabel)
    if title:
        ax.set_title(title)
    return ax


# ---------------------------------------------------------------- the partnership dataset
PARTNERSHIP_SOURCE_NOTE = ("Source: the project's cited dataset of partnerships "
                           "(analysis/study/partnerships/data/partnerships.csv).")


def planned_and_achieved(table: pd.DataFrame, label: str = "id", planned: str = "planned", achieved: str = "achieved",
                         ax=None, title: str | None = None):
    """Planned and achieved numbers side by side on a log scale, one line per row (first on top)."""
    ax = ax or plt.subplots(figsize=(9, 0.45 * len(table) + 1.5))[1]
    rows = range(len(table))
    ax.hlines(rows, table[planned].astype(float), table[achieved].astype(float), color=palette.PLANNED_ACHIEVED["gap"],
              linewidth=2)
    ax.scatter(table[planned].astype(float), rows, color=palette.PLANNED_ACHIEVED["planned"], s=60, label="planned",
               zorder=3)
    ax.scatter(table[achieved].astype(float), rows, color=palette.PLANNED_ACHIEVED["achieved"], s=60,
               label="achieved", zorder=3)
    ax.set_yticks(list(rows), [f"{name} ({stage.replace('_', ' ')})" for name, stage in zip(table[label], table["stage"])])
    ax.set_xscale("log")
    ax.invert_yaxis()
    ax.set_xlabel("people (log scale)")
    ax.legend(loc="lower right")
    if title:
        ax.set_title(title)
    source_note(ax.figure, PARTNERSHIP_SOURCE_NOTE)
    return ax


def stacked_counts(table: pd.DataFrame, label: str, columns: Sequence[str], ax=None, title: str | None = None,
                   xlabel: str = "partnerships"):
    """Horizontal bars of counts stacked over ``columns``, in the table's order (first on top)."""
    ax = ax or plt.subplots(figsize=(9, 0.4 * len(table) + 1.5))[1]
    colours = palette.series_colours(columns, "skill_level" if set(columns) <= set(palette.SKILL_LEVELS) else None)
    left = pd.Series(0.0, index=table.index)
    for column, colour in colours.items():
        ax.barh(table[label].astype(str).str.replace("_", " "), table[column], left=left, color=colour,
                label=column)
        left = left + table[column]
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.legend(title="", fontsize=9, loc="lower right")
    if title:
        ax.set_title(title)
    source_note(ax.figure, PARTNERSHIP_SOURCE_NOTE)
    return ax
