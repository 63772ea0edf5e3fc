"""The build: every processed table from the raw files (``python -m analysis build``).

The raw files are checked against their pinned SHA-256 first.  Each step
reads its raw inputs, cleans them, validates the result, writes Parquet
atomically and reads the written file back to check it.  ``manifest.json`` is
removed first and written last, so its presence means a complete build.
"""

from __future__ import annotations

import json
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from analysis import paths
from analysis.data import education
from analysis.data import employment
from analysis.data import flows as flows_module
from analysis.data import locations as locations_module
from analysis.data import stocks as stocks_module
from analysis.data import wpp
from analysis.data import wpp_intervals
from analysis.data.conventions import FERTILITY_AGE_GROUPS, MORTALITY_AGE_GROUPS, AGE_GROUPS
from analysis.data.sources import check_raw, read_raw
from analysis.data.tables import (
    MANIFEST_NAME,
    TABLE_KEYS,
    ValidationError,
    atomic_write_text,
    check_complete_ages,
    check_non_negative,
    check_unique,
    sha256_of,
    write_parquet,
)

def build(
    raw_dir: Path | None = None,
    out_dir: Path | None = None,
    progress: Callable[[str], None] | None = None,
    read: Callable[[str], pd.DataFrame] | None = None,
    group_definitions: dict | None = None,
) -> dict:
    """Build every processed table from the raw files and write a manifest.

    Parameters
    ----------
    raw_dir : Path, optional
        Folder of the fetched raw files (``data/raw`` by default).
    out_dir : Path, optional
        Folder of the processed tables (``data/processed`` by default).
    progress : callable, optional
        Called with one line per table (e.g. ``print``).
    read : callable, optional
        ``read(name) -> DataFrame`` for a registry name such as
        ``"wpp2024/popAge5dt.rda"``; by default the raw file is read from
        ``raw_dir``.  Tests pass small fixture frames this way.
    group_definitions : dict, optional
        Parsed ``groups.yml``; the package's own by default.

    Returns
    -------
    dict
        The manifest: per table, rows, columns and SHA-256 of the file.
    """
    out_dir = Path(out_dir or paths.PROCESSED)
    say = progress or (lambda message: None)
    if read is None:
        check_raw(raw_dir)  # every raw file against its pinned SHA-256 before anything is read
    if read is not None:
        return _build_tables(read, out_dir, say, group_definitions)
    with _ReadAhead(raw_dir, READ_AHEAD) as raw:
        return _build_tables(raw, out_dir, say, group_definitions)


#: Raw files read in a second process from the start while the build works through the others (pyreadr holds
#: the GIL): the Wittgenstein Centre's table alone takes 5.5 s of a 19 s build on the project's machine.
READ_AHEAD = ("wcde/epop_ssp2.rda",)


def _read_compact(name: str, raw_dir: Path | None) -> tuple[pd.DataFrame, list[str]]:
    """:func:`read_raw` in the read-ahead process: text columns sent back as categoricals (a tenth of the bytes)."""
    frame = read_raw(name, raw_dir)
    text = [column for column in frame.columns if frame[column].dtype == object]
    return frame.astype({column: "category" for column in text}), text


class _ReadAhead:
    """``read(name)`` for the build: the files of ``names`` come from a second process started at once."""

    def __init__(self, raw_dir: Path | None, names: tuple[str, ...]) -> None:
        self.raw_dir = raw_dir
        # spawn, not fork: a forked child of a process running pyarrow's or OpenBLAS's threads can hang
        self.pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
        self.ahead = {name: self.pool.submit(_read_compact, name, raw_dir) for name in names}

    def __call__(self, name: str) -> pd.DataFrame | dict:
        future = self.ahead.pop(name, None)
        if future is None:
            return read_raw(name, self.raw_dir)
        frame, text = future.result()  # a DataFetchError of the other process is raised here
        return frame.astype({column: object for column in text})  # exactly as read_raw gives it

    def __enter__(self) -> "_ReadAhead":
        return self

    def __exit__(self, *exc_info) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def _build_tables(raw: Callable[[str], pd.DataFrame], out_dir: Path, say: Callable[[str], None],
                  group_definitions: dict | None) -> dict:
    """The body of :func:`build`, reading raw files through ``raw``."""
    # the manifest goes first and comes back last: while it is missing, readers know the build is incomplete
    (out_dir / MANIFEST_NAME).unlink(missing_ok=True)
    manifest: dict[str, dict] = {}
    started = time.perf_counter()

    def emit(name: str, df: pd.DataFrame) -> None:
        target = write_parquet(df, out_dir / f"{name}.parquet")
        back = pd.read_parquet(target)
        if len(back) != len(df) or list(back.columns) != list(df.columns):
            raise ValidationError(f"{name}: the written file does not read back as written")
        check_unique(back, TABLE_KEYS[name], name)
        manifest[name] = {"rows": len(back), "columns": list(back.columns), "sha256": sha256_of(target)}
        say(f"{name}: {len(back):,} rows ({time.perf_counter() - started:.1f} s)")

    locations, membership = locations_module.clean_locations(
        raw("wpp2024/UNlocations.txt"), raw("gdidata/countrynames.rda"), group_definitions
    )
    # the package's alias table names real WPP locations; a test world's definitions come without one
    aliases = locations_module.load_aliases() if group_definitions is None else None
    locations_module.validate_locations(locations, membership, group_definitions, aliases)
    emit("locations", locations)
    emit("location_groups", membership)

    population = wpp.clean_population(raw("wpp2024/popAge5dt.rda"), raw("wpp2024/popprojAge5dt.rda"))
    worst = wpp.validate_population(population, membership)
    emit("population", population)
    say(
        f"  countries sum to all {len(worst)} WPP aggregates: at most {worst['max_difference'].max():,.0f} persons "
        f"({worst['max_relative_difference'].max():.1e} relative) apart"
    )

    totals = wpp.clean_population_totals(raw("wpp2024/popproj1dt.rda"))
    check_non_negative(totals, "population", "population_totals")
    emit("population_totals", totals)

    tfr = wpp.clean_tfr(raw("wpp2024/tfr5dt.rda"), raw("wpp2024/tfrproj5dt.rda"))
    check_non_negative(tfr, "tfr", "tfr")
    emit("tfr", tfr)

    pattern = wpp.clean_fertility_age_pattern(raw("wpp2024/percentASFR5dt.rda"))
    check_non_negative(pattern, "share", "fertility_age_pattern")
    check_complete_ages(pattern, ["location_code", "period_start"], FERTILITY_AGE_GROUPS, "fertility_age_pattern")
    sums = pattern.groupby(["location_code", "period_start"])["share"].sum()
    if (sums - 1).abs().max() > 1e-4:
        raise ValidationError(f"fertility_age_pattern: shares do not sum to 1 (worst {sums.sub(1).abs().max():.2e})")
    emit("fertility_age_pattern", pattern)

    mortality = wpp.clean_mortality(raw("wpp2024/mx5dt.rda"))
    check_non_negative(mortality, "mx", "mortality")
    check_complete_ages(mortality, ["location_code", "period_start", "sex"], MORTALITY_AGE_GROUPS, "mortality")
    emit("mortality", mortality)

    srb = wpp.clean_sex_ratio_at_birth(raw("wpp2024/sexRatio5dt.rda"))
    check_non_negative(srb, "srb", "sex_ratio_at_birth")
    emit("sex_ratio_at_birth", srb)

    migration = wpp.clean_net_migration(raw("wpp2024/migprojAge5dt.rda"))
    check_complete_ages(migration, ["location_code", "period_start", "sex"], AGE_GROUPS, "net_migration")
    if migration["net_migrants"].isna().any():
        raise ValidationError("net_migration: missing values")
    emit("net_migration", migration)

    e0 = wpp.clean_life_expectancy(raw("wpp2024/e05dt.rda"), raw("wpp2024/e0proj5dt.rda"))
    check_non_negative(e0, "e0", "life_expectancy")
    emit("life_expectancy", e0)

    migrant_stocks = stocks_module.clean_migrant_stocks(raw("gdidata/undesa_stocks.rda"), locations)
    stocks_module.validate_migrant_stocks(migrant_stocks, locations)
    emit("migrant_stocks", migrant_stocks)
    wdi = stocks_module.clean_wdi(raw("gdidata/wdi.rda"), locations)
    stocks_module.validate_wdi(wdi)
    emit("wdi", wdi)
    midyear = stocks_module.clean_midyear_population(
        raw("wpp2024/popproj1dt.rda"), raw("wpp2024/miscproj1dt.rda"), years=(2024, 2025)
    )
    gap = stocks_module.validate_midyear_population(midyear[midyear["year"] == 2025], population)
    emit("population_midyear", midyear[midyear["year"] == 2024].reset_index(drop=True))
    say(f"  1 July 2024 from end-of-year totals; the method reproduces 1 July 2025 within {gap:,.1f} persons")
    unmatched = stocks_module.unmatched_codes(migrant_stocks, wdi, locations, raw("gdidata/countrynames.rda"))
    emit("unmatched_codes", unmatched)
    listed = ", ".join(f"{r.iso3} ({r.dataset} {r.role})" for r in unmatched.itertuples())
    say(f"  unmatched codes (table unmatched_codes): {listed}")

    _build_flows(raw, locations, membership, population, midyear, srb, mortality, emit, say,
                 published=group_definitions is None)

    _build_intervals(raw, population, tfr, e0, migration, locations, emit, say)
    _build_education(raw(education.RAW_FILE), population, locations, emit, say)
    _build_employment(raw, locations, emit, say)

    atomic_write_text(out_dir / MANIFEST_NAME, json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    say(f"processed tables written to {out_dir} in {time.perf_counter() - started:.1f} s")
    return manifest


def _build_flows(raw: Callable[[str], pd.DataFrame], locations: pd.DataFrame, membership: pd.DataFrame,
                 population: pd.DataFrame, midyear: pd.DataFrame, srb: pd.DataFrame, mortality: pd.DataFrame,
                 emit: Callable[[str, pd.DataFrame], None], say: Callable[[str], None], published: bool) -> None:
    """The published flow estimates (Abel and Cohen 2022) and the demography of the project's own estimates.

    ``published`` checks the world totals against the figures measured in the
    data mirror's README (the package's real data, not a test world).
    """
    expected = flows_module.MEASURED_WORLD_TOTALS if published else None
    flows, flow_stocks, names, summary = flows_module.build_flow_tables(raw, locations, membership, expected)
    emit("flows", flows)
    emit("flow_stocks", flow_stocks)
    emit("flow_names", names)
    world = ", ".join(f"{flows_module.period_label(s, s + 5)} {v / 1e6:.1f} M" for s, v in summary["world"].items())
    say(f"  world flows (both sexes, all types): {world}; types sum to all within {summary['type_gap']:.0f} persons "
        f"a cell; the explorer's totals within {summary['explorer_gap']:.0f} persons of its cells")
    unmapped = names[names["iso3"].isna()]
    say("  flow names not mapped (left out): " + (", ".join(
        f"{r.name} ({r.outflows + r.inflows:,.0f} persons in and out)" for r in unmapped.itertuples()) or "none")
        + "; former countries kept: " + (", ".join(f"{r.name} = {r.iso3}" for r in names.itertuples()
                                                   if r.iso3 in flows_module.FORMER_UNITS) or "none")
        + "; by override: " + (", ".join(f"{r.name} = {r.iso3}" for r in names.itertuples()
                                          if r.matched == "override") or "none"))

    demography = flows_module.clean_flow_demography(
        population, midyear, raw("wpp2024/popproj1dt.rda"), raw("wpp2024/misc1dt.rda"), raw("wpp2024/miscproj1dt.rda"),
        srb, mortality, locations, stocks_module.STOCK_YEARS)
    balance = flows_module.validate_flow_demography(demography)
    emit("flow_demography", demography)
    worst = max(balance.values(), key=abs)
    say(f"  flow demography: {demography['location_code'].nunique()} countries; the world's population change equals "
        f"births minus deaths within {abs(worst):,.0f} persons a period")


def _build_intervals(raw: Callable[[str], pd.DataFrame], population: pd.DataFrame, tfr: pd.DataFrame,
                     e0: pd.DataFrame, migration: pd.DataFrame, locations: pd.DataFrame,
                     emit: Callable[[str, pd.DataFrame], None], say: Callable[[str], None]) -> None:
    """WPP's published quantiles of TFR, e0, annual migration and 1 July population, checked against the variants."""
    tfr_quantiles = wpp_intervals.clean_tfr_quantiles(raw("wpp2024/tfrproj5dt.rda"))
    wpp_intervals.check_quantile_table(tfr_quantiles, "tfr", "tfr_quantiles", positive=True)
    e0_quantiles = wpp_intervals.clean_life_expectancy_quantiles(raw("wpp2024/e0proj5dt.rda"))
    wpp_intervals.check_quantile_table(e0_quantiles, "e0", "life_expectancy_quantiles", minimum=0.0)
    migration_quantiles = wpp_intervals.clean_migration_quantiles(raw("wpp2024/migproj1dt.rda"))
    wpp_intervals.check_quantile_table(migration_quantiles, "net_migrants", "migration_quantiles")
    population_quantiles = wpp_intervals.clean_population_quantiles(raw("wpp2024/popproj1dt.rda"))
    wpp_intervals.check_quantile_table(population_quantiles, "population", "population_quantiles", minimum=0.0)
    countries = locations.loc[locations["kind"] == "country", "location_code"].to_numpy()
    found = wpp_intervals.check_against_variants(tfr_quantiles, e0_quantiles, population_quantiles, migration_quantiles,
                                                 tfr, e0, population, migration,
                                                 countries[np.isin(countries, migration["location_code"])])
    for name, table in (("tfr_quantiles", tfr_quantiles), ("life_expectancy_quantiles", e0_quantiles),
                        ("migration_quantiles", migration_quantiles), ("population_quantiles", population_quantiles)):
        emit(name, table)
    filled = int(tfr_quantiles["filled"].sum() + e0_quantiles["filled"].sum())
    say(f"  WPP quantiles: medians equal the medium variant (TFR {found['tfr']:.1e}, e0 {found['e0']:.1e}); 1 July "
        f"population within {found['population']:,.1f} persons of the 5-year table; annual migration weighted "
        f"1/2, 1, 1, 1, 1, 1/2 within {found['migration']:,.0f} persons of the period totals; {filled} missing "
        "95 % bounds filled by a normal tail")


def _build_education(raw_epop: pd.DataFrame, population: pd.DataFrame, locations: pd.DataFrame,
                     emit: Callable[[str, pd.DataFrame], None], say: Callable[[str], None]) -> None:
    """The education tables (WIC 2018, SSP2): cleaned, checked, and harmonised with WPP 2024 medium."""
    aggregates = locations.loc[locations["kind"] == "aggregate", "location_code"]
    levels, detail = education.clean_education(raw_epop, aggregates)
    education.check_education(levels)
    split = education.check_post_secondary_detail(detail, levels)
    gap = education.check_level_totals(education.level_totals(levels, detail))
    emit("education", levels)
    emit("education_detail", detail)
    names = locations.set_index("location_code")["name"]
    units = sorted(set(levels["location_code"]) - set(locations["location_code"]))
    takers = {unit: [names[c] for c, d in education.DEFAULT_SHARE_DONORS.items() if d == unit] for unit in units}
    wic_names = raw_epop.drop_duplicates("country_code").set_index("country_code")["name"]
    say("  WIC units that are not WPP countries: "
        + (", ".join(f"{wic_names.get(float(u), u)} ({u}; shares taken by {', '.join(t) or 'nobody'})"
                     for u, t in takers.items()) or "none"))
    say(f"  {levels['location_code'].nunique()} WIC countries; post-secondary split in {split['location_code'].nunique()} "
        f"of them ({len(split):,} cells, sub-levels at most {split['difference'].abs().max():,.0f} persons from "
        f"post-secondary); totals read both ways at most {gap:,.0f} persons apart")

    shares = education.education_shares(levels)
    education.check_shares(shares)
    detail_shares = education.detail_shares(detail)
    education.check_shares(detail_shares, "detail")
    emit("education_shares", shares)
    emit("education_detail_shares", detail_shares)

    medium = wpp.variant_series(population, ["medium"])
    harmonised = education.harmonise(shares, medium)
    worst = education.check_harmonised(harmonised, medium)
    emit("education_harmonised", harmonised)
    say(f"  harmonised with WPP 2024 medium: every cell sums back to WPP within {worst:.1e} persons")

    countries = locations.loc[locations["kind"] == "country", "location_code"]
    covered = education.coverage(shares, medium, countries)
    emit("education_coverage", covered)
    totals = education.compare_totals(levels, medium)
    emit("education_totals", totals)
    now = covered[covered["year"] == education.COMPARISON_YEARS[0]]
    say(f"  {int(now['covered'].sum())} of {len(now)} WPP countries have an education split; "
        f"without one: {int((~now['covered']).sum())} ({now.loc[~now['covered'], 'population'].sum():,.0f} people in "
        f"{int(now['year'].iloc[0])})")
    for row in education.summarise_totals(totals).itertuples():
        say(f"  WIC against WPP totals, {row.year}, {row.countries} countries of 1 million or more: median "
            f"{row.median:.1%}, worst {names.get(row.worst_code, row.worst_code)} {row.worst_signed:+.1%}")


def _build_employment(raw: Callable[[str], pd.DataFrame], locations: pd.DataFrame,
                      emit: Callable[[str, pd.DataFrame], None], say: Callable[[str], None]) -> None:
    """ILOSTAT employment by occupation, place of birth and education (IOM snapshot), checked."""
    files = employment.RAW_FILES
    isco = employment.clean_isco(raw(files["isco"]))
    check_unique(isco, TABLE_KEYS["isco_groups"], "isco_groups")
    occupation = employment.clean_occupation(raw(files["occupation"]), locations)
    employment.check_counts(occupation, "employment_occupation")
    employment.check_classifications(occupation, isco, "employment_occupation")
    birth, dropped = employment.clean_occupation_birth(raw(files["occupation_birth"]), locations)
    employment.check_counts(birth, "employment_occupation_birth")
    employment.check_classifications(birth, isco, "employment_occupation_birth")
    parts = employment.check_birth_parts(birth)
    sexes = employment.check_sex_totals(occupation, birth)
    educ = employment.clean_education(raw(files["education"]), locations)
    employment.check_counts(educ, "employment_education")
    unemployment = employment.clean_unemployment(raw(files["unemployment"]), locations)
    employment.check_counts(unemployment, "unemployment_education", "unemployment_rate")
    if (unemployment["unemployment_rate"] > 100).any():
        raise ValidationError("unemployment_education: rates above 100 %")
    earnings = employment.clean_earnings(raw(files["earnings"]), locations)
    employment.check_counts(earnings, "earnings_birth", "mean_monthly_earnings")
    cover = employment.coverage(occupation, birth, educ, locations)
    for name, table in (("isco_groups", isco), ("employment_occupation", occupation),
                        ("employment_occupation_birth", birth), ("employment_education", educ),
                        ("unemployment_education", unemployment), ("earnings_birth", earnings),
                        ("employment_coverage", cover)):
        emit(name, table)

    names = pd.Series(cover["name"].fillna(cover["iso3"]).to_numpy(), index=cover["iso3"].to_numpy())
    current = cover.dropna(subset=["occupation_year"])
    years = current["occupation_year"].astype(int)
    say(f"  ILOSTAT occupations: {len(current)} countries, reference years {years.min()}-{years.max()} "
        f"({int((years >= 2020).sum())} from 2020 on); each cell keeps its own latest year, so a country's "
        "cells outside its reference year are left out, never summed with it")
    left = current[current["cells_other_years"] > 0]
    largest = left.nlargest(3, "employed_other_years")
    say(f"  cells in other years than the reference year (left out): {int(left['cells_other_years'].sum())} in "
        f"{len(left)} countries ({left['employed_other_years'].sum():,.0f} persons"
        + "".join(f"; {names[r.iso3]} {r.cells_other_years} cells, {r.employed_other_years:,.0f}"
                  for r in largest.itertuples()) + ")")
    isco68 = current[current["classification"] == employment.ISCO68]
    say("  ISCO-68 only (kept apart from ISCO-08): "
        + (", ".join(f"{names[r.iso3]} {r.occupation_year}" for r in isco68.itertuples()) or "none"))
    partial = current[(current["classification"] == employment.ISCO08) & (current["groups_missing"] != "")]
    say(f"  ISCO-08 reference years lacking a major group 1-9: {len(partial)} countries"
        + "".join(f"; {names[r.iso3]} {r.occupation_year} (groups {r.groups_missing})" for r in partial.itertuples()))
    say(f"  sexes: female + male (+ other, never in a reference year) of every occupation equal the "
        f"place-of-birth table's Total within {employment.OCCUPATION_TOTAL_TOLERANCE:g} person in all "
        f"{sexes['countries']} countries sharing a reference year (worst {sexes['worst']:,.0f}); different "
        f"sources, not checked: {'; '.join(employment.DIFFERENT_SOURCES.values())}")
    say(f"  place of birth: foreign + native + unknown exceed the Total by at most {parts['cell_excess']:,.0f} "
        f"person a cell and fall short of a country's Total by up to {parts['country_shortfall']:.1%} "
        f"({names.get(parts['country_shortfall_iso3'], parts['country_shortfall_iso3'])}; median "
        f"{parts['median_country_shortfall']:.2%}): shares are taken against Total; {int(dropped['rows'].sum())} "
        f"rows of {', '.join(employment.AMBIGUOUS_CODES)} dropped in {dropped['iso3'].nunique()} countries "
        "(several values for one key)")
    outside = cover[cover["location_code"].isna()]
    say("  ILOSTAT codes that are not WPP countries (kept, not in any group): " + (", ".join(outside["iso3"]) or "none"))
    missing = employment.without_data(cover)
    say(f"  WPP countries without occupation data ({len(missing)}): {', '.join(missing)}")
    missing_birth = employment.without_data(cover, "birth_year")
    say(f"  WPP countries without ISCO-08 occupation by place of birth ({len(missing_birth)}): {', '.join(missing_birth)}")
