"""Figures and headlines of the skills-demand report (they draw and word; the numbers come from the study layer).

Inputs are the tables of :mod:`analysis.study.skill_demand` and
:mod:`analysis.study.workforce_uncertainty`.  Every projected number is
labelled a demographic proxy in the titles and notes.
"""

from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from analysis.report import palette
from analysis.report.fan_charts import fan_chart
from analysis.report.plotting import millions, source_note

ILOSTAT_NOTE = ("Source: ILO, ILOSTAT database (labour force surveys), via the IOM GDI snapshot package; each country "
                "in its reference year.")
PROXY_NOTE = ("Sources: ILOSTAT (employment by occupation and sex, reference year); UN WPP 2024 (population). "
              "Demographic proxy: today's employment per person aged 15-64 and occupation mix, by sex, held constant.")
SKILL_LABELS = {"high": "high (skill levels 3-4: groups 1-3)", "medium": "medium (level 2: groups 4-8)",
                "low": "low (level 1: group 9)", "unknown": "unknown (armed forces, not classified)"}
SEX_LABELS = {"female": "women", "male": "men", "both": "both sexes"}
#: Skill levels as headlines name them ("medium" alone would read as WPP's medium variant).
HEADLINE_SKILLS = {"high": "high-skill (ISCO-08 levels 3-4)", "medium": "middle-skill (ISCO-08 level 2)",
                   "low": "low-skill (ISCO-08 level 1)"}


def _colour(group: str) -> str:
    return palette.SKILL_LEVELS.get(str(group), palette.SKILL_LEVELS["not stated"])


def skill_shares(table: pd.DataFrame, title: str = "Employment by skill level"):
    """Stacked horizontal bars: each location's employed by skill level, as shares, one panel per sex.

    Parameters
    ----------
    table : DataFrame
        :func:`analysis.study.skill_demand.employment_by_skill` with ``sex="each"`` (or ``both``).
    """
    sexes = [s for s in ("female", "male", "both") if s in set(table["sex"])]
    fig, axes = plt.subplots(1, len(sexes), figsize=(7 * len(sexes), 0.5 * table["location"].nunique() + 2.5),
                             sharey=True, squeeze=False)
    for ax, sex in zip(axes[0], sexes):
        rows = table[table["sex"] == sex]
        wide = rows.pivot_table(index="location", columns="skill", values="share", observed=True, sort=False)
        left = np.zeros(len(wide))
        for group in [g for g in SKILL_LABELS if g in wide.columns]:
            values = wide[group].fillna(0.0).to_numpy()
            ax.barh(wide.index.astype(str), values, left=left, color=_colour(group), label=SKILL_LABELS[group])
            left += values
        ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda value, _: f"{100 * value:.0f} %"))
        ax.set_xlim(0, 1)
        ax.set_title(f"{title}: {SEX_LABELS[sex]}")
    axes[0][0].invert_yaxis()  # once: the panels share their y axis
    axes[0][0].legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, fontsize=8)
    source_note(fig, ILOSTAT_NOTE, y=-0.12)
    return fig


def occupation_bars(table: pd.DataFrame, location: str):
    """Employed by ISCO-08 major group, women and men side by side, coloured by skill level.

    Parameters
    ----------
    table : DataFrame
        :func:`analysis.study.skill_demand.employment_by_occupation` with ``sex="each"``.
    """
    rows = table[table["location"] == location]
    wide = rows.pivot_table(index=["occupation", "label", "skill"], columns="sex", values="employed", observed=True)
    wide = wide.reset_index().sort_values("occupation")
    fig, ax = plt.subplots(figsize=(10, 0.45 * len(wide) + 1.5))
    positions = np.arange(len(wide))
    for offset, sex, hatch in ((-0.2, "female", None), (0.2, "male", "//")):
        if sex in wide:
            ax.barh(positions + offset, wide[sex], height=0.4, color=[_colour(s) for s in wide["skill"]],
                    edgecolor=palette.SEXES[sex], hatch=hatch, label=SEX_LABELS[sex])
    ax.set_yticks(positions)
    ax.set_yticklabels([f"{code[-1]} {label}" for code, label in zip(wide["occupation"], wide["label"])], fontsize=9)
    ax.invert_yaxis()
    millions(ax.xaxis)
    ax.set_xlabel("employed, millions (bar colour: skill level; plain: women, hatched: men)")
    ax.set_title(f"{location}: employed by ISCO-08 major group and sex (observed, reference year)")
    ax.legend(loc="lower right", fontsize=9)
    source_note(fig, ILOSTAT_NOTE)
    return fig


def foreign_share_bars(table: pd.DataFrame, label: str = "group", title: str = "Foreign-born share of employment"):
    """Grouped horizontal bars: the foreign-born share of each group, one bar per location.

    Parameters
    ----------
    table : DataFrame
        :func:`analysis.study.skill_demand.foreign_born_shares` (one sex); the ``unknown`` skill level is left out.
    """
    table = table[table[label].astype(str) != "unknown"]
    locations = list(dict.fromkeys(table["location"]))
    groups = list(dict.fromkeys(table[label].astype(str)))
    fig, ax = plt.subplots(figsize=(10, 0.35 * len(groups) * max(len(locations), 1) + 1.5))
    height = 0.8 / len(locations)
    for index, location in enumerate(locations):
        rows = table[table["location"] == location]
        rows = rows.set_index(rows[label].astype(str)).reindex(groups)
        ax.barh(np.arange(len(groups)) + index * height, rows["foreign_share"], height=height,
                color=palette.SERIES[index % len(palette.SERIES)], label=location)
    ax.set_yticks(np.arange(len(groups)) + 0.4 - height / 2)
    ax.set_yticklabels(groups, fontsize=9)
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda value, _: f"{100 * value:.0f} %"))
    ax.set_xlabel("share of the employed born abroad")
    ax.set_title(title)
    ax.legend(loc="lower right", fontsize=9)
    source_note(fig, ILOSTAT_NOTE + " Foreign over Total of the place-of-birth table.")
    return fig


def workforce_change_bars(change: pd.DataFrame, title: str = "Change in the workforce proxy"):
    """Grouped bars: each location's percent change by skill level to each end year (demographic proxy).

    Parameters
    ----------
    change : DataFrame
        :func:`analysis.study.skill_demand.workforce_change` (one sex).
    """
    change = change[change["group"].isin(["high", "medium", "low"])]
    ends = sorted(set(change["end_year"]))
    fig, axes = plt.subplots(1, len(ends), figsize=(7 * len(ends), 0.7 * change["location"].nunique() + 2),
                             sharey=True, squeeze=False)
    for ax, end in zip(axes[0], ends):
        rows = change[change["end_year"] == end]
        wide = rows.pivot_table(index="location", columns="group", values="percent_change", observed=True, sort=False)
        groups = [g for g in ("high", "medium", "low") if g in wide.columns]
        height = 0.8 / len(groups)
        for index, group in enumerate(groups):
            ax.barh(np.arange(len(wide)) + index * height, wide[group], height=height, color=_colour(group),
                    label=SKILL_LABELS[group])
        ax.set_yticks(np.arange(len(wide)) + 0.4 - height / 2)
        ax.set_yticklabels(wide.index.astype(str))
        ax.axvline(0, color=palette.NEUTRAL["axis"], linewidth=0.8)
        ax.set_xlabel("percent change (demographic proxy)")
        ax.set_title(f"{title}, {int(rows['start_year'].iloc[0])}-{end}")
    axes[0][0].invert_yaxis()  # once: the panels share their y axis
    axes[0][0].legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3, fontsize=8)
    source_note(fig, PROXY_NOTE, y=-0.1)
    return fig


def workforce_fans(fans: dict[str, pd.DataFrame], medium: pd.DataFrame, location: str, trajectories: int):
    """One fan per skill level: the workforce proxy over trajectories, with the medium-variant line.

    Parameters
    ----------
    fans : {group: DataFrame}
        :func:`analysis.study.workforce_uncertainty.fan` per group.
    medium : DataFrame
        ``group, year, workers`` (:func:`analysis.study.workforce_uncertainty.deterministic_both_sexes`).
    """
    groups = [g for g in ("high", "medium", "low") if g in fans]
    fig, axes = plt.subplots(1, len(groups), figsize=(6 * len(groups), 4.5), squeeze=False)
    for ax, group in zip(axes[0], groups):
        line = medium[medium["group"] == group].assign(variant="medium").rename(columns={"workers": "population"})
        fan_chart(fans[group], line, ax=ax, title=f"{location}: {group}-skill workforce proxy", legend_loc="lower left",
                  trajectories=trajectories if ax is axes[0][0] else None,
                  source=PROXY_NOTE if ax is axes[0][0] else None)
    return fig


def replacement_bars(need: pd.DataFrame, location: str):
    """Per five-year period and skill level: workers leaving the 15-64 ages (up) and entering them (down).

    Parameters
    ----------
    need : DataFrame
        :func:`analysis.study.skill_demand.replacement_need` (one sex).
    """
    rows = need[(need["location"] == location) & need["group"].isin(["high", "medium", "low"])]
    groups = [g for g in ("high", "medium", "low") if g in set(rows["group"])]
    periods = sorted(set(rows["period_end"]))
    fig, ax = plt.subplots(figsize=(11, 5))
    width = 0.8 / len(groups)
    for index, group in enumerate(groups):
        part = rows[rows["group"] == group].set_index("period_end").reindex(periods)
        x = np.arange(len(periods)) + index * width
        ax.bar(x, part["leaving"], width=width, color=_colour(group), label=f"{group}: leaving (aged 65-69 at the end)")
        ax.bar(x, -part["entering"], width=width, color=_colour(group), alpha=0.45,
               label=f"{group}: entering (aged 15-19 at the end)")
        ax.plot(x, part["need"], linestyle="none", marker="D", color=palette.NEUTRAL["reference"], markersize=4,
                label="leaving minus entering" if index == 0 else None)
    ax.set_xticks(np.arange(len(periods)) + 0.4 - width / 2)
    ax.set_xticklabels([f"{end - 5}-{end}" for end in periods])
    ax.axhline(0, color=palette.NEUTRAL["axis"], linewidth=0.8)
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda value, _: f"{value / 1e6:,.1f}"))
    ax.set_ylabel("workers over the period, millions")
    ax.set_title(f"{location}: workers leaving and entering the 15-64 ages by skill level (demographic proxy)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=3, fontsize=8)
    source_note(fig, PROXY_NOTE, y=-0.2)
    return fig


def supply_match_bars(match: pd.DataFrame):
    """Bars: each destination's replacement need at medium and high skill as a share of the origin's growth.

    Parameters
    ----------
    match : DataFrame
        :func:`analysis.study.skill_match.supply_match`.
    """
    destinations = list(dict.fromkeys(match["destination"]))
    fig, ax = plt.subplots(figsize=(10, 0.6 * len(destinations) + 2))
    height = 0.4
    for index, skill in enumerate(("medium", "high")):
        rows = match[match["skill"] == skill].set_index("destination").reindex(destinations)
        ax.barh(np.arange(len(destinations)) + index * height, rows["need_share_of_growth"].fillna(0.0), height=height,
                color=_colour(skill), label=f"{skill} skill against growth in {rows['education'].dropna().iloc[0]}")
    ax.set_yticks(np.arange(len(destinations)) + height / 2)
    ax.set_yticklabels(destinations)
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda value, _: f"{100 * value:.1f} %"))
    origin = match["origin"].iloc[0]
    span = f"{int(match['start_year'].iloc[0])}-{int(match['end_year'].iloc[0])}"
    ax.set_xlabel(f"workers leaving minus entering, as a share of {origin}'s growth in people aged 15-64 with the "
                  "education (0: no need)")
    ax.set_title(f"Replacement need by skill level against {origin}'s skilled growth, {span} (demographic proxy)")
    ax.legend(loc="lower right", fontsize=9)
    source_note(fig, PROXY_NOTE + " Education: Wittgenstein Centre 2018 (SSP2) shares on WPP 2024.")
    return fig


def headlines(change: pd.DataFrame, need: pd.DataFrame, location: str, source: str,
              intervals: pd.DataFrame | None = None, trajectories: int | None = None,
              groups: Sequence[str] = ("high", "medium")) -> list[tuple[str, str]]:
    """The report's headlines: the proxy's change to the last year and workers leaving minus entering, by skill.

    Parameters
    ----------
    change : DataFrame
        :func:`analysis.study.skill_demand.workforce_change` (both sexes).
    need : DataFrame
        :func:`analysis.study.skill_demand.cumulative_need` (both sexes).
    source : str
        The population's source (``WPP 2024 medium variant``).
    intervals : DataFrame, optional
        :func:`analysis.study.workforce_uncertainty.interval_table` of the change (median and 80 % interval).
    """
    pairs = []
    last = int(change["end_year"].max())
    for group in groups:
        row = change[(change["location"] == location) & (change["group"] == group) & (change["end_year"] == last)]
        if row.empty:
            continue
        row = row.iloc[0]
        label = (f"{HEADLINE_SKILLS[group]} workers in {location}, {int(row['start_year'])}-{last}: demographic proxy (today's "
                 f"employment per person aged 15-64 and occupation mix held constant), {source}")
        if intervals is not None and trajectories:
            band = intervals[(intervals["location"] == location) & (intervals["group"] == group)
                             & (intervals["end_year"] == last)].iloc[0]
            label += (f"; median of {trajectories:,} trajectories {band['median'] / 1e6:+,.2f} M "
                      f"(80 %: {band['low_80'] / 1e6:+,.2f} to {band['high_80'] / 1e6:+,.2f} M)")
        pairs.append((label, f"{row['change'] / 1e6:+,.2f} million ({row['percent_change']:+.1f} %)"))
    for group in groups:
        row = need[(need["location"] == location) & (need["group"] == group) & (need["end_year"] == last)]
        if row.empty:
            continue
        row = row.iloc[0]
        pairs.append((f"{HEADLINE_SKILLS[group]} workers leaving the 15-64 ages minus those entering them in {location}, "
                      f"{int(row['start_year'])}-{last}: demographic proxy, {source}",
                      f"{row['need'] / 1e6:+,.2f} million"))
    return pairs
