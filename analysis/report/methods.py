"""The methods page: ``docs/methods.md`` with its figures computed from the data, rendered to ``reports/methods.html``.

The Markdown source holds the text and equations (plain Unicode, so the page
loads nothing from the network) and ``{{ name }}`` placeholders.  Every
placeholder is filled here, when the page is built, from the package itself:
the engine's validation against WPP 2024 (:mod:`analysis.model.validation`),
the calibrated parameters of the probabilistic projections and their
validation against WPP's intervals,
the scenario list, the pathway defaults, the emigration model and its
robustness checks, the data registry and the groups.  A placeholder without a
value, or a value without a placeholder, stops the build.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd
from markdown_it import MarkdownIt

from analysis import __version__, paths
from analysis.data import config, locations, precision, sources
from analysis.data import flows as flow_data_tables
from analysis.data.stocks import load_migrant_stocks
from analysis.data.tables import atomic_write_text
from analysis.errors import DataError
from analysis.model import flow_estimator, projection, scenarios, trajectories, validation
from analysis.report.site_index import METHODS_PAGE
from analysis.data import employment
from analysis.study import demand, emigration, pathways, skill_demand
from analysis.study import flows as flow_study

SOURCE = paths.ROOT / "docs" / "methods.md"
TARGET = paths.REPORTS / METHODS_PAGE  # report pages sit beside it: site_index.methods_link() links to it
PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")


class MethodsTemplateError(DataError):
    """``docs/methods.md`` and the figures computed for it do not match."""


# ---------------------------------------------------------------- formatting
def _percent(value: float, digits: int = 2) -> str:
    return f"{100.0 * value:.{digits}f} %"


def _markdown_table(table: pd.DataFrame, align: Iterable[str] | None = None) -> str:
    """A DataFrame of display strings as a Markdown table (``align``: ``l`` or ``r`` per column)."""
    align = list(align or ["l"] * table.shape[1])
    escape = lambda value: str(value).replace("|", "\\|").replace("\n", " ")  # noqa: E731
    header = "| " + " | ".join(escape(c) for c in table.columns) + " |"
    rule = "| " + " | ".join("---:" if a == "r" else ":---" for a in align) + " |"
    rows = ["| " + " | ".join(escape(v) for v in row) + " |" for row in table.itertuples(index=False)]
    return "\n".join([header, rule, *rows])


# ---------------------------------------------------------------- the figures
def validation_figures(processed_dir: Path | None = None) -> dict[str, str]:
    """The engine's validation against WPP 2024 medium: summary, aggregates, worst countries, timing of migrants."""
    check = validation.compare_with_wpp(processed_dir=processed_dir)
    summary = check.summary
    rows = []
    for row in summary.itertuples(index=False):
        share = "share within" in row.check
        measured = f"{100 * row.measured:.0f} %" if share else _percent(row.measured)
        threshold = "" if np.isnan(row.threshold) else (
            f"≥ {100 * row.threshold:.0f} %" if share else f"≤ {_percent(row.threshold, 1)}")
        verdict = "" if not threshold else ("passed" if row.passed else "FAILED")
        rows.append((row.check, measured + (f" ({row.where})" if row.where else ""), threshold, verdict))
    summary_table = pd.DataFrame(rows, columns=["check", "measured", "threshold", "result"])

    aggregates = check.aggregates
    aggregate_table = pd.DataFrame({
        "location": aggregates["location"],
        "year": aggregates["year"].astype(str),
        "15–64, engine (millions)": (aggregates["working_age"] / 1e6).map("{:,.1f}".format),
        "15–64, WPP (millions)": (aggregates["working_age_wpp"] / 1e6).map("{:,.1f}".format),
        "15–64, error": aggregates["error_working_age"].map(lambda v: f"{100 * v:+.2f} %"),
        "total, error": aggregates["error_total"].map(lambda v: f"{100 * v:+.2f} %"),
    })

    large = check.countries[check.countries["large"]].copy()
    large["size"] = large["error_working_age_2050"].abs()
    worst = large.nlargest(5, "size")
    worst_table = pd.DataFrame({
        "country": worst["location"],
        "15–64 in 2050, engine − WPP": worst["error_working_age_2050"].map(lambda v: f"{100 * v:+.2f} %"),
        "total in 2100, engine − WPP": worst["error_total_2100"].map(lambda v: f"{100 * v:+.2f} %"),
    })

    unrealised = check.countries.nlargest(1, "unrealised_emigration").iloc[0]
    return {
        "validation_countries": f"{summary.attrs['countries_checked']:,}",
        "validation_table": _markdown_table(summary_table, "lrrl"),
        "validation_passed": "all thresholds are met" if check.passed else "SOME THRESHOLDS ARE NOT MET",
        "validation_aggregates": _markdown_table(aggregate_table, "lrrrrr"),
        "validation_worst": _markdown_table(worst_table, "lrr"),
        "unrealised_country": str(unrealised["location"]),
        "unrealised_persons": f"{unrealised['unrealised_emigration']:,.0f}",
        "unrealised_share": _percent(unrealised["unrealised_emigration"] / unrealised["population_2025"]),
        "migrant_age_shift": f"{projection.MIGRANT_AGE_SHIFT:.2f}",
        "wpp_migrant_age_shift": f"{validation.migration_age_shift(processed_dir=processed_dir):.2f}",
    }


#: Trajectories and seed of the interval validation on the page (the scenario report's run, read from the cache).
INTERVAL_TRAJECTORIES, INTERVAL_SEED = 1000, 1


#: The targets measured on the model before the last change (written by benchmarks/compare_interval_targets.py).
INTERVAL_BEFORE_FILE = paths.ROOT / "docs" / "interval_targets_before.yml"


def _wpp_spread(name: str, year: int, processed_dir: Path | None = None, relative: bool = True) -> str:
    """WPP's 80 % interval of a location's 1 July population: relative to its medium ("−0.2 % to +0.2 %") or in millions."""
    code = locations.resolve(name, processed_dir).code
    row = validation.wpp_population_intervals([year], processed_dir).set_index("location_code").loc[code]
    if not relative:
        return f"{row['l80'] / 1e6:,.0f} to {row['u80'] / 1e6:,.0f} million"
    return f"{100 * (row['l80'] / row['median'] - 1):+.1f} % to {100 * (row['u80'] / row['median'] - 1):+.1f} %"


def probabilistic_figures(processed_dir: Path | None = None) -> dict[str, str]:
    """Probabilistic projections: the calibrated parameters and the validation against WPP's intervals."""
    params = trajectories.load_parameters()
    document = config.read_mapping(trajectories.CALIBRATION_FILE, "calibration file")
    rows = []
    for name, label, step in (("tfr", "TFR", "5-year period"), ("e0", "life expectancy at birth", "5-year period"),
                              ("migration", "net migration", "calendar year")):
        component = getattr(params, name)
        own = f"; {len(component.country_phi)} countries have their own" if component.country_phi else ""
        rows.append((label, component.process.replace("_", " "), step, f"{component.phi:g}{own}", f"{component.rho:g}"))
    parameter_table = pd.DataFrame(rows, columns=["component", "process", "step", "φ (AR coefficient)",
                                                  "ρ (common factor)"])
    tail = params.tfr_upper_tail
    objective = document.get("objective", {})
    settings = document.get("settings", {})
    data = trajectories.sampler_inputs(processed_dir=processed_dir)

    check = validation.validate_intervals(INTERVAL_TRAJECTORIES, INTERVAL_SEED, cache=True, processed_dir=processed_dir)
    result = np.where(check.targets["passed"], "met", "not met")
    targets = pd.DataFrame({
        "target": check.targets["target"],
        "measured": check.targets["measured"].map(lambda v: _percent(v, 1)),
        "limit": check.targets["limit"].map(lambda v: f"≤ {100 * v:g} %"),
        "result": result,
        "worst": check.targets["where"],
    })
    before = config.read_mapping(INTERVAL_BEFORE_FILE, "targets measured before the change")
    measured_before = before.get("measured", {})
    before_after = pd.DataFrame({
        "target": check.targets["target"],
        f"before ({before.get('revision', '?')})": [
            _percent(measured_before[name], 1) if name in measured_before else "—" for name in check.targets["target"]],
        "after": check.targets["measured"].map(lambda v: _percent(v, 1)),
        "limit": check.targets["limit"].map(lambda v: f"≤ {100 * v:g} %"),
        "result": result,
    })
    consistency = validation.wpp_aggregate_consistency(processed_dir=processed_dir)
    consistency = consistency[consistency["year"] == 2100]
    simulated = check.aggregates[check.aggregates["year"] == 2100].set_index("location")
    consistency_table = pd.DataFrame({
        "aggregate": consistency["location"],
        "mean of WPP's aggregate interval": consistency["aggregate_mean"].map(lambda v: f"{100 * v:+.1f} %"),
        "sum of the means of WPP's country intervals": consistency["countries_mean"].map(lambda v: f"{100 * v:+.1f} %"),
        "project: median of the summed trajectories": [f"{100 * simulated.loc[name, 'err_median']:+.1f} %"
                                                       for name in consistency["location"]],
    })
    distribution = check.distribution
    shown = pd.DataFrame({
        "year": distribution["year"].astype(str), "interval": distribution["interval"],
        **{column: distribution[column].map(lambda v: _percent(v, 1)) for column in ("p10", "p25", "p50", "p75", "p90")},
        "max": distribution["max"].map(lambda v: f"{100 * v:,.0f} %"),
        "width ratio": distribution["median_width_ratio"].map(lambda v: "" if np.isnan(v) else f"{v:.2f}"),
        "worst": distribution["worst"],
    })
    aggregates = check.aggregates
    aggregate_table = pd.DataFrame({
        "location": aggregates["location"], "year": aggregates["year"].astype(str),
        **{label: aggregates[column].map(lambda v: f"{100 * v:+.1f} %") for column, label in (
            ("err_l80", "lower 80 %"), ("err_median", "median vs medium"), ("err_u80", "upper 80 %"))},
        "width ratio": aggregates["width_ratio_80"].map("{:.2f}".format),
    })
    share = validation.migration_share_summary(check.migration_share)
    share_table = pd.DataFrame({
        "year": share["year"].astype(str), "median": share["median"].map(lambda v: f"{100 * v:.0f} %"),
        "10th–90th percentile": [f"{100 * a:.0f} – {100 * b:.0f} %" for a, b in zip(share["p10"], share["p90"])],
        "countries over half": share["over_half"].astype(str), "largest": share["largest"],
    })
    met = int(check.targets["passed"].sum())
    return {
        "calibrated_parameters": _markdown_table(parameter_table, "lllrr"),
        "upper_tail": ("none" if tail is None else
                       f"θ = {tail.theta:g}, a Gaussian share g = {tail.gaussian_share:g}, for the "
                       f"{int(trajectories.upper_tail_countries(data, params).sum())} countries whose median TFR in "
                       f"2025–2030 is at least {tail.min_tfr:g}"),
        "world_migration_excess": f"{trajectories.expected_world_migration(data) / 1e6:,.0f} million",
        "wpp_base_spread_africa": _wpp_spread("Africa", 2025, processed_dir),
        "wpp_end_interval_world": _wpp_spread("World", 2100, processed_dir),
        "wpp_end_interval_drc": _wpp_spread("Democratic Republic of the Congo", 2100, processed_dir, relative=False),
        "calibration_settings": (f"{settings.get('trajectories', '?')} trajectories (seed {settings.get('seed', '?')}), "
                                 f"{objective.get('evaluations', '?')} evaluations"),
        "calibration_objective": (f"{objective.get('countries_after_stage_1', float('nan')):.3f} after stage 1, "
                                  f"{objective.get('countries_after_stage_2', float('nan')):.3f} after stage 2, "
                                  f"{objective.get('countries_after_stage_3', float('nan')):.3f} after stage 3 "
                                  f"(countries; {objective.get('gaussian_tfr_before_stage_3', float('nan')):.3f} "
                                  "with a Gaussian TFR process everywhere) and "
                                  f"{objective.get('aggregates_after_stage_4', float('nan')):.3f} after stage 4 "
                                  "(aggregates)"),
        "calibration_date": str(document.get("date", "?")),
        "interval_trajectories": f"{check.trajectories:,}",
        "interval_seed": str(INTERVAL_SEED),
        "interval_passed": (f"{met} of {len(check.targets)} targets are met" if met < len(check.targets)
                            else "every target is met"),
        "interval_targets": _markdown_table(targets, "lrrll"),
        "interval_before_after": _markdown_table(before_after, "lrrrl"),
        "interval_before_trajectories": (f"{before.get('trajectories', '?'):,} trajectories, seed "
                                         f"{before.get('seed', '?')}, measured {before.get('date', '?')}"),
        "interval_consistency": _markdown_table(consistency_table, "lrrr"),
        "interval_distribution": _markdown_table(shown, "llrrrrrrrl"),
        "interval_aggregates": _markdown_table(aggregate_table, "llrrrr"),
        "interval_migration_share": _markdown_table(share_table, "lrrrl"),
    }


def scenario_figures() -> dict[str, str]:
    """The built-in scenarios, as a table."""
    table = scenarios.list_scenarios()[["scenario", "description"]]
    return {"scenarios_table": _markdown_table(table.assign(scenario=table["scenario"].map("`{}`".format)))}


def demand_figures() -> dict[str, str]:
    """Replacement-migration defaults: destinations, targets, migrant profile, care-worker ratio."""
    profile = demand.MigrantProfile()
    return {
        "default_destinations": ", ".join(demand.DEFAULT_DESTINATIONS),
        "replacement_targets": ", ".join(f"`{target}`" for target in demand.TARGETS),
        "migrant_ages": profile.ages,
        "migrant_female_share": f"{profile.female_share:.0%}",
        "care_ratio": f"{demand.OECD_CARE_WORKERS_PER_100_AGED_65:g}",
    }


def skill_demand_figures(processed_dir: Path | None = None) -> dict[str, str]:
    """ILOSTAT's coverage, Germany's totals, the skill grouping and where health and care workers sit."""
    cover = employment.load_coverage(processed_dir)
    current = cover.dropna(subset=["occupation_year"])
    germany = cover.set_index("iso3").loc["DEU"]
    missing = employment.without_data(cover)
    partial = current[(current["classification"] == employment.ISCO08) & (current["groups_missing"] != "")]
    isco = employment.load_isco(processed_dir)
    isco08 = isco[isco["classification"] == employment.ISCO08]
    grouping = pd.DataFrame({
        "major group": isco08["major_group"] + " " + isco08["label"],
        "ISCO-08 skill level": isco08["skill_levels"].replace("", "–"),
        "skill group": isco08["skill"].astype(str),
    })
    care = skill_demand.health_and_care()
    return {
        "ilostat_countries": f"{len(current)}",
        "ilostat_latest": f"{int((current['occupation_year'] >= 2020).sum())}",
        "ilostat_without_count": f"{len(missing)}",
        "ilostat_without_examples": ", ".join(name for name in missing if name in {
            "Saudi Arabia", "Libya", "Uzbekistan", "Turkmenistan", "Gabon", "Central African Republic", "Mauritania"}),
        "ilostat_partial": "; ".join(f"{r.name} {r.occupation_year} (no group {r.groups_missing})"
                                     for r in partial.itertuples()),
        "germany_employed": f"{germany['employed']:,.0f}",
        "germany_foreign_born": f"{germany['foreign_born']:,.0f}",
        "germany_year": f"{int(germany['occupation_year'])}",
        "skill_grouping_table": _markdown_table(grouping, "lll"),
        "health_and_care_table": _markdown_table(care[["workers", "isco08", "major_group_label", "skill"]].rename(
            columns={"isco08": "ISCO-08", "major_group_label": "major group"}), "llll"),
        "skill_sources": "; ".join(f"{row['publisher']}, *{row['title']}*, {row['url']}"
                                   for row in skill_demand.SKILL_SOURCES),
    }


def pathway_figures() -> dict[str, str]:
    """The pathway model's parameters with their defaults and where the defaults come from."""
    table = pathways.parameter_table(pathways.PathwayParameters())
    shown = pd.DataFrame({
        "parameter": table["parameter"].map("`{}`".format),
        "default": table["default"].map(lambda v: f"{v:,g}" if isinstance(v, (int, float)) else str(v)),
        "source of the default": table["source of the default"],
    })
    return {"pathway_parameters": _markdown_table(shown, "lrl")}


def emigration_figures(processed_dir: Path | None = None) -> dict[str, str]:
    """The emigration model: sample, income turning point, robustness across specifications, caveats."""
    panel = emigration.load_panel(processed_dir)
    results = emigration.fit(panel)
    peak = emigration.turning_point(results).iloc[0]
    robustness = emigration.robustness(panel)
    money = lambda v: "no peak" if pd.isna(v) else f"${v:,.0f}"  # noqa: E731
    shown = pd.DataFrame({
        "specification": robustness["specification"],
        "observations": robustness["observations"].map("{:,}".format),
        "countries": robustness["countries"].astype(str),
        "R²": robustness["r_squared"].map("{:.2f}".format),
        "pressure coefficient (95 % CI)": [
            f"{p:+.3f} ({lo:+.3f} to {hi:+.3f})" for p, lo, hi in
            zip(robustness["pressure"], robustness["pressure_ci_lower"], robustness["pressure_ci_upper"])],
        "income turning point (95 % CI)": [
            "no peak" if pd.isna(t) else f"{money(t)} ({money(lo)} to {money(hi)})" for t, lo, hi in
            zip(robustness["turning_point"], robustness["turning_point_ci_lower"], robustness["turning_point_ci_upper"])],
    })
    summary = emigration.robustness_summary(robustness).iloc[0]
    return {
        "emigration_formula": emigration.FORMULA,
        "emigration_observations": f"{int(results.nobs):,}",
        "emigration_countries": f"{results.model.data.frame['iso3'].nunique():,}",
        "emigration_years": f"{min(emigration.PANEL_YEARS)}–{max(emigration.PANEL_YEARS)}",
        "emigration_min_population": f"{emigration.MIN_POPULATION / 1e6:g} million",
        "emigration_turning_point": money(peak["income"]) if peak["peak"] else "no peak",
        "emigration_turning_point_ci": f"{money(peak['ci_lower'])} to {money(peak['ci_upper'])}",
        "emigration_robustness": _markdown_table(shown, "lrrrrr"),
        "emigration_specifications": f"{int(summary['specifications'])}",
        "emigration_peak_range": f"{money(summary['peak_lowest'])} to {money(summary['peak_highest'])}",
        "emigration_pressure_negative": f"{int(summary['pressure_negative'])}",
        "emigration_caveats": "\n".join(f"- {caveat}" for caveat in emigration.CAVEATS),
    }


def flow_figures(processed_dir: Path | None = None) -> dict[str, str]:
    """Bilateral flows: the published world totals, the estimator's weight, inputs and validation, and 2020–2024."""
    published = flow_study.load_flow_source("published", processed_dir)
    estimated = flow_estimator.estimated_flows(processed_dir)
    own_stocks = flow_estimator.estimated_flows(processed_dir, stock_source="published")
    diagnostics = flow_estimator.estimation_diagnostics(processed_dir)
    geography = flow_study.flow_geography(processed_dir)
    checks = flow_study.validation(published, estimated, geography)
    control = flow_study.validation(published, own_stocks, geography)
    ranks = checks["ranks"].pivot(index="period", columns="corridors", values="spearman")
    control_ranks = control["ranks"].pivot(index="period", columns="corridors", values="spearman")
    large = f"corridors of {flow_study.LARGE_CORRIDOR:,} or more"
    world = checks["world"].set_index("period")
    table = pd.DataFrame({
        "period": world.index,
        "published (M)": (world["published"] / 1e6).map("{:.1f}".format),
        "estimated (M)": (world["estimated"] / 1e6).map("{:.1f}".format),
        "estimated / published": world["ratio"].map("{:.3f}".format),
        "returns, published / estimated": [f"{p:.1%} / {e:.1%}" for p, e in
                                           zip(world["published_return_share"], world["estimated_return_share"])],
        "ρ all corridors": ranks.loc[world.index, "all corridors"].map("{:.2f}".format),
        "ρ African origins": ranks.loc[world.index, "African origins"].map("{:.2f}".format),
        f"ρ {flow_study.LARGE_CORRIDOR:,}+": ranks.loc[world.index, large].map("{:.2f}".format),
        f"ρ {flow_study.LARGE_CORRIDOR:,}+, published stocks": control_ranks.loc[world.index, large].map("{:.2f}".format),
    })
    regions = checks["regions"][checks["regions"]["period_start"] == max(checks["world"]["period_start"])]
    region_table = regions.pivot(index="region", columns="side", values="ratio").reset_index()
    region_table = pd.DataFrame({"region": region_table["region"],
                                 "from the region": region_table["origin"].map("{:.2f}".format),
                                 "to the region": region_table["destination"].map("{:.2f}".format)})
    both = diagnostics[diagnostics["sex"] == "both"].set_index("period_start")
    latest = both.loc[both.index.max()]
    latest_published = both.loc[int(checks["world"]["period_start"].max())]
    recent = published[(published["sex"] == "both") & (published["type"] == "all")]
    recent_total = recent[recent["period_start"] == recent["period_start"].max()]["persons"].sum()
    own = estimated[(estimated["sex"] == "both") & (estimated["type"] == "all")]
    last = own[own["period_start"] == own["period_start"].max()]
    years = int(last["period_end"].iloc[0] - last["period_start"].iloc[0])
    returns = estimated[(estimated["sex"] == "both") & (estimated["type"] == "return")
                        & (estimated["period_start"] == last["period_start"].iloc[0])]["persons"].sum()
    previous = own[own["period_start"] == recent["period_start"].max()]["persons"].sum()
    published_world = recent.groupby("period", observed=True)["persons"].sum()
    ratio = world["ratio"]
    explorer = flow_estimator.published_stocks(flow_data_tables.load_flow_stocks(processed_dir))
    explorer = explorer.groupby("year")["migrants"].sum()
    undesa = load_migrant_stocks(processed_dir)
    unknown = undesa[undesa["origin_iso3"] == "OOO"].groupby("year")["migrants"].sum()
    known = undesa[undesa["origin_iso3"] != "OOO"].groupby("year")["migrants"].sum()
    first, last_year = int(explorer.index.min()), int(explorer.index.max())
    revision = (f"the published inputs hold {explorer[first] / 1e6:.1f} million migrants in {first} and "
                f"{explorer[last_year] / 1e6:.1f} million in {last_year}; UN DESA 2024 holds "
                f"{known[first] / 1e6:.1f} and {known[last_year] / 1e6:.1f} million of known origin, and "
                f"{unknown[first] / 1e6:.1f} and {unknown[last_year] / 1e6:.1f} million of unknown origin, which the "
                "project shares over the known birthplaces")
    return {
        "flow_stock_revision": revision,
        "flow_published_world": ", ".join(f"{period} {total / 1e6:.1f} M" for period, total in published_world.items()),
        "flow_weight": f"{diagnostics['weight'].iloc[0]:.3f}",
        "flow_bfh_weight": f"{latest_published['bfh_weight_mean']:.6f}",
        "flow_bfh_world": (f"{latest_published['bfh_world_flows'] / 1e6:.1f} million in "
                           f"{flow_data_period(int(latest_published.name))}, against the published "
                           f"{recent_total / 1e6:.1f} million"),
        "flow_unknown_shared": f"{latest['unknown_origin_shared_end'] / 1e6:.1f} million",
        "flow_unknown_left": f"{latest['unknown_origin_left_out_end']:,.0f}",
        "flow_left_out": latest["left_out_no_stocks"] or "none",
        "flow_left_population": f"{latest['left_out_population'] / 1e6:.1f} million",
        "flow_former_periods": ", ".join(sorted({flow_data_period(p) for p, row in both.iterrows()
                                                 if row["former_units"]})) or "none",
        "flow_validation_table": _markdown_table(table, "lrrrrrrrr"),
        "flow_world_range": f"{(ratio.min() - 1) * 100:+.1f} % to {(ratio.max() - 1) * 100:+.1f} %",
        "flow_rank_large_range": f"{ranks[large].min():.2f}–{ranks[large].max():.2f}",
        "flow_rank_large_control": f"{control_ranks[large].min():.2f}–{control_ranks[large].max():.2f}",
        "flow_region_period": str(regions["period"].iloc[0]),
        "flow_region_table": _markdown_table(region_table, "lrr"),
        "flow_latest_period": str(last["period"].iloc[0]),
        "flow_latest_total": f"{last['persons'].sum() / 1e6:.1f} million",
        "flow_latest_per_year": f"{last['persons'].sum() / years / 1e6:.1f} million a year",
        "flow_previous_per_year": f"{previous / 5 / 1e6:.1f} million a year",
        "flow_previous_published_per_year": f"{recent_total / 5 / 1e6:.1f} million",
        "flow_latest_returns": f"{returns / last['persons'].sum():.1%}",
    }


def flow_data_period(start: int) -> str:
    """``1990-1995`` from a stock period's start year."""
    return f"{start}-{dict(flow_estimator.PERIODS)[start]}"


def source_figures() -> dict[str, str]:
    """The data registry: each dataset's distribution (version), licence and access date, and its citation."""
    rows = []
    for key, meta in sources.registry()["datasets"].items():
        rows.append((meta["title"], meta["distribution"], meta["licence"], str(meta["accessed"]), len(meta["files"])))
    table = pd.DataFrame(rows, columns=["dataset", "version used", "licence", "accessed", "raw files"])
    keys = list(sources.registry()["datasets"])
    return {
        "sources_table": _markdown_table(table.assign(**{"raw files": table["raw files"].astype(str)}), "lllrr"),
        "citations": "\n".join(f"- {line}" for line in sources.citations(keys)),
    }


def group_figures(processed_dir: Path | None = None) -> dict[str, str]:
    """The package's groups: key, name, members, as-of date; the rule across years; the alias table's size."""
    idx = locations.index(processed_dir)
    rows = []
    for key in idx.groups:
        description = locations.group_description(key, processed_dir)
        rows.append((key, description.name, str(len(description.members)), description.as_of or ""))
    aliases = locations.load_aliases()
    forms = aliases["form"].value_counts()
    return {
        "groups_table": _markdown_table(pd.DataFrame(rows, columns=["group", "name", "members", "as of"]), "llrl"),
        "membership_rule": locations.MEMBERSHIP_ACROSS_YEARS,
        "alias_count": f"{len(aliases)}",
        "alias_forms": ", ".join(f"{count} {form}" for form, count in forms.items()),
    }


def precision_figures() -> dict[str, str]:
    """The stated precision of fitted and solved numbers and of figure data (:mod:`analysis.data.precision`)."""
    return {"fit_significant_digits": f"{precision.SIGNIFICANT_DIGITS}",
            "figure_data_digits": f"{precision.FIGURE_DATA_DIGITS}"}


def figures(processed_dir: Path | None = None) -> dict[str, str]:
    """Every placeholder's value, computed from the processed tables and the package."""
    values = {"package_version": __version__, **precision_figures()}
    for part in (validation_figures(processed_dir), probabilistic_figures(processed_dir), scenario_figures(),
                 demand_figures(), skill_demand_figures(processed_dir), pathway_figures(),
                 emigration_figures(processed_dir), flow_figures(processed_dir), source_figures(),
                 group_figures(processed_dir)):
        values.update(part)
    return values


# ---------------------------------------------------------------- rendering
def render_markdown(template: str, values: dict[str, str]) -> str:
    """Fill the ``{{ name }}`` placeholders of ``template``.

    Raises
    ------
    MethodsTemplateError
        When a placeholder has no value or a value has no placeholder.
    """
    wanted = set(PLACEHOLDER.findall(template))
    missing, unused = sorted(wanted - set(values)), sorted(set(values) - wanted)
    if missing:
        raise MethodsTemplateError(f"{SOURCE.name}: no value for placeholder(s) {missing}; add them to analysis/report/methods.py")
    if unused:
        raise MethodsTemplateError(f"{SOURCE.name}: computed value(s) {unused} are not used; place them or drop them")
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], template)


def to_html(markdown_text: str) -> str:
    """The page: Markdown (CommonMark with tables, raw HTML off) in a self-contained HTML document."""
    converter = MarkdownIt("commonmark", {"html": False, "typographer": False}).enable("table")
    body = converter.render(markdown_text)
    title = re.search(r"^# (.+)$", markdown_text, flags=re.MULTILINE)
    return PAGE.format(title=html.escape(title.group(1) if title else "Methods"), body=body)


def build_methods(target: Path | None = None, processed_dir: Path | None = None, source: Path | None = None) -> Path:
    """Write ``reports/methods.html`` from ``docs/methods.md`` and the figures computed now (atomically)."""
    template = Path(source or SOURCE).read_text(encoding="utf-8")
    page = to_html(render_markdown(template, figures(processed_dir)))
    target = Path(target or TARGET)
    atomic_write_text(target, page)
    return target


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 0 auto; max-width: 62rem; padding: 1rem 1.5rem 3rem; color: #222;
        line-height: 1.5; }}
h1 {{ margin-bottom: 0.2rem; }} h2 {{ border-bottom: 2px solid #1f5a96; padding-bottom: 0.2rem; margin-top: 2.2rem; }}
a {{ color: #1f5a96; }} nav {{ font-size: 0.9rem; margin-bottom: 1rem; }}
pre {{ background: #f4f6fa; border-left: 3px solid #1f5a96; padding: 0.6rem 0.9rem; overflow-x: auto; font-size: 0.9rem;
       line-height: 1.45; }}
code {{ font-size: 0.92em; }}
table {{ border-collapse: collapse; font-size: 0.86rem; margin: 0.8rem 0; display: block; overflow-x: auto; }}
th, td {{ padding: 0.25rem 0.6rem; border-bottom: 1px solid #dde; vertical-align: top; }}
th {{ background: #eef2f8; text-align: left; }}
</style></head>
<body>
<nav><a href="index.html">← All reports</a></nav>
{body}
</body></html>
"""
