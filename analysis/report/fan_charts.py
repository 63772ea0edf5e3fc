"""Fan charts: the 50, 80 and 95 % intervals of probabilistic projections, with WPP's variants for comparison.

The fans are quantiles computed by :mod:`analysis.study.uncertainty` (``year,
q0.025, q0.1, q0.25, q0.5, q0.75, q0.9, q0.975``); these functions only draw
them.  WPP's low and high variants (±½ child, a fertility range, not an
uncertainty interval) stay as thin dashed lines, and the estimates before the
projections as a dark line.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from analysis.report import palette
from analysis.report.plotting import SOURCE_NOTE, label_axes

#: The intervals drawn, widest first: (lower quantile, upper quantile, label, opacity).
BANDS = ((0.025, 0.975, "95 % interval", 0.18), (0.10, 0.90, "80 % interval", 0.30), (0.25, 0.75, "50 % interval", 0.45))
FAN_COLOUR = palette.VARIANTS["medium"]
TRAJECTORY_NOTE = ("Fan: the project's own probabilistic projection (its engine run on {n:,} trajectories that "
                   "reproduce WPP 2024's uncertainty of fertility, mortality and migration); lines: WPP 2024.")


def _column(probability: float) -> str:
    return f"q{probability:g}"


def fan_chart(fan: pd.DataFrame, variants: pd.DataFrame | None = None, value: str = "population", x: str = "year",
              ax=None, title: str | None = None, ylabel: str = "millions", units: str | None = "millions",
              reference: float | None = None, reference_label: str | None = None,
              highlight: tuple[int, int] | None = None, legend_loc: str = "upper left",
              trajectories: int | None = None, source: str | None = SOURCE_NOTE,
              median_label: str = "median of the project's trajectories", highlight_label: str | None = None):
    """The 50/80/95 % fan of one series, with WPP's estimates and variants as lines.

    Parameters
    ----------
    fan : DataFrame
        ``<x>, q0.025, q0.1, q0.25, q0.5, q0.75, q0.9, q0.975`` (one location).
    variants : DataFrame, optional
        ``<x>, variant, <value>`` with ``medium`` and optionally ``low`` and
        ``high`` (estimates are the medium's years before the fan starts):
        the estimates as a dark line, the variants as thin dashed lines from
        the fan's first year.
    trajectories : int, optional
        Number of trajectories, named in the note under the figure.
    reference, reference_label : float, str, optional
        A horizontal line (e.g. a floor).
    highlight : (int, int), optional
        A span of years to shade, named in the legend by ``highlight_label``
        (by default "2025–2055: the years compared").
    """
    ax = ax or plt.subplots()[1]
    fan = fan.sort_values(x)
    start = fan[x].min()
    for low, high, label, alpha in BANDS:
        ax.fill_between(fan[x], fan[_column(low)], fan[_column(high)], color=FAN_COLOUR, alpha=alpha, linewidth=0,
                        label=label)
    ax.plot(fan[x], fan[_column(0.5)], color=FAN_COLOUR, linewidth=2.2, label=median_label)
    if variants is not None:
        wide = variants.pivot_table(index=x, columns="variant", values=value, observed=True)
        if "medium" in wide:
            past = wide[wide.index <= start]["medium"]
            if len(past) > 1:
                ax.plot(past.index, past, color=palette.VARIANTS["estimates"], linewidth=1.6, label="WPP estimates")
        future = wide[wide.index >= start]
        for variant, style in (("medium", ":"), ("low", "--"), ("high", "--")):
            if variant in future:
                ax.plot(future.index, future[variant], color=palette.NEUTRAL["reference"], linestyle=style, linewidth=1,
                        label={"medium": "WPP medium variant", "low": "WPP low and high variants (±½ child)",
                               "high": None}[variant])
    if reference is not None:
        ax.axhline(reference, color=palette.NEUTRAL["note"], linestyle="-.", linewidth=1, label=reference_label)
    if highlight is not None:
        ax.axvspan(*highlight, color=palette.NEUTRAL["highlight"], alpha=0.15,
                   label=highlight_label or f"{highlight[0]}–{highlight[1]}: the years compared")
    label_axes(ax, ylabel, title, units, legend_loc, legend_size=9)
    note = " ".join(part for part in (source, TRAJECTORY_NOTE.format(n=trajectories) if trajectories else None) if part)
    if note:
        ax.figure.text(0.01, -0.02, note, fontsize=8, color=palette.NEUTRAL["note"])
    return ax


def population_and_support_ratio_fans(population: pd.DataFrame, support_ratio: pd.DataFrame,
                                      variants: pd.DataFrame, floor: float, name: str, trajectories: int):
    """Two panels for one destination: fans of its 15–64 population and of its potential support ratio.

    Parameters
    ----------
    population, support_ratio : DataFrame
        Fan quantiles by year (:func:`analysis.study.uncertainty.fan`).
    variants : DataFrame
        ``year, variant, working_age, potential_support_ratio`` (see
        :func:`analysis.study.demand.shortfall`).
    """
    fig, axes = plt.subplots(1, 2, figsize=(14, 5))
    fan_chart(population, variants.rename(columns={"working_age": "population"}), ax=axes[0],
              title=f"{name}: population aged 15-64", trajectories=trajectories, legend_loc="lower left")
    fan_chart(support_ratio, variants.rename(columns={"potential_support_ratio": "support_ratio"}), value="support_ratio",
              ax=axes[1], ylabel="", units=None, reference=floor, reference_label=f"floor {floor}",
              legend_loc="upper right", source=None, title=f"{name}: people aged 15-64 per person aged 65+")
    return fig


def replacement_fan(fan: pd.DataFrame, name: str, trajectories: int, target: str = "15-64 population"):
    """The yearly replacement migration a destination needs per period: fan over trajectories, WPP medium as a line.

    Parameters
    ----------
    fan : DataFrame
        ``period_end, q0.025 … q0.975`` (persons a year) and optionally
        ``wpp_medium``, the deterministic solve on WPP's medium inputs
        (:func:`analysis.study.uncertainty.replacement_fan`).
    """
    ax = fan_chart(fan, None, x="period_end", ylabel="millions a year", trajectories=trajectories,
                   title=f"{name}: net immigration a year needed to hold its {target}", legend_loc="upper right")
    if "wpp_medium" in fan:
        ax.plot(fan["period_end"], fan["wpp_medium"], color=palette.NEUTRAL["reference"], linestyle=":", marker="o", markersize=3,
                linewidth=1, label="solved on WPP's medium inputs")
        ax.legend(loc="upper right", fontsize=9)
    ax.set_xlabel("end of the five-year period")
    return ax
